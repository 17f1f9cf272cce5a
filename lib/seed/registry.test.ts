import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { db } from "../db/client";
import { makeTeam } from "../../test/fixtures";
import { loadDemoEvalSplit } from "../demo/mnist";
import { loadDatasetForEngine } from "../registry/datasets";
import { loadModelVersionForEngine } from "../registry/models";
import { checkCompatibility } from "../registry/compat";
import { useTempStore } from "../registry/test-helpers";
import { DEMO_DATASETS, DEMO_MODEL_NAME, seedDemoRegistry } from "./registry";

describe("demo registry seed", () => {
  it("registers the MNIST splits and the demo models that exist, idempotently", async () => {
    useTempStore();
    const { team } = await makeTeam("demo");
    await seedDemoRegistry(team.id);
    await seedDemoRegistry(team.id);
    const evalVersion = await db.datasetVersion.findFirstOrThrow({ where: { teamId: team.id, dataset: { name: DEMO_DATASETS.eval } } });
    expect(evalVersion).toMatchObject({ sampleCount: 2000, licence: "CC-BY-SA-3.0", personalData: "no", split: "TEST", sampleShape: [28, 28, 1] });
    expect(await db.datasetVersion.count({ where: { teamId: team.id } })).toBe(2);
    const t = await loadDatasetForEngine(team.id, evalVersion.id);
    const ref = loadDemoEvalSplit();
    expect(Buffer.from(t.x.buffer).equals(Buffer.from(ref.images.buffer, ref.images.byteOffset, ref.images.byteLength))).toBe(true);
    expect(Array.from(t.labels)).toEqual(Array.from(ref.labels));
    if (existsSync("demo/models/digits-cnn-v1/model.json")) {
      const versions = await db.modelVersion.findMany({ where: { teamId: team.id, model: { name: DEMO_MODEL_NAME } }, orderBy: { version: "asc" } });
      expect(versions.length).toBeGreaterThanOrEqual(1);
      expect(versions[0].trainingDatasetVersionId).not.toBeNull();
      if (existsSync("demo/models/digits-cnn-v2/model.json")) {
        expect(versions.map((v) => (v.card as { trainingMethod: { kind: string } }).trainingMethod.kind)).toEqual(["standard", "adversarial"]);
      }
      const m = await loadModelVersionForEngine(team.id, versions[0].id);
      expect(checkCompatibility(m.card, { format: t.format, sampleShape: t.sampleShape, valueMin: t.valueMin, valueMax: t.valueMax, classLabels: t.classLabels })).toMatchObject({ compatible: true });
    }
  }, 180_000);
});
