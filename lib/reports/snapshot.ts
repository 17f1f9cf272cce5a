import { db } from "../db/client";
import { describeThreatModel, threatModelOf } from "../evaluations/threat-model";
import { verifyTeamChain } from "../audit/log";
import { frameworkRank, isFrameworkId, type FrameworkId } from "../compliance/catalog";
import type { ControlStatus, Status } from "../compliance/engine-types";
import { countsByFramework, emptyCounts, topGaps } from "../compliance/rollups";
import { assessTeamById } from "../compliance/posture";
import { TIERS, TIER_LABELS } from "../compliance/policy";
import { ModelCardSchema } from "../registry/model-card";
import type { EngineMetrics } from "../engine/aggregate";
import type { ReliabilityReport } from "../engine/reliability";
import type { StoredGalleryItem } from "../evaluations/shard-io";
import type { Comparison } from "../evaluations/regression";
import type { BeyondMetrics } from "../engine/beyond";
import { beyondSnapshot } from "./beyond-snapshot";
import { costOfRobustnessSnapshot } from "./cost-snapshot";
import { loadVersionComparison } from "../evaluations/compare-versions";
import { integritySnapshot } from "./integrity-snapshot";
import { privacySnapshot } from "./privacy-snapshot";
import { SNAPSHOT_SCHEMA, SNAPSHOT_VERSION, ReportSnapshotSchema, type EvaluationSnapshot, type ReportScope, type ReportSnapshot } from "./schemas";
import { systemContext } from "../teams/context";

// Reads the team's records and freezes them into a report snapshot (plain JSON). Every query is scoped
// by teamId. The caller (the report job) vouches for the team id.

export const APP_VERSION = "bulwark 0.1.0";
export const RENDERER_VERSION = "pdfkit 0.20.2, DejaVu Sans Condensed 2.37 (npm dejavu-fonts-ttf)";
/** Evaluations per model described in detail (newest in the period, plus those the statuses rest on). */
const EVALUATIONS_PER_MODEL = 3;
const GALLERY_ITEMS = 4;
const MAX_CONTROL_CHANGES = 40;

const isoOf = (d: Date) => d.toISOString();
const round3 = (v: number) => Math.round(v * 1000) / 1000;
const dayStart = (d: string) => new Date(`${d}T00:00:00.000Z`);
const dayEnd = (d: string) => new Date(`${d}T23:59:59.999Z`);

interface ProvenanceJson { engine?: { backend?: string; tfjsVersion?: string; simd?: boolean; threads?: number; kernelPatches?: string[] }; backends?: string[]; workers?: string[]; shards?: unknown[] }

function trainingMethodText(t: unknown): string {
  const m = (t ?? {}) as { kind?: string; attack?: string; norm?: string; epsilon?: number; description?: string };
  if (m.kind === "adversarial") return `adversarial training (${m.attack ?? "attack"}, ${m.norm === "l2" ? "L2" : "L∞"} ε ${m.epsilon})`;
  if (m.kind === "other") return m.description ?? "other";
  return "standard training";
}

export interface SnapshotRequest {
  teamId: string;
  report: { id: string; number: number; title: string; createdById: string | null; createdByLabel: string };
  scope: ReportScope;
  now: Date;
}

