import { beforeAll, describe, expect, it } from "vitest";
import { db } from "../lib/db/client";
import { NotFoundError } from "../lib/errors";
import { makeTeam } from "./fixtures";
import { useTempStore } from "../lib/registry/test-helpers";
import { seedDemoRegistry, DEMO_DATASETS } from "../lib/seed/registry";
import { getTeamContext, type TeamContext } from "../lib/teams/access";
import { changeMemberRole, removeMember } from "../lib/teams/members";
import { cardToFields } from "../lib/registry/model-card";
import { getModel, updateModelCard, setModelVersionArchived, deleteModelVersion, setModelArchived, loadModelVersionFiles } from "../lib/registry/models";
import { getDataset, updateDatasetCard, setDatasetVersionArchived, deleteDatasetVersion, setDatasetArchived, loadDatasetForEngine } from "../lib/registry/datasets";
import { createEvaluation } from "../lib/evaluations/create";
import { cancelEvaluation, evaluationProgress, getEvaluation } from "../lib/evaluations/manage";
import { evaluationRecords } from "../lib/evaluations/results";
import { createSchedule, deleteSchedule, setSchedulePaused, updateSchedule, ScheduleInputSchema } from "../lib/evaluations/schedules";
import { acknowledgeAlert } from "../lib/evaluations/webhook";
import { stopQueue } from "../lib/jobs/queue";
import { loadEngineModel, registerEnsembleVersion } from "../lib/registry/ensembles";
import { compareVersions } from "../lib/evaluations/compare-versions";
import { approveReport, createReport, getReport, getReportSnapshot, reportPdf, verifyPdf } from "../lib/reports";

// Every team-owned record asked for by a member of another team answers "not found" — the same as a
// record that does not exist — and leaves the record unchanged. New lib operations join this table.

useTempStore();
let owner: Awaited<ReturnType<typeof makeTeam>>;
let outsider: TeamContext;
const ids = {} as Record<"model" | "modelVersion" | "dataset" | "datasetVersion" | "membership" | "evaluation" | "schedule" | "alert" | "report", string> & { evaluationNumber: number };

beforeAll(async () => {
  owner = await makeTeam("owner");
  outsider = (await makeTeam("outsider")).ctx("ADMIN");
  await seedDemoRegistry(owner.team.id);
  const mv = await db.modelVersion.findFirstOrThrow({ where: { teamId: owner.team.id } });
  const dv = await db.datasetVersion.findFirstOrThrow({ where: { teamId: owner.team.id, dataset: { name: DEMO_DATASETS.eval } } });
  const ev = await createEvaluation(owner.ctx("ENGINEER"), { modelVersionId: mv.id, datasetVersionId: dv.id, preset: "quick", sampleCount: 10, seed: 0, shardSize: 10, linfEpsilons: undefined, customSuite: undefined });
  const sched = await createSchedule(owner.ctx("ENGINEER"), ScheduleInputSchema.parse({ name: "s", modelId: mv.modelId, datasetVersionId: dv.id, preset: "quick", sampleCount: 10, cron: "weekly" }));
  const report = await createReport(owner.ctx("ENGINEER"), { frameworks: ["nist-ai-rmf"] });
  const alert = await db.regressionAlert.create({ data: { teamId: owner.team.id, modelId: mv.modelId, evaluationId: ev.id, previousEvaluationId: ev.id, summary: "fixture", details: {} } });
  Object.assign(ids, {
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
  });
}, 300_000);

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
  ["models: engine load (version or ensemble)", () => loadEngineModel(outsider.team.id, ids.modelVersion)],
  ["datasets: get", () => getDataset(outsider, ids.dataset)],
  ["datasets: edit card", async () => updateDatasetCard(outsider, ids.datasetVersion, { ...((await db.datasetVersion.findUniqueOrThrow({ where: { id: ids.datasetVersion } })).card as object), description: "x" })],
  ["datasets: archive version", () => setDatasetVersionArchived(outsider, ids.datasetVersion, true)],
  ["datasets: delete version", () => deleteDatasetVersion(outsider, ids.datasetVersion)],
  ["datasets: archive dataset", () => setDatasetArchived(outsider, ids.dataset, true)],
  ["datasets: engine tensors", () => loadDatasetForEngine(outsider.team.id, ids.datasetVersion)],
  ["evaluations: create on another team's versions", () => createEvaluation(outsider, { modelVersionId: ids.modelVersion, datasetVersionId: ids.datasetVersion, preset: "quick", sampleCount: 5, seed: 0, shardSize: 10, linfEpsilons: undefined, customSuite: undefined })],
  ["evaluations: get", () => getEvaluation(outsider, ids.evaluationNumber)],
  ["evaluations: progress", () => evaluationProgress(outsider, ids.evaluationNumber)],
  ["evaluations: results", () => evaluationRecords(outsider, ids.evaluationNumber)],
  ["evaluations: cancel", () => cancelEvaluation(outsider, ids.evaluation)],
  ["schedules: pause", () => setSchedulePaused(outsider, ids.schedule, true)],
  ["schedules: edit", () => updateSchedule(outsider, ids.schedule, ScheduleInputSchema.parse({ name: "x", modelId: ids.model, datasetVersionId: ids.datasetVersion, preset: "quick", sampleCount: 5, cron: "daily" }))],
  ["schedules: delete", () => deleteSchedule(outsider, ids.schedule)],
  ["alerts: acknowledge", () => acknowledgeAlert(outsider, { alertId: ids.alert, note: "not mine" })],
  ["reports: get", () => getReport(outsider, ids.report)],
  ["reports: snapshot", () => getReportSnapshot(outsider, ids.report)],
  ["reports: approve", () => approveReport(outsider, ids.report)],
  ["reports: download", () => reportPdf(outsider, ids.report)],
  ["reports: verify by id", () => verifyPdf(outsider, { sha256: "0".repeat(64) }, { reportId: ids.report })],
  ["reports: create with another team's model", () => createReport(outsider, { modelIds: [ids.model] })],
];

describe("cross-team access answers not found", () => {
  it.each(cases)("%s", async (_name, run) => {
    await expect(run()).rejects.toThrow(NotFoundError);
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
    await stopQueue();
  });
});
