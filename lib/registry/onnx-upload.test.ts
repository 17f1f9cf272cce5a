import { createHash } from "node:crypto";
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { db } from "../db/client";
import { makeTeam } from "../../test/fixtures";
import { buildOnnx, externalBytes, pytorchStyleCnn } from "../engine/onnx/testing";
import { loadEngineModel, registerEnsembleVersion } from "./ensembles";
import { getModel, loadModelVersionForEngine, registerModelVersion } from "./models";
import { cardFields, expectUploadRefused, makeTfjsModel, makeZip, stage, useTempStore } from "./test-helpers";
import type { LocalArtifactStore } from "./store";
import { createIntegrityEvaluation } from "../evaluations/integrity";
import { createPrivacyEvaluation } from "../evaluations/privacy";
import { CreateIntegrityEvaluationSchema, CreatePrivacyEvaluationSchema } from "../evaluations/schemas";
import { systemContext } from "../teams/context";

/*
 * ONNX model versions through the real registry: the check runs in the upload-check child process
 * (engine + ONNX Runtime), files are stored content-addressed, the stored version loads for the engine
 * (alone and as an ensemble member); refusals name the problem and store nothing.
 */

let store: LocalArtifactStore;
beforeAll(() => { store = useTempStore().store; });

const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");
/** The card of pytorchStyleCnn as form fields: 8x8x3 images in [0,1], NCHW, ImageNet mean/std. */
const onnxFields = (over: Record<string, string> = {}) => cardFields({
  inputShape: "8,8,3", inputLayout: "NCHW", "normalization.mean": "0.485, 0.456, 0.406", "normalization.std": "0.229, 0.224, 0.225", ...over,
});

async function upload(ctx: Parameters<typeof registerModelVersion>[0], files: { name: string; data: Buffer }[], fields = onnxFields(), name = "Torch CNN") {
  const { staging, files: staged } = await stage(files);
  try {
    return await registerModelVersion(ctx, { name, card: fields, files: staged }, staging);
  } finally {
    await staging.dispose();
  }
}

const expectRefused = (p: Promise<unknown>, message: RegExp, teamId: string, field?: string) => expectUploadRefused(store, p, message, teamId, field);

