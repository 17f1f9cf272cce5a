/*
 * PGD-Linf step throughput of the engine on the demo CNN, per backend and batch size.
 *   npx tsx scripts/bench-engine.ts [--seconds=8] [--batches=32,128,256] [--backends=tensorflow,wasm,cpu] [--procs=2]
 * --procs=N also runs N worker processes at once (wasm is single-threaded in Node; workers scale by process)
 * and reports their summed throughput.
 * A step = one forward pass and one backward pass to the input (what an attack iteration costs),
 * run through the engine's own lossAndGrad/projection code, reading the loss back every step as attacks do.
 */
import * as tf from "@tensorflow/tfjs";
import { readFile } from "node:fs/promises";
import { spawn } from "node:child_process";
import { cpus, loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { initEngineBackend, type BackendPreference } from "@/lib/engine/backend";
import { setWasmFastConvBackpropInput } from "@/lib/engine/wasm-kernels";
import { loadModelFromFiles } from "@/lib/engine/model";
import { ascentDirection, crossEntropy, linfBounds, clipTo, lossAndGrad, oneHotOf, type AttackContext } from "@/lib/engine/attacks/common";
import { digitsCnnForwardFlops, DIGITS_CARD } from "@/lib/demo/digits-cnn";
import { loadDemoEvalSplit } from "@/lib/demo/mnist";

const arg = (name: string, def: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split("=")[1] ?? def;
const seconds = Number(arg("seconds", "8"));
const batches = arg("batches", "32,128,256").split(",").map(Number);
const backends = arg("backends", "tensorflow,wasm,cpu").split(",") as BackendPreference[];
// forward + input backward: the backward of each layer costs about as much as its forward
const stepFlops = 2 * digitsCnnForwardFlops();

const dir = join(process.cwd(), "demo", "models", "digits-cnn-v1");
const files = { modelJson: JSON.parse(await readFile(join(dir, "model.json"), "utf8")), weights: { "weights.bin": new Uint8Array(await readFile(join(dir, "weights.bin"))) } };
const data = loadDemoEvalSplit();

async function bench(batch: number): Promise<{ rate: number; steps: number; rssMB: number; tfMB: number; tensors: number }> {
  const model = await loadModelFromFiles(files);
  const ctx: AttackContext = { model, scale: 1, offset: 0, range: DIGITS_CARD.inputRange, inputShape: [28, 28, 1], numClasses: 10 };
  const x0 = tf.tensor4d(data.images.slice(0, batch * 784), [batch, 28, 28, 1]);
  const oneHot = oneHotOf(data.labels.slice(0, batch), 10);
  const { lo, hi } = linfBounds(x0, 0.3, ctx.range);
  let x: tf.Tensor = x0.clone();
  let peakRss = 0, peakTf = 0;
  const step = async () => {
    const out = lossAndGrad(ctx, x, (z) => crossEntropy(z, oneHot));
    await out.loss.data();
    const next = tf.tidy(() => clipTo(tf.add(x, tf.mul(ascentDirection("linf", out.grad), 0.01)), lo, hi));
    tf.dispose([out.logits, out.loss, out.grad, x]);
    x = next;
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  };
  await step(); // warm-up
  // Peak tensor memory inside one step (activations kept for the backward pass), from tf.profile.
  const prof = await tf.profile(async () => { await step(); });
  peakTf = Math.max(peakTf, prof.peakBytes);
  const t0 = performance.now();
  let steps = 0;
  while (performance.now() - t0 < seconds * 1000 || steps < 3) {
    await step();
    steps++;
  }
  const rate = (steps * batch) / ((performance.now() - t0) / 1000);
  tf.dispose([x, x0, oneHot, lo, hi]);
  model.dispose();
  return { rate, steps, rssMB: peakRss / 2 ** 20, tfMB: peakTf / 2 ** 20, tensors: tf.memory().numTensors };
}

const procs = Number(arg("procs", "1"));
const child = process.argv.includes("--child");
if (child) {
  // One measurement, printed as JSON for the parent.
  const info = await initEngineBackend(backends[0]);
  const r = await bench(batches[0]);
  console.log(JSON.stringify({ backend: info.backend, ...r }));
  process.exit(0);
}

async function parallel(backend: string, batch: number): Promise<number[]> {
  const script = fileURLToPath(import.meta.url);
  const runs = Array.from({ length: procs }, () => new Promise<number>((resolve, reject) => {
    const p = spawn(process.execPath, [...process.execArgv, script, "--child", `--backends=${backend}`, `--batches=${batch}`, `--seconds=${seconds}`], { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    p.stdout.on("data", (d) => (out += d));
    p.on("exit", (code) => (code === 0 ? resolve(JSON.parse(out.trim().split("\n").pop()!).rate) : reject(new Error(`child exited ${code}`))));
  }));
  return Promise.all(runs);
}

console.log(`PGD-Linf step on digits-cnn (${(stepFlops / 1e6).toFixed(2)} MFLOP per sample-step), ${seconds} s per point`);
// Other work on the machine skews every figure: print the load next to them.
console.log(`${cpus().length} cores, load average at start ${loadavg().map((l) => l.toFixed(1)).join(" ")}`);
console.log("backend | variant | batch | sample·steps/s | GFLOP/s | peak RSS MB | peak tf MB");
for (const pref of backends) {
  let info;
  try {
    info = await initEngineBackend(pref);
  } catch (e) {
    console.log(`${pref} | unavailable: ${(e as Error).message}`);
    continue;
  }
  const variants = info.backend === "wasm" ? ["fast Conv2DBackpropInput", "stock Conv2DBackpropInput"] : ["-"];
  for (const variant of variants) {
    if (info.backend === "wasm") setWasmFastConvBackpropInput(variant.startsWith("fast"));
    for (const b of batches) {
      const r = await bench(b);
      console.log(`${info.backend}${info.simd ? " (SIMD, " + info.threads + " thread)" : ""} | ${variant} | ${b} | ${r.rate.toFixed(0)} | ${((r.rate * stepFlops) / 1e9).toFixed(2)} | ${r.rssMB.toFixed(0)} | ${r.tfMB.toFixed(1)}`);
    }
  }
  if (info.backend === "wasm") setWasmFastConvBackpropInput(true);
  console.log(`(load average now ${loadavg()[0].toFixed(1)})`);
  if (procs > 1) {
    for (const b of batches) {
      const rates = await parallel(pref, b);
      const sum = rates.reduce((a, v) => a + v, 0);
      console.log(`${info.backend} | ${procs} processes at once | ${b} | ${sum.toFixed(0)} (${rates.map((r) => r.toFixed(0)).join(" + ")}) | ${((sum * stepFlops) / 1e9).toFixed(2)} | - | -`);
    }
  }
}
