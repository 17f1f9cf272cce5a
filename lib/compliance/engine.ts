import { FRAMEWORK_IDS, type Catalog, type Control, type FrameworkId } from "./catalog";
import { verdictLabel } from "../engine/verdict-words";
import { entriesByControl, EVIDENCE_KIND_INFO, type Crosswalk, type CrosswalkEntry, type EvidenceKind, type Mark } from "./crosswalk";
import { describeThreshold, normLabel, pct, TIER_LABELS, type Policy, type Tier, type TierPolicy, type Verdict } from "./policy";

// The status engine: (policy, catalog, crosswalk, evidence) -> a status for every model × control.
// Pure: no database, no clock (evidence.now), no I/O. Every status says why in plain words and links the
// exact records it rests on. Rules, in order:
//   1. fresh direct evidence that fails            -> failing
//   2. direct evidence older than the policy allows, or the attestation it needs has expired -> stale
//   3. all direct evidence passes, and the attestation is valid where one is needed -> satisfied
//      (a control with only supporting mappings needs an attestation to be satisfied)
//   4. some evidence or an attestation, but not enough -> partial
//   5. nothing direct holds, but supporting evidence fails (or is stale) -> partial (or stale)
//   6. nothing -> not assessed (every finding then reads "no evidence" or, for supporting records, "passes")
// An evaluation whose reliability verdict is "unreliable" never counts as passing evidence, and a final
// guard refuses "satisfied" for any status that links one.

export const STATUSES = ["satisfied", "partial", "failing", "stale", "not_assessed"] as const;
export type Status = (typeof STATUSES)[number];
export const STATUS_LABELS: Record<Status, string> = {
  satisfied: "Satisfied", partial: "Partial", failing: "Failing", stale: "Stale", not_assessed: "Not assessed",
};

// ---- Evidence (input) ------------------------------------------------------------------------------

export interface EvaluationEvidence {
  id: string;
  number: number;
  finishedAt: Date;
  modelVersionId: string;
  modelDigest: string;
  datasetVersionId: string;
  /** The dataset (pages are per dataset; the version is named in the label). */
  datasetId: string;
  datasetLabel: string;
  datasetDigest: string;
  verdict: Verdict | null;
  reliabilityReasons: string[];
  /** Attacks of the suite (without the sanity check). */
  attacks: { id: string; family: string; norm: string }[];
  samples: number;
  cleanAccuracy: number | null;
  worstCase: { norm: string; eps: number; robustAccuracy: number }[];
  backend: string | null;
  /** Calibration, OOD and corruption results, when the evaluation measured them (null fields: not measured). */
  beyond?: BeyondEvidence;
}

export interface BeyondEvidence {
  /** Clean expected calibration error, and the largest ECE over the attack budgets. */
  ece: number | null;
  eceUnderAttackMax: number | null;
  /** OOD-detection AUROC by maximum softmax probability; share of OOD inputs answered with >= 90% confidence. */
  oodAuroc: number | null;
  oodHighConfidenceShare: number | null;
  /** Mean accuracy over the common corruptions and severities; mean corruption error. */
  corruptionAccuracy: number | null;
  corruptionMCE: number | null;
}

/** A completed training-data integrity scan (evaluation kind "integrity") of a model version. */
export interface IntegrityEvidence {
  id: string;
  number: number;
  finishedAt: Date;
  /** The training dataset version scanned. */
  datasetVersionId: string;
  datasetLabel: string;
  samples: number;
  /** Confident-learning share of likely mislabelled examples; null when cross-validation did not run. */
  suspectedMislabelShare: number | null;
  /** Classes flagged by activation clustering, and classes with a live trigger. */
  flaggedClasses: string[];
  liveBackdoors: string[];
  /** Duplicate groups across the training and held-out data; null when no held-out data was scanned. */
  leakageGroups: number | null;
  verdict: Verdict | null;
}

export interface DatasetEvidence {
  versionId: string;
  datasetId: string;
  label: string;
  digest: string;
  licence: string;
  personalData: string;
  source: string;
  legalBasis: string;
}

export interface ModelEvidence {
  modelId: string;
  name: string;
  versionId: string;
  version: number;
  digest: string;
  tier: Tier;
  owner: string;
  /** Card fields an auditor expects that are empty. */
  cardGaps: string[];
  registeredAt: Date;
  /** Completed evaluations of this version, any order. */
  evaluations: EvaluationEvidence[];
  /** Completed training-data integrity scans of this version, any order (absent: none loaded). */
  integrity?: IntegrityEvidence[];
  evaluationDataset: DatasetEvidence | null;
  trainingDataset: DatasetEvidence | null;
  openAlerts: { id: string; summary: string; createdAt: Date; maxDropPp: number | null; evaluationNumber: number | null }[];
  schedules: { id: string; name: string; paused: boolean; nextRunAt: Date | null }[];
  /** Deployment decisions and production monitoring of the model (lib/operations); absent: not loaded. */
  operations?: OperationsEvidence;
  /** Completed privacy (membership-inference) evaluations of this version (E7); absent: none loaded. */
  privacy?: PrivacyEvaluationEvidence[];
}

/** A completed membership-inference evaluation: the strongest attack's figures (lib/evaluations/privacy.ts). */
export interface PrivacyEvaluationEvidence {
  id: string;
  number: number;
  finishedAt: Date;
  verdict: Verdict | null;
  attack: string;
  auc: number;
  aucLow: number;
  aucHigh: number;
  advantage: number;
  /** null: not resolvable with this many non-members. */
  tprAt1Fpr: number | null;
  tprAt01Fpr: number | null;
  members: number;
  nonMembers: number;
  lira: boolean;
}

/** Per environment that runs the model: the decision that put the current version there, and its monitoring. */
export interface OperationsEvidence {
  environments: {
    environmentId: string;
    environment: string;
    version: number;
    kind: string;
    gatePassed: boolean;
    overrideReason: string | null;
    evidenceHash: string;
    at: Date;
    by: string;
    batches: number;
    lastBatchAt: Date | null;
    openAlerts: { id: string; signal: string; severity: string; summary: string; acknowledged: boolean }[];
  }[];
}

export interface AttestationEvidence {
  id: string;
  control: string;
  /** null: attests for the whole team. */
  modelId: string | null;
  statement: string;
  attestedByUserId: string | null;
  attestedByLabel: string;
  attestedAt: Date;
  expiresAt: Date;
  revokedAt: Date | null;
  files: { name: string; sha256: string }[];
}

export interface TeamEvidence {
  policyVersion: number | null;
  policyUpdatedAt: Date | null;
  auditChainIntact: boolean;
  auditEventCount: number;
}

