import type { DatasetEvidence, EvidenceLink, OperationsEvidence } from "./engine-types";
import { describeThreshold, TIER_LABELS } from "./policy";
import { datasetLink, modelLabel, modelLink, short, stale, staleReason, type Ctx, type KindFinding } from "./rule-helpers";

// The rules for evidence that Bulwark records rather than measures: the policy (E4), the model card (E5),
// dataset provenance (E6), production drift (E8), scheduled re-evaluation (E9), gated deployments (E10)
// and the audit chain (E11). One finding per model; engine.ts combines them per control.

export function e4Policy(c: Ctx): KindFinding {
  const links: EvidenceLink[] = c.team.policyVersion ? [{ type: "policy", id: String(c.team.policyVersion), label: `Robustness policy v${c.team.policyVersion}`, path: "settings/policy" }] : [];
  if (!c.team.policyVersion) return { outcome: "missing", reason: "The team has not saved a robustness policy; the built-in default applies.", next: "A reviewer reviews and saves the policy (Settings → Policy).", links };
  if (c.tp.thresholds.length === 0) return { outcome: "partial", reason: `Policy v${c.team.policyVersion} sets no robustness threshold for ${TIER_LABELS[c.tier].toLowerCase()}-risk models.`, next: "Set a threshold for this tier if robustness matters for it.", links };
  return { outcome: "pass", reason: `Policy v${c.team.policyVersion} sets, for ${TIER_LABELS[c.tier].toLowerCase()}-risk models: ${c.tp.thresholds.map(describeThreshold).join("; ")}; evidence at most ${c.tp.maxEvidenceAgeDays} days old.`, next: null, links };
}

export function e5Card(c: Ctx): KindFinding {
  const m = c.m;
  if (!m) return { outcome: "missing", reason: "No model is registered in Bulwark.", next: "Register the team's models.", links: [] };
  const links = [modelLink(m)];
  if (m.cardGaps.length) return { outcome: "partial", reason: `${modelLabel(m)} is registered (sha256 ${short(m.digest)}…) but its card lacks: ${m.cardGaps.join(", ")}.`, next: `Complete the model card of ${modelLabel(m)}.`, links };
  return { outcome: "pass", reason: `${modelLabel(m)} is registered with digest sha256 ${short(m.digest)}… and a complete card (intended use, limits, risk tier ${TIER_LABELS[m.tier].toLowerCase()}, owner ${m.owner}).`, next: null, links };
}

export function e6Data(c: Ctx): KindFinding {
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

export function e9Monitoring(c: Ctx): KindFinding {
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

export function e10Deployments(c: Ctx): KindFinding {
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

export function e8Drift(c: Ctx): KindFinding {
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

export function e11Audit(c: Ctx): KindFinding {
  const links: EvidenceLink[] = [{ type: "audit", id: "chain", label: `Audit log, ${c.team.auditEventCount} events`, path: "audit" }];
  if (!c.team.auditChainIntact) return { outcome: "fail", reason: "The team's audit chain does not verify: a recorded event was changed or removed.", next: "Investigate the break shown on the audit page.", links };
  return { outcome: "pass", reason: `The team's hash-chained audit log verifies (${c.team.auditEventCount} events).`, next: null, links };
}

