import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db } from "../db/client";
import { stopQueue } from "../jobs/queue";
import { makeTeam } from "../../test/fixtures";
import { seedDemoRegistry, DEMO_DATASETS } from "../seed/registry";
import { systemContext } from "../teams/context";
import { createEvaluation } from "./create";
import { dashboardEvaluations } from "./page-data";

// The dashboard's alerts and latest evaluations come from two joined queries (issue 27): each row carries the
// evaluation number, model name and version the page shows, and only the caller's team's rows are read.

let owner: Awaited<ReturnType<typeof makeTeam>>;
let outsider: Awaited<ReturnType<typeof makeTeam>>;

beforeAll(async () => {
  owner = await makeTeam("dashboard");
  outsider = await makeTeam("dashboard-other");
  await seedDemoRegistry(systemContext(owner.team.id, "seed"));
});

afterAll(() => stopQueue());

describe("dashboardEvaluations", () => {
  it("names each alert's evaluation and each evaluation's model and version, newest first; another team sees none of it", async () => {
    const mv = await db.modelVersion.findFirstOrThrow({ where: { teamId: owner.team.id }, include: { model: true } });
    const dv = await db.datasetVersion.findFirstOrThrow({ where: { teamId: owner.team.id, dataset: { name: DEMO_DATASETS.eval } } });
    const launch = () => createEvaluation(owner.ctx("ENGINEER"), { modelVersionId: mv.id, datasetVersionId: dv.id, preset: "quick", sampleCount: 10, seed: 0, shardSize: 10, linfEpsilons: undefined, customSuite: undefined });
    const first = await launch();
    const second = await launch();
    const alert = await db.regressionAlert.create({ data: { teamId: owner.team.id, modelId: mv.modelId, evaluationId: first.id, previousEvaluationId: first.id, summary: "robust accuracy dropped", details: {} } });
    await db.regressionAlert.create({ data: { teamId: owner.team.id, modelId: mv.modelId, evaluationId: second.id, previousEvaluationId: first.id, summary: "acknowledged", details: {}, acknowledgedAt: new Date() } });

    const { alerts, recent } = await dashboardEvaluations(owner.ctx("VIEWER"));
    expect(alerts).toEqual([{ id: alert.id, summary: "robust accuracy dropped", createdAt: alert.createdAt, evaluationNumber: first.number }]);
    expect(recent.map((e) => [e.number, e.modelName, e.version, e.status])).toEqual([
      [second.number, mv.model.name, mv.version, "QUEUED"],
      [first.number, mv.model.name, mv.version, "QUEUED"],
    ]);
    expect(await dashboardEvaluations(outsider.ctx("ADMIN"))).toEqual({ alerts: [], recent: [] });
  });
});
