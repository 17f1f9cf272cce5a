import { beforeAll, describe, expect, it, vi } from "vitest";
import { db } from "../db/client";
import { makeTeam } from "../../test/fixtures";
import { assessTeam } from "./posture";
import { computeControlStatuses } from "./engine";
import type { ControlStatus } from "./engine-types";

// The evaluation rows behind the posture are remembered per team and process, each with its row version
// (issue 27): a recomputation reads the JSON of new or changed rows only. These tests hold it to the full
// read: a change of any kind shows in the very next computation, a team never sees another's rows, and the
// statuses equal those of a process that never remembered anything.

type Team = Awaited<ReturnType<typeof makeTeam>>;

async function addModel(t: Team, name: string, riskTier: "LIMITED" | "HIGH") {
  const m = await db.model.create({ data: { teamId: t.team.id, name } });
  const v = await db.modelVersion.create({ data: { teamId: t.team.id, modelId: m.id, version: 1, card: {}, riskTier, owner: "owner@example.test", manifestDigest: "a".repeat(64), totalBytes: 1, engineInfo: {}, storedAt: new Date() } });
  return { modelId: m.id, versionId: v.id };
}

let number = 0;
/** A completed robustness evaluation shaped like the worker's: PGD and noise at Linf 0.1, 500 samples. */
async function addEvaluation(t: Team, mv: { modelId: string; versionId: string }, robust: number, verdict: "reliable" | "questionable" | "unreliable", daysAgo = 1) {
  const finishedAt = new Date(Date.now() - daysAgo * 86_400_000);
  const attacks = [{ attack: "pgd-linf-10x1", family: "iterative", norm: "linf", eps: 0.1 }, { attack: "noise-linf", family: "noise", norm: "linf", eps: 0.1 }];
  return db.evaluation.create({
    data: {
      teamId: t.team.id, number: ++number, modelId: mv.modelId, modelVersionId: mv.versionId, datasetVersionId: "dataset", preset: "custom", suite: {}, seed: 0, sampleCount: 500, sampleIndices: [],
      shardSize: 500, shardCount: 1, status: "COMPLETED", estimatedSteps: 1, createdByLabel: "test", createdAt: finishedAt, finishedAt, verdict, cleanAccuracy: 0.97,
      metrics: { samples: 500, cleanAccuracy: 0.97, attacks, worstCase: [{ norm: "linf", eps: 0.1, robustAccuracy: robust }] },
      reliability: { verdict, reasons: verdict === "reliable" ? [] : ["noise beats the attack"] },
      provenance: { engine: { backend: "tensorflow" } },
    },
  });
}

const view = (statuses: ControlStatus[]) => statuses.map((s) => [s.modelId, s.control, s.status, s.reason, s.reasons, s.next]);
/** What a member sees now, recomputed (not the remembered assessment) but through the remembered rows. */
const recomputed = (t: Team) => assessTeam(t.ctx("VIEWER"), { now: new Date() });
const robustness = async (t: Team, modelId: string) => (await recomputed(t)).evidence.models.find((m) => m.modelId === modelId)!.evaluations;

describe("remembered evaluation evidence", () => {
  let a: Team, b: Team;
  let a1: { modelId: string; versionId: string }, b1: { modelId: string; versionId: string };
  beforeAll(async () => {
    [a, b] = [await makeTeam("rows-a"), await makeTeam("rows-b")];
    [a1, b1] = [await addModel(a, "alpha", "LIMITED"), await addModel(b, "beta", "HIGH")];
  });

  it("shows a new, changed or removed evaluation in the very next computation", async () => {
    expect(await robustness(a, a1.modelId)).toEqual([]);
    const ev = await addEvaluation(a, a1, 0.6, "reliable");
    expect((await robustness(a, a1.modelId)).map((e) => [e.id, e.verdict])).toEqual([[ev.id, "reliable"]]);
    // Changed in place by a path that writes no audit event and keeps finishedAt: the row version moves.
    await db.$executeRaw`UPDATE "Evaluation" SET reliability = '{"verdict":"unreliable","reasons":["masked gradients"]}'::jsonb, verdict = 'unreliable' WHERE id = ${ev.id}`;
    const changed = await robustness(a, a1.modelId);
    expect(changed.map((e) => [e.id, e.verdict, e.reliabilityReasons])).toEqual([[ev.id, "unreliable", ["masked gradients"]]]);
    await db.evaluation.update({ where: { id: ev.id }, data: { status: "FAILED" } });
    expect(await robustness(a, a1.modelId)).toEqual([]);
    await db.evaluation.update({ where: { id: ev.id }, data: { status: "COMPLETED" } });
    expect((await robustness(a, a1.modelId)).map((e) => e.id)).toEqual([ev.id]);
  });

  it("never answers one team with another's rows", async () => {
    const ofB = await addEvaluation(b, b1, 0.2, "questionable");
    const [seenA, seenB] = [await recomputed(a), await recomputed(b)];
    const ids = (x: typeof seenA) => x.evidence.models.flatMap((m) => m.evaluations.map((e) => e.id));
    expect(ids(seenB)).toEqual([ofB.id]);
    expect(ids(seenA)).not.toContain(ofB.id);
    expect(seenA.evidence.models.map((m) => m.modelId)).toEqual([a1.modelId]);
  });

  it("gives the statuses a process that never remembered rows computes, and the engine's one pass", async () => {
    const a2 = await addModel(a, "gamma", "HIGH");
    for (const [robust, verdict, days] of [[0.55, "reliable", 3], [0.3, "questionable", 2], [0.7, "unreliable", 1], [0.45, "reliable", 400]] as const) {
      await addEvaluation(a, a1, robust, verdict, days);
      await addEvaluation(a, a2, robust - 0.1, verdict, days + 1);
    }
    const warm = await recomputed(a);
    // A fresh module graph: nothing remembered, every row read in full.
    vi.resetModules();
    const fresh = await (await import("./posture")).assessTeam(a.ctx("VIEWER"), { now: warm.computedAt });
    expect(warm.statuses.length).toBeGreaterThan(0);
    expect(new Set(warm.statuses.map((s) => s.status)).size).toBeGreaterThan(1);
    expect(view(warm.statuses)).toEqual(view(fresh.statuses));
    // Computed a model at a time (posture.ts) equals the engine's one pass over every model.
    expect(view(warm.statuses)).toEqual(view(computeControlStatuses(warm.policy, warm.catalog, warm.crosswalk, warm.evidence)));
  });
});