export interface Evidence {
  now: Date;
  team: TeamEvidence;
  models: ModelEvidence[];
  attestations: AttestationEvidence[];
  /** Team members' e-mails/names per user id, to tell whether an attester is the model owner. */
  userIdentities?: Record<string, string[]>;
}

// ---- Status (output) ------------------------------------------------------------------------------

export type LinkType = "evaluation" | "model" | "dataset" | "policy" | "attestation" | "alert" | "schedule" | "audit" | "deployment" | "monitoring";
export interface EvidenceLink {
  type: LinkType;
  id: string;
  label: string;
  /** Path under /t/<team>/, e.g. "evaluations/<id>". */
  path: string;
  digest?: string;
  metric?: string;
  value?: number;
  threshold?: number;
  verdict?: Verdict | null;
}

export type Outcome = "pass" | "partial" | "fail" | "stale" | "missing";
export interface Finding {
  evidence: EvidenceKind;
  mark: Mark;
  scope: string | null;
  outcome: Outcome;
  reason: string;
  next: string | null;
  links: EvidenceLink[];
}

export interface ControlStatus {
  control: string;
  framework: FrameworkId;
  controlId: string;
  /** null only for the team-level subject used when the team has no models. */
  modelId: string | null;
  modelLabel: string;
  status: Status;
  /** The one-line reason, in plain words. */
  reason: string;
  /** Every reason that counted. */
  reasons: string[];
  next: string | null;
  findings: Finding[];
  attestation: { state: "valid" | "expired" | "revoked" | "owner" | "none"; needed: boolean; id: string | null; expiresAt: Date | null; by: string | null };
  catalogVersion: string;
  policyVersion: number | null;
  computedAt: Date;
}

const DAY = 86_400_000;
const ageDays = (now: Date, d: Date) => Math.floor((now.getTime() - d.getTime()) / DAY);
const short = (digest: string) => digest.slice(0, 12);
const EPS_TOL = 1e-9;

export const modelLabel = (m: Pick<ModelEvidence, "name" | "version">) => `${m.name} v${m.version}`;

function evalLink(e: EvaluationEvidence, extra: Partial<EvidenceLink> = {}): EvidenceLink {
  return { type: "evaluation", id: e.id, label: `Evaluation #${e.number}`, path: `evaluations/${e.number}`, verdict: e.verdict, ...extra };
}
function modelLink(m: ModelEvidence): EvidenceLink {
  return { type: "model", id: m.versionId, label: `${modelLabel(m)} (sha256 ${short(m.digest)}…)`, path: `models/${m.modelId}`, digest: m.digest };
}
function evalDatasetLink(e: EvaluationEvidence): EvidenceLink {
  return { type: "dataset", id: e.datasetVersionId, label: `${e.datasetLabel} (sha256 ${short(e.datasetDigest)}…)`, path: `datasets/${e.datasetId}`, digest: e.datasetDigest };
}
function datasetLink(d: DatasetEvidence): EvidenceLink {
  return { type: "dataset", id: d.versionId, label: `${d.label} (sha256 ${short(d.digest)}…)`, path: `datasets/${d.datasetId}`, digest: d.digest };
}

// ---- Per evidence kind: one finding per model -----------------------------------------------------

interface Ctx { policy: Policy; tp: TierPolicy; tier: Tier; now: Date; m: ModelEvidence | null; team: TeamEvidence }

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

const byNewest = (a: EvaluationEvidence, b: EvaluationEvidence) => b.finishedAt.getTime() - a.finishedAt.getTime() || b.number - a.number;

/** The evaluation that decides: the newest that meets the required suite (null: none does). */
export function decidingEvaluation(m: Pick<ModelEvidence, "evaluations">, tp: TierPolicy): EvaluationEvidence | null {
  return [...m.evaluations].sort(byNewest).find((e) => suiteShortfalls(e, tp).length === 0) ?? null;
}

function verdictAccepted(v: Verdict | null, tp: TierPolicy): boolean {
  if (v === "reliable") return true;
  if (v === "questionable") return tp.requiredVerdict === "questionable";
  return false;
}

function stale(c: Ctx, d: Date): boolean {
  return ageDays(c.now, d) > c.tp.maxEvidenceAgeDays;
}

function staleReason(c: Ctx, what: string, d: Date): string {
  return `${what} is ${ageDays(c.now, d)} days old; the policy for ${TIER_LABELS[c.tier].toLowerCase()}-risk models accepts at most ${c.tp.maxEvidenceAgeDays} days`;
}

type KindFinding = Omit<Finding, "mark" | "scope" | "evidence">;

