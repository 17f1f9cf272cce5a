import { afterAll, beforeAll } from "vitest";
import { db } from "../lib/db/client";
import { createEvaluation } from "../lib/evaluations/create";
import { stopQueue } from "../lib/jobs/queue";
import { DEMO_DATASETS, DEMO_MODEL_NAME, seedDemoRegistry } from "../lib/seed/registry";
import { systemContext } from "../lib/teams/context";
import { makeTeam } from "./fixtures";
import { waitFor } from "./workers";

/**
 * For a test file on the demo registry: before its tests, a fresh team with the demo models and datasets seeded,
 * the ids of its first model version, of the demo model (DEMO_MODEL_NAME) and of the demo evaluation split's
 * version; after them, `stop` (the file's workers, if any) and the queue. Read the fields inside the tests.
 */
export function useSeededTeam(label: string, stop?: () => Promise<void>) {
  const seeded = {} as { team: Awaited<ReturnType<typeof makeTeam>>; modelVersionId: string; demoModelId: string; datasetVersionId: string };
  beforeAll(async () => {
    const team = await makeTeam(label);
    const teamId = team.team.id;
    await seedDemoRegistry(systemContext(teamId, "seed"));
    Object.assign(seeded, {
      team,
      modelVersionId: (await db.modelVersion.findFirstOrThrow({ where: { teamId }, orderBy: { version: "asc" } })).id,
      demoModelId: (await db.model.findFirstOrThrow({ where: { teamId, name: DEMO_MODEL_NAME } })).id,
      datasetVersionId: (await db.datasetVersion.findFirstOrThrow({ where: { teamId, dataset: { name: DEMO_DATASETS.eval } } })).id,
    });
  }, 300_000);
  afterAll(async () => {
    await stop?.();
    await stopQueue();
  });
  return seeded;
}

/**
 * A quick evaluation (40 samples, Linf 0.1 and 0.3) of a team's first demo model version on the demo evaluation
 * digits (after seedDemoRegistry), waited for until completed; a worker must be running. Throws with the
 * reason if it fails.
 */
export async function completedQuickEvaluation(team: Awaited<ReturnType<typeof makeTeam>>, { seed, shardSize }: { seed: number; shardSize: number }) {
  const teamId = team.team.id;
  const mv = await db.modelVersion.findFirstOrThrow({ where: { teamId }, orderBy: { version: "asc" } });
  const dv = await db.datasetVersion.findFirstOrThrow({ where: { teamId, dataset: { name: DEMO_DATASETS.eval } } });
  const ev = await createEvaluation(team.ctx("ENGINEER"), { modelVersionId: mv.id, datasetVersionId: dv.id, preset: "quick", sampleCount: 40, seed, shardSize, linfEpsilons: [0.1, 0.3], customSuite: undefined });
  await waitFor("the evaluation to complete", async () => {
    const e = await db.evaluation.findUniqueOrThrow({ where: { id: ev.id } });
    if (e.status === "FAILED") throw new Error(`evaluation failed: ${e.failureReason}`);
    return e.status === "COMPLETED";
  });
  return ev;
}
