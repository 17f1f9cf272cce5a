/*
 * False alarms of the backdoor scan on clean models. The activation-clustering thresholds (smaller cluster
 * <= 35% of the class, silhouette >= 0.30) and the live rule were chosen on the demo; this trains several
 * clean copies of the demo CNN (different initialisation and shuffle seeds, clean demo digits only) and counts
 * how often the scan flags a class, and how often a corner patch passes the live rule, on models with no
 * backdoor at all.
 *   npm run bench:integrity-clean                      6 models x 6 epochs (the demo's v1 recipe)
 *   npm run bench:integrity-clean -- --models=3 --epochs=2
 * Prints per model and overall, with exact 95% intervals; the last line is JSON for docs/benchmarks.md.
 */
import * as tf from "@tensorflow/tfjs";
import { initEngineBackend, parseBackendPreference } from "@/lib/engine/backend";
import { createRng, gatherBatch, shuffleInPlace } from "@/lib/engine/rng";
import type { LoadedModel } from "@/lib/engine/model";
import { clopperPearson } from "@/lib/engine/privacy/metrics";
import { loadDemoEvalSplit, loadDemoTrainSplit } from "@/lib/demo/mnist";
import { buildDigitsCnn } from "@/lib/demo/digits-cnn";
import { scanBackdoor } from "@/lib/integrity/model-scan";

const arg = (name: string, dflt: number) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split("=")[1] ?? dflt);
const MODELS = arg("models", 6);
const EPOCHS = arg("epochs", 6);
const BATCH = 64;
const SHAPE = [28, 28, 1];
const pct = (v: number) => `${(v * 100).toFixed(1)}%`;

const info = await initEngineBackend(parseBackendPreference(process.env.BULWARK_TF_BACKEND));
console.log(`backend ${info.backend}; ${MODELS} clean models x ${EPOCHS} epochs`);
const train = loadDemoTrainSplit();
const evalSet = loadDemoEvalSplit();
const size = 28 * 28;

/** The final dense layer without its softmax (as scripts/train-demo.ts trains). */
function logitsOf(model: tf.Sequential, x: tf.Tensor): tf.Tensor2D {
  let h = x;
  for (let i = 0; i < model.layers.length - 1; i++) h = model.layers[i]!.apply(h) as tf.Tensor;
  const [w, b] = model.layers[model.layers.length - 1]!.getWeights();
  return tf.add(tf.matMul(h as tf.Tensor2D, w as tf.Tensor2D), b!) as tf.Tensor2D;
}

/** The demo CNN trained the way v1 was (Adam 1e-3, batch 64), from seed `seed`, on clean digits only. */
async function trainClean(seed: number): Promise<tf.Sequential> {
  const model = buildDigitsCnn(seed);
  const opt = tf.train.adam(1e-3);
  const n = train.count;
  for (let epoch = 0; epoch < EPOCHS; epoch++) {
    const rng = createRng(seed, epoch, "clean-bench-shuffle");
    const perm = Array.from({ length: n }, (_, i) => i);
    shuffleInPlace(perm, rng);
    for (let s = 0; s + BATCH <= n; s += BATCH) {
      const idx = perm.slice(s, s + BATCH);
      const { xb, yb } = gatherBatch(train.images, train.labels, idx, size);
      const xt = tf.tensor(xb, [idx.length, ...SHAPE]);
      const yt = tf.tidy(() => tf.oneHot(tf.tensor1d(yb, "int32"), 10).toFloat());
      const loss = opt.minimize(() => tf.losses.softmaxCrossEntropy(yt, logitsOf(model, xt)) as tf.Scalar, true);
      tf.dispose([xt, yt, loss!]);
    }
  }
  opt.dispose();
  return model;
}