function e1Robustness(c: Ctx): KindFinding {
  const m = c.m;
  if (!m) return { outcome: "missing", reason: "No model is registered, so no robustness has been measured.", next: "Register a model and run an evaluation.", links: [] };
  const ml = modelLabel(m);
  if (m.evaluations.length === 0) {
    return { outcome: "missing", reason: `${ml} has no completed evaluation.`, next: `Run an evaluation of ${ml} that meets the required suite.`, links: [modelLink(m)] };
  }
  const e = decidingEvaluation(m, c.tp);
  if (!e) {
    const latest = [...m.evaluations].sort(byNewest)[0];
    return {
      outcome: "partial",
      reason: `Evaluation #${latest.number} of ${ml} does not meet the required suite for ${TIER_LABELS[c.tier].toLowerCase()}-risk models: ${suiteShortfalls(latest, c.tp).join("; ")}.`,
      next: `Run an evaluation with the required suite (at least ${c.tp.requiredSuite.minAttacks} attacks, ${c.tp.requiredSuite.minSampleCount} samples${c.tp.thresholds.length ? `, budgets ${c.tp.thresholds.map((t) => `${normLabel(t.norm)} ${t.eps}`).join(", ")}` : ""}).`,
      links: [evalLink(latest), modelLink(m)],
    };
  }
  const links: EvidenceLink[] = [evalLink(e), modelLink(m), evalDatasetLink(e)];
  if (!verdictAccepted(e.verdict, c.tp)) {
    const why = e.reliabilityReasons[0] ? `: ${e.reliabilityReasons[0]}` : "";
    return {
      outcome: "fail",
      reason: `${ml}: evaluation #${e.number} is ${e.verdict ? `${e.verdict} (${verdictLabel(e.verdict).toLowerCase()}${why})` : "not checked"}; the policy requires its checks ${c.tp.requiredVerdict === "reliable" ? "passed" : "passed, or passed with warnings"}, so its numbers cannot show robustness.`,
      next: "Look at the evaluation's checks (gradient masking, attack strength, clean accuracy against chance), fix the cause and re-run it.",
      links,
    };
  }
  const fails: string[] = [];
  const passes: string[] = [];
  for (const t of c.tp.thresholds) {
    const w = e.worstCase.find((x) => x.norm === t.norm && Math.abs(x.eps - t.eps) < EPS_TOL)!;
    const ok = w.robustAccuracy >= t.min;
    const text = `worst-case robust accuracy ${pct(w.robustAccuracy, 1)} ${ok ? "≥" : "<"} ${pct(t.min)} at ${normLabel(t.norm)} ${t.eps}`;
    (ok ? passes : fails).push(text);
    links.push(evalLink(e, { metric: `worst-case robust accuracy ${normLabel(t.norm)} ${t.eps}`, value: w.robustAccuracy, threshold: t.min, label: `Evaluation #${e.number}: ${text}` }));
  }
  if (c.tp.minCleanAccuracy !== null && e.cleanAccuracy !== null) {
    const ok = e.cleanAccuracy >= c.tp.minCleanAccuracy;
    const text = `clean accuracy ${pct(e.cleanAccuracy, 1)} ${ok ? "≥" : "<"} ${pct(c.tp.minCleanAccuracy)}`;
    (ok ? passes : fails).push(text);
    links.push(evalLink(e, { metric: "clean accuracy", value: e.cleanAccuracy, threshold: c.tp.minCleanAccuracy, label: `Evaluation #${e.number}: ${text}` }));
  }
  const verdictNote = e.verdict === "questionable" ? " (evaluation checks with warnings, accepted by the policy)" : "";
  if (stale(c, e.finishedAt)) {
    return {
      outcome: "stale",
      reason: `${ml}: ${staleReason(c, `evaluation #${e.number}`, e.finishedAt)} (it measured ${[...fails, ...passes].join(", ") || "no thresholded metric"}).`,
      next: `Re-run the evaluation of ${ml}, or schedule it.`,
      links,
    };
  }
  if (fails.length) {
    return { outcome: "fail", reason: `${ml}: ${fails.join("; ")} (evaluation #${e.number}).`, next: `Harden ${m.name} (e.g. adversarial training), register the new version and evaluate it; or record a documented risk acceptance.`, links };
  }
  if (c.tp.thresholds.length === 0) {
    return { outcome: "pass", reason: `${ml}: evaluation #${e.number} meets the required suite; the ${TIER_LABELS[c.tier].toLowerCase()}-risk policy sets no robustness threshold${verdictNote}.`, next: null, links };
  }
  return { outcome: "pass", reason: `${ml}: ${passes.join("; ")} (evaluation #${e.number}${verdictNote}).`, next: null, links };
}

