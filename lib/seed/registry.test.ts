import { existsSync, readFileSync } from "node:fs";
import * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db } from "../db/client";
import { makeTeam } from "../../test/fixtures";
import { loadDemoEvalSplit } from "../demo/mnist";
import { loadDatasetForEngine } from "../registry/datasets";
import { loadModelVersionForEngine } from "../registry/models";
import { checkCompatibility } from "../registry/compat";
import { useTempStore } from "../registry/test-helpers";
import { loadEngineModel } from "../registry/ensembles";
import { stopQueue } from "../jobs/queue";
import { seedDemoEvaluations } from "./evaluations";
import { env } from "../env";
import { DEMO_DATASETS, DEMO_MODEL_NAME, DEMO_ONNX_MODEL, seedDemoOnnxModel, seedDemoRegistry } from "./registry";
import { systemContext } from "../teams/context";

describe("demo registry seed", () => {
  let team: { id: string };
  beforeAll(async () => {
    useTempStore();
    team = (await makeTeam("demo")).team;
    await seedDemoRegistry(systemContext(team.id, "seed"));
    await seedDemoOnnxModel(systemContext(team.id, "seed"));
    await seedDemoRegistry(systemContext(team.id, "seed"));
    await seedDemoOnnxModel(systemContext(team.id, "seed"));
  }, 240_000);
  afterAll(() => stopQueue());

  it("registers the MNIST splits and the demo models that exist, idempotently", async () => {
    const evalVersion = await db.datasetVersion.findFirstOrThrow({ where: { teamId: team.id, dataset: { name: DEMO_DATASETS.eval } } });
    expect(evalVersion).toMatchObject({ sampleCount: 2000, licence: "CC-BY-SA-3.0", personalData: "no", split: "TEST", sampleShape: [28, 28, 1] });
    expect(await db.datasetVersion.count({ where: { teamId: team.id } })).toBe(2);
    const t = await loadDatasetForEngine(systemContext(team.id, "job"), evalVersion.id);
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
      const m = await loadModelVersionForEngine(systemContext(team.id, "job"), versions[0].id);
      expect(checkCompatibility(m.card, { format: t.format, sampleShape: t.sampleShape, valueMin: t.valueMin, valueMax: t.valueMax, classLabels: t.classLabels })).toMatchObject({ compatible: true });
    }
  });

  it("registers the PyTorch-trained digits model as one ONNX version whose card carries its layout and normalisation", async () => {
    const versions = await db.modelVersion.findMany({ where: { teamId: team.id, model: { name: DEMO_ONNX_MODEL.name } } });
    expect(versions).toHaveLength(1); // seeded twice, registered once
    const v = versions[0];
    expect(v.format).toBe("onnx");
    const train = await db.datasetVersion.findFirstOrThrow({ where: { teamId: team.id, dataset: { name: DEMO_DATASETS.train } } });
    expect(v.trainingDatasetVersionId).toBe(train.id);
    expect(v.card).toMatchObject({ inputShape: [28, 28, 1], inputLayout: "NCHW", normalization: { mean: [0.1307], std: [0.3081] }, trainingMethod: { kind: "standard" } });
    // The card fits the demo's evaluation digits, and the stored version, loaded for the engine and fed
    // channels-last inputs in 0..1, gives PyTorch's logits (test/fixtures/onnx/mnist-cnn.json holds the same
    // model's): the card's NCHW layout and normalisation are applied exactly as in training.
    const evalVersion = await db.datasetVersion.findFirstOrThrow({ where: { teamId: team.id, dataset: { name: DEMO_DATASETS.eval } } });
    const t = await loadDatasetForEngine(systemContext(team.id, "job"), evalVersion.id);
    const mv = await loadModelVersionForEngine(systemContext(team.id, "job"), v.id);
    expect(checkCompatibility(mv.card, { format: t.format, sampleShape: t.sampleShape, valueMin: t.valueMin, valueMax: t.valueMax, classLabels: t.classLabels })).toMatchObject({ compatible: true });
    const fixture = JSON.parse(readFileSync("test/fixtures/onnx/mnist-cnn.json", "utf8")) as { examples: { shape: number[]; inputs: number[][] }; expected: { torchLogits: number[][] } };
    const loaded = await loadEngineModel(systemContext(team.id, "job"), v.id);
    try {
      const z = tf.tidy(() => loaded.model.logits(tf.tensor(fixture.examples.inputs.flat(), fixture.examples.shape)));
      const got = Array.from(z.dataSync());
      z.dispose();
      const want = fixture.expected.torchLogits.flat();
      expect(got).toHaveLength(want.length);
      expect(Math.max(...got.map((g, i) => Math.abs(g - want[i])))).toBeLessThan(1e-4);
    } finally {
      loaded.dispose();
    }
  });

  it("queues the ONNX model's first evaluation on the evaluation split next to digits-cnn's, once", async () => {
    await seedDemoEvaluations(systemContext(team.id, "seed"));
    await seedDemoEvaluations(systemContext(team.id, "seed"));
    const evalVersion = await db.datasetVersion.findFirstOrThrow({ where: { teamId: team.id, dataset: { name: DEMO_DATASETS.eval } } });
    const onnxVersion = await db.modelVersion.findFirstOrThrow({ where: { teamId: team.id, model: { name: DEMO_ONNX_MODEL.name } }, select: { id: true } });
    const evaluations = await db.evaluation.findMany({ where: { teamId: team.id }, orderBy: { number: "asc" }, select: { modelVersionId: true, datasetVersionId: true, sampleCount: true } });
    expect(evaluations.filter((e) => e.modelVersionId === onnxVersion.id)).toEqual([{ modelVersionId: onnxVersion.id, datasetVersionId: evalVersion.id, sampleCount: env().BULWARK_DEMO_EVALUATION_SAMPLES }]);
    // Queued after digits-cnn's versions (one each), so the demo's first figures arrive in the same order as before.
    const digits = await db.modelVersion.count({ where: { teamId: team.id, model: { name: DEMO_MODEL_NAME } } });
    expect(evaluations).toHaveLength(digits + 1);
    expect(evaluations.at(-1)!.modelVersionId).toBe(onnxVersion.id);
  });
});
