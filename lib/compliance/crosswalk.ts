import { z } from "zod";
import defaultData from "./catalogs/crosswalk-default.json";
import { controlKey, isFrameworkId, type Catalog, type FrameworkId } from "./catalog";

// Which kind of Bulwark evidence supports which control, and how strongly. The default comes from the
// suggested crosswalk; a team may add, change or remove rows (CrosswalkOverride, audited).

export const EVIDENCE_KINDS = ["E1", "E2", "E3", "E4", "E5", "E6", "E7", "E8", "E9", "E10", "E11", "E12", "E13", "E14", "E15"] as const;
export type EvidenceKind = (typeof EVIDENCE_KINDS)[number];
export const MARKS = ["direct", "supporting", "threat"] as const;
export type Mark = (typeof MARKS)[number];

/** Our own words for an evidence kind, beside the id and title the suggested crosswalk gives it. */
interface EvidenceKindWords {
  short: string;
  /** What Bulwark records for it today; false: no such records yet (the mapping then brings no evidence). */
  available: boolean;
}

export interface EvidenceKindInfo extends EvidenceKindWords {
  id: EvidenceKind;
  title: string;
}

/** Own-words short names; `available` says whether Bulwark records this evidence yet. */
const SHORT: Record<EvidenceKind, EvidenceKindWords> = {
  E1: { short: "Robust accuracy vs policy threshold", available: true },
  E2: { short: "Evaluation checks (attack strength, gradient masking, clean accuracy above chance)", available: true },
  E3: { short: "Evaluation record", available: true },
  E4: { short: "Team robustness policy", available: true },
  E5: { short: "Model registry entry and card", available: true },
  E6: { short: "Dataset provenance, licence, personal data", available: true },
  E7: { short: "Membership-inference results", available: true },
  E8: { short: "Production drift monitoring", available: true },
  E9: { short: "Scheduled re-evaluation and regression alerts", available: true },
  E10: { short: "Deployment gate, rollback, retirement records", available: true },
  E11: { short: "Signed reports and audit log", available: true },
  E12: { short: "Reviewer attestation", available: true },
  E13: { short: "Calibration and OOD detection vs policy", available: true },
  E14: { short: "Common-corruption robustness vs policy", available: true },
  E15: { short: "Training-data integrity scan vs policy", available: true },
};

export const EVIDENCE_KIND_INFO: Record<EvidenceKind, EvidenceKindInfo> = Object.fromEntries(
  defaultData.evidenceKinds.map((k) => [k.id, { id: k.id as EvidenceKind, title: k.title, ...SHORT[k.id as EvidenceKind] }]),
) as Record<EvidenceKind, EvidenceKindInfo>;

export interface CrosswalkEntry {
  evidence: EvidenceKind;
  /** Catalog control key, `${framework}:${id}`. */
  control: string;
  mark: Mark;
  /** The part of the control the evidence covers, when only part. */
  scope: string | null;
  basis: string | null;
  /** "default" or "team" (an override added or changed by the team). */
  origin: "default" | "team";
}

export type Crosswalk = CrosswalkEntry[];

export const DEFAULT_CROSSWALK: Crosswalk = defaultData.entries.map((e) => ({
  evidence: e.evidence as EvidenceKind,
  control: controlKey(e.framework as FrameworkId, e.control),
  mark: e.mark as Mark,
  scope: e.scope,
  basis: e.basis,
  origin: "default",
}));

/** A team's change to one row: set (add or change the mark/scope) or remove. */
export const CrosswalkOverrideSchema = z.object({
  evidence: z.enum(EVIDENCE_KINDS, { error: "choose an evidence kind" }),
  control: z.string().trim().min(3).max(120).refine((v) => isFrameworkId(v.slice(0, Math.max(0, v.indexOf(":")))), { error: "choose a control" }),
  action: z.enum(["set", "remove"]),
  mark: z.enum(MARKS).optional(),
  scope: z.string().trim().max(300).nullish().transform((v) => v || null),
  reason: z.string().trim().min(5, { error: "say why the mapping changes (at least 5 characters)" }).max(1000),
}).refine((o) => o.action === "remove" || o.mark, { path: ["mark"], error: "choose direct or supporting" });
export type CrosswalkOverrideInput = z.input<typeof CrosswalkOverrideSchema>;

export interface CrosswalkOverride {
  evidence: EvidenceKind;
  control: string;
  action: "set" | "remove";
  mark?: Mark | null;
  scope?: string | null;
  reason?: string | null;
}

/** Pure: the default rows with the team's overrides applied (later overrides win). */
export function applyOverrides(base: Crosswalk, overrides: CrosswalkOverride[]): Crosswalk {
  const rows = new Map<string, CrosswalkEntry>(base.map((e) => [`${e.evidence}|${e.control}`, e]));
  for (const o of overrides) {
    const k = `${o.evidence}|${o.control}`;
    if (o.action === "remove") rows.delete(k);
    else rows.set(k, { evidence: o.evidence, control: o.control, mark: o.mark ?? "supporting", scope: o.scope ?? null, basis: o.reason ?? rows.get(k)?.basis ?? null, origin: "team" });
  }
  return [...rows.values()];
}

/** Rows whose control is missing from the catalog (a test keeps this empty for the default). */
export function unknownControls(crosswalk: Crosswalk, catalog: Catalog): string[] {
  return [...new Set(crosswalk.filter((e) => !catalog.byKey.has(e.control)).map((e) => e.control))];
}

export function entriesByControl(crosswalk: Crosswalk): Map<string, CrosswalkEntry[]> {
  const m = new Map<string, CrosswalkEntry[]>();
  for (const e of crosswalk) {
    const list = m.get(e.control) ?? [];
    list.push(e);
    m.set(e.control, list);
  }
  return m;
}
