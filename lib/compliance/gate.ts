import type { ControlStatus, EvaluationEvidence, IntegrityEvidence, PrivacyEvaluationEvidence } from "./engine-types";
import type { Framework } from "./catalog";
import { verdictLabel } from "../engine/verdict-words";
import { decidingEvaluation, suiteShortfalls } from "./rule-helpers";
import { describeThreshold, normLabel, pct, TIER_LABELS, type Tier, type TierPolicy } from "./policy";

// The release gate a CI pipeline asks before shipping one model version: does the version's evidence
// meet the team's policy for its risk tier, and is no regression alert open? Pure: the caller loads rows.

export type GateOutcome = "pass" | "fail";
export interface GateCheck {
  /** Stable id for machines: suite, reliability, threshold:<norm>:<eps>, clean-accuracy, freshness, regression. */
  id: string;
  label: string;
  outcome: GateOutcome;
  detail: string;
}
export interface GateInput {
  tier: Tier;
  tierPolicy: TierPolicy;
  /** Completed evaluations of this model version. */
  evaluations: EvaluationEvidence[];
  /** Open (unacknowledged) regression alerts raised by evaluations of this version. */
  openAlerts: { summary: string; evaluationNumber: number | null }[];
  now: Date;
  /** Completed privacy (membership-inference) evaluations of this version; checked against the tier's privacy limits. */
  privacy?: PrivacyEvaluationEvidence[];
  /** Completed training-data integrity scans of this version; checked against the tier's integrity limits. */
  integrity?: IntegrityEvidence[];
}
export interface GateVerdict {
  pass: boolean;
  /** The evaluation whose numbers decided, if any met the required suite. */
  evaluationNumber: number | null;
  checks: GateCheck[];
}

const DAY = 86_400_000;
const EPS_TOL = 1e-9;

