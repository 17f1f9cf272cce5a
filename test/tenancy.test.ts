import { readdirSync, readFileSync } from "node:fs";
import ts from "typescript";
import { join, relative, resolve } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { db } from "../lib/db/client";
import { NotFoundError } from "../lib/errors";
import { makeTeam } from "./fixtures";
import { useTempStore } from "../lib/registry/test-helpers";
import { seedDemoRegistry, DEMO_DATASETS } from "../lib/seed/registry";
import { getTeamContext, type TeamContext } from "../lib/teams/access";
import { changeMemberRole, removeMember } from "../lib/teams/members";
import { cardToFields } from "../lib/registry/model-card";
import { getModel, updateModelCard, setModelVersionArchived, deleteModelVersion, setModelArchived, loadModelVersionFiles, loadModelVersionForEngine } from "../lib/registry/models";
import { checkVersionsCompatible } from "../lib/registry";
import { loadEndpointForEngine } from "../lib/registry/endpoints";
import { getDataset, updateDatasetCard, setDatasetVersionArchived, deleteDatasetVersion, setDatasetArchived, loadDatasetForEngine } from "../lib/registry/datasets";
import { createEvaluation, createEvaluationOfKind } from "../lib/evaluations/create";
import { launchableModelVersion } from "../lib/evaluations/launch";
import { cancelEvaluation, evaluationProgress, getEvaluation } from "../lib/evaluations/manage";
import { cancelHardening, createHardening, estimateHardening } from "../lib/hardening/create";
import { getHardeningRun, listHardeningRuns, versionLineage } from "../lib/hardening/read";
import { ApiCreateHardeningSchema, cancelHardeningApi, createHardeningApi, getHardeningApi, listHardeningApi } from "../lib/hardening/api";
import { getHardeningSetup } from "../lib/hardening/queries";
import { evaluationRecords } from "../lib/evaluations/results";
import { getExplorerExample, getExplorerSetup } from "../lib/evaluations/explore";
import { integritySuspects, integritySuspectsPage } from "../lib/evaluations/integrity-suspects";
import { createSchedule, deleteSchedule, setSchedulePaused, updateSchedule, ScheduleInputSchema } from "../lib/evaluations/schedules";
import { acknowledgeAlert } from "../lib/evaluations/webhook";
import { stopQueue } from "../lib/jobs/queue";
import { loadEngineModel, registerEnsembleVersion } from "../lib/registry/ensembles";
import { compareVersions, loadVersionComparison } from "../lib/evaluations/compare-versions";
import { approveReport, createReport, findReport, getReport, getReportSnapshot, reportPdf, verifyPdf } from "../lib/reports";
import { reportHistory, reportRevisions, requestChanges, requestReview, reviseReport } from "../lib/reports/review";
import { createEnvironment, createGateOverride, promoteVersion, rollbackDeployment } from "../lib/operations/deployments";
import { acknowledgeMonitoringAlert, BatchSchema, getReference, ingestBatch, monitoringView } from "../lib/operations/monitoring";
import { modelOperations } from "../lib/operations/views";
import { createAttestations } from "../lib/compliance/attestations";
import { createAttestationTemplate, deleteAttestationTemplate } from "../lib/compliance/attestation-templates";
import { exportComponentDefinition, exportFrameworkCatalog, exportPostureResults, exportReportResults } from "../lib/compliance/oscal";
import { catalogForTeam, deleteTeamCatalog, importTeamCatalog, listTeamCatalogs, rollbackTeamCatalog } from "../lib/compliance/team-catalogs";
import { exportCatalogMapping, importCatalogMapping } from "../lib/compliance/catalog-mapping";
import { systemContext } from "../lib/teams/context";
import { resolveDatasetVersion, resolveModelVersion, VersionRefSchema } from "../lib/api/refs";
import { evaluationResultsApi, gateApi, getAlertApi, getDatasetApi, getDatasetVersionApi, getModelApi, getModelVersionApi, getScheduleApi } from "../lib/api/views";
import { createEnsembleVersionApi, createEvaluationApi } from "../lib/api/write";
import { ApiCreateEnsembleSchema, ApiCreateEvaluationSchema } from "../lib/api/operations";
import { removeOutboundHostApi, testConnectionApi } from "../lib/api/endpoints";
import { deleteCatalogApi, getCatalogMappingApi, oscalComponentApi, oscalReportApi, rollbackCatalogApi, uploadCatalogMappingApi } from "../lib/api/oscal";
import { evaluationForApi } from "../lib/evaluations/api-view";
import { getPolicyVersion, savePolicy } from "../lib/compliance/policies";
import { defaultPolicy } from "../lib/compliance/policy";
import { getControlDetail, getModelPosture, statusesForModel } from "../lib/compliance/posture";
import { createAttestation, readAttestationFile, revokeAttestation } from "../lib/compliance/attestations";
import { openVersionFile } from "../lib/registry/download";
import { getEndpointSummary, loadEndpointIfAny, registerEndpointVersion, testEndpointConnection } from "../lib/registry/endpoints";
import { endpointLaunchInfo, referenceCheckFor } from "../lib/evaluations/blackbox";
import type { EngineMetrics } from "../lib/engine/aggregate";
import { addOutboundHost, removeOutboundHost } from "../lib/teams/outbound-hosts";
import { createApiToken, revokeApiToken } from "../lib/auth/tokens";
import { ApiOverrideSchema, ApiPromoteSchema, ApiRollbackSchema, acknowledgeMonitoringAlertApi, ingestBatchApi, overrideApi, promoteApi, rollbackApi } from "../lib/operations/api";
import { referenceFor } from "../lib/operations/monitoring";
import { gateForVersion } from "../lib/operations/gate-check";
import { verifyReportApi } from "../lib/api/reports";
import { datasetSizes, findSchedule, modelEvaluations } from "../lib/evaluations/page-data";
import { openAlerts } from "../lib/evaluations/webhook";
import { latestIntegrityScanOf } from "../lib/evaluations/integrity-latest";
import { kindHeadlines } from "../lib/evaluations/manage";
import { completedKindEvidenceRows } from "../lib/compliance/evidence-rows";
import { completedEvaluationEvidenceRows } from "../lib/compliance/evidence";
import { loadIntegrityEvidence } from "../lib/compliance/integrity-evidence";
import { activeOverride, currentDeployments, deploymentHistory, lastPassingDeployment, overridesForModel } from "../lib/operations/deployments";
import { CreateIntegrityEvaluationSchema, CreatePrivacyEvaluationSchema } from "../lib/evaluations/schemas";
import { createIntegrityEvaluation } from "../lib/evaluations/integrity";
import { createPrivacyEvaluation, previewPrivacyCost } from "../lib/evaluations/privacy";

