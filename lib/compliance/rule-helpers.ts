import type { DatasetEvidence, EvaluationEvidence, EvidenceLink, Finding, ModelEvidence, TeamEvidence } from "./engine-types";
import { EVIDENCE_KIND_INFO, type EvidenceKind } from "./crosswalk";
import { normLabel, TIER_LABELS, type Policy, type Tier, type TierPolicy, type Verdict } from "./policy";

// What every per-kind rule (rules-evaluations.ts, rules-records.ts) shares: the context of one model under
// its tier's policy, the finding shape, links to records, and the age and suite checks.

const DAY = 86_400_000;
const ageDays = (now: Date, d: Date) => Math.floor((now.getTime() - d.getTime()) / DAY);
export const short = (digest: string) => digest.slice(0, 12);
export const EPS_TOL = 1e-9;

export const modelLabel = (m: Pick<ModelEvidence, "name" | "version">) => `${m.name} v${m.version}`;

export function evalLink(e: EvaluationEvidence, extra: Partial<EvidenceLink> = {}): EvidenceLink {
  return { type: "evaluation", id: e.id, label: `Evaluation #${e.number}`, path: `evaluations/${e.number}`, verdict: e.verdict, ...extra };
}
export function modelLink(m: ModelEvidence): EvidenceLink {
  return { type: "model", id: m.versionId, label: `${modelLabel(m)} (sha256 ${short(m.digest)}…)`, path: `models/${m.modelId}`, digest: m.digest };
}
export function evalDatasetLink(e: EvaluationEvidence): EvidenceLink {
  return { type: "dataset", id: e.datasetVersionId, label: `${e.datasetLabel} (sha256 ${short(e.datasetDigest)}…)`, path: `datasets/${e.datasetId}`, digest: e.datasetDigest };
}
export function datasetLink(d: DatasetEvidence): EvidenceLink {
  return { type: "dataset", id: d.versionId, label: `${d.label} (sha256 ${short(d.digest)}…)`, path: `datasets/${d.datasetId}`, digest: d.digest };
}
export interface Ctx { policy: Policy; tp: TierPolicy; tier: Tier; now: Date; m: ModelEvidence | null; team: TeamEvidence }

/** Why an evaluation does not meet the tier's required suite (empty: it does). */
export function suiteShortfalls(e: EvaluationEvidence, tp: TierPolicy): string[] {
  const out: string[] = [];
  const rs = tp.requiredSuite;
  if (e.attacks.length < rs.minAttacks) out.push(`${e.attacks.length} attack${e.attacks.length === 1 ? "" : "s"} (needs ${rs.minAttacks})`);
  if (rs.requireIterative && !e.attacks.some((a) => a.family === "iterative")) out.push("no iterative attack such as PGD");
  if (e.samples < rs.minSampleCount) out.push(`${e.samples} samples (needs ${rs.minSampleCount})`);
  for (const t of tp.thresholds) {
    if (!e.worstCase.some((w) => w.norm === t.norm && Math.abs(w.eps - t.eps) < EPS_TOL)) out.push(`no ${normLabel(t.norm)} ${t.eps} budget`);
  }
  return out;
}

export const byNewest = (a: EvaluationEvidence, b: EvaluationEvidence) => b.finishedAt.getTime() - a.finishedAt.getTime() || b.number - a.number;

/** The evaluation that decides: the newest that meets the required suite (null: none does). */
export function decidingEvaluation(m: Pick<ModelEvidence, "evaluations">, tp: TierPolicy): EvaluationEvidence | null {
  return [...m.evaluations].sort(byNewest).find((e) => suiteShortfalls(e, tp).length === 0) ?? null;
}

export function verdictAccepted(v: Verdict | null, tp: TierPolicy): boolean {
  if (v === "reliable") return true;
  if (v === "questionable") return tp.requiredVerdict === "questionable";
  return false;
}

export function stale(c: Ctx, d: Date): boolean {
  return ageDays(c.now, d) > c.tp.maxEvidenceAgeDays;
}

export function staleReason(c: Ctx, what: string, d: Date): string {
  return `${what} is ${ageDays(c.now, d)} days old; the policy for ${TIER_LABELS[c.tier].toLowerCase()}-risk models accepts at most ${c.tp.maxEvidenceAgeDays} days`;
}

export type KindFinding = Omit<Finding, "mark" | "scope" | "evidence">;

export function notRecorded(kind: EvidenceKind): KindFinding {
  return { outcome: "missing", reason: `Bulwark does not record ${EVIDENCE_KIND_INFO[kind].short.toLowerCase()} yet.`, next: "Attest the control with the external evidence, if it applies.", links: [] };
}
