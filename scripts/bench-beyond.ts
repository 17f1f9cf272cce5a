/*
 * Beyond the worst case on the demo models: calibration clean and under PGD, common corruptions, OOD
 * detection (synthetic noise), the ensemble of v1 and v2 against its members, and inference cost per backend.
 *   npm run bench:beyond -- [--samples=500] [--backend=auto] [--cost-backends=tensorflow,wasm,cpu]
 * Prints Markdown tables (the figures in docs/beyond.md). The engine code is the evaluation's own (runShard,
 * beyondMetrics, ensembleModel, measureInference); only the registry and queue are left out.
 */
import { readFile } from "node:fs/promises";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { describeBackend, initEngineBackend, type BackendPreference } from "@/lib/engine/backend";
import { loadModelFromFiles, type LoadedModel } from "@/lib/engine/model";
import { ensembleModel } from "@/lib/engine/ensemble";
import { measureInference } from "@/lib/engine/cost";
import { runShard } from "@/lib/engine/shard";
import { aggregateRecords } from "@/lib/engine/aggregate";
import { beyondMetrics } from "@/lib/engine/beyond";
import { AttackSuiteSchema } from "@/lib/engine/suite";
import { DIGITS_CARD } from "@/lib/demo/digits-cnn";
import { loadDemoEvalSplit } from "@/lib/demo/mnist";