// Every team-owned record asked for by a member of another team answers "not found" — the same as a
// record that does not exist — and leaves the record unchanged. New lib operations join this table.

useTempStore();
let owner: Awaited<ReturnType<typeof makeTeam>>;
let outsider: TeamContext;
const hardeningRequest = (modelVersionId: string, datasetVersionId: string) => ({ modelVersionId, datasetVersionId, trainCount: 10, params: { method: "pgd-at" as const, eps: 0.1, steps: 1, epochs: 1, learningRate: 1e-3, batchSize: 10, seed: 0 } });
const ids = {} as Record<"template" | "model" | "modelName" | "modelVersion" | "dataset" | "datasetVersion" | "membership" | "evaluation" | "schedule" | "alert" | "report" | "environment" | "monitoringAlert"
  | "modelRef" | "datasetRef" | "datasetName" | "modelFile" | "datasetFile" | "token" | "outboundHost" | "attestation" | "attestationFile" | "reportSha256" | "trainDatasetVersion" | "integrityEvaluation" | "endpointVersion" | "hardeningRun", string> & { evaluationNumber: number; policyVersion: number };
/** The owner team's audit events once the fixtures exist: a refused call writes none. */
let ownerAuditEvents = 0;
/** A control the owner attests (so another team's view of it must not show that attestation). */
const ATTESTED_CONTROL = "nist-ai-rmf:GOVERN 1.1";
const OWNER_FRAMEWORK = "custom-owner-controls";
const OWNER_CATALOG = JSON.stringify({ catalog: { uuid: "0b7a4d2e-1c3f-4a5b-8c6d-7e8f9a0b1c2d", metadata: { title: "Owner controls", "last-modified": "2026-11-01T00:00:00Z", version: "1", "oscal-version": "1.0.6" }, controls: [{ id: "own-1", title: "The owner's control" }] } });
const ownFrameworks = (c: Awaited<ReturnType<typeof catalogForTeam>>) => c.frameworks.filter((f) => f.id === OWNER_FRAMEWORK);
const inDays = (n: number) => new Date(Date.now() + n * 86_400_000).toISOString().slice(0, 10);

beforeAll(async () => {
  owner = await makeTeam("owner");
  outsider = (await makeTeam("outsider")).ctx("ADMIN");
  await seedDemoRegistry(systemContext(owner.team.id, "seed"));
  const mv = await db.modelVersion.findFirstOrThrow({ where: { teamId: owner.team.id } });
  const dv = await db.datasetVersion.findFirstOrThrow({ where: { teamId: owner.team.id, dataset: { name: DEMO_DATASETS.eval } } });
  const ev = await createEvaluation(owner.ctx("ENGINEER"), { modelVersionId: mv.id, datasetVersionId: dv.id, preset: "quick", sampleCount: 10, seed: 0, shardSize: 10, linfEpsilons: undefined, customSuite: undefined });
  const sched = await createSchedule(owner.ctx("ENGINEER"), ScheduleInputSchema.parse({ name: "s", modelId: mv.modelId, datasetVersionId: dv.id, preset: "quick", sampleCount: 10, cron: "weekly" }));
  const report = await createReport(owner.ctx("ENGINEER"), { frameworks: ["nist-ai-rmf"] });
  ids.hardeningRun = (await createHardening(owner.ctx("ENGINEER"), hardeningRequest(mv.id, dv.id))).id;
  const alert = await db.regressionAlert.create({ data: { teamId: owner.team.id, modelId: mv.modelId, evaluationId: ev.id, previousEvaluationId: ev.id, summary: "fixture", details: {} } });
  // Both teams have a "production" environment: the outsider's own name resolves, the owner's records must not.
  const env = await createEnvironment(owner.ctx("ADMIN"), { name: "production", description: "" });
  await createEnvironment(outsider, { name: "production", description: "" });
  const monitoringAlert = await db.monitoringAlert.create({ data: { teamId: owner.team.id, environmentId: env.id, modelId: mv.modelId, modelVersionId: mv.id, signal: "input", severity: "warning", summary: "fixture", details: {}, lastSeenAt: new Date(), firstBatchId: "b", lastBatchId: "b" } });
  const template = await createAttestationTemplate(owner.ctx("REVIEWER"), { name: "owner's wording", statement: "A statement long enough to be a template.", validDays: 30 });
  const token = await createApiToken(owner.ctx("ADMIN"), { name: "owner's pipeline", role: "ENGINEER", expiresInDays: 30 });
  const host = await addOutboundHost(owner.ctx("ADMIN"), { host: "models.owner.example" });
  const attestation = await createAttestation(owner.ctx("REVIEWER"), { control: ATTESTED_CONTROL, statement: "The owner's own statement about its governance.", expiresOn: inDays(9) }, [{ name: "minutes.txt", contentType: "text/plain", bytes: new TextEncoder().encode("owner's minutes") }]);
  const { version: policyVersion } = await savePolicy(owner.ctx("ADMIN"), defaultPolicy(), "owner's policy");
  // A stored report file (its bytes need no rendering here): the outsider's verification must not find it.
  const reportSha256 = "ab".repeat(32);
  await db.reportFile.create({ data: { teamId: owner.team.id, reportId: report.id, edition: "draft", sha256: reportSha256, size: 3, bytes: Buffer.from("pdf") } });
  const dsName = (await db.dataset.findUniqueOrThrow({ where: { id: dv.datasetId } })).name;
  Object.assign(ids, {
    token: token.id,
    outboundHost: host.id,
    attestation: attestation.id,
    attestationFile: (await db.attestationFile.findFirstOrThrow({ where: { attestationId: attestation.id } })).id,
    policyVersion,
    reportSha256,
    datasetName: dsName,
    datasetRef: `${dsName}@${dv.version}`,
    modelFile: (await db.modelVersionFile.findFirstOrThrow({ where: { modelVersionId: mv.id } })).path,
    datasetFile: (await db.datasetVersionFile.findFirstOrThrow({ where: { datasetVersionId: dv.id } })).path,
    template: template.id,
    model: mv.modelId,
    modelVersion: mv.id,
    dataset: dv.datasetId,
    datasetVersion: dv.id,
    membership: (await db.membership.findFirstOrThrow({ where: { teamId: owner.team.id, role: "VIEWER" } })).id,
    evaluation: ev.id,
    evaluationNumber: ev.number,
    schedule: sched.id,
    alert: alert.id,
    report: report.id,
    environment: env.id,
    monitoringAlert: monitoringAlert.id,
    modelName: (await db.model.findUniqueOrThrow({ where: { id: mv.modelId } })).name,
  });
  ids.modelRef = `${ids.modelName}@${mv.version}`;
  ids.trainDatasetVersion = (await db.datasetVersion.findFirstOrThrow({ where: { teamId: owner.team.id, dataset: { name: DEMO_DATASETS.train } } })).id;
  // Finished evaluations (a robustness one and an integrity scan) and a deployment decision with an override,
  // written as rows: what they hold does not matter here, only that another team's readers must not see them.
  const finished = { teamId: owner.team.id, modelId: mv.modelId, modelVersionId: mv.id, datasetVersionId: ids.trainDatasetVersion, preset: "quick", seed: 0, sampleCount: 10, sampleIndices: [], shardSize: 10, shardCount: 1, shardsDone: 1, status: "COMPLETED" as const, estimatedSteps: 1, createdByLabel: "fixture", finishedAt: new Date() };
  await db.evaluation.create({ data: { ...finished, number: 900, kind: "robustness", suite: {} } });
  ids.integrityEvaluation = (await db.evaluation.create({ data: { ...finished, number: 901, kind: "integrity", preset: "integrity", suite: {}, metrics: { evidence: { samples: 10, liveBackdoors: [] } } } })).id;
  const override = await db.gateOverride.create({ data: { teamId: owner.team.id, environmentId: env.id, modelVersionId: mv.id, reason: "fixture override", expiresAt: new Date(Date.now() + 86_400_000), evidenceHash: "0".repeat(64), createdByLabel: "fixture" } });
  await db.deployment.create({ data: { teamId: owner.team.id, environmentId: env.id, modelId: mv.modelId, modelVersionId: mv.id, kind: "promote", gatePassed: true, gate: {}, evidenceHash: "0".repeat(64), overrideId: override.id, createdByLabel: "fixture" } });
  // A model served over HTTP (on the owner's allowed host; nothing is called), its weights the fixture version.
  const endpoint = await registerEndpointVersion(owner.ctx("ENGINEER"), {
    name: "owner-digits-api",
    card: { task: "image-classification", inputShape: [28, 28, 1], inputRange: { min: 0, max: 1 }, classLabels: (mv.card as { classLabels: string[] }).classLabels, intendedUse: "The owner's API", outOfScopeUse: "Anything else", riskTier: "limited", owner: "ML platform", trainingMethod: { kind: "standard" } },
    endpoint: { url: "https://models.owner.example/v1/scores", authKind: "none", requestTemplate: '{"instances": "{{inputs}}"}', responseMapping: { kind: "scores", path: "predictions" }, batchSize: 4, timeoutMs: 2000, requestsPerSecond: 10, concurrency: 1 },
    whiteBoxReferenceVersionId: mv.id,
  });
  ids.endpointVersion = endpoint.versionId;
  // The owner's own control catalog: another team's catalog, exports and lists must not show it.
  await importTeamCatalog(owner.ctx("REVIEWER"), { json: OWNER_CATALOG, framework: OWNER_FRAMEWORK });
  ownerAuditEvents = await db.auditEvent.count({ where: { teamId: owner.team.id } });
}, 600_000);

