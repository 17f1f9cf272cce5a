import { afterAll, beforeAll } from "vitest";
import { db } from "../lib/db/client";
import { stopQueue } from "../lib/jobs/queue";
import { DEMO_DATASETS, DEMO_MODEL_NAME, seedDemoRegistry } from "../lib/seed/registry";
import { systemContext } from "../lib/teams/context";
import { makeTeam } from "./fixtures";

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
