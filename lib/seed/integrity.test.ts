import { describe, expect, it } from "vitest";
import { db } from "../db/client";
import { makeTeam } from "../../test/fixtures";
import { loadPoisonedTrainSplit } from "../demo/poisoned";
import { loadDatasetForEngine } from "../registry/datasets";
import { useTempStore } from "../registry/test-helpers";
import { DEMO_POISONED, seedDemoIntegrity } from "./integrity";
import { systemContext } from "../teams/context";

describe("demo integrity seed", () => {
  it("registers the poisoned split and the model trained on it, with lineage, idempotently", async () => {
    useTempStore();
    const { team } = await makeTeam("poison");
    const a = await seedDemoIntegrity(systemContext(team.id, "seed"));
    const b = await seedDemoIntegrity(systemContext(team.id, "seed"));
    expect(b).toEqual(a);
    expect(a.modelVersionId).not.toBeNull();
    const mv = await db.modelVersion.findUniqueOrThrow({ where: { id: a.modelVersionId! }, include: { model: true } });
    expect(mv.model.name).toBe(DEMO_POISONED.model);
    expect(mv.trainingDatasetVersionId).toBe(a.datasetVersionId);
    const t = await loadDatasetForEngine(systemContext(team.id, "job"), a.datasetVersionId);
    const ref = loadPoisonedTrainSplit();
    expect(Array.from(t.labels)).toEqual(Array.from(ref.labels));
    expect(Buffer.from(t.x.buffer, t.x.byteOffset, t.x.byteLength).equals(Buffer.from(ref.images.buffer, ref.images.byteOffset, ref.images.byteLength))).toBe(true);
    expect(await db.model.count({ where: { teamId: team.id } })).toBe(1);
  }, 120_000);
});