export async function buildSnapshot(req: SnapshotRequest): Promise<ReportSnapshot> {
  const { teamId, scope, now } = req;
  // Built by the report job (lib/reports/generate.ts) for the team the job names.
  const by = systemContext(teamId, "job");
  const team = await db.team.findUniqueOrThrow({ where: { id: teamId }, select: { id: true, slug: true, name: true } });
  const frameworks = scope.frameworks.filter((f): f is FrameworkId => isFrameworkId(f));
  const a = await assessTeamById(by, { now, modelIds: scope.models === "all" ? undefined : scope.models, frameworks, chain: "full" });
  const catalog = a.catalog;
  const models = a.evidence.models;
  const modelIds = models.map((m) => m.modelId);
  const from = scope.period.from ? dayStart(scope.period.from) : null;
  const to = scope.period.to ? dayEnd(scope.period.to) : now;

  // ---- evaluations: newest in the period per model, plus the ones the statuses rest on
  const referenced = new Set(a.statuses.flatMap((s) => s.findings.flatMap((f) => f.links.filter((l) => l.type === "evaluation").map((l) => l.id))));
  const inPeriod = await db.evaluation.findMany({
    where: { teamId, kind: "robustness", status: "COMPLETED", modelId: { in: modelIds }, finishedAt: { ...(from ? { gte: from } : {}), lte: to } },
    orderBy: [{ finishedAt: "desc" }, { number: "desc" }],
    select: { id: true, modelId: true },
  });
  const chosen = new Set<string>();
  for (const m of models) {
    inPeriod.filter((e) => e.modelId === m.modelId).slice(0, EVALUATIONS_PER_MODEL).forEach((e) => chosen.add(e.id));
  }
  for (const id of referenced) chosen.add(id);
  const evRows = await db.evaluation.findMany({ where: { teamId, kind: "robustness", id: { in: [...chosen] }, status: "COMPLETED" }, orderBy: [{ finishedAt: "desc" }, { number: "desc" }] });
  const mvIds = [...new Set([...evRows.map((e) => e.modelVersionId), ...models.map((m) => m.versionId)])];
  const versions = await db.modelVersion.findMany({ where: { teamId, id: { in: mvIds } }, include: { files: { orderBy: { path: "asc" } }, model: { select: { name: true } } } });
  const mvById = new Map(versions.map((v) => [v.id, v]));
  const dsIds = [...new Set([...evRows.map((e) => e.datasetVersionId), ...versions.map((v) => v.trainingDatasetVersionId).filter((x): x is string => !!x)])];
  const datasets = await db.datasetVersion.findMany({ where: { teamId, id: { in: dsIds } }, include: { dataset: { select: { name: true } } } });
  const dsRef = new Map(datasets.map((d) => {
    const card = (d.card ?? {}) as { source?: string; legalBasis?: string };
    return [d.id, { versionId: d.id, label: `${d.dataset.name} v${d.version}`, tensorDigest: d.tensorDigest, manifestDigest: d.manifestDigest, licence: d.licence, personalData: d.personalData, source: card.source ?? "", legalBasis: card.legalBasis ?? "", sampleCount: d.sampleCount, split: d.split }];
  }));
  const prevNumbers = new Map((await db.evaluation.findMany({ where: { teamId, id: { in: evRows.map((e) => e.previousEvaluationId).filter((x): x is string => !!x) } }, select: { id: true, number: true } })).map((e) => [e.id, e.number]));

  const evaluations: EvaluationSnapshot[] = evRows.flatMap((e) => {
    const mv = mvById.get(e.modelVersionId);
    const ds = dsRef.get(e.datasetVersionId);
    const metrics = e.metrics as unknown as EngineMetrics | null;
    if (!mv || !ds || !metrics) return [];
    const card = ModelCardSchema.safeParse(mv.card);
    const labels = card.success ? card.data.classLabels : [];
    const range = card.success ? card.data.inputRange : { min: 0, max: 1 };
    const rel = e.reliability as unknown as ReliabilityReport | null;
    const prov = (e.provenance ?? {}) as ProvenanceJson;
    const cmp = e.comparison as unknown as Comparison | null;
    const gallery = ((e.gallery as unknown as StoredGalleryItem[] | null) ?? []).slice(0, GALLERY_ITEMS);
    const name = (i: number) => labels[i] ?? String(i);
    return [{
      id: e.id, number: e.number, modelId: e.modelId, modelLabel: `${mv.model.name} v${mv.version}`, modelDigest: mv.manifestDigest,
      finishedAt: isoOf(e.finishedAt ?? e.createdAt), createdBy: e.createdByLabel, scheduled: e.scheduleId !== null, preset: e.preset, seed: e.seed,
      samples: metrics.samples, suite: e.suite, inputRange: { min: range.min, max: range.max }, dataset: ds,
      cleanAccuracy: metrics.cleanAccuracy, cleanCorrect: metrics.cleanCorrect,
      attacks: metrics.attacks.map((x) => ({ attack: x.attack, kind: x.kind, family: x.family, norm: x.norm, eps: x.eps, robustAccuracy: x.robustAccuracy, successRate: x.successRate, broken: x.broken, attacked: x.attacked, meanQueries: x.meanQueries, medianPerturbation: x.medianPerturbation })),
      worstCase: metrics.worstCase.map((w) => ({ norm: w.norm, eps: w.eps, robustAccuracy: w.robustAccuracy, robust: w.robust })),
      perClass: metrics.perClass.map((c) => ({ label: c.label, count: c.count, cleanAccuracy: c.cleanAccuracy, robustAccuracy: c.robustAccuracy })),
      curves: metrics.curves.map((c) => ({ attack: c.attack, norm: c.norm, points: c.points.map((p) => ({ eps: p.eps, robustAccuracy: p.robustAccuracy })) })),
      reliability: rel ? { verdict: rel.verdict, reasons: rel.reasons, checks: rel.checks.map((c) => ({ id: c.id, title: c.title, status: c.status, explanation: c.explanation })) } : null,
      ...(metrics.replay ? { replay: {
        replayed: metrics.replay.replayed, survivors: metrics.replay.survivors.length,
        notReproduced: metrics.replay.notReproduced.map((b) => ({ index: b.index, attack: b.attack, norm: b.norm, eps: b.eps })),
      } } : {}),
      provenance: {
        backend: prov.engine?.backend ?? null, tfjsVersion: prov.engine?.tfjsVersion ?? null, simd: prov.engine?.simd ?? null, threads: prov.engine?.threads ?? null,
        kernelPatches: prov.engine?.kernelPatches ?? [], backends: prov.backends ?? [], workers: prov.workers ?? [], shards: prov.shards?.length ?? e.shardCount,
      },
      comparison: cmp ? {
        previousNumber: cmp.previousNumber ?? prevNumbers.get(cmp.previousEvaluationId) ?? 0, tolerancePp: cmp.tolerancePp,
        clean: { label: cmp.clean.label, before: cmp.clean.before, after: cmp.clean.after, delta: cmp.clean.delta },
        worstCase: cmp.worstCase.map((d) => ({ label: d.label, before: d.before, after: d.after, delta: d.delta })),
        regressions: cmp.regressions.map((d) => ({ label: d.label, before: d.before, after: d.after, delta: d.delta })),
      } : null,
      gallery: gallery.map((g) => ({
        index: g.index, label: name(g.label), cleanPred: name(g.cleanPred), cleanConf: g.cleanConf, advPred: name(g.advPred), advConf: g.advConf,
        attack: g.attack, norm: g.norm, eps: g.eps, shape: g.shape, original: g.original.map(round3), adversarial: g.adversarial.map(round3),
      })),
      beyond: beyondSnapshot(metrics as Partial<BeyondMetrics>, e.provenance as Parameters<typeof beyondSnapshot>[1]),
      threatModel: describeThreatModel(threatModelOf(e.provenance)),
    }];
  });

  // ---- training-data integrity: the newest completed scan of each model version in the report
  const integrityRows = await db.evaluation.findMany({
    where: { teamId, kind: "integrity", status: "COMPLETED", modelVersionId: { in: models.map((m) => m.versionId) }, finishedAt: { lte: to } },
    orderBy: [{ finishedAt: "desc" }, { number: "desc" }],
    select: { number: true, modelVersionId: true, datasetVersionId: true, finishedAt: true, createdAt: true, verdict: true, reliability: true, metrics: true },
  });
  const integrityDatasets = new Map((await db.datasetVersion.findMany({ where: { teamId, id: { in: [...new Set(integrityRows.map((r) => r.datasetVersionId))] } }, select: { id: true, version: true, dataset: { select: { name: true } } } })).map((d) => [d.id, `${d.dataset.name} v${d.version}`]));
  const integrityOf = (versionId: string) => {
    const r = integrityRows.find((x) => x.modelVersionId === versionId);
    return r ? integritySnapshot({ number: r.number, finishedAt: isoOf(r.finishedAt ?? r.createdAt), verdict: r.verdict, reliability: r.reliability, metrics: r.metrics }, integrityDatasets.get(r.datasetVersionId) ?? "training data") : null;
  };

  // ---- membership inference: the newest completed privacy evaluation of each model version in the report
  const privacyRows = await db.evaluation.findMany({
    where: { teamId, kind: "privacy", status: "COMPLETED", modelVersionId: { in: models.map((m) => m.versionId) }, finishedAt: { lte: to } },
    orderBy: [{ finishedAt: "desc" }, { number: "desc" }],
    select: { number: true, modelVersionId: true, finishedAt: true, createdAt: true, verdict: true, reliability: true, metrics: true, provenance: true },
  });
  const privacyOf = (versionId: string, claim: Parameters<typeof privacySnapshot>[1]) => {
    const r = privacyRows.find((x) => x.modelVersionId === versionId);
    return r ? privacySnapshot({ number: r.number, finishedAt: isoOf(r.finishedAt ?? r.createdAt), verdict: r.verdict, reliability: r.reliability, metrics: r.metrics, provenance: r.provenance }, claim) : null;
  };

  // ---- models
  const modelSnaps: ReportSnapshot["models"] = models.map((m) => {
    const v = mvById.get(m.versionId)!;
    const card = ModelCardSchema.safeParse(v.card);
    const c = card.success ? card.data : null;
    return {
      id: m.modelId, name: m.name, version: m.version, versionId: m.versionId, label: `${m.name} v${m.version}`, manifestDigest: m.digest, tier: TIER_LABELS[m.tier], owner: m.owner,
      registeredAt: isoOf(m.registeredAt),
      card: {
        task: c?.task ?? "unknown", inputShape: c?.inputShape ?? [], inputRange: c ? { min: c.inputRange.min, max: c.inputRange.max } : { min: 0, max: 1 }, classLabels: c?.classLabels ?? [],
        intendedUse: c?.intendedUse ?? "", outOfScopeUse: c?.outOfScopeUse ?? "", knownLimitations: c?.knownLimitations ?? "", trainingMethod: trainingMethodText(c?.trainingMethod), preprocessingNote: c?.preprocessingNote ?? "",
      },
      files: v.files.map((f) => ({ path: f.path, sha256: f.sha256, size: f.size })),
      trainingDataset: v.trainingDatasetVersionId ? dsRef.get(v.trainingDatasetVersionId) ?? null : null,
      evaluationNumbers: evaluations.filter((e) => e.modelId === m.modelId).map((e) => e.number),
      operations: {
        environments: (m.operations?.environments ?? []).map((o) => ({
          environment: o.environment, version: o.version, decision: o.kind, gatePassed: o.gatePassed, overrideReason: o.overrideReason, evidenceSha256: o.evidenceHash,
          at: isoOf(o.at), by: o.by, batches: o.batches, lastBatchAt: o.lastBatchAt ? isoOf(o.lastBatchAt) : null,
          openAlerts: o.openAlerts.map((x) => ({ signal: x.signal, severity: x.severity, summary: x.summary, acknowledged: x.acknowledged })),
        })),
      },
      integrity: integrityOf(m.versionId),
      privacy: privacyOf(m.versionId, c?.trainingPrivacy),
    };
  });

  // ---- cost of robustness: each model's versions side by side, from evaluations finished by the period's end
  const costOfRobustness: NonNullable<ReportSnapshot["costOfRobustness"]> = [];
  for (const m of models) costOfRobustness.push(costOfRobustnessSnapshot(m.modelId, await loadVersionComparison(by, m.modelId, undefined, { finishedBy: to })));

  // ---- controls and posture
  const inScope = a.statuses.filter((s) => frameworks.includes(s.framework));
  const counts = countsByFramework(inScope);
  const posture = catalog.frameworks
    .filter((f) => frameworks.includes(f.id) && f.controls.some((c) => c.kind === "control"))
    .map((f) => {
      const c = counts.get(f.id) ?? emptyCounts();
      // A team's own catalog names the upload it was assessed against beside the catalog's own version, with a
      // comma: titles put the version in parentheses ("ACME catalog (2026.1, catalog v1)"), so none nest.
      return { framework: f.id, name: f.shortName, version: f.revision ? `${f.version}, catalog v${f.revision}` : f.version, counts: c, total: Object.values(c).reduce((x, y) => x + y, 0) };
    });
  const order = (s: ControlStatus) => catalog.byKey.get(s.control)?.order ?? 0;
  const controls: ReportSnapshot["controls"] = [...inScope]
    .sort((x, y) => frameworkRank(x.framework) - frameworkRank(y.framework) || order(x) - order(y) || x.modelLabel.localeCompare(y.modelLabel))
    .map((s) => {
      const seen = new Set<string>();
      const evidence: ReportSnapshot["controls"][number]["evidence"] = [];
      for (const f of s.findings) {
        if (f.outcome === "missing") continue;
        for (const l of f.links) {
          if (seen.has(l.label) || evidence.length >= 4) continue;
          seen.add(l.label);
          evidence.push({ type: l.type, label: l.label, digest: l.digest ?? null });
        }
      }
      return { control: s.control, framework: s.framework, controlId: s.controlId, title: catalog.byKey.get(s.control)?.title ?? s.controlId, modelId: s.modelId, modelLabel: s.modelLabel, status: s.status, reason: s.reason, next: s.next, evidence };
    });

  // ---- alerts, attestations, chain
  const alerts = await db.regressionAlert.findMany({
    where: { teamId, modelId: { in: modelIds }, createdAt: { ...(from ? { gte: from } : {}), lte: to } },
    orderBy: { createdAt: "desc" },
    include: { evaluation: { select: { number: true } } },
  });
  const alertPrev = new Map((await db.evaluation.findMany({ where: { teamId, id: { in: alerts.map((x) => x.previousEvaluationId) } }, select: { id: true, number: true } })).map((e) => [e.id, e.number]));
  const labelOf = new Map(models.map((m) => [m.modelId, `${m.name} v${m.version}`]));
  const frameworkOf = (key: string) => catalog.byKey.get(key)?.framework;
  const attestations: ReportSnapshot["attestations"] = a.evidence.attestations
    .filter((x) => frameworks.includes(frameworkOf(x.control) as FrameworkId) && (x.modelId === null || labelOf.has(x.modelId)))
    .sort((x, y) => y.attestedAt.getTime() - x.attestedAt.getTime() || x.id.localeCompare(y.id))
    .map((x) => ({
      id: x.id, control: x.control, controlId: catalog.byKey.get(x.control)?.id ?? x.control, model: x.modelId ? labelOf.get(x.modelId) ?? null : null, statement: x.statement, by: x.attestedByLabel,
      attestedAt: isoOf(x.attestedAt), expiresAt: isoOf(x.expiresAt), state: x.revokedAt ? "revoked" : x.expiresAt <= now ? "expired" : "valid",
      revokedBy: null, revokeReason: null, files: x.files.map((f) => ({ name: f.name, sha256: f.sha256 })),
    }));
  const revoked = await db.attestation.findMany({ where: { teamId, id: { in: attestations.filter((x) => x.state === "revoked").map((x) => x.id) } }, select: { id: true, revokedByLabel: true, revokeReason: true } });
  for (const r of revoked) {
    const x = attestations.find((y) => y.id === r.id);
    if (x) Object.assign(x, { revokedBy: r.revokedByLabel, revokeReason: r.revokeReason });
  }
  const chain = await verifyTeamChain(by);

  // ---- what changed since the previous report
  const previous = await db.report.findFirst({
    where: { teamId, number: { lt: req.report.number }, status: { in: ["DRAFT", "APPROVED"] }, snapshotJson: { not: null } },
    orderBy: { number: "desc" },
  });
  let changes: ReportSnapshot["changes"] = { previous: null, frameworks: posture.map((p) => ({ framework: p.framework, name: p.name, before: null, after: p.counts })), controls: [], controlChangeCount: 0, newEvaluations: [] };
  if (previous?.snapshotJson && previous.generatedAt && previous.snapshotSha256) {
    const prev = ReportSnapshotSchema.safeParse(JSON.parse(previous.snapshotJson));
    const before = prev.success ? prev.data : null;
    const prevStatus = new Map<string, Status>((before?.controls ?? []).map((c) => [`${c.control}|${c.modelId}`, c.status]));
    const changed = controls.filter((c) => prevStatus.get(`${c.control}|${c.modelId}`) !== c.status);
    const newer = await db.evaluation.findMany({ where: { teamId, status: "COMPLETED", modelId: { in: modelIds }, finishedAt: { gt: previous.generatedAt, lte: now } }, orderBy: { number: "asc" }, select: { number: true } });
    changes = {
      previous: { id: previous.id, number: previous.number, generatedAt: isoOf(previous.generatedAt), snapshotSha256: previous.snapshotSha256, status: previous.status },
      frameworks: posture.map((p) => ({ framework: p.framework, name: p.name, before: before?.posture.find((x) => x.framework === p.framework)?.counts ?? null, after: p.counts })),
      controls: changed.slice(0, MAX_CONTROL_CHANGES).map((c) => ({ controlId: c.controlId, framework: c.framework, modelLabel: c.modelLabel, from: prevStatus.get(`${c.control}|${c.modelId}`) ?? null, to: c.status })),
      controlChangeCount: changed.length,
      newEvaluations: newer.map((e) => e.number),
    };
  }

  const snapshot: ReportSnapshot = {
    schema: SNAPSHOT_SCHEMA,
    version: SNAPSHOT_VERSION,
    report: { id: req.report.id, number: req.report.number, title: req.report.title, generatedAt: isoOf(now), generatedBy: { userId: req.report.createdById, label: req.report.createdByLabel } },
    team,
    scope: { ...scope, frameworks, modelLabels: modelSnaps.map((m) => m.label) },
    versions: { app: APP_VERSION, catalog: a.catalogVersion, policy: a.policyVersion, renderer: RENDERER_VERSION },
    policy: {
      version: a.policyVersion,
      segregationOfDuties: a.policy.segregationOfDuties,
      tiers: TIERS.map((t) => {
        const tp = a.policy.tiers[t];
        return { tier: TIER_LABELS[t], thresholds: tp.thresholds.map((x) => ({ norm: x.norm, eps: x.eps, min: x.min })), minCleanAccuracy: tp.minCleanAccuracy, requiredVerdict: tp.requiredVerdict, maxEvidenceAgeDays: tp.maxEvidenceAgeDays, minSampleCount: tp.requiredSuite.minSampleCount, minAttacks: tp.requiredSuite.minAttacks, requireIterative: tp.requiredSuite.requireIterative };
      }),
    },
    auditChain: chain.intact ? { intact: true, count: chain.count, head: chain.count ? chain.head : null, brokenAt: null } : { intact: false, count: chain.count, head: null, brokenAt: chain.brokenAt.reason },
    posture,
    keyRisks: topGaps(inScope, 8).map((g) => ({ controlId: g.controlId, status: g.status, sentence: g.sentence })),
    changes,
    models: modelSnaps,
    evaluations,
    costOfRobustness,
    alerts: alerts.map((x) => ({
      id: x.id, modelLabel: labelOf.get(x.modelId) ?? x.modelId, evaluationNumber: x.evaluation?.number ?? null, previousNumber: alertPrev.get(x.previousEvaluationId) ?? null,
      summary: x.summary, createdAt: isoOf(x.createdAt), acknowledged: x.acknowledgedAt !== null, acknowledgedBy: x.acknowledgedByLabel, note: x.acknowledgementNote,
    })),
    controls,
    attestations,
  };
  // Validate what we froze: a snapshot that does not fit its schema is never stored.
  return ReportSnapshotSchema.parse(snapshot);
}
