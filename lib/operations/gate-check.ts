import { createHash } from "node:crypto";
import { db } from "../db/client";
import { activePolicy } from "../compliance/policies";
import { completedKindEvidenceRows, evaluationEvidence, privacyEvidence } from "../compliance/evidence";
import { frameworkChecks, gateVerdict, type GateVerdict } from "../compliance/gate";
import { assessTeamById } from "../compliance/posture";
import type { FrameworkId } from "../compliance/catalog";
import { ValidationError } from "../errors";
import { loadIntegrityEvidence } from "../compliance/integrity-evidence";
import { tierOf, type Tier } from "../compliance/policy";
import type { TeamScope } from "../teams/context";

// The release gate of one model version, read from the database: the same inputs for `bulwark gate`
// (GET /api/v1/gate) and for a promotion, so the two can never disagree.

export interface VersionGate {
  verdict: GateVerdict;
  tier: Tier;
  policyVersion: number | null;
  /** SHA-256 of the evidence the verdict was computed from (see evidenceHash). */
  evidenceHash: string;
  /** The evaluation whose numbers decided, with its dataset version (the monitoring reference). */
  deciding: { evaluationId: string; datasetVersionId: string } | null;
}

/**
 * Canonical JSON (sorted keys) of what the gate read: the version's digest, the policy version, each
 * completed evaluation's identity and figures, the open alerts, and the resulting checks. Recorded with
 * every deployment and override, so an auditor can tell which evidence a decision stood on.
 */
export function evidenceHash(v: unknown): string {
  const canon = (x: unknown): unknown =>
    Array.isArray(x) ? x.map(canon) : x && typeof x === "object" && !(x instanceof Date) ? Object.fromEntries(Object.keys(x).sort().map((k) => [k, canon((x as Record<string, unknown>)[k])])) : x instanceof Date ? x.toISOString() : x;
  return createHash("sha256").update(JSON.stringify(canon(v))).digest("hex");
}

/**
 * `frameworks`: frameworks (bundled or the team's own catalogs) whose controls the gate checks too, one check
 * each (lib/compliance/gate.ts frameworkChecks); unknown ids are refused naming them. Absent: the policy's
 * checks only, as a promotion asks.
 */
export async function gateForVersion(scope: TeamScope, version: { id: string; modelId: string; riskTier: string; manifestDigest: string }, now = new Date(), frameworks: FrameworkId[] = []): Promise<VersionGate> {
  const teamId = scope.team.id;
  const [{ policy, version: policyVersion }, evaluations, alerts, privacyRows, integrityByVersion] = await Promise.all([
    activePolicy(scope),
    db.evaluation.findMany({ where: { teamId, kind: "robustness", modelVersionId: version.id, status: "COMPLETED" }, orderBy: { number: "asc" } }),
    db.regressionAlert.findMany({ where: { teamId, modelId: version.modelId, acknowledgedAt: null, evaluation: { modelVersionId: version.id } }, include: { evaluation: { select: { number: true } } }, orderBy: { createdAt: "asc" } }),
    completedKindEvidenceRows(scope, "privacy", [version.id]),
    loadIntegrityEvidence(scope, [version.id]),
  ]);
  const integrity = integrityByVersion.get(version.id) ?? [];
  const privacy = privacyRows.map(privacyEvidence).filter((p): p is NonNullable<typeof p> => p !== null);
  const datasets = await db.datasetVersion.findMany({ where: { teamId, id: { in: evaluations.map((e) => e.datasetVersionId) } }, include: { dataset: { select: { name: true } } } });
  const ds = new Map(datasets.map((d) => [d.id, { label: `${d.dataset.name} v${d.version}`, digest: d.tensorDigest, datasetId: d.datasetId }]));
  const tier = tierOf(version.riskTier);
  const evidence = evaluations.map((e) => evaluationEvidence(e, version.manifestDigest, ds.get(e.datasetVersionId)));
  const openAlerts = alerts.map((a) => ({ summary: a.summary, evaluationNumber: a.evaluation.number }));
  const verdict = gateVerdict({ tier, tierPolicy: policy.tiers[tier], evaluations: evidence, openAlerts, now, privacy, integrity });
  const assessedFrameworks = frameworks.length ? await frameworkGate(scope, version, now, frameworks) : null;
  if (assessedFrameworks) {
    verdict.checks.splice(verdict.checks.length - 1, 0, ...assessedFrameworks.checks);
    verdict.pass = verdict.checks.every((c) => c.outcome === "pass");
  }
  const decidingRow = verdict.evaluationNumber === null ? undefined : evaluations.find((e) => e.number === verdict.evaluationNumber);
  return {
    verdict,
    tier,
    policyVersion,
    evidenceHash: evidenceHash({
      modelDigest: version.manifestDigest,
      policyVersion,
      tier,
      evaluations: evidence.map((e) => ({ id: e.id, number: e.number, finishedAt: e.finishedAt, datasetDigest: e.datasetDigest, verdict: e.verdict, samples: e.samples, cleanAccuracy: e.cleanAccuracy, worstCase: e.worstCase })),
      openAlerts,
      // Only when a privacy evaluation exists, so hashes of decisions without one stay as they were.
      ...(privacy.length ? { privacy: privacy.map((p) => ({ id: p.id, number: p.number, finishedAt: p.finishedAt, auc: p.auc, tprAt1Fpr: p.tprAt1Fpr, tprAt01Fpr: p.tprAt01Fpr, verdict: p.verdict })) } : {}),
      ...(integrity.length ? { integrity: integrity.map((s) => ({ id: s.id, number: s.number, finishedAt: s.finishedAt, datasetVersionId: s.datasetVersionId, liveBackdoors: s.liveBackdoors, suspectedMislabelShare: s.suspectedMislabelShare, leakageGroups: s.leakageGroups, verdict: s.verdict })) } : {}),
      // Only when frameworks were named, so hashes of decisions without them stay as they were.
      ...(assessedFrameworks ? { catalogVersion: assessedFrameworks.catalogVersion } : {}),
      checks: verdict.checks.map((c) => ({ id: c.id, outcome: c.outcome })),
    }),
    deciding: decidingRow ? { evaluationId: decidingRow.id, datasetVersionId: decidingRow.datasetVersionId } : null,
  };
}

/** The named frameworks' checks for the version's model, from its control statuses now. */
async function frameworkGate(scope: TeamScope, version: { id: string; modelId: string }, now: Date, ids: FrameworkId[]) {
  const current = await db.modelVersion.findFirst({ where: { teamId: scope.team.id, modelId: version.modelId, status: "ACTIVE", storedAt: { not: null } }, orderBy: { version: "desc" }, select: { id: true } });
  const a = await assessTeamById(scope, { now, modelIds: [version.modelId], frameworks: ids });
  const unknown = ids.filter((id) => !a.catalog.frameworks.some((f) => f.id === id));
  if (unknown.length) throw new ValidationError(`Unknown framework ${unknown.map((u) => `"${u}"`).join(", ")}: not bundled and not one of the team's own catalogs.`, { frameworks: `unknown framework ${unknown[0]}` });
  const frameworks = ids.map((id) => a.catalog.frameworks.find((f) => f.id === id)!);
  return { checks: frameworkChecks(frameworks, a.statuses.filter((s) => s.modelId === version.modelId), current?.id === version.id), catalogVersion: a.catalogVersion };
}