const arg = (name: string, def: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split("=")[1] ?? def;
const ROOT = fileURLToPath(new URL("..", import.meta.url));
const DIRS = { v1: join(ROOT, "demo/models/digits-cnn-v1"), v2: join(ROOT, "demo/models/digits-cnn-v2") };

async function load(dir: string): Promise<LoadedModel> {
  const modelJson = JSON.parse(await readFile(join(dir, "model.json"), "utf8"));
  return loadModelFromFiles({ modelJson, weights: { "weights.bin": new Uint8Array(await readFile(join(dir, "weights.bin"))) } });
}

async function models() {
  const v1 = await load(DIRS.v1), v2 = await load(DIRS.v2);
  return { v1, v2, "ensemble v1+v2 (mean prob.)": ensembleModel([v1, v2]), "ensemble v1+v2 (vote)": ensembleModel([v1, v2], "majority-vote") } as Record<string, LoadedModel>;
}

// Child mode: measure inference cost on one backend and print JSON.
if (process.argv.includes("--child-cost")) {
  await initEngineBackend(arg("backend", "wasm") as BackendPreference);
  const out: Record<string, unknown> = {};
  for (const [name, m] of Object.entries(await models())) out[name] = await measureInference(m, { batchSize: 128, repeats: 10 });
  console.log(JSON.stringify(out));
  process.exit(0);
}

const pct = (v: number) => `${(v * 100).toFixed(1)}%`;
const f3 = (v: number | null) => (v === null ? "—" : v.toFixed(3));
const n = Number(arg("samples", "500"));
const info = await initEngineBackend(arg("backend", "auto") as BackendPreference);
const data = loadDemoEvalSplit();
const d = 28 * 28;
const samples = { x: data.images.subarray(0, n * d), labels: data.labels.subarray(0, n), indices: Array.from({ length: n }, (_, i) => i), shape: [n, 28, 28, 1] };
const suite = AttackSuiteSchema.parse({
  name: "demo-beyond", preset: "custom", seed: 0, sampleCount: n, sanityCheck: false,
  epsilons: { linf: [0.1, 0.2, 0.3], l2: [] },
  attacks: [{ kind: "fgsm", norm: "linf" }, { kind: "pgd", norm: "linf", steps: 20, restarts: 1 }],
  corruptions: { severities: [1, 2, 3, 4, 5] },
  ood: { source: "synthetic", samples: 300 },
});
console.log(`# Beyond the worst case — demo models, first ${n} evaluation digits, backend ${describeBackend(info)}\n`);
console.log(`Suite: FGSM and PGD-20 (Linf 0.1/0.2/0.3), all 9 corruptions x 5 severities, 300 synthetic OOD images (uniform noise, Gaussian noise, smooth blobs).\n`);

const results: Record<string, { m: ReturnType<typeof aggregateRecords>; b: ReturnType<typeof beyondMetrics>; seconds: number }> = {};
for (const [name, model] of Object.entries(await models())) {
  const t0 = performance.now();
  const r = await runShard({ model, card: DIGITS_CARD, samples, suite, batchSize: 128, galleryLimit: 0, ood: { indices: Array.from({ length: 300 }, (_, i) => i) } });
  results[name] = { m: aggregateRecords(r.records, suite, DIGITS_CARD.classLabels), b: beyondMetrics(r.records, suite, r.ood ?? null), seconds: (performance.now() - t0) / 1000 };
}
const names = Object.keys(results);

console.log("## Calibration, clean and under PGD-20 (ECE: 15 equal-width bins)\n");
console.log("| model | inputs | accuracy | mean confidence | ECE | MCE | Brier | NLL | wrong with ≥ 90% confidence |\n| --- | --- | --- | --- | --- | --- | --- | --- | --- |");
for (const name of names) {
  const c = results[name].b.calibration!;
  const rows = [["clean", c.clean] as const, ...c.underAttack.filter((u) => u.attack.startsWith("pgd")).map((u) => [`PGD ε=${u.eps}`, u] as const)];
  for (const [label, r] of rows) console.log(`| ${name} | ${label} | ${pct(r.accuracy)} | ${pct(r.meanConfidence)} | ${f3(r.ece)} | ${f3(r.mce)} | ${f3(r.brier)} | ${f3(r.nll)} | ${pct(r.confidentWrongShare)} |`);
}

console.log("\n## Common corruptions: accuracy averaged over severities 1–5\n");
const kinds = results[names[0]].b.corruptions!.rows.map((r) => r.label);
console.log(`| model | clean | ${kinds.join(" | ")} | mean | mCE | relative mCE |\n| --- | --- | ${kinds.map(() => "---").join(" | ")} | --- | --- | --- |`);
for (const name of names) {
  const c = results[name].b.corruptions!;
  console.log(`| ${name} | ${pct(c.cleanAccuracy)} | ${c.rows.map((r) => pct(r.meanAccuracy)).join(" | ")} | ${pct(c.meanAccuracy)} | ${pct(c.mCE)} | ${pct(c.relativeMCE)} |`);
}
console.log("\nPer severity (v1 / v2):\n");
console.log("| corruption | severity 1 | 2 | 3 | 4 | 5 |\n| --- | --- | --- | --- | --- | --- |");
for (const [i, label] of kinds.entries()) {
  const a = results.v1.b.corruptions!.rows[i].accuracy, b = results.v2.b.corruptions!.rows[i].accuracy;
  console.log(`| ${label} | ${a.map((v, s) => `${pct(v)} / ${pct(b[s])}`).join(" | ")} |`);
}

console.log("\n## Out-of-distribution detection (300 synthetic images vs the evaluation digits)\n");
console.log("| model | AUROC (MSP) | FPR@95%TPR (MSP) | AUROC (energy) | FPR@95%TPR (energy) | OOD answered with ≥ 90% confidence |\n| --- | --- | --- | --- | --- | --- |");
for (const name of names) {
  const o = results[name].b.ood!;
  const [msp, en] = o.scores;
  console.log(`| ${name} | ${f3(msp.auroc)} | ${pct(msp.fprAt95Tpr)} | ${en ? f3(en.auroc) : "n/a (constant)"} | ${en ? pct(en.fprAt95Tpr) : "n/a"} | ${pct(o.highConfidenceShare)} |`);
}

console.log("\n## Ensemble vs members (attacks run against the whole ensemble)\n");
console.log("| model | clean | worst case Linf 0.1 | 0.2 | 0.3 | PGD-20 0.3 | evaluation time |\n| --- | --- | --- | --- | --- | --- | --- |");
for (const name of names) {
  const { m, seconds } = results[name];
  const pgd3 = m.attacks.find((a) => a.kind === "pgd" && a.eps === 0.3)!;
  console.log(`| ${name} | ${pct(m.cleanAccuracy)} | ${m.worstCase.map((w) => pct(w.robustAccuracy)).join(" | ")} | ${pct(pgd3.robustAccuracy)} | ${seconds.toFixed(1)} s |`);
}

console.log("\n## Cost: training (from demo/models/*/metrics.json) and inference per backend (batch 1 latency, batch 128 throughput)\n");
for (const [v, dir] of Object.entries(DIRS)) {
  const meta = JSON.parse(await readFile(join(dir, "metrics.json"), "utf8")) as { training?: string };
  console.log(`- ${v}: ${meta.training ?? "not recorded"}`);
}
console.log("");
console.log("| backend | model | latency (1 input) | throughput (inputs/s) |\n| --- | --- | --- | --- |");
for (const backend of arg("cost-backends", "tensorflow,wasm,cpu").split(",")) {
  const r = spawnSync(process.execPath, ["--import", "tsx", fileURLToPath(import.meta.url), "--child-cost", `--backend=${backend}`], { encoding: "utf8", maxBuffer: 16 * 1024 * 1024 });
  const line = r.stdout.trim().split("\n").at(-1) ?? "";
  if (r.status !== 0 || !line.startsWith("{")) { console.log(`| ${backend} | — | not available: ${(r.stderr.trim().split("\n").at(-1) ?? "").slice(0, 100)} | |`); continue; }
  for (const [name, c] of Object.entries(JSON.parse(line) as Record<string, { latencyMs: number; throughputPerSecond: number }>)) {
    console.log(`| ${backend} | ${name} | ${c.latencyMs.toFixed(2)} ms | ${Math.round(c.throughputPerSecond).toLocaleString("en")} |`);
  }
}
process.exit(0);