const cases: [string, () => Promise<unknown>][] = [
  ["team context", () => getTeamContext({ id: outsider.userId, email: outsider.actor.label }, owner.team.slug)],
  ["members: change role", () => changeMemberRole(outsider, { membershipId: ids.membership, role: "ADMIN" })],
  ["members: remove", () => removeMember(outsider, { membershipId: ids.membership })],
  ["models: get", () => getModel(outsider, ids.model)],
  ["models: edit card", async () => updateModelCard(outsider, ids.modelVersion, { ...cardToFields((await db.modelVersion.findUniqueOrThrow({ where: { id: ids.modelVersion } })).card as never), owner: "mallory" })],
  ["models: archive version", () => setModelVersionArchived(outsider, ids.modelVersion, true)],
  ["models: delete version", () => deleteModelVersion(outsider, ids.modelVersion)],
  ["models: archive model", () => setModelArchived(outsider, ids.model, true)],
  ["models: download files", () => loadModelVersionFiles(outsider, ids.modelVersion)],
  ["models: compare versions", () => compareVersions(outsider, ids.model)],
  ["models: new ensemble version of another team's model", async () => registerEnsembleVersion(outsider, { modelId: ids.model, memberVersionIds: (await db.modelVersion.findMany({ where: { modelId: ids.model }, select: { id: true } })).map((v) => v.id), combine: "mean-probability" })],
  ["models: engine load (version or ensemble)", () => loadEngineModel(outsider, ids.modelVersion)],
  ["models: engine load of a version's files", () => loadModelVersionForEngine(outsider, ids.modelVersion)],
  ["models: compatibility of another team's versions", () => checkVersionsCompatible(outsider, ids.modelVersion, ids.datasetVersion)],
  ["models: version comparison for the report", () => loadVersionComparison(outsider, ids.model)],
  ["models: endpoint of another team's version", () => loadEndpointForEngine(outsider, ids.endpointVersion)],
  ["datasets: get", () => getDataset(outsider, ids.dataset)],
  ["datasets: edit card", async () => updateDatasetCard(outsider, ids.datasetVersion, { ...((await db.datasetVersion.findUniqueOrThrow({ where: { id: ids.datasetVersion } })).card as object), description: "x" })],
  ["datasets: archive version", () => setDatasetVersionArchived(outsider, ids.datasetVersion, true)],
  ["datasets: delete version", () => deleteDatasetVersion(outsider, ids.datasetVersion)],
  ["datasets: archive dataset", () => setDatasetArchived(outsider, ids.dataset, true)],
  ["datasets: engine tensors", () => loadDatasetForEngine(outsider, ids.datasetVersion)],
  ["evaluations: create on another team's versions", () => createEvaluation(outsider, { modelVersionId: ids.modelVersion, datasetVersionId: ids.datasetVersion, preset: "quick", sampleCount: 5, seed: 0, shardSize: 10, linfEpsilons: undefined, customSuite: undefined })],
  ["evaluations: the model version a launch reads", () => launchableModelVersion(outsider, ids.modelVersion)],
  ["evaluations: create of a kind on another team's versions", () => createEvaluationOfKind(outsider, { kind: "robustness", modelVersionId: ids.modelVersion, datasetVersionId: ids.datasetVersion, preset: "quick", sampleCount: 5, seed: 0, shardSize: 10, linfEpsilons: undefined, customSuite: undefined })],
  ["evaluations: get", () => getEvaluation(outsider, ids.evaluationNumber)],
  ["evaluations: progress", () => evaluationProgress(outsider, ids.evaluationNumber)],
  ["evaluations: results", () => evaluationRecords(outsider, ids.evaluationNumber)],
  ["models: Explore view of another team's version", () => getExplorerSetup(outsider, ids.model)],
  ["models: Explore example of another team's version and dataset", () => getExplorerExample(outsider, { version: ids.modelVersion, dataset: ids.datasetVersion, index: 0 })],
  ["evaluations: integrity suspects", () => integritySuspects(outsider, ids.evaluationNumber)],
  ["evaluations: integrity suspects, a page", () => integritySuspectsPage(outsider, ids.evaluationNumber, { limit: 10 })],
  ["evaluations: cancel", () => cancelEvaluation(outsider, ids.evaluation)],
  ["hardening: create on another team's versions", () => createHardening(outsider, hardeningRequest(ids.modelVersion, ids.trainDatasetVersion))],
  ["hardening: estimate on another team's versions", () => estimateHardening(outsider, hardeningRequest(ids.modelVersion, ids.trainDatasetVersion))],
  ["hardening: cancel", () => cancelHardening(outsider, ids.hardeningRun)],
  ["hardening: get a run", () => getHardeningRun(outsider, ids.hardeningRun)],
  ["hardening: a version's lineage", () => versionLineage(outsider, ids.modelVersion)],
  ["api: harden another team's model", () => createHardeningApi(outsider, ids.modelName, ApiCreateHardeningSchema.parse({ version: 1, dataset: `${DEMO_DATASETS.train}@1`, params: hardeningRequest("", "").params }))],
  ["api: another team's model's hardening runs", () => listHardeningApi(outsider, ids.modelName, { limit: 10 })],
  ["api: get another team's hardening run", () => getHardeningApi(outsider, ids.modelName, ids.hardeningRun)],
  ["api: cancel another team's hardening run", () => cancelHardeningApi(outsider, ids.modelName, ids.hardeningRun)],
  ["hardening: form setup of another team's version", () => getHardeningSetup(outsider, ids.model)],
  ["schedules: pause", () => setSchedulePaused(outsider, ids.schedule, true)],
  ["schedules: edit", () => updateSchedule(outsider, ids.schedule, ScheduleInputSchema.parse({ name: "x", modelId: ids.model, datasetVersionId: ids.datasetVersion, preset: "quick", sampleCount: 5, cron: "daily" }))],
  ["schedules: delete", () => deleteSchedule(outsider, ids.schedule)],
  ["alerts: acknowledge", () => acknowledgeAlert(outsider, { alertId: ids.alert, note: "not mine" })],
  ["reports: get", () => getReport(outsider, ids.report)],
  ["reports: snapshot", () => getReportSnapshot(outsider, ids.report)],
  ["reports: approve", () => approveReport(outsider, ids.report)],
  ["reports: download", () => reportPdf(outsider, ids.report)],
  ["reports: verify by id", () => verifyPdf(outsider, { sha256: "0".repeat(64) }, { reportId: ids.report })],
  ["reports: find", () => findReport(outsider, ids.report)],
  ["reports: ask for a review", () => requestReview(outsider, { reportId: ids.report, reviewerId: outsider.userId })],
  ["reports: request changes", () => requestChanges(outsider, { reportId: ids.report, reason: "Not this team's report at all." })],
  ["reports: revise", () => reviseReport(outsider, { reportId: ids.report })],
  ["reports: history", () => reportHistory(outsider, ids.report)],
  ["reports: revisions", () => reportRevisions(outsider, ids.report)],
  ["reports: create with another team's model", () => createReport(outsider, { modelIds: [ids.model] })],
  ["operations: promote another team's version", () => promoteVersion(outsider, { environment: "production", modelVersionId: ids.modelVersion, note: "" })],
  ["operations: override the gate for another team's version", () => createGateOverride(outsider, { environment: "production", modelVersionId: ids.modelVersion, reason: "not my model at all", expiresInDays: 1 })],
  ["operations: roll back another team's model", () => rollbackDeployment(outsider, { environment: "production", modelId: ids.model, note: "" })],
  ["operations: model page", () => modelOperations(outsider, ids.model)],
  ["monitoring: page", () => monitoringView(outsider, ids.model, ids.environment)],
  ["monitoring: reference of another team's model", () => getReference(outsider, { model: ids.modelName, environment: "production" })],
  ["monitoring: ingest for another team's model", () => ingestBatch(outsider, BatchSchema.parse({ environment: "production", model: ids.modelName, count: 10 }))],
  ["monitoring: acknowledge", () => acknowledgeMonitoringAlert(outsider, { alertId: ids.monitoringAlert, note: "not mine" })],
  ["controls: bulk attestation for another team's model", () => createAttestations(outsider, { controls: ["nist-ai-rmf:GOVERN 1.1"], modelId: ids.model, statement: "An outsider's statement about a model.", expiresOn: new Date(Date.now() + 9 * 86_400_000).toISOString().slice(0, 10) })],
  ["controls: delete another team's attestation template", () => deleteAttestationTemplate(outsider, { templateId: ids.template })],
  ["oscal: a report's assessment results", () => exportReportResults(outsider, ids.report)],
  ["oscal: another team's model posture", () => exportPostureResults(outsider, { modelId: ids.model })],
  ["oscal: component definition of another team's version", () => exportComponentDefinition(outsider, ids.modelVersion)],
  ["oscal: another team's own catalog as OSCAL", () => exportFrameworkCatalog(outsider, OWNER_FRAMEWORK)],
  ["catalogs: another team's catalog mapping", () => exportCatalogMapping(outsider, OWNER_FRAMEWORK)],
  ["catalogs: upload a mapping to another team's catalog", () => importCatalogMapping(outsider, OWNER_FRAMEWORK, { format: "bulwark-catalog-mapping/1", framework: OWNER_FRAMEWORK, entries: [] })],
  ["catalogs: roll back another team's catalog", () => rollbackTeamCatalog(outsider, { framework: OWNER_FRAMEWORK, version: 1, reason: "not my catalog at all" })],
  ["catalogs: delete another team's catalog", () => deleteTeamCatalog(outsider, { framework: OWNER_FRAMEWORK, reason: "not my catalog at all" })],
  ["api: another team's catalog mapping", () => getCatalogMappingApi(outsider, OWNER_FRAMEWORK)],
  ["api: upload a mapping to another team's catalog", () => uploadCatalogMappingApi(outsider, OWNER_FRAMEWORK, { format: "bulwark-catalog-mapping/1", framework: OWNER_FRAMEWORK, entries: [] })],
  ["api: roll back another team's catalog", () => rollbackCatalogApi(outsider, OWNER_FRAMEWORK, { version: 1, reason: "not my catalog at all" })],
  ["api: delete another team's catalog", () => deleteCatalogApi(outsider, OWNER_FRAMEWORK, { reason: "not my catalog at all" })],
  // REST API v1 readers: another team's records by name, name@version or number
  ["api: model version by name@version", () => resolveModelVersion(outsider, ref(ids.modelRef))],
  ["api: dataset version by name@version", () => resolveDatasetVersion(outsider, ref(ids.datasetRef))],
  ["api: model by name", () => getModelApi(outsider, ids.modelName)],
  ["api: model version", () => getModelVersionApi(outsider, ref(ids.modelRef))],
  ["api: dataset by name", () => getDatasetApi(outsider, ids.datasetName)],
  ["api: dataset version", () => getDatasetVersionApi(outsider, ref(ids.datasetRef))],
  ["api: evaluation", () => evaluationForApi(outsider, ids.evaluationNumber)],
  ["api: evaluation results", () => evaluationResultsApi(outsider, ids.evaluationNumber)],
  ["api: schedule", () => getScheduleApi(outsider, ids.schedule)],
  ["api: regression alert", () => getAlertApi(outsider, ids.alert)],
  ["api: release gate of another team's version", () => gateApi(outsider, { model: ref(ids.modelRef) })],
  ["api: OSCAL results of another team's report", () => oscalReportApi(outsider, ids.report)],
  ["api: OSCAL component of another team's version", () => oscalComponentApi(outsider, ref(ids.modelRef))],
  // page readers of one record
  ["models: download a file of another team's version", () => openVersionFile(outsider, "model", ids.modelVersion, ids.modelFile)],
  ["datasets: download a file of another team's version", () => openVersionFile(outsider, "dataset", ids.datasetVersion, ids.datasetFile)],
  ["controls: statuses of another team's model", () => statusesForModel(outsider, ids.model)],
  ["controls: posture of another team's model", () => getModelPosture(outsider, ids.model)],
  ["controls: a file of another team's attestation", () => readAttestationFile(outsider, ids.attestationFile)],
  ["policies: another team's policy version", () => getPolicyVersion(outsider, ids.policyVersion)],
  ["monitoring: reference of another team's version", () => referenceFor(outsider, ids.modelVersion)],
  // REST API v1 writes naming another team's records
  ["api: evaluation of another team's name@version", () => createEvaluationApi(outsider, ApiCreateEvaluationSchema.parse({ model: ids.modelRef, dataset: ids.datasetRef, preset: "quick", sampleCount: 5 }))],
  ["api: ensemble of another team's versions", () => createEnsembleVersionApi(outsider, "outsider-ensemble", ApiCreateEnsembleSchema.parse({ members: [ids.modelRef, ids.modelRef], combine: "mean-probability" }))],
  ["api: test connection of another team's version", () => testConnectionApi(outsider, ref("owner-digits-api@1"), { dataset: ref(ids.datasetRef), examples: 8 })],
  ["api: remove another team's allowed host", () => removeOutboundHostApi(outsider, ids.outboundHost)],
  ["api: promote another team's version", () => promoteApi(outsider, ApiPromoteSchema.parse({ environment: "production", model: ids.modelRef, note: "" }))],
  ["api: roll back another team's model", () => rollbackApi(outsider, ApiRollbackSchema.parse({ environment: "production", model: ids.modelName, note: "" }))],
  ["api: override the gate for another team's version", () => overrideApi(outsider, ApiOverrideSchema.parse({ environment: "production", model: ids.modelRef, reason: "not my model at all", expiresInDays: 1 }))],
  ["api: acknowledge another team's monitoring alert", () => acknowledgeMonitoringAlertApi(outsider, ids.monitoringAlert, "not mine")],
  ["api: ingest for another team's model", () => ingestBatchApi(outsider, BatchSchema.parse({ environment: "production", model: ids.modelName, count: 10 }))],
  // page writes naming another team's records
  ["models: test connection of another team's endpoint", () => testEndpointConnection(outsider, ids.endpointVersion, ids.datasetVersion)],
  ["settings: remove another team's allowed host", () => removeOutboundHost(outsider, { id: ids.outboundHost })],
  ["settings: revoke another team's API token", () => revokeApiToken(outsider, ids.token)],
  ["controls: attest for another team's model", () => createAttestation(outsider, { control: ATTESTED_CONTROL, modelId: ids.model, statement: "An outsider's statement about a model.", expiresOn: inDays(9) })],
  ["controls: revoke another team's attestation", () => revokeAttestation(outsider, { attestationId: ids.attestation, reason: "Not this team's attestation." })],
  ["evaluations: integrity scan of another team's version", () => createIntegrityEvaluation(outsider, CreateIntegrityEvaluationSchema.parse({ kind: "integrity", modelVersionId: ids.modelVersion, trainingDatasetVersionId: ids.trainDatasetVersion, heldOutDatasetVersionId: ids.datasetVersion }))],
  ["evaluations: privacy evaluation of another team's version", () => createPrivacyEvaluation(outsider, privacyInput())],
  ["evaluations: privacy cost of another team's version", () => previewPrivacyCost(outsider, privacyInput())],
];

