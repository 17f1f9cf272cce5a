import { frameworkRank, type FrameworkId } from "./catalog";
import { EVIDENCE_KIND_INFO } from "./crosswalk";
import type { ControlStatus, Status } from "./engine-types";

// Roll-ups of the engine's statuses for dashboards and reports: per control over models, per framework,
// by severity, and the most important gaps in plain words.


/** Team-level status of one control over its models: any failing -> failing, any stale -> stale, all satisfied -> satisfied, all not assessed -> not assessed, else partial. */
export function rollup(statuses: Status[]): Status {
  if (statuses.length === 0) return "not_assessed";
  if (statuses.includes("failing")) return "failing";
  if (statuses.includes("stale")) return "stale";
  if (statuses.every((s) => s === "satisfied")) return "satisfied";
  if (statuses.every((s) => s === "not_assessed")) return "not_assessed";
  return "partial";
}

export type StatusCounts = Record<Status, number>;
export const emptyCounts = (): StatusCounts => ({ satisfied: 0, partial: 0, failing: 0, stale: 0, not_assessed: 0 });

/** Per framework: how many controls are in each status (team roll-up over models). */
export function countsByFramework(statuses: ControlStatus[]): Map<FrameworkId, StatusCounts> {
  const perControl = new Map<string, { fw: FrameworkId; s: Status[] }>();
  for (const s of statuses) {
    const e = perControl.get(s.control) ?? { fw: s.framework, s: [] };
    e.s.push(s.status);
    perControl.set(s.control, e);
  }
  const out = new Map<FrameworkId, StatusCounts>();
  for (const { fw, s } of perControl.values()) {
    const counts = out.get(fw) ?? emptyCounts();
    counts[rollup(s)]++;
    out.set(fw, counts);
  }
  return out;
}

const SEVERITY: Record<Status, number> = { failing: 0, stale: 1, partial: 2, not_assessed: 3, satisfied: 4 };

/** Most severe first (failing, stale, partial, not assessed, satisfied), then by model label. */
export function bySeverity(a: Pick<ControlStatus, "status" | "modelLabel">, b: Pick<ControlStatus, "status" | "modelLabel">): number {
  return SEVERITY[a.status] - SEVERITY[b.status] || a.modelLabel.localeCompare(b.modelLabel, "en", { numeric: true });
}

export interface Gap {
  control: string;
  controlId: string;
  framework: FrameworkId;
  modelId: string | null;
  status: Status;
  /** "digits-cnn v1 fails MEASURE 2.7: worst-case robust accuracy 3.0% < 60% at Linf 0.1 (evaluation #4)." */
  sentence: string;
  next: string | null;
}

const VERB: Record<Status, string> = { failing: "fails", stale: "has stale evidence for", partial: "partly meets", not_assessed: "has no evidence for", satisfied: "meets" };

/** The most important gaps, in plain words: failing first, then stale, then partial with direct evidence. */
export function topGaps(statuses: ControlStatus[], limit = 8): Gap[] {
  const gaps = statuses
    .filter((s) => s.status === "failing" || s.status === "stale" || (s.status === "partial" && s.findings.some((f) => f.mark === "direct" && f.outcome !== "pass" && EVIDENCE_KIND_INFO[f.evidence].available)))
    .sort((a, b) => SEVERITY[a.status] - SEVERITY[b.status] || frameworkRank(a.framework) - frameworkRank(b.framework) || a.control.localeCompare(b.control, "en", { numeric: true }));
  const seen = new Set<string>();
  const out: Gap[] = [];
  for (const s of gaps) {
    // One sentence per distinct reason: the same failing measurement shows under many controls.
    const k = `${s.modelId}|${s.reason}`;
    if (seen.has(k)) continue;
    seen.add(k);
    const reason = s.reason.startsWith(`${s.modelLabel}: `) ? s.reason.slice(s.modelLabel.length + 2) : s.reason;
    out.push({ control: s.control, controlId: s.controlId, framework: s.framework, modelId: s.modelId, status: s.status, sentence: `${s.modelLabel} ${VERB[s.status]} ${s.controlId}: ${reason}`, next: s.next });
    if (out.length >= limit) break;
  }
  return out;
}