export function gateVerdict(g: GateInput): GateVerdict {
  const tp = g.tierPolicy;
  const tierName = `${TIER_LABELS[g.tier].toLowerCase()}-risk`;
  const checks: GateCheck[] = [];
  const e = decidingEvaluation({ evaluations: g.evaluations }, tp);

  if (!e) {
    const latest = [...g.evaluations].sort((a, b) => b.finishedAt.getTime() - a.finishedAt.getTime())[0];
    checks.push({
      id: "suite",
      label: "Required suite",
      outcome: "fail",
      detail: latest
        ? `Evaluation #${latest.number} does not meet the suite required for ${tierName} models: ${suiteShortfalls(latest, tp).join("; ")}.`
        : "No completed evaluation of this version.",
    });
  } else {
    checks.push({ id: "suite", label: "Required suite", outcome: "pass", detail: `Evaluation #${e.number}: ${e.attacks.length} attacks on ${e.samples} samples.` });
    const verdictOk = e.verdict === "reliable" || (e.verdict === "questionable" && tp.requiredVerdict === "questionable");
    checks.push({
      id: "reliability",
      label: "Evaluation checks",
      outcome: verdictOk ? "pass" : "fail",
      detail: `${verdictLabel(e.verdict)} (${e.verdict ?? "none"}); the policy requires ${tp.requiredVerdict === "reliable" ? "them passed" : "them passed, or passed with warnings"}.${!verdictOk && e.reliabilityReasons[0] ? ` ${e.reliabilityReasons[0]}` : ""}`,
    });
    for (const t of tp.thresholds) {
      const w = e.worstCase.find((x) => x.norm === t.norm && Math.abs(x.eps - t.eps) < EPS_TOL);
      const ok = !!w && w.robustAccuracy >= t.min;
      checks.push({
        id: `threshold:${t.norm}:${t.eps}`,
        label: `Robust accuracy ${normLabel(t.norm)} ${t.eps}`,
        outcome: ok ? "pass" : "fail",
        detail: w ? `${pct(w.robustAccuracy, 1)} measured; policy: ${describeThreshold(t)}.` : `Not measured; policy: ${describeThreshold(t)}.`,
      });
    }
    if (tp.minCleanAccuracy !== null) {
      const ok = e.cleanAccuracy !== null && e.cleanAccuracy >= tp.minCleanAccuracy;
      checks.push({ id: "clean-accuracy", label: "Clean accuracy", outcome: ok ? "pass" : "fail", detail: `${e.cleanAccuracy === null ? "not measured" : pct(e.cleanAccuracy, 1)}; policy: at least ${pct(tp.minCleanAccuracy)}.` });
    }
    const age = Math.floor((g.now.getTime() - e.finishedAt.getTime()) / DAY);
    checks.push({ id: "freshness", label: "Evidence age", outcome: age <= tp.maxEvidenceAgeDays ? "pass" : "fail", detail: `${age} day${age === 1 ? "" : "s"} old; policy: at most ${tp.maxEvidenceAgeDays} days for ${tierName} models.` });
  }

  checks.push(...privacyChecks(g));
  checks.push(...integrityChecks(g));

  checks.push(
    g.openAlerts.length === 0
      ? { id: "regression", label: "Regression alerts", outcome: "pass", detail: "No open regression alert for this version." }
      : { id: "regression", label: "Regression alerts", outcome: "fail", detail: `${g.openAlerts.length} open: ${g.openAlerts.map((a) => (a.evaluationNumber ? `#${a.evaluationNumber} ${a.summary}` : a.summary)).join("; ")}. A reviewer acknowledges an alert once it is dealt with.` },
  );
  return { pass: checks.every((c) => c.outcome === "pass"), evaluationNumber: e?.number ?? null, checks };
}

/**
 * The tier's privacy limits against the newest usable privacy evaluation of the version. With no privacy
 * evaluation the check passes and says so (E7 shows the evidence as missing); a limit the evaluation could not
 * resolve (too few non-members for that FPR) fails: the limit is not shown to hold.
 */
function privacyChecks(g: GateInput): GateCheck[] {
  const lim = g.tierPolicy.privacy;
  if (!lim || (lim.maxAuc === null && lim.maxTprAt1Fpr === null && lim.maxTprAt01Fpr === null)) return [];
  const e = [...(g.privacy ?? [])].sort((a, b) => b.finishedAt.getTime() - a.finishedAt.getTime() || b.number - a.number).find((p) => p.verdict !== "unreliable");
  if (!e) return [{ id: "privacy", label: "Membership inference", outcome: "pass", detail: "No privacy evaluation of this version: its privacy limits are not checked until one is run (the controls show the membership-inference evidence as missing)." }];
  const out: GateCheck[] = [];
  const one = (id: string, label: string, value: number | null, limit: number | null, fmt: (v: number) => string, needs: number) => {
    if (limit === null) return;
    if (value === null) out.push({ id, label, outcome: "fail", detail: `Not resolvable in evaluation #${e.number}: ${e.nonMembers} non-members, ${needs.toLocaleString("en")} needed; policy: at most ${fmt(limit)}.` });
    else out.push({ id, label, outcome: value <= limit ? "pass" : "fail", detail: `${fmt(value)} measured in evaluation #${e.number} (${e.attack}); policy: at most ${fmt(limit)}.` });
  };
  one("privacy:auc", "Membership-inference AUC", e.auc, lim.maxAuc, (v) => v.toFixed(3), 0);
  one("privacy:tpr@1%", "Membership TPR at 1% FPR", e.tprAt1Fpr, lim.maxTprAt1Fpr, (v) => pct(v, 1), 100);
  one("privacy:tpr@0.1%", "Membership TPR at 0.1% FPR", e.tprAt01Fpr, lim.maxTprAt01Fpr, (v) => pct(v, 2), 1000);
  return out;
}

/**
 * The tier's training-data integrity limits against the newest usable integrity scan of the version: no live
 * backdoor, at most the allowed share of likely mislabelled examples, no train/held-out leakage. With no scan
 * the check passes and says so (E15 shows the evidence as missing); a limit the scan could not measure (no
 * cross-validation, no held-out data) fails: the limit is not shown to hold.
 */
function integrityChecks(g: GateInput): GateCheck[] {
  const lim = g.tierPolicy.integrity;
  if (!lim || (lim.maxSuspectedMislabelShare === null && !lim.requireNoLiveBackdoor && !lim.requireNoLeakage)) return [];
  const e = [...(g.integrity ?? [])].sort((a, b) => b.finishedAt.getTime() - a.finishedAt.getTime() || b.number - a.number).find((s) => s.verdict !== "unreliable");
  if (!e) return [{ id: "integrity", label: "Training-data integrity", outcome: "pass", detail: "No integrity scan of this version (or only unreliable ones): its training-data limits are not checked until one is run (the controls show the integrity evidence as missing)." }];
  const scan = `scan #${e.number} of ${e.datasetLabel}`;
  const out: GateCheck[] = [];
  if (lim.requireNoLiveBackdoor) {
    out.push(e.liveBackdoors.length === 0
      ? { id: "integrity:backdoor", label: "Live backdoor", outcome: "pass", detail: `No candidate trigger flipped other classes' inputs above its control in ${scan}.` }
      : { id: "integrity:backdoor", label: "Live backdoor", outcome: "fail", detail: `A live trigger towards class${e.liveBackdoors.length === 1 ? "" : "es"} ${e.liveBackdoors.map((c) => `"${c}"`).join(", ")} in ${scan}; policy: no live backdoor.` });
  }
  if (lim.maxSuspectedMislabelShare !== null) {
    const v = e.suspectedMislabelShare;
    out.push(v === null
      ? { id: "integrity:mislabelled", label: "Likely mislabelled examples", outcome: "fail", detail: `Not measured in ${scan} (no cross-validation); policy: at most ${pct(lim.maxSuspectedMislabelShare, 1)}.` }
      : { id: "integrity:mislabelled", label: "Likely mislabelled examples", outcome: v <= lim.maxSuspectedMislabelShare ? "pass" : "fail", detail: `${pct(v, 1)} flagged in ${scan}; policy: at most ${pct(lim.maxSuspectedMislabelShare, 1)}.` });
  }
  if (lim.requireNoLeakage) {
    const n = e.leakageGroups;
    out.push(n === null
      ? { id: "integrity:leakage", label: "Train/test leakage", outcome: "fail", detail: `Not measured in ${scan} (no held-out data was scanned); policy: no duplicates across training and held-out data.` }
      : { id: "integrity:leakage", label: "Train/test leakage", outcome: n === 0 ? "pass" : "fail", detail: n === 0 ? `No duplicates across the training and held-out data in ${scan}.` : `${n} duplicate group${n === 1 ? "" : "s"} across the training and held-out data in ${scan}; policy: none.` });
  }
  return out;
}

/** Statuses that block a release when a framework is named at the gate: evidence against the control, or too old. */
const BLOCKING = new Set(["failing", "stale"]);

/**
 * One check per framework the caller names at the gate (bundled or the team's own catalog): it fails while
 * any of the framework's controls is failing or stale for the model. Statuses are assessed for a model's
 * current version only, so for an older version the check fails and says so rather than borrow them.
 */
export function frameworkChecks(frameworks: Pick<Framework, "id" | "shortName" | "revision">[], statuses: ControlStatus[], isCurrentVersion: boolean): GateCheck[] {
  return frameworks.map((f) => {
    const id = `framework:${f.id}`;
    const label = `Controls of ${f.shortName}${f.revision ? ` (catalog v${f.revision})` : ""}`;
    if (!isCurrentVersion) return { id, label, outcome: "fail", detail: "Control statuses are assessed for the model's current version only; gate that version, or leave the framework out." };
    const mine = statuses.filter((s) => s.framework === f.id);
    const blocking = mine.filter((s) => BLOCKING.has(s.status));
    if (!mine.length) return { id, label, outcome: "pass", detail: "No assessable control of this framework applies to the model." };
    const counts = (["satisfied", "partial", "not_assessed"] as const).map((st) => [st, mine.filter((s) => s.status === st).length] as const).filter(([, n]) => n).map(([st, n]) => `${n} ${st.replace("_", " ")}`).join(", ");
    if (!blocking.length) return { id, label, outcome: "pass", detail: `None of ${mine.length} controls failing or stale (${counts}).` };
    const named = blocking.slice(0, 5).map((s) => `${s.controlId} ${s.status}`).join(", ");
    return { id, label, outcome: "fail", detail: `${blocking.length} of ${mine.length} controls failing or stale: ${named}${blocking.length > 5 ? ", …" : ""}.` };
  });
}