const privacyInput = () => CreatePrivacyEvaluationSchema.parse({ kind: "privacy", modelVersionId: ids.modelVersion, memberDatasetVersionId: ids.trainDatasetVersion, nonMemberDatasetVersionId: ids.datasetVersion, referenceModels: 0 });

const ref = (s: string) => VersionRefSchema.parse(s);

// Readers that filter by the team and answer with nothing rather than "not found". Each row runs the same
// call twice: as the outsider (nothing of the owner's) and as the owner (the record is there to leak).
const member = () => owner.ctx("ADMIN");
const verifyJson = (sha256: string) => new Request("http://bulwark.test/api/v1/reports/verify", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ sha256 }) });
/** A control's attestations and its per-model statuses (the team-level row, modelId null, is the caller's own). */
const attestedAndModels = (d: Awaited<ReturnType<typeof getControlDetail>>) => [...d.attestations, ...d.perModel.filter((p) => p.modelId !== null)];
const emptyCases: [string, () => Promise<unknown>, () => Promise<unknown>][] = [
  ["hardening: another team's runs of its model", () => listHardeningRuns(outsider, { limit: 10, modelId: ids.model }).then((p) => p.data), () => listHardeningRuns(member(), { limit: 10, modelId: ids.model }).then((p) => p.data)],
  ["schedules: find another team's schedule", () => findSchedule(outsider, ids.schedule), () => findSchedule(member(), ids.schedule)],
  ["models: evaluations and alerts of another team's model", () => modelEvaluations(outsider, ids.model).then((r) => [...r.alerts, ...r.evaluations, ...r.versionNumbers.keys()]), () => modelEvaluations(member(), ids.model).then((r) => [...r.alerts, ...r.evaluations, ...r.versionNumbers.keys()])],
  ["evaluations: sizes of another team's dataset versions", () => datasetSizes(outsider, [ids.datasetVersion]), () => datasetSizes(member(), [ids.datasetVersion])],
  ["alerts: open alerts of another team's model", () => openAlerts(outsider, ids.model), () => openAlerts(member(), ids.model)],
  ["controls: a control's page shows no attestation or model of another team", () => getControlDetail(outsider, ATTESTED_CONTROL).then(attestedAndModels), () => getControlDetail(member(), ATTESTED_CONTROL).then(attestedAndModels)],
  ["evaluations: latest integrity scan of another team's dataset version", () => latestIntegrityScanOf(outsider, ids.trainDatasetVersion), () => latestIntegrityScanOf(member(), ids.trainDatasetVersion)],
  ["evaluations: headline figures of another team's evaluations", () => kindHeadlines(outsider, [{ id: ids.integrityEvaluation, kind: "integrity", status: "COMPLETED" }]), () => kindHeadlines(member(), [{ id: ids.integrityEvaluation, kind: "integrity", status: "COMPLETED" }])],
  ["evidence: another team's finished scans of its versions", () => completedKindEvidenceRows(outsider, "integrity", [ids.modelVersion]), () => completedKindEvidenceRows(member(), "integrity", [ids.modelVersion])],
  ["evidence: another team's finished robustness evaluations", () => completedEvaluationEvidenceRows(outsider, [ids.modelVersion]), () => completedEvaluationEvidenceRows(member(), [ids.modelVersion])],
  ["evidence: another team's integrity figures", () => loadIntegrityEvidence(outsider, [ids.modelVersion]), () => loadIntegrityEvidence(member(), [ids.modelVersion])],
  ["operations: another team's active override", () => activeOverride(outsider, ids.environment, ids.modelVersion), () => activeOverride(member(), ids.environment, ids.modelVersion)],
  ["operations: another team's overrides of a model", () => overridesForModel(outsider, ids.model), () => overridesForModel(member(), ids.model)],
  ["operations: another team's deployment history", () => deploymentHistory(outsider, ids.model), () => deploymentHistory(member(), ids.model)],
  ["operations: what another team's model runs", () => currentDeployments(outsider, ids.model), () => currentDeployments(member(), ids.model)],
  ["operations: another team's last passing deployment", () => lastPassingDeployment(outsider, ids.environment, ids.model, "none"), () => lastPassingDeployment(member(), ids.environment, ids.model, "none")],
  ["models: endpoint settings of another team's version", () => getEndpointSummary(outsider, ids.endpointVersion), () => getEndpointSummary(member(), ids.endpointVersion)],
  ["evaluations: launch facts of another team's endpoint", () => endpointLaunchInfo(outsider, ids.endpointVersion), () => endpointLaunchInfo(member(), ids.endpointVersion)],
  ["evaluations: another team's endpoint, if any", () => loadEndpointIfAny(outsider, ids.endpointVersion), () => loadEndpointIfAny(member(), ids.endpointVersion)],
  ["evaluations: another team's white-box reference evaluation", () => referenceCheckFor(outsider, { datasetVersionId: ids.trainDatasetVersion }, whiteBoxOf(ids.modelVersion), noMetrics).then((r) => r.referenceEvaluationId), () => referenceCheckFor(member(), { datasetVersionId: ids.trainDatasetVersion }, whiteBoxOf(ids.modelVersion), noMetrics).then((r) => r.referenceEvaluationId)],
  ["operations: the gate of another team's version counts none of its alerts", () => fixtureVersion().then((v) => gateForVersion(outsider, v)).then(failedRegression), () => fixtureVersion().then((v) => gateForVersion(member(), v)).then(failedRegression)],
  ["catalogs: another team's own catalog is not a framework of the outsider", () => catalogForTeam(outsider).then(ownFrameworks), () => catalogForTeam(member()).then(ownFrameworks)],
  ["catalogs: another team's uploaded catalog versions", () => listTeamCatalogs(outsider), () => listTeamCatalogs(member())],
  ["api: verify another team's report file by its SHA-256", () => verifyReportApi(outsider, verifyJson(ids.reportSha256)).then((v) => v.report), () => verifyReportApi(member(), verifyJson(ids.reportSha256)).then((v) => v.report)],
];
/** Launch facts naming another team's version as the white-box reference, and black-box metrics with no budgets. */
const whiteBoxOf = (versionId: string) => ({ outputKind: "scores" as const, batchSize: 4, requestsPerSecond: 10, concurrency: 1, host: "models.owner.example", whiteBoxReferenceVersionId: versionId });
const noMetrics = { samples: 10, worstCase: [] } as unknown as EngineMetrics;
/** The owner's version as the gate takes it, and the gate's failed regression check (the owner's open alert). */
const fixtureVersion = () => db.modelVersion.findUniqueOrThrow({ where: { id: ids.modelVersion } });
const failedRegression = (g: Awaited<ReturnType<typeof gateForVersion>>) => g.verdict.checks.filter((c) => c.id === "regression" && c.outcome === "fail");
const isEmpty = (v: unknown) => v === null || (Array.isArray(v) && v.length === 0) || (v instanceof Map && v.size === 0);

