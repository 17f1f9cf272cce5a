import { describe, expect, it } from "vitest";
import { db } from "../db/client";
import { makeTeam } from "../../test/fixtures";
import { EVALUATION_PAGE_SIZE, listEvaluations } from "./manage";

// The evaluation list pages by number (newest first) in two steps — the page's numbers, then its rows —
// so deep pages stay cheap; the pages must still be exactly the right rows, filtered and team-scoped.

async function seed(teamId: string, n: number) {
  const model = await db.model.create({ data: { teamId, name: `m-${teamId.slice(-4)}` } });
  await db.evaluation.createMany({
    data: Array.from({ length: n }, (_, i) => ({
      teamId, number: i + 1, modelId: i % 3 === 0 ? model.id : "other-model", modelVersionId: "v", datasetVersionId: "d", preset: "quick", suite: {}, seed: 0,
      sampleCount: 10, sampleIndices: [1, 2, 3], shardSize: 10, shardCount: 1, status: i % 2 === 0 ? ("COMPLETED" as const) : ("FAILED" as const),
      estimatedSteps: 1, createdByLabel: "test", createdAt: new Date(Date.UTC(2026, 10, 1) + i * 60_000),
    })),
  });
  return model;
}

describe("evaluation list", () => {
  it("pages newest first with exact rows, totals and filters, inside the team", async () => {
    const a = await makeTeam("list");
    const b = await makeTeam("list");
    const n = 2 * EVALUATION_PAGE_SIZE + 7;
    const model = await seed(a.team.id, n);
    await seed(b.team.id, 5);

    const first = await listEvaluations(a.ctx("VIEWER"), { page: 1 });
    expect(first.total).toBe(n);
    expect(first.pages).toBe(3);
    expect(first.rows.map((r) => r.number)).toEqual(Array.from({ length: EVALUATION_PAGE_SIZE }, (_, i) => n - i));
    const last = await listEvaluations(a.ctx("VIEWER"), { page: 3 });
    expect(last.rows.map((r) => r.number)).toEqual([7, 6, 5, 4, 3, 2, 1]);
    expect(last.rows[0]).toMatchObject({ number: 7, status: "COMPLETED", sampleCount: 10 });
    expect((await listEvaluations(a.ctx("VIEWER"), { page: 4 })).rows).toEqual([]);

    const completed = await listEvaluations(a.ctx("VIEWER"), { page: 1, status: "COMPLETED" });
    expect(completed.total).toBe(Math.ceil(n / 2));
    expect(completed.rows.every((r) => r.status === "COMPLETED")).toBe(true);
    const mine = await listEvaluations(a.ctx("VIEWER"), { page: 1, model: model.id });
    expect(mine.rows.every((r) => r.modelId === model.id && r.modelName === model.name)).toBe(true);
    expect(mine.total).toBe(Math.ceil(n / 3));

    const other = await listEvaluations(b.ctx("VIEWER"), { page: 1 });
    expect(other.total).toBe(5);
    expect(other.rows.map((r) => r.number)).toEqual([5, 4, 3, 2, 1]);
    // Another team's model id as a filter finds nothing of theirs.
    expect((await listEvaluations(b.ctx("VIEWER"), { page: 1, model: model.id })).rows).toEqual([]);
  });
});