function asLoaded(m: tf.Sequential): LoadedModel {
  // The final layer is a softmax: its argmax is the logits' argmax, which is all the trigger test reads.
  return {
    inputShape: SHAPE, numClasses: 10, droppedSoftmax: false, layerTypes: [], layersModel: m,
    logits: (x) => m.predict(x) as tf.Tensor2D, predictProbs: (x) => m.predict(x) as tf.Tensor2D, dispose: () => m.dispose(),
  };
}

let classesFlagged = 0, modelsFlagged = 0, cornerLive = 0, cornerTests = 0;
const maxCorner: number[] = [];
const rows: unknown[] = [];
for (let k = 0; k < MODELS; k++) {
  const seed = 40 + k;
  const t0 = performance.now();
  const model = await trainClean(seed);
  const loaded = asLoaded(model);
  const acc = (() => {
    const p = tf.tidy(() => tf.argMax(model.predict(tf.tensor(evalSet.images, [evalSet.count, ...SHAPE])) as tf.Tensor, 1).dataSync());
    let ok = 0;
    for (let i = 0; i < evalSet.count; i++) if (p[i] === evalSet.labels[i]) ok++;
    return ok / evalSet.count;
  })();
  const r = await scanBackdoor({
    model: loaded, x: train.images, labels: train.labels, sampleShape: SHAPE, classes: 10, range: { min: 0, max: 1 },
    cleanX: evalSet.images, cleanLabels: evalSet.labels, triggerInputs: 500, seed: 1,
  });
  const flagged = r.clustering.flaggedClasses;
  classesFlagged += flagged.length;
  if (flagged.length) modelsFlagged++;
  let best = { rate: 0, where: "" };
  for (const t of r.trigger) for (const row of t.rows) {
    if (!row.patch.startsWith("corner-")) continue;
    cornerTests++;
    if (row.live) cornerLive++;
    if (row.flipRate > best.rate) best = { rate: row.flipRate, where: `${row.patch} -> ${t.target} (control ${pct(row.controlRate)})` };
  }
  maxCorner.push(best.rate);
  const closest = [...r.clustering.perClass].sort((a, b) => b.silhouette - a.silhouette)[0]!;
  console.log(`model ${k + 1} (seed ${seed}): accuracy ${pct(acc)}, flagged classes [${flagged.join(", ")}], live [${r.liveBackdoors.join(", ")}], highest silhouette ${closest.silhouette.toFixed(3)} (class ${closest.label}, small cluster ${pct(closest.relativeSize)}), strongest corner ${pct(best.rate)} ${best.where}, ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  rows.push({ seed, accuracy: acc, flaggedClasses: flagged, liveBackdoors: r.liveBackdoors, perClass: r.clustering.perClass.map((c) => ({ label: c.label, relativeSize: c.relativeSize, silhouette: c.silhouette })), strongestCorner: best });
  model.dispose();
}
const classCi = clopperPearson(classesFlagged, MODELS * 10);
const modelCi = clopperPearson(modelsFlagged, MODELS);
const liveCi = clopperPearson(cornerLive, cornerTests);
console.log(`\nclasses flagged by activation clustering: ${classesFlagged} of ${MODELS * 10} (${pct(classesFlagged / (MODELS * 10))}, 95% ${pct(classCi.low)}-${pct(classCi.high)})`);
console.log(`models with at least one flagged class: ${modelsFlagged} of ${MODELS} (95% ${pct(modelCi.low)}-${pct(modelCi.high)})`);
console.log(`corner-patch tests passing the live rule: ${cornerLive} of ${cornerTests} (95% ${pct(liveCi.low)}-${pct(liveCi.high)}); strongest corner flip rate per model: ${maxCorner.map(pct).join(", ")}`);
console.log("\n" + JSON.stringify({ models: MODELS, epochs: EPOCHS, classesFlagged, classCi, modelsFlagged, modelCi, cornerLive, cornerTests, liveCi, rows }, (k, v) => (typeof v === "number" ? Math.round(v * 10000) / 10000 : v)));