describe("cross-team access answers not found", () => {
  it.each(cases)("%s", async (_name, run) => {
    await expect(run()).rejects.toThrow(NotFoundError);
  });

  it.each(emptyCases)("%s (answers with nothing)", async (_name, run, asOwner) => {
    const seen = await run();
    expect(isEmpty(seen), JSON.stringify(seen)?.slice(0, 300)).toBe(true);
    expect(isEmpty(await asOwner())).toBe(false);
  });

  it("left every record of the owner team as it was", async () => {
    expect(await db.membership.findUniqueOrThrow({ where: { id: ids.membership } })).toMatchObject({ role: "VIEWER" });
    expect(await db.model.findUniqueOrThrow({ where: { id: ids.model } })).toMatchObject({ archivedAt: null });
    expect(await db.modelVersion.findUniqueOrThrow({ where: { id: ids.modelVersion } })).toMatchObject({ status: "ACTIVE" });
    expect(await db.evaluation.findUniqueOrThrow({ where: { id: ids.evaluation } })).toMatchObject({ status: "QUEUED" });
    expect(await db.schedule.findUniqueOrThrow({ where: { id: ids.schedule } })).toMatchObject({ paused: false, name: "s" });
    expect(await db.regressionAlert.findUniqueOrThrow({ where: { id: ids.alert } })).toMatchObject({ acknowledgedAt: null });
    expect(await db.report.findUniqueOrThrow({ where: { id: ids.report } })).toMatchObject({ status: "QUEUED", approvedAt: null });
    expect(await db.report.count({ where: { teamId: outsider.team.id } })).toBe(0);
    expect(await db.modelVersion.count({ where: { teamId: outsider.team.id } })).toBe(0);
    expect(await db.deployment.count({ where: { teamId: outsider.team.id } })).toBe(0);
    expect(await db.gateOverride.count({ where: { teamId: outsider.team.id } })).toBe(0);
    expect(await db.deployment.count({ where: { teamId: owner.team.id } })).toBe(1);
    expect(await db.gateOverride.count({ where: { teamId: owner.team.id } })).toBe(1);
    expect(await db.monitoringAlert.findUniqueOrThrow({ where: { id: ids.monitoringAlert } })).toMatchObject({ acknowledgedAt: null });
    expect(await db.attestationTemplate.count({ where: { id: ids.template } })).toBe(1);
    expect(await db.attestation.count({ where: { teamId: outsider.team.id } })).toBe(0);
    expect(await db.attestation.findUniqueOrThrow({ where: { id: ids.attestation } })).toMatchObject({ revokedAt: null });
    expect(await db.apiToken.findUniqueOrThrow({ where: { id: ids.token } })).toMatchObject({ revokedAt: null });
    expect(await db.outboundHost.count({ where: { id: ids.outboundHost } })).toBe(1);
    expect(await db.evaluation.count({ where: { teamId: outsider.team.id } })).toBe(0);
    expect(await db.teamCatalog.count({ where: { teamId: outsider.team.id } })).toBe(0);
    expect(await db.model.count({ where: { teamId: outsider.team.id } })).toBe(0);
    // Nothing was recorded against the owner team by any refused call.
    expect(await db.auditEvent.count({ where: { teamId: owner.team.id } })).toBe(ownerAuditEvents);
    await stopQueue();
  });
});