describe("ONNX model versions", () => {
  it("registers an .onnx file with its card's layout and normalisation, and loads it for the engine", async () => {
    const { ctx, team } = await makeTeam();
    const bytes = Buffer.from(buildOnnx(pytorchStyleCnn()));
    const r = await upload(ctx("ENGINEER"), [{ name: "cnn.onnx", data: bytes }]);
    const m = await getModel(ctx("VIEWER"), r.modelId);
    const v = m.versions[0];
    expect(v.format).toBe("onnx");
    expect(v.files.map((f) => [f.path, f.role, f.sha256])).toEqual([["cnn.onnx", "model.onnx", sha(bytes)]]);
    expect(v.card.inputLayout).toBe("NCHW");
    expect(v.card.normalization).toEqual({ mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] });
    const info = v.engineInfo as { reference: { maxAbsDiff: number; tolerance: number; samples: number }; opset: number; numClasses: number };
    expect(info.opset).toBe(17);
    expect(info.numClasses).toBe(3);
    expect(info.reference.maxAbsDiff).toBeLessThan(info.reference.tolerance);
    const mv = await loadModelVersionForEngine(systemContext(team.id, "job"), r.versionId);
    expect(mv.files.format).toBe("onnx");
    const loaded = await loadEngineModel(systemContext(team.id, "job"), r.versionId);
    const z = loaded.model.logits(tf.zeros([2, 8, 8, 3]));
    expect(z.shape).toEqual([2, 3]);
    z.dispose();
    loaded.dispose();
  });

  it("takes a zip with external data, stores only the files the model reads, and builds ensembles of ONNX members", async () => {
    const { ctx, team } = await makeTeam();
    const model = pytorchStyleCnn();
    model.external = { w2: "data/fc.bin" };
    const onnx = Buffer.from(buildOnnx(model));
    const data = Buffer.from(externalBytes(model)["data/fc.bin"]);
    const zip = await makeZip([{ name: "export/model.onnx", data: onnx }, { name: "export/data/fc.bin", data }, { name: "export/README.txt", data: Buffer.from("hi") }]);
    const r = await upload(ctx("ENGINEER"), [{ name: "export.zip", data: zip }]);
    expect(r.ignored).toContain("export/README.txt");
    const v = (await getModel(ctx("VIEWER"), r.modelId)).versions[0];
    expect(v.files.map((f) => [f.path, f.role]).sort()).toEqual([["data/fc.bin", "external-data"], ["model.onnx", "model.onnx"]]);
    const second = await upload(ctx("ENGINEER"), [{ name: "m.onnx", data: Buffer.from(buildOnnx(pytorchStyleCnn())) }], onnxFields(), "Torch CNN 2");
    const ens = await registerEnsembleVersion(ctx("ENGINEER"), { name: "Torch pair", memberVersionIds: [r.versionId, second.versionId], combine: "mean-probability" });
    const loaded = await loadEngineModel(systemContext(team.id, "job"), ens.versionId);
    const x = tf.randomUniform([2, 8, 8, 3], 0, 1, "float32", 3);
    const p = await loaded.model.predictProbs(x).data();
    // Both members hold the same weights (one via external data): the mean equals either member.
    const single = await loadEngineModel(systemContext(team.id, "job"), second.versionId);
    const q = await single.model.predictProbs(x).data();
    for (let i = 0; i < q.length; i++) expect(Math.abs(p[i] - q[i])).toBeLessThan(1e-5);
    const g = tf.grad((xx: tf.Tensor) => tf.sum(loaded.model.logits(xx)))(x);
    expect(g.shape).toEqual([2, 8, 8, 3]);
    loaded.dispose();
    single.dispose();
    // Kinds that retrain the architecture or read its activations are refused with the reason.
    const eng = ctx("ENGINEER");
    await expect(createIntegrityEvaluation(eng, CreateIntegrityEvaluationSchema.parse({ kind: "integrity", modelVersionId: r.versionId }))).rejects.toThrow(/An ONNX model cannot be scanned yet: the integrity scan reads the network's penultimate activations and retrains its architecture/);
    await expect(createPrivacyEvaluation(eng, CreatePrivacyEvaluationSchema.parse({ kind: "privacy", modelVersionId: r.versionId, nonMemberDatasetVersionId: "any", referenceModels: 4 }))).rejects.toThrow(/LiRA re-trains the model's own architecture.*ONNX model.*use 0 reference models/);
  });

  it("refuses unsupported operators, a wrong class count, escaping external data and ONNX-only card fields on a TF.js model", async () => {
    const { ctx, team } = await makeTeam();
    const unsupported = pytorchStyleCnn();
    unsupported.nodes[2] = { op: "Celu", inputs: ["bn"], outputs: ["r1"], name: "/act/Celu" };
    await expectRefused(upload(ctx("ENGINEER"), [{ name: "m.onnx", data: Buffer.from(buildOnnx(unsupported)) }]), /Celu \(node "\/act\/Celu"\).*black-box/s, team.id);
    await expectRefused(upload(ctx("ENGINEER"), [{ name: "m.onnx", data: Buffer.from(buildOnnx(pytorchStyleCnn({ classes: 4 }))) }]), /outputs 4 scores but the card lists 3 class labels/, team.id, "classLabels");
    const escaping = pytorchStyleCnn();
    escaping.external = { w2: "../fc.bin" };
    const zip = await makeZip([{ name: "m/model.onnx", data: Buffer.from(buildOnnx(escaping)) }, { name: "fc.bin", data: Buffer.from(externalBytes(escaping)["../fc.bin"]) }]);
    await expectRefused(upload(ctx("ENGINEER"), [{ name: "m.zip", data: zip }]), /"\.\.\/fc\.bin", a path outside the model's folder: refused/, team.id);
    await expectRefused(upload(ctx("ENGINEER"), [{ name: "m.onnx", data: Buffer.from(buildOnnx(pytorchStyleCnn({ inputDims: ["n", 3, 9, 8] }))) }]), /dimension 2 of the model's input is 9 but the card's input shape in NCHW layout gives 8/i, team.id, "inputShape");
    const tfm = await makeTfjsModel();
    await expectRefused(
      upload(ctx("ENGINEER"), [{ name: "model.json", data: tfm.modelJson }, { name: tfm.weightsName, data: tfm.weights }], cardFields({ "normalization.mean": "0.5", "normalization.std": "0.5" })),
      /normalization applies to ONNX models only/, team.id, "normalization",
    );
    expect(await db.modelVersion.count({ where: { teamId: team.id } })).toBe(0);
  });
});