function e2Reliability(c: Ctx): KindFinding {
  const m = c.m;
  if (!m) return { outcome: "missing", reason: "No model is registered.", next: null, links: [] };
  const e = decidingEvaluation(m, c.tp) ?? [...m.evaluations].sort(byNewest)[0];
  if (!e) return { outcome: "missing", reason: `${modelLabel(m)} has no completed evaluation, so no evaluation checks have run.`, next: `Run an evaluation of ${modelLabel(m)}.`, links: [modelLink(m)] };
  const links = [evalLink(e, { metric: "evaluation checks" })];
  if (stale(c, e.finishedAt)) return { outcome: "stale", reason: `${modelLabel(m)}: ${staleReason(c, `the checks of evaluation #${e.number}`, e.finishedAt)}.`, next: "Re-run the evaluation.", links };
  if (e.verdict === "reliable") return { outcome: "pass", reason: `${modelLabel(m)}: evaluation #${e.number} passed its evaluation checks (no sign of gradient masking or weak attacks; clean accuracy clearly above chance). This says its numbers can be trusted, not that the model is robust.`, next: null, links };
  if (e.verdict === "questionable") {
    return {
      outcome: c.tp.requiredVerdict === "questionable" ? "pass" : "fail",
      reason: `${modelLabel(m)}: evaluation #${e.number} is questionable (its checks passed with warnings)${e.reliabilityReasons[0] ? `: ${e.reliabilityReasons[0]}` : ""}${c.tp.requiredVerdict === "reliable" ? "; the policy requires them passed" : "; the policy accepts warnings"}.`,
      next: c.tp.requiredVerdict === "reliable" ? "Review the warnings of the evaluation's checks and re-run with stronger attacks." : null,
      links,
    };
  }
  return { outcome: "fail", reason: `${modelLabel(m)}: evaluation #${e.number} is unreliable (its checks failed)${e.reliabilityReasons[0] ? `: ${e.reliabilityReasons[0]}` : ""}.`, next: "Fix what the evaluation's checks found and re-run the evaluation.", links };
}

function e3Record(c: Ctx): KindFinding {
  const m = c.m;
  if (!m) return { outcome: "missing", reason: "No model is registered.", next: null, links: [] };
  const usable = [...m.evaluations].sort(byNewest).filter((e) => e.verdict !== "unreliable" && e.verdict !== null);
  const e = usable[0];
  if (!e) {
    if (m.evaluations.length) return { outcome: "partial", reason: `${modelLabel(m)}: the only evaluation records are unreliable, so they cannot document the testing.`, next: "Re-run the evaluation.", links: m.evaluations.map((x) => evalLink(x)) };
    return { outcome: "missing", reason: `${modelLabel(m)} has no evaluation record.`, next: `Run an evaluation of ${modelLabel(m)}.`, links: [modelLink(m)] };
  }
  const links = [evalLink(e), modelLink(m), evalDatasetLink(e)];
  if (stale(c, e.finishedAt)) return { outcome: "stale", reason: `${modelLabel(m)}: ${staleReason(c, `the newest evaluation record (#${e.number})`, e.finishedAt)}.`, next: "Re-run the evaluation.", links };
  return {
    outcome: "pass",
    reason: `${modelLabel(m)}: evaluation #${e.number} records the test set (${e.datasetLabel}, sha256 ${short(e.datasetDigest)}…), ${e.attacks.length} attacks, ${e.samples} samples, the model digest (sha256 ${short(m.digest)}…)${e.backend ? ` and the engine backend (${e.backend})` : ""}.`,
    next: null,
    links,
  };
}

function e4Policy(c: Ctx): KindFinding {
  const links: EvidenceLink[] = c.team.policyVersion ? [{ type: "policy", id: String(c.team.policyVersion), label: `Robustness policy v${c.team.policyVersion}`, path: "settings/policy" }] : [];
  if (!c.team.policyVersion) return { outcome: "missing", reason: "The team has not saved a robustness policy; the built-in default applies.", next: "A reviewer reviews and saves the policy (Settings → Policy).", links };
  if (c.tp.thresholds.length === 0) return { outcome: "partial", reason: `Policy v${c.team.policyVersion} sets no robustness threshold for ${TIER_LABELS[c.tier].toLowerCase()}-risk models.`, next: "Set a threshold for this tier if robustness matters for it.", links };
  return { outcome: "pass", reason: `Policy v${c.team.policyVersion} sets, for ${TIER_LABELS[c.tier].toLowerCase()}-risk models: ${c.tp.thresholds.map(describeThreshold).join("; ")}; evidence at most ${c.tp.maxEvidenceAgeDays} days old.`, next: null, links };
}

function e5Card(c: Ctx): KindFinding {
  const m = c.m;
  if (!m) return { outcome: "missing", reason: "No model is registered in Bulwark.", next: "Register the team's models.", links: [] };
  const links = [modelLink(m)];
  if (m.cardGaps.length) return { outcome: "partial", reason: `${modelLabel(m)} is registered (sha256 ${short(m.digest)}…) but its card lacks: ${m.cardGaps.join(", ")}.`, next: `Complete the model card of ${modelLabel(m)}.`, links };
  return { outcome: "pass", reason: `${modelLabel(m)} is registered with digest sha256 ${short(m.digest)}… and a complete card (intended use, limits, risk tier ${TIER_LABELS[m.tier].toLowerCase()}, owner ${m.owner}).`, next: null, links };
}

function e6Data(c: Ctx): KindFinding {
  const m = c.m;
  if (!m) return { outcome: "missing", reason: "No model is registered.", next: null, links: [] };
  const sets = [m.evaluationDataset, m.trainingDataset].filter((d): d is DatasetEvidence => d !== null);
  if (sets.length === 0) return { outcome: "missing", reason: `No dataset is linked to ${modelLabel(m)} (no training data on its card and no evaluation).`, next: "Register the training dataset and link it on the model card.", links: [modelLink(m)] };
  const gaps: string[] = [];
  for (const d of sets) {
    if (d.licence === "unknown") gaps.push(`${d.label}: licence unknown`);
    if (d.personalData === "unknown") gaps.push(`${d.label}: whether it holds personal data is unknown`);
    if (!d.source.trim()) gaps.push(`${d.label}: no source`);
  }
  if (!m.trainingDataset) gaps.push("the training dataset is not linked on the model card");
  const links = sets.map(datasetLink);
  if (gaps.length) return { outcome: "partial", reason: `${modelLabel(m)}: ${gaps.join("; ")}.`, next: "Complete the dataset cards (licence, personal data, source) and link the training data.", links };
  return { outcome: "pass", reason: `${modelLabel(m)}: ${sets.map((d) => `${d.label} (licence ${d.licence}, personal data: ${d.personalData}, sha256 ${short(d.digest)}…)`).join("; ")} have recorded provenance.`, next: null, links };
}

function notRecorded(kind: EvidenceKind): KindFinding {
  return { outcome: "missing", reason: `Bulwark does not record ${EVIDENCE_KIND_INFO[kind].short.toLowerCase()} yet.`, next: "Attest the control with the external evidence, if it applies.", links: [] };
}

function e9Monitoring(c: Ctx): KindFinding {
  const m = c.m;
  if (!m) return { outcome: "missing", reason: "No model is registered.", next: null, links: [] };
  const over = m.openAlerts.filter((a) => a.maxDropPp === null || a.maxDropPp > c.tp.regressionTolerancePp);
  const active = m.schedules.filter((s) => !s.paused);
  const links: EvidenceLink[] = [
    ...over.map((a): EvidenceLink => ({ type: "alert", id: a.id, label: a.summary, path: "evaluations", metric: "robust accuracy drop (pp)", value: a.maxDropPp ?? undefined, threshold: c.tp.regressionTolerancePp })),
    ...active.map((s): EvidenceLink => ({ type: "schedule", id: s.id, label: `Schedule “${s.name}”${s.nextRunAt ? `, next run ${s.nextRunAt.toISOString().slice(0, 16).replace("T", " ")} UTC` : ""}`, path: "evaluations" })),
  ];
  if (over.length) return { outcome: "fail", reason: `${modelLabel(m)}: ${over.length} open regression alert${over.length > 1 ? "s" : ""} beyond the ${c.tp.regressionTolerancePp} pp tolerance: ${over[0].summary}`, next: "Investigate the regression and acknowledge the alert with a note, or roll back.", links };
  if (active.length === 0) {
    return { outcome: c.tp.requireSchedule ? "fail" : "partial", reason: `${modelLabel(m)} has no active evaluation schedule${c.tp.requireSchedule ? `; the policy requires one for ${TIER_LABELS[c.tier].toLowerCase()}-risk models` : ""}.`, next: `Schedule regular re-evaluation of ${m.name}.`, links };
  }
  return { outcome: "pass", reason: `${modelLabel(m)} is re-evaluated on a schedule (${active.map((s) => s.name).join(", ")}) with no open regression beyond ${c.tp.regressionTolerancePp} pp.`, next: null, links };
}

function deployedEnvironments(c: Ctx): OperationsEvidence["environments"] | KindFinding {
  const m = c.m;
  if (!m) return { outcome: "missing", reason: "No model is registered.", next: null, links: [] };
  const envs = m.operations?.environments ?? [];
  if (envs.length === 0) return { outcome: "missing", reason: `${m.name} is not deployed through Bulwark: no promotion through the gate is recorded.`, next: `Promote a version of ${m.name} to an environment under Operations.`, links: [] };
  return envs;
}

function e10Deployments(c: Ctx): KindFinding {
  const envs = deployedEnvironments(c);
  if (!Array.isArray(envs)) return envs;
  const m = c.m!;
  const links = envs.map((e): EvidenceLink => ({ type: "deployment", id: e.environmentId, label: `${e.environment}: ${m.name} v${e.version}, ${e.kind === "rollback" ? "rolled back" : "promoted"} by ${e.by} (evidence sha256 ${short(e.evidenceHash)}…)`, path: `operations/${m.modelId}`, digest: e.evidenceHash }));
  const overridden = envs.filter((e) => !e.gatePassed);
  if (overridden.length) {
    return { outcome: "partial", reason: `${overridden.map((e) => `${e.environment} runs ${m.name} v${e.version} although its gate failed${e.overrideReason ? `, under a reviewer's override (“${e.overrideReason}”)` : ""}`).join("; ")}.`, next: `Promote a version whose gate passes, or roll ${overridden[0]!.environment} back.`, links };
  }
  return { outcome: "pass", reason: `Every environment runs a version whose gate passed when it was deployed: ${envs.map((e) => `${e.environment} v${e.version} (${e.at.toISOString().slice(0, 10)}, ${e.by})`).join("; ")}.`, next: null, links };
}

function e8Drift(c: Ctx): KindFinding {
  const envs = deployedEnvironments(c);
  if (!Array.isArray(envs)) return envs;
  const m = c.m!;
  const links = envs.map((e): EvidenceLink => ({ type: "monitoring", id: e.environmentId, label: `Monitoring of ${m.name} in ${e.environment}: ${e.batches} batches${e.lastBatchAt ? `, last ${e.lastBatchAt.toISOString().slice(0, 16).replace("T", " ")} UTC` : ""}`, path: `operations/${m.modelId}/monitoring/${e.environmentId}` }));
  const silent = envs.filter((e) => e.batches === 0 || !e.lastBatchAt);
  if (silent.length === envs.length) return { outcome: "missing", reason: `No production statistics were received for ${m.name} (${silent.map((e) => e.environment).join(", ")}).`, next: "Send per-batch statistics from the serving system (docs/monitoring.md).", links };
  const unacked = envs.flatMap((e) => e.openAlerts.filter((a) => !a.acknowledged).map((a) => ({ ...a, environment: e.environment })));
  if (unacked.length) return { outcome: "fail", reason: `${unacked.length} open drift alert${unacked.length > 1 ? "s" : ""} not acknowledged: ${unacked[0]!.summary}`, next: "A reviewer acknowledges the alert with what was decided (e.g. a rollback).", links };
  const newest = envs.reduce<Date | null>((d, e) => (e.lastBatchAt && (!d || e.lastBatchAt > d) ? e.lastBatchAt : d), null)!;
  if (stale(c, newest)) return { outcome: "stale", reason: `${staleReason(c, "The latest production batch", newest)}.`, next: "Check that the serving system still sends its statistics.", links };
  if (silent.length) return { outcome: "partial", reason: `${m.name} is monitored in ${envs.filter((e) => e.batches > 0).map((e) => e.environment).join(", ")} but not in ${silent.map((e) => e.environment).join(", ")}.`, next: `Send statistics from ${silent[0]!.environment} too.`, links };
  const acked = envs.reduce((n, e) => n + e.openAlerts.length, 0);
  return { outcome: "pass", reason: `${m.name} is monitored against its evaluation data in ${envs.map((e) => `${e.environment} (${e.batches} batches)`).join(", ")}; ${acked ? `${acked} open incident${acked > 1 ? "s" : ""}, acknowledged by a reviewer` : "no open drift alert"}.`, next: null, links };
}

function e11Audit(c: Ctx): KindFinding {
  const links: EvidenceLink[] = [{ type: "audit", id: "chain", label: `Audit log, ${c.team.auditEventCount} events`, path: "audit" }];
  if (!c.team.auditChainIntact) return { outcome: "fail", reason: "The team's audit chain does not verify: a recorded event was changed or removed.", next: "Investigate the break shown on the audit page.", links };
  return { outcome: "pass", reason: `The team's hash-chained audit log verifies (${c.team.auditEventCount} events).`, next: null, links };
}

/** The newest usable (not unreliable) evaluation of the model that measured what `has` asks. */
function newestMeasuring(m: ModelEvidence, has: (b: BeyondEvidence) => boolean): EvaluationEvidence | undefined {
  return [...m.evaluations].sort(byNewest).find((e) => e.verdict !== "unreliable" && e.beyond && has(e.beyond));
}

/** One threshold check of E13/E14: pushes the sentence and the link, or notes that it was not measured. */
function checkBeyond(e: EvaluationEvidence, value: number | null, limit: number | null, dir: "max" | "min", metric: string, fmt: (v: number) => string, acc: { passes: string[]; fails: string[]; missing: string[]; links: EvidenceLink[] }) {
  if (limit === null) return;
  if (value === null) { acc.missing.push(metric); return; }
  const ok = dir === "max" ? value <= limit : value >= limit;
  const text = `${metric} ${fmt(value)} ${ok ? (dir === "max" ? "≤" : "≥") : dir === "max" ? ">" : "<"} ${fmt(limit)}`;
  (ok ? acc.passes : acc.fails).push(text);
  acc.links.push(evalLink(e, { metric, value, threshold: limit, label: `Evaluation #${e.number}: ${text}` }));
}

function beyondFinding(c: Ctx, what: string, runHint: string, has: (b: BeyondEvidence) => boolean, checks: (e: EvaluationEvidence, acc: Parameters<typeof checkBeyond>[6]) => void, measured: (b: BeyondEvidence) => string): KindFinding {
  const m = c.m;
  if (!m) return { outcome: "missing", reason: `No model is registered, so no ${what} has been measured.`, next: null, links: [] };
  const ml = modelLabel(m);
  const e = newestMeasuring(m, has);
  if (!e) return { outcome: "missing", reason: `${ml} has no usable evaluation that measured ${what}.`, next: `Run an evaluation of ${ml} ${runHint}.`, links: [modelLink(m)] };
  const acc = { passes: [] as string[], fails: [] as string[], missing: [] as string[], links: [evalLink(e), modelLink(m)] as EvidenceLink[] };
  checks(e, acc);
  const summary = measured(e.beyond!);
  if (stale(c, e.finishedAt)) return { outcome: "stale", reason: `${ml}: ${staleReason(c, `evaluation #${e.number}`, e.finishedAt)} (it measured ${summary}).`, next: `Re-run the evaluation of ${ml} ${runHint}.`, links: acc.links };
  if (acc.fails.length) return { outcome: "fail", reason: `${ml}: ${acc.fails.join("; ")} (evaluation #${e.number}).`, next: `Improve ${m.name} (e.g. calibration by temperature scaling, data augmentation for corruptions) and evaluate the new version; or record a documented risk acceptance.`, links: acc.links };
  if (acc.missing.length) return { outcome: "partial", reason: `${ml}: evaluation #${e.number} measured ${summary}, but not ${acc.missing.join(" or ")}, which the policy sets a threshold for.`, next: `Run an evaluation of ${ml} ${runHint}.`, links: acc.links };
  if (acc.passes.length === 0) return { outcome: "pass", reason: `${ml}: evaluation #${e.number} measured ${summary}; the ${TIER_LABELS[c.tier].toLowerCase()}-risk policy sets no threshold for it.`, next: null, links: acc.links };
  return { outcome: "pass", reason: `${ml}: ${acc.passes.join("; ")} (evaluation #${e.number}).`, next: null, links: acc.links };
}

const p1 = (v: number) => pct(v, 1);
const f3 = (v: number) => v.toFixed(3);

function e13CalibrationOod(c: Ctx): KindFinding {
  return beyondFinding(c, "calibration or out-of-distribution detection", "with the out-of-distribution check",
    (b) => b.ece !== null || b.oodAuroc !== null,
    (e, acc) => {
      checkBeyond(e, e.beyond!.ece, c.tp.beyond.maxEce, "max", "clean expected calibration error", f3, acc);
      checkBeyond(e, e.beyond!.oodAuroc, c.tp.beyond.minOodAuroc, "min", "OOD-detection AUROC (max softmax probability)", f3, acc);
    },
    (b) => [
      b.ece !== null ? `clean ECE ${f3(b.ece)}${b.eceUnderAttackMax !== null ? ` (up to ${f3(b.eceUnderAttackMax)} under attack)` : ""}` : null,
      b.oodAuroc !== null ? `OOD AUROC ${f3(b.oodAuroc)}${b.oodHighConfidenceShare !== null ? `, ${p1(b.oodHighConfidenceShare)} of OOD inputs answered with ≥ 90% confidence` : ""}` : null,
    ].filter(Boolean).join("; "));
}

function e14Corruptions(c: Ctx): KindFinding {
  return beyondFinding(c, "common-corruption robustness", "with common corruptions",
    (b) => b.corruptionAccuracy !== null,
    (e, acc) => checkBeyond(e, e.beyond!.corruptionAccuracy, c.tp.beyond.minCorruptionAccuracy, "min", "mean accuracy under common corruptions", p1, acc),
    (b) => `mean accuracy under common corruptions ${p1(b.corruptionAccuracy!)}${b.corruptionMCE !== null ? ` (mCE ${p1(b.corruptionMCE)})` : ""}`);
}

function e15Integrity(c: Ctx): KindFinding {
  const m = c.m;
  if (!m) return { outcome: "missing", reason: "No model is registered, so no training data has been scanned.", next: null, links: [] };
  const ml = modelLabel(m);
  const scans = [...(m.integrity ?? [])].filter((s) => s.verdict !== "unreliable").sort((a, b) => b.finishedAt.getTime() - a.finishedAt.getTime() || b.number - a.number);
  const s = scans[0];
  if (!s) return { outcome: "missing", reason: `${ml} has no completed training-data integrity scan.`, next: `Run a training-data integrity scan of ${ml} on its training data.`, links: [modelLink(m)] };
  const it = c.tp.integrity;
  const link = (extra: Partial<EvidenceLink> = {}): EvidenceLink => ({ type: "evaluation", id: s.id, label: `Integrity scan #${s.number} of ${s.datasetLabel}`, path: `evaluations/${s.number}`, verdict: s.verdict, ...extra });
  const fails: string[] = [];
  const passes: string[] = [];
  const missing: string[] = [];
  const links: EvidenceLink[] = [link(), modelLink(m)];
  if (it.requireNoLiveBackdoor) {
    if (s.liveBackdoors.length) {
      fails.push(`a live backdoor: a trigger patch turns other classes' inputs into "${s.liveBackdoors.join('", "')}"`);
      links.push(link({ metric: "live backdoors", value: s.liveBackdoors.length, threshold: 0, label: `Integrity scan #${s.number}: live trigger towards "${s.liveBackdoors.join('", "')}"` }));
    } else passes.push(s.flaggedClasses.length ? `no live trigger (activation clustering flagged "${s.flaggedClasses.join('", "')}", but no tested patch works)` : "no suspicious class and no live trigger");
  }
  if (it.maxSuspectedMislabelShare !== null) {
    if (s.suspectedMislabelShare === null) missing.push("the share of likely mislabelled examples (run the scan with cross-validation)");
    else {
      const ok = s.suspectedMislabelShare <= it.maxSuspectedMislabelShare + EPS_TOL;
      const text = `likely mislabelled ${pct(s.suspectedMislabelShare, 1)} ${ok ? "≤" : ">"} ${pct(it.maxSuspectedMislabelShare, 1)}`;
      (ok ? passes : fails).push(text);
      links.push(link({ metric: "share of likely mislabelled examples", value: s.suspectedMislabelShare, threshold: it.maxSuspectedMislabelShare, label: `Integrity scan #${s.number}: ${text}` }));
    }
  }
  if (it.requireNoLeakage) {
    if (s.leakageGroups === null) missing.push("train/test leakage (scan with held-out data)");
    else if (s.leakageGroups > 0) fails.push(`${s.leakageGroups} duplicate group${s.leakageGroups > 1 ? "s" : ""} shared by the training and held-out data (leakage)`);
    else passes.push("no train/test leakage");
  }
  if (stale(c, s.finishedAt)) return { outcome: "stale", reason: `${ml}: ${staleReason(c, `integrity scan #${s.number}`, s.finishedAt)}.`, next: `Re-run the training-data integrity scan of ${ml}.`, links };
  if (fails.length) return { outcome: "fail", reason: `${ml}: ${fails.join("; ")} (integrity scan #${s.number} of ${s.datasetLabel}).`, next: "Review the flagged examples, clean or relabel the training data, retrain and scan the new version.", links };
  if (missing.length) return { outcome: "partial", reason: `${ml}: integrity scan #${s.number} found ${passes.join("; ") || "nothing failing"}, but did not measure ${missing.join(" or ")}, which the policy sets a threshold for.`, next: `Re-run the integrity scan of ${ml} with ${missing.length > 1 ? "both" : "it"}.`, links };
  return { outcome: "pass", reason: `${ml}: ${passes.join("; ") || "scanned; the policy sets no integrity threshold"} (integrity scan #${s.number} of ${s.datasetLabel}, ${s.samples.toLocaleString("en")} examples).`, next: null, links };
}

/** E7: the newest usable membership-inference evaluation against the tier's privacy limits. */
function e7Privacy(c: Ctx): KindFinding {
  const m = c.m;
  if (!m) return { outcome: "missing", reason: "No model is registered, so no membership inference has been measured.", next: null, links: [] };
  const ml = modelLabel(m);
  const e = [...(m.privacy ?? [])].sort((a, b) => b.finishedAt.getTime() - a.finishedAt.getTime() || b.number - a.number).find((p) => p.verdict !== "unreliable");
  if (!e) return { outcome: "missing", reason: `${ml} has no membership-inference (privacy) evaluation.`, next: `Run a privacy evaluation of ${ml} (members: its training data; non-members: held-out data).`, links: [modelLink(m)] };
  const link = (extra: Partial<EvidenceLink> = {}): EvidenceLink => ({ type: "evaluation", id: e.id, label: `Evaluation #${e.number} (membership inference)`, path: `evaluations/${e.number}`, verdict: e.verdict, ...extra });
  const links: EvidenceLink[] = [link(), modelLink(m)];
  const lim = c.tp.privacy;
  const passes: string[] = [], fails: string[] = [], missing: string[] = [];
  const check = (value: number | null, limit: number | null, metric: string, fmt: (v: number) => string, unresolvable: string) => {
    if (limit === null) return;
    if (value === null) { missing.push(`${metric} (${unresolvable})`); return; }
    const ok = value <= limit;
    const text = `${metric} ${fmt(value)} ${ok ? "≤" : ">"} ${fmt(limit)}`;
    (ok ? passes : fails).push(text);
    links.push(link({ metric, value, threshold: limit, label: `Evaluation #${e.number}: ${text}` }));
  };
  check(e.auc, lim.maxAuc, "membership-inference AUC", f3, "");
  check(e.tprAt1Fpr, lim.maxTprAt1Fpr, "TPR at 1% FPR", p1, `not resolvable with ${e.nonMembers} non-members; needs 100`);
  check(e.tprAt01Fpr, lim.maxTprAt01Fpr, "TPR at 0.1% FPR", (v) => pct(v, 2), `not resolvable with ${e.nonMembers} non-members; needs 1,000`);
  const summary = `AUC ${f3(e.auc)} (95% ${f3(e.aucLow)}–${f3(e.aucHigh)}, ${e.attack}) on ${e.members} members and ${e.nonMembers} non-members${e.lira ? ", LiRA included" : ", without LiRA"}`;
  if (stale(c, e.finishedAt)) return { outcome: "stale", reason: `${ml}: ${staleReason(c, `privacy evaluation #${e.number}`, e.finishedAt)} (it measured ${summary}).`, next: `Re-run the privacy evaluation of ${ml}.`, links };
  if (fails.length) return { outcome: "fail", reason: `${ml}: ${fails.join("; ")} (evaluation #${e.number}; ${summary}).`, next: `Reduce what ${m.name} reveals about its training records (regularisation, differentially private training, less over-fitting) and evaluate the new version; or record a documented risk acceptance.`, links };
  if (missing.length) return { outcome: "partial", reason: `${ml}: evaluation #${e.number} measured ${summary}, but not ${missing.join(" or ")}, which the policy sets a limit for.`, next: `Run a privacy evaluation of ${ml} with more held-out records.`, links };
  if (passes.length === 0) return { outcome: "pass", reason: `${ml}: evaluation #${e.number} measured ${summary}; the ${TIER_LABELS[c.tier].toLowerCase()}-risk policy sets no privacy limit.`, next: null, links };
  return { outcome: "pass", reason: `${ml}: ${passes.join("; ")} (evaluation #${e.number}; ${summary}).`, next: null, links };
}

function kindFinding(kind: EvidenceKind, c: Ctx): KindFinding {
  switch (kind) {
    case "E1": return e1Robustness(c);
    case "E2": return e2Reliability(c);
    case "E3": return e3Record(c);
    case "E4": return e4Policy(c);
    case "E5": return e5Card(c);
    case "E6": return e6Data(c);
    case "E7": return e7Privacy(c);
    case "E8": return e8Drift(c);
    case "E9": return e9Monitoring(c);
    case "E10": return e10Deployments(c);
    case "E11": return e11Audit(c);
    case "E13": return e13CalibrationOod(c);
    case "E14": return e14Corruptions(c);
    case "E15": return e15Integrity(c);
    // A reviewer attestation: combine() judges it from the attestations and never asks here.
    case "E12": return notRecorded(kind);
    default: {
      // Every evidence kind has a case: a new kind added to EVIDENCE_KINDS does not compile until it is handled here.
      const unhandled: never = kind;
      throw new Error(`no status rule for evidence kind ${String(unhandled)}`);
    }
  }
}

// ---- Attestations ----------------------------------------------------------------------------------

function normalise(s: string) {
  return s.trim().toLowerCase();
}

/** Whether the attester is the model's owner (the card's owner matches one of their identities). */
export function attesterIsOwner(a: AttestationEvidence, m: ModelEvidence | null, identities: Record<string, string[]> = {}): boolean {
  if (!m) return false;
  const owner = normalise(m.owner);
  const ids = [a.attestedByLabel, ...(a.attestedByUserId ? identities[a.attestedByUserId] ?? [] : [])].map(normalise);
  return ids.includes(owner);
}

interface AttState { state: ControlStatus["attestation"]["state"]; chosen: AttestationEvidence | null; finding: KindFinding }

function attestationState(control: string, c: Ctx, all: AttestationEvidence[], identities: Record<string, string[]>): AttState {
  const mine = all.filter((a) => a.control === control && (a.modelId === null || a.modelId === c.m?.modelId)).sort((a, b) => b.attestedAt.getTime() - a.attestedAt.getTime());
  const link = (a: AttestationEvidence): EvidenceLink => ({ type: "attestation", id: a.id, label: `Attestation by ${a.attestedByLabel}, ${a.attestedAt.toISOString().slice(0, 10)}, ${a.modelId ? "for this model" : "team-wide"}`, path: `controls?control=${encodeURIComponent(control)}` });
  const live = mine.filter((a) => !a.revokedAt);
  const sod = c.policy.segregationOfDuties;
  const valid = live.filter((a) => a.expiresAt.getTime() > c.now.getTime());
  const validIndependent = valid.filter((a) => !(sod && attesterIsOwner(a, c.m, identities)));
  if (validIndependent.length) {
    const a = validIndependent[0];
    return { state: "valid", chosen: a, finding: { outcome: "pass", reason: `Attested by ${a.attestedByLabel} on ${a.attestedAt.toISOString().slice(0, 10)}, valid until ${a.expiresAt.toISOString().slice(0, 10)}: “${a.statement}”`, next: null, links: [link(a)] } };
  }
  if (valid.length) {
    const a = valid[0];
    return { state: "owner", chosen: a, finding: { outcome: "partial", reason: `The only valid attestation is by ${a.attestedByLabel}, the owner of ${c.m ? modelLabel(c.m) : "the model"}; the team requires segregation of duties.`, next: "Another reviewer (not the model owner) attests the control.", links: [link(a)] } };
  }
  if (live.length) {
    const a = live[0];
    return { state: "expired", chosen: a, finding: { outcome: "stale", reason: `The attestation by ${a.attestedByLabel} expired on ${a.expiresAt.toISOString().slice(0, 10)}.`, next: "A reviewer renews the attestation.", links: [link(a)] } };
  }
  if (mine.length) {
    const a = mine[0];
    return { state: "revoked", chosen: a, finding: { outcome: "missing", reason: `The attestation by ${a.attestedByLabel} was revoked on ${a.revokedAt!.toISOString().slice(0, 10)}.`, next: "A reviewer attests the control again once it holds.", links: [link(a)] } };
  }
  return { state: "none", chosen: null, finding: { outcome: "missing", reason: "No reviewer has attested this control.", next: "A reviewer attests the control with the evidence held outside Bulwark.", links: [] } };
}

// ---- Combining --------------------------------------------------------------------------------------

function combine(control: Control, entries: CrosswalkEntry[], c: Ctx, kindCache: Map<EvidenceKind, KindFinding>, att: AttState): Pick<ControlStatus, "status" | "reason" | "reasons" | "next" | "findings"> & { needed: boolean } {
  const findings: Finding[] = [];
  for (const e of entries) {
    if (e.mark === "threat" || e.evidence === "E12") continue;
    let f = kindCache.get(e.evidence);
    if (!f) { f = kindFinding(e.evidence, c); kindCache.set(e.evidence, f); }
    findings.push({ evidence: e.evidence, mark: e.mark, scope: e.scope, ...f });
  }
  const direct = findings.filter((f) => f.mark === "direct");
  const supporting = findings.filter((f) => f.mark === "supporting");
  const needed = direct.length === 0 || entries.some((e) => e.evidence === "E12") || c.tp.attestationRequired.includes(control.key);
  const attFinding: Finding = { evidence: "E12", mark: "supporting", scope: null, ...att.finding };
  const all = needed || att.state !== "none" ? [...findings, attFinding] : findings;
  const out = (status: Status, lead: Finding[], extra: string[] = []) => {
    const reasons = [...lead.map((f) => f.reason), ...extra];
    const next = lead.find((f) => f.next)?.next ?? all.find((f) => f.outcome !== "pass" && f.next)?.next ?? null;
    return { status, reason: reasons[0] ?? "", reasons, next, findings: all, needed };
  };

  if (entries.filter((e) => e.mark !== "threat").length === 0 && att.state === "none") {
    return { status: "not_assessed", reason: "No Bulwark evidence maps to this control and no reviewer has attested it.", reasons: ["No Bulwark evidence maps to this control and no reviewer has attested it."], next: "Attest the control if it applies, or map evidence to it in the crosswalk.", findings: [], needed };
  }
  const directFail = direct.filter((f) => f.outcome === "fail");
  if (directFail.length) return out("failing", directFail);
  const directStale = direct.filter((f) => f.outcome === "stale");
  if (directStale.length) return out("stale", directStale);
  if (needed && att.state === "expired") return out("stale", [attFinding]);

  const directPass = direct.length > 0 && direct.every((f) => f.outcome === "pass");
  const attOk = att.state === "valid";
  const supportingFail = supporting.filter((f) => f.outcome === "fail");
  if ((directPass || direct.length === 0) && (!needed || attOk) && (directPass || attOk)) {
    if (supportingFail.length) return out("partial", supportingFail, [directPass ? "Direct evidence passes, but supporting evidence fails." : "Attested, but supporting evidence fails."]);
    const lead = [...direct, ...(attOk ? [attFinding] : [])];
    return out("satisfied", lead, supporting.filter((f) => f.outcome === "pass").map((f) => f.reason));
  }
  // With direct mappings, only direct evidence (or an attestation) counts as "something": supporting
  // records alone do not make a measured control partly met.
  const some = (fs: Finding[]) => fs.some((f) => f.outcome === "pass" || f.outcome === "partial");
  const anything = (direct.length ? some(direct) : some(supporting)) || attOk || att.state === "owner";
  if (anything) {
    const gaps = [...direct.filter((f) => f.outcome !== "pass"), ...(needed && !attOk ? [attFinding] : []), ...supportingFail];
    const lead = gaps.length ? gaps : findings.filter((f) => f.outcome !== "pass");
    return out("partial", lead, findings.filter((f) => f.outcome === "pass").map((f) => `Present: ${f.reason}`));
  }
  // Nothing direct holds (none mapped, or none recorded yet). Supporting evidence that fails or has aged
  // out still assessed the control, so the status says so: "not assessed" next to a finding that fails
  // (e.g. a live backdoor under MEASURE 2.7 for a model never attacked) contradicted its own evidence.
  // A failing supporting record makes a control partial, as it does beside passing direct evidence.
  if (supportingFail.length) return out("partial", supportingFail, ["No direct evidence holds, and supporting evidence fails."]);
  const supportingStale = supporting.filter((f) => f.outcome === "stale");
  if (supportingStale.length) return out("stale", supportingStale);
  return out("not_assessed", needed ? [attFinding, ...findings] : findings);
}

/** An unreliable evaluation never makes a control satisfied, whatever else the rules said. */
function guardUnreliable(s: Pick<ControlStatus, "status" | "findings" | "reason" | "reasons">) {
  if (s.status !== "satisfied") return s;
  const bad = s.findings.some((f) => f.outcome === "pass" && f.links.some((l) => l.type === "evaluation" && l.verdict === "unreliable"));
  if (!bad) return s;
  const reason = "An evaluation whose checks failed (unreliable) is among the evidence; it cannot make the control satisfied.";
  return { ...s, status: "partial" as const, reason, reasons: [reason, ...s.reasons] };
}

export interface ComputeOptions {
  /** Limit to these frameworks (default: all). */
  frameworks?: FrameworkId[];
}

/**
 * For every model × assessable control: its status, reasons and evidence. With no models, one team-level
 * subject (modelId null) carries the team-wide evidence and attestations.
 */
export function computeControlStatuses(policy: Policy, catalog: Catalog, crosswalk: Crosswalk, evidence: Evidence, opts: ComputeOptions = {}): ControlStatus[] {
  const byControl = entriesByControl(crosswalk);
  const controls = catalog.frameworks
    .filter((f) => !opts.frameworks || opts.frameworks.includes(f.id))
    .flatMap((f) => f.controls.filter((c) => c.kind === "control"));
  const subjects: (ModelEvidence | null)[] = evidence.models.length ? evidence.models : [null];
  const out: ControlStatus[] = [];
  for (const m of subjects) {
    const tier: Tier = m?.tier ?? "high";
    const c: Ctx = { policy, tp: policy.tiers[tier], tier, now: evidence.now, m, team: evidence.team };
    const cache = new Map<EvidenceKind, KindFinding>();
    for (const control of controls) {
      const entries = byControl.get(control.key) ?? [];
      const att = attestationState(control.key, c, evidence.attestations, evidence.userIdentities ?? {});
      const r = guardUnreliable(combine(control, entries, c, cache, att));
      const rr = r as ReturnType<typeof combine>;
      out.push({
        control: control.key, framework: control.framework, controlId: control.id,
        modelId: m?.modelId ?? null, modelLabel: m ? modelLabel(m) : "Team",
        status: r.status, reason: r.reason, reasons: r.reasons, next: rr.next, findings: r.findings,
        attestation: { state: att.state, needed: rr.needed, id: att.chosen?.id ?? null, expiresAt: att.chosen?.expiresAt ?? null, by: att.chosen?.attestedByLabel ?? null },
        catalogVersion: catalog.version, policyVersion: evidence.team.policyVersion, computedAt: evidence.now,
      });
    }
  }
  return out;
}

// ---- Roll-ups for dashboards -------------------------------------------------------------------------

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
    .sort((a, b) => SEVERITY[a.status] - SEVERITY[b.status] || FRAMEWORK_IDS.indexOf(a.framework) - FRAMEWORK_IDS.indexOf(b.framework) || a.control.localeCompare(b.control, "en", { numeric: true }));
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
