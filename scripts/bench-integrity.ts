/*
 * Training-data integrity scans on the demo, measured against the planted truth (lib/demo/poisoned.ts).
 *   npm run bench:integrity               backdoor scans + trigger tests + K-fold confident learning (5 folds, 3 epochs)
 *   npm run bench:integrity -- --folds=4 --epochs=2 --no-cv
 * Prints precision and recall of what each scan flags, and the trigger test's flip rates, for
 * digits-cnn-poisoned on the poisoned split and digits-cnn v1 on the clean split.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { initEngineBackend, parseBackendPreference } from "@/lib/engine/backend";
import { loadModelFromFiles, type LoadedModel } from "@/lib/engine/model";
import { loadDemoEvalSplit, loadDemoTrainSplit } from "@/lib/demo/mnist";
import { loadPoisonedTrainSplit, POISON, triggerValues } from "@/lib/demo/poisoned";
import { scanBackdoor } from "@/lib/integrity/model-scan";
import { findLabelIssues, kFoldAssignment, precisionRecall, crossValidationCost } from "@/lib/integrity/confident-learning";
import { trainFoldAndPredict, predictLabels } from "@/lib/integrity/model-probe";
import { triggerTest } from "@/lib/integrity/trigger";

const arg = (name: string, dflt: number) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split("=")[1] ?? dflt);
const FOLDS = arg("folds", 5);
const EPOCHS = arg("epochs", 3);
const SHAPE = [28, 28, 1];

async function load(dir: string): Promise<{ model: LoadedModel; json: unknown }> {
  const folder = join(process.cwd(), "demo", "models", dir);
  const json = JSON.parse(await readFile(join(folder, "model.json"), "utf8"));
  return { model: await loadModelFromFiles({ modelJson: json, weights: { "weights.bin": new Uint8Array(await readFile(join(folder, "weights.bin"))) } }), json };
}

const pct = (v: number) => `${(v * 100).toFixed(1)}%`;
const pr = (r: ReturnType<typeof precisionRecall>) => `${r.flagged} flagged, precision ${pct(r.precision)}, recall ${pct(r.recall)} (${r.truePositives}/${r.planted})`;

const info = await initEngineBackend(parseBackendPreference(process.env.BULWARK_TF_BACKEND));
console.log(`backend ${info.backend}`);
const poisoned = loadPoisonedTrainSplit();
const clean = loadDemoTrainSplit();
const evalSet = loadDemoEvalSplit();
const planted = [...poisoned.flipped, ...poisoned.triggered];
const out: Record<string, unknown> = {};

for (const [name, dir, data] of [["poisoned", "digits-cnn-poisoned", poisoned], ["clean", "digits-cnn-v1", clean]] as const) {
  const { model, json } = await load(dir);
  const t0 = performance.now();
  const r = await scanBackdoor({
    model, x: data.images, labels: data.labels, sampleShape: SHAPE, classes: 10, range: { min: 0, max: 1 },
    cleanX: evalSet.images, cleanLabels: evalSet.labels, triggerInputs: 500, seed: 1,
  });
  const sec = (performance.now() - t0) / 1000;
  console.log(`\n== ${name}: ${dir} on the ${name} training split (${data.count} digits), backdoor scan ${sec.toFixed(1)} s`);
  for (const c of r.clustering.perClass) console.log(`  class ${c.label}: n ${c.samples} small ${pct(c.relativeSize)} silhouette ${c.silhouette.toFixed(3)} ${c.flagged ? "FLAGGED" : ""}`);
  console.log(`  flagged classes: [${r.clustering.flaggedClasses.join(", ")}]; live backdoors: [${r.liveBackdoors.join(", ")}]`);
  for (const t of r.trigger.filter((t) => t.live || t.target === POISON.target)) {
    for (const row of t.rows) console.log(`  trigger -> ${t.target} ${row.patch.padEnd(20)} flip ${pct(row.flipRate)} [${pct(row.interval[0])}, ${pct(row.interval[1])}] control ${pct(row.controlRate)} ${row.live ? "LIVE" : ""} (n ${row.tested})`);
  }
  const entry: Record<string, unknown> = {
    flaggedClasses: r.clustering.flaggedClasses, liveBackdoors: r.liveBackdoors, seconds: sec,
    perClass: r.clustering.perClass.map((c) => ({ label: c.label, relativeSize: c.relativeSize, silhouette: c.silhouette })),
  };
  if (name === "poisoned") {
    const acPr = precisionRecall(r.suspiciousIndices, poisoned.triggered);
    const targetClassSpectral = r.spectralIndices.filter((k) => data.labels[k] === POISON.target);
    const spPr = precisionRecall(targetClassSpectral, poisoned.triggered);
    const spAll = precisionRecall(r.spectralIndices, poisoned.triggered);
    console.log(`  activation clustering vs planted trigger: ${pr(acPr)}`);
    console.log(`  spectral signatures in class ${POISON.target} vs planted trigger: ${pr(spPr)}`);
    console.log(`  spectral signatures, all classes (a removal rule: flags 15% of every class): ${pr(spAll)}`);
    Object.assign(entry, { activationClustering: acPr, spectralTargetClass: spPr, spectralAll: spAll });
  } else {
    // The poisoned model's trigger, stamped for the clean model: it must not be live there.
    const truth = { id: "planted-trigger", description: "the planted 4x4 checkerboard", row: POISON.row, col: POISON.col, size: POISON.size, values: triggerValues() };
    const t = await triggerTest({
      predict: (x, n) => predictLabels(model, x, n, SHAPE), x: evalSet.images, labels: evalSet.labels, shape: { h: 28, w: 28, c: 1 },
      target: POISON.target, patches: [truth], range: { min: 0, max: 1 }, seed: 1, maxInputs: 500,
    });
    const row = t.rows[0]!;
    console.log(`  planted trigger on the clean model -> ${POISON.target}: flip ${pct(row.flipRate)} [${pct(row.interval[0])}, ${pct(row.interval[1])}] control ${pct(row.controlRate)} ${row.live ? "LIVE" : "not live"}`);
    entry.plantedTriggerOnCleanModel = row;
  }
  if (!process.argv.includes("--no-cv")) {
    const folds = kFoldAssignment(data.labels, FOLDS, 7);
    const probs = new Float32Array(data.count * 10);
    const c0 = performance.now();
    const cost = crossValidationCost(data.count, FOLDS, EPOCHS);
    for (let f = 0; f < FOLDS; f++) {
      const res = await trainFoldAndPredict({ modelJson: json, x: data.images, labels: data.labels, shape: SHAPE, classes: 10, folds, fold: f, epochs: EPOCHS, seed: 3 });
      res.indices.forEach((k, i) => probs.set(res.probs.subarray(i * 10, (i + 1) * 10), k * 10));
    }
    const cl = findLabelIssues(probs, data.labels, 10);
    const csec = (performance.now() - c0) / 1000;
    console.log(`  confident learning (${FOLDS}-fold CV, ${EPOCHS} epochs, ${cost.trainingPasses} training passes, ${csec.toFixed(0)} s): out-of-sample accuracy ${pct(cl.outOfSampleAccuracy)}, flagged ${cl.flaggedCount} (${pct(cl.flaggedShare)})`);
    const flagged = cl.issues.map((i) => i.index);
    const entryCl: Record<string, unknown> = { folds: FOLDS, epochs: EPOCHS, seconds: csec, outOfSampleAccuracy: cl.outOfSampleAccuracy, flagged: cl.flaggedCount, flaggedShare: cl.flaggedShare };
    if (name === "poisoned") {
      const vsFlips = precisionRecall(flagged, poisoned.flipped);
      const vsAny = precisionRecall(flagged, planted);
      console.log(`  vs planted label flips: ${pr(vsFlips)}; vs any planted example: ${pr(vsAny)}`);
      Object.assign(entryCl, { vsFlips, vsAny });
    }
    entry.confidentLearning = entryCl;
  }
  out[name] = entry;
  model.dispose();
}
console.log("\n" + JSON.stringify(out, (k, v) => (typeof v === "number" ? Math.round(v * 10000) / 10000 : v)));
