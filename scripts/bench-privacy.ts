/*
 * Membership inference on the demo models: members from the 8,000-digit training split, non-members from the
 * 2,000-digit evaluation split (never used in training), every attack of the privacy evaluation kind, with
 * offline LiRA's reference models trained on digits disjoint from every target.
 *   npm run bench:privacy -- [--model=v1] [--per-set=1000] [--refs=4] [--epochs=6] [--train-size=8000] [--seed=0] [--backend=auto]
 * Prints a Markdown table (the figures in docs/privacy.md) and the time taken. The engine and aggregation code is the
 * evaluation's own (targetOutputs, trainReferenceModel, phiUnder, privacyMetrics); only the registry and queue are left out.
 */
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { describeBackend, initEngineBackend, type BackendPreference } from "@/lib/engine/backend";
import { loadModelFromFiles } from "@/lib/engine/model";
import { phiUnder, referenceTrainingSet, targetOutputs, trainReferenceModel } from "@/lib/engine/privacy/attack";
import { PRIVACY_ATTACKS } from "@/lib/engine/privacy/scores";
import { privacyMetrics, type PrivacyConfig, type PrivacyReferenceOutput } from "@/lib/evaluations/privacy";
import { stratifiedSample } from "@/lib/evaluations/sampling";
import { DIGITS_CARD } from "@/lib/demo/digits-cnn";
import { loadDemoEvalSplit, loadDemoTrainSplit } from "@/lib/demo/mnist";

const arg = (name: string, def: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split("=")[1] ?? def;
const ROOT = fileURLToPath(new URL("..", import.meta.url));
const version = arg("model", "v1");
const perSet = Number(arg("per-set", "1000"));
const R = Number(arg("refs", "4"));
const epochs = Number(arg("epochs", "6"));
const seed = Number(arg("seed", "0"));

const backend = await initEngineBackend(arg("backend", "auto") as BackendPreference);
const dir = join(ROOT, `demo/models/digits-cnn-${version}`);
const modelJson = JSON.parse(await readFile(join(dir, "model.json"), "utf8"));
const model = await loadModelFromFiles({ modelJson, weights: { "weights.bin": new Uint8Array(await readFile(join(dir, "weights.bin"))) } });
const train = loadDemoTrainSplit(), test = loadDemoEvalSplit();
const D = 28 * 28;
const pick = (set: { images: Float32Array; labels: Int32Array }, idx: number[]) => {
  const x = new Float32Array(idx.length * D), y = new Int32Array(idx.length);
  idx.forEach((k, i) => { x.set(set.images.subarray(k * D, (k + 1) * D), i * D); y[i] = set.labels[k]!; });
  return { x, y };
};
const memberTargets = stratifiedSample(train.labels, perSet, seed);
const nonMemberTargets = stratifiedSample(test.labels, perSet, seed + 1);
const trainSize = Math.min(Number(arg("train-size", String(train.count))), train.count + test.count - 2 * perSet);
const config: PrivacyConfig = {
  kind: "privacy", memberDatasetVersionId: "demo-train", memberSource: "lineage", nonMemberDatasetVersionId: "demo-eval", samplesPerSet: perSet, memberTargets, nonMemberTargets,
  referenceModels: R, referenceEpochs: epochs, referenceTrainSize: trainSize, batchSize: 64, learningRate: 1e-3, attacks: R >= 2 ? [...PRIVACY_ATTACKS] : PRIVACY_ATTACKS.filter((a) => a !== "lira-offline"),
};
const pre = { scale: 1, offset: 0 };
const shape = DIGITS_CARD.inputShape;
const mem = pick(train, memberTargets), non = pick(test, nonMemberTargets);
const t0 = performance.now();
const target = { kind: "privacy" as const, role: "target" as const, backend: { backend: backend.backend, tfjsVersion: "" }, members: await targetOutputs(model, mem.x, mem.y, shape, pre), nonMembers: await targetOutputs(model, non.x, non.y, shape, pre) };
const tScore = performance.now() - t0;
const refs: PrivacyReferenceOutput[] = [];
const refTimes: number[] = [];
for (let k = 0; k < R; k++) {
  const t = performance.now();
  const set = referenceTrainingSet({ memberCount: train.count, nonMemberCount: test.count, memberTargets, nonMemberTargets, trainSize, seed, reference: k });
  const a = pick(train, set.member), b = pick(test, set.nonMember);
  const x = new Float32Array(a.x.length + b.x.length); x.set(a.x); x.set(b.x, a.x.length);
  const y = new Int32Array(a.y.length + b.y.length); y.set(a.y); y.set(b.y, a.y.length);
  const trained = await trainReferenceModel({ modelJson, x, labels: y, shape, classes: 10, pre, epochs, batchSize: 64, learningRate: 1e-3, seed, reference: k });
  const pm = await phiUnder(trained.model, mem.x, mem.y, shape, pre), pn = await phiUnder(trained.model, non.x, non.y, shape, pre);
  trained.model.dispose();
  refs.push({ kind: "privacy", role: "reference", reference: k, backend: target.backend, phiMembers: pm.phi, phiNonMembers: pn.phi, accuracyOnTargets: (pm.accuracy + pn.accuracy) / 2, trainSize: y.length, epochs, finalLoss: trained.finalLoss, examplesPerSecond: trained.examplesPerSecond });
  refTimes.push(performance.now() - t);
  console.error(`reference ${k + 1}/${R}: ${((performance.now() - t) / 1000).toFixed(1)} s, ${Math.round(trained.examplesPerSecond)} example-epochs/s, loss ${trained.finalLoss.toFixed(4)}, accuracy on targets ${(refs[k]!.accuracyOnTargets * 100).toFixed(1)}%`);
}
const m = privacyMetrics(config, target, refs, DIGITS_CARD.classLabels);
const total = (performance.now() - t0) / 1000;
const p = (v: number, d = 1) => `${(v * 100).toFixed(d)}%`;
const tpr = (t: (typeof m.attacks)[number]["tprAt"][number]) => (t.resolvable && t.tpr !== null && t.ci ? `${p(t.tpr, 2)} [${p(t.ci.low, 2)}, ${p(t.ci.high, 2)}]` : `not resolvable (${perSet} non-members)`);
console.log(`\ndigits-cnn ${version}: ${perSet} members (training split) vs ${perSet} non-members (evaluation split), seed ${seed}; backend ${describeBackend(backend)}`);
console.log(`accuracy on members ${p(m.accuracy.members)}, on non-members ${p(m.accuracy.nonMembers)}; LiRA: ${R} reference models × ${epochs} epochs × ${trainSize} digits${m.lira ? `, σ ${m.lira.sigma.toFixed(2)}, reference accuracy ${p(m.lira.referenceAccuracy)}` : ""}\n`);
console.log("| attack | AUC [95% Hanley–McNeil] | advantage | TPR @ 1% FPR [95% Clopper–Pearson] | TPR @ 0.1% FPR |");
console.log("| --- | --- | --- | --- | --- |");
for (const a of m.attacks) console.log(`| ${a.label} | ${a.auc.toFixed(3)} [${a.aucCi.low.toFixed(3)}, ${a.aucCi.high.toFixed(3)}] | ${p(a.advantage)} | ${tpr(a.tprAt[0]!)} | ${tpr(a.tprAt[1]!)} |`);
console.log(`\nTime: scoring ${(tScore / 1000).toFixed(1)} s; reference models ${refTimes.map((t) => (t / 1000).toFixed(0)).join(" + ")} s; total ${total.toFixed(0)} s (one process).`);
console.log(`\n${m.reading}`);