// ---- The table is complete ----------------------------------------------------------------------------
// Every exported lib function whose first parameter is the team context either has a row above (it is
// given a record id or name, so another team's must answer "not found", or nothing where it filters), or is
// listed here because it reads or writes only the caller's own team as a whole. There is no list of gaps:
// a new exported function fails this test until it joins one.

const ROOT = resolve(import.meta.dirname, "..");
function libFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return e.name === "generated" ? [] : libFiles(p);
    return /\.ts$/.test(e.name) && !/\.test\.ts$/.test(e.name) && !/test-helpers|testing/.test(e.name) ? [p] : [];
  });
}
/** Exported functions of lib (declarations and exported const arrow functions), with their parameters. */
function exportedFunctions() {
  const out: { name: string; file: string; first: string; type: string; params: { name: string; type: string }[] }[] = [];
  for (const f of libFiles(join(ROOT, "lib"))) {
    const sf = ts.createSourceFile(f, readFileSync(f, "utf8"), ts.ScriptTarget.Latest, true);
    const exported = (n: ts.Node) => ts.canHaveModifiers(n) && !!ts.getModifiers(n)?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
    const add = (name: string, fn: ts.SignatureDeclaration) => {
      const params = fn.parameters.map((p) => ({ name: p.name.getText(sf), type: p.type?.getText(sf) ?? "" }));
      out.push({ name, file: relative(ROOT, f), first: params[0]?.name ?? "", type: params[0]?.type ?? "", params });
    };
    for (const s of sf.statements) {
      if (!exported(s)) continue;
      if (ts.isFunctionDeclaration(s) && s.name) add(s.name.text, s);
      if (ts.isVariableStatement(s)) {
        for (const d of s.declarationList.declarations) {
          // `export const f = async (…) => …`, also through a wrapper such as React's cache(…)
          let init = d.initializer;
          while (init && ts.isCallExpression(init) && init.arguments.length) init = init.arguments[0];
          if (ts.isIdentifier(d.name) && init && (ts.isArrowFunction(init) || ts.isFunctionExpression(init))) add(d.name.text, init);
        }
      }
    }
  }
  return out;
}

/** Scoped by the context alone: lists, team-wide views and creations from the caller's own input. */
const WHOLE_TEAM_ONLY = new Set([
  // lists and team-wide views
  "listModels", "listDatasets", "listDatasetVersionOptions", "listEvaluations", "listSchedules", "listReports", "listMembers", "listApiTokens",
  "listAttestations", "listAttestationTemplates", "listPolicyVersions", "listOutboundHosts", "listWeightVersionOptions", "listEnsembleMemberOptions", "teamCounts",
  "dashboardEvaluations", "teamModelNames", "scheduledRuns", "launchChoices", "getPolicy", "assessTeam", "getPosture", "getRiskRegister",
  "operationsOverview", "listModelsApi", "listDatasetsApi", "listEvaluationsApi", "listSchedulesApi", "listAlertsApi", "controlsApi", "auditVerifyApi",
  "listReportsApi", "listOutboundHostsApi", "listEnvironmentsApi", "listMonitoringAlertsApi", "deploymentStatusApi",
  // reads the team's policy for a report the caller already holds; the team's approvers for it
  "approvalBlockedReason", "reviewCandidates",
  // the caller's own review queue and notices in the team
  "awaitingReview", "listNotifications", "markNotificationsRead", "countUnreadNotifications",
  // the team's audit log, filtered by the caller's query (subjects named only from the team's own records)
  "findAuditPage", "auditFacets", "exportAuditLog", "subjectLabels",
  // creations and settings from the caller's own input (records they name are looked up in the caller's team, tested above where they take ids)
  "registerModelVersion", "registerDatasetVersion", "registerEndpointVersion", "createSchedule", "createApiToken", "addMember", "createEnvironment",
  "createAttestationTemplate", "savePolicy", "setCrosswalkOverride", "clearCrosswalkOverride", "copyControlMapping", "importTeamCatalog", "importCatalogApi", "updateTeamAlertSettings", "addOutboundHost", "createEnvironmentApi",
  "uploadModelVersionApi", "uploadDatasetVersionApi", "registerEndpointApi", "addOutboundHostApi", "createReportApi",
  // steps of a registration or a launch, given records the operation already looked up in the caller's team
  // (lib/registry/versions.ts, lib/evaluations/launch.ts): the columns of a new version, its files, the launch transaction
  "modelVersionColumns", "filelessModelVersion", "storeVersionFiles", "insertEvaluation",
  // the archive / delete steps models and datasets share (lib/registry/lifecycle.ts): the kind's functions, in the
  // table above, pass the lookups in the caller's team
  "setRecordArchived", "setVersionArchived", "deleteVersion", "editVersionCard",
  // the history on a record's page, given the record getModel / getDataset (in the table above) found in the team
  "recordHistory",
  // the query of the model and dataset lists and pages (listModels / listDatasets, getModel / getDataset): the caller's team
  "registryListWhere", "recordPageQuery",
  // the team's own chain, policy, crosswalk, evidence, posture, settings, environments, allowlist and measured rates
  // (a member's page or the system's job: both name the team by the context)
  "verifyTeamChain", "verifyTeamChainRecent", "loadEvidence", "activePolicy", "listCrosswalkOverrides", "teamCrosswalk", "assessTeamById",
  "recordTeamSnapshot", "endpointPresetCosts", "measuredThroughput", "measuredTrainRate", "measuredGradientRate", "getTeamSettings", "listEnvironments",
  "loadTeamAllowlist", "liveTeamAllowlist",
  // opens an endpoint already loaded through the context (loadEndpointForEngine, in the table), under the team's allowlist
  "openEndpointModel",
  // OSCAL of the team's whole posture, and of a catalog
  "oscalPostureApi", "oscalCatalogApi", "listCatalogsApi",
]);

/** Check or read the context itself; they touch no record. */
const CONTEXT_HELPERS = new Set(["assertScopeCan", "isSystem", "userIdOf"]);


/**
 * May take a bare team id. Everything else takes the context: a member's (TeamContext) or the system's
 * (SystemContext, which says why: seed, job, schedule, sweep, script), never an id it must trust.
 */
const BARE_TEAM_ID = new Set([
  // the one door from an id a job or the seed names to the system context
  "systemContext",
  // steps of a transaction that an operation opened after resolving its context: the transaction comes
  // first, so they cannot run on their own, and the id is the caller's context's
  "sendWebhooks", "upsertArtifacts", "discardArtifactsIfUnused", "markVersionsEvaluated", "assertNotEnsembleMember", "assertArchiveAllowed",
]);

const CONTEXTS = new Set(["TeamContext", "TeamScope"]);

describe("the tenancy table is complete", () => {
  const inTable = new Set([...readFileSync(import.meta.filename, "utf8").matchAll(/=> (\w+)\(outsider\b/g)].map((m) => m[1]!));
  const fns = exportedFunctions();

  it("every exported function taking a member's or any context has a cross-team row, or reads only the whole team", () => {
    // A SystemContext alone (the seeds) is out of a member's reach, so no cross-team row can call it.
    const missing = fns.filter((f) => CONTEXTS.has(f.type) && !inTable.has(f.name) && !WHOLE_TEAM_ONLY.has(f.name) && !CONTEXT_HELPERS.has(f.name));
    expect(missing.map((f) => `${f.file}: ${f.name}`)).toEqual([]);
  });

  it("no exported function takes a bare team id, in any position, instead of the context", () => {
    const bare = fns.filter((f) => f.params.some((p) => p.name === "teamId") && !BARE_TEAM_ID.has(f.name));
    expect(bare.map((f) => `${f.file}: ${f.name}`)).toEqual([]);
  });

  it("no exported function takes a look-alike of the context (an object with a team) instead of the real one", () => {
    const lookAlike = fns.filter((f) => /^ctx$|^scope$/.test(f.first) && /\bteam\b/.test(f.type) && !CONTEXTS.has(f.type) && f.type !== "SystemContext");
    expect(lookAlike.map((f) => `${f.file}: ${f.name} (${f.type})`)).toEqual([]);
  });

  it("reads exported const functions and parameters past the first (the scan itself works)", () => {
    const names = new Map(fns.map((f) => [f.name, f]));
    expect(names.get("getTeamContext")?.type).toBe("{ id: string; email: string }");
    expect(names.get("sendWebhooks")?.params.map((p) => p.name)).toContain("teamId");
  });

  it("the lists name only functions that exist (a fixed gap leaves the list)", () => {
    const names = new Set(fns.map((f) => f.name));
    const stale = [...WHOLE_TEAM_ONLY, ...BARE_TEAM_ID, ...CONTEXT_HELPERS].filter((n) => !names.has(n));
    expect(stale).toEqual([]);
    expect([...WHOLE_TEAM_ONLY, ...CONTEXT_HELPERS].filter((n) => inTable.has(n))).toEqual([]);
  });
});
