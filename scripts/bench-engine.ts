/*
 * PGD-Linf step throughput of the engine on the demo CNN, per backend and batch size.
 *   npm run bench:engine -- [--seconds=8] [--batches=32,128,256] [--backends=tensorflow,wasm,cpu] [--procs=2] [--cpu-seconds=3]
 * Each backend runs in its own child process (native, wasm and cpu side by side in one run); cpu, about
 * 40x slower than native, runs only the first batch size for --cpu-seconds.
 * --procs=N also runs N processes of each backend at once (wasm is single-threaded in Node; workers scale
 * by process) and reports their summed throughput. TF_NUM_INTRAOP_THREADS etc. pass through to the children.
 * A step = one forward pass and one backward pass to the input (what an attack iteration costs),
 * run through the engine's own lossAndGrad/projection code, reading the loss back every step as attacks do.
 */
import * as tf from "@tensorflow/tfjs";
import { readFile } from "node:fs/promises";
import { spawn } from "node:child_process";
import { cpus, loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { describeBackend, initEngineBackend, type BackendPreference } from "@/lib/engine/backend";
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
const cpuSeconds = Math.min(seconds, Number(arg("cpu-seconds", "3")));

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
  // One backend in its own process (tfjs-node, wasm and cpu do not share a process cleanly, and each
  // process's RSS then belongs to one backend). Prints one JSON line per measured row for the parent.
  const info = await initEngineBackend(backends[0]);
  const variants = info.backend === "wasm" && !process.argv.includes("--single") ? ["fast Conv2DBackpropInput", "stock Conv2DBackpropInput"] : ["-"];
  for (const variant of variants) {
    if (info.backend === "wasm") setWasmFastConvBackpropInput(!variant.startsWith("stock"));
    for (const b of batches) {
      const r = await bench(b);
      console.log(JSON.stringify({ backend: info.backend, label: describeBackend(info), variant, batch: b, ...r }));
    }
  }
  process.exit(0);
}

interface Row { backend: string; label: string; variant: string; batch: number; rate: number; rssMB: number; tfMB: number }
const script = fileURLToPath(import.meta.url);
// TF's INFO lines at load would interleave with the table.
const childEnv = { ...process.env, TF_CPP_MIN_LOG_LEVEL: process.env.TF_CPP_MIN_LOG_LEVEL ?? "2" };

function runChild(backend: string, batchList: number[], secs: number, single: boolean, onRow?: (r: Row) => void): Promise<Row[]> {
  return new Promise((resolve, reject) => {
    const args = [...process.execArgv, script, "--child", `--backends=${backend}`, `--batches=${batchList.join(",")}`, `--seconds=${secs}`, ...(single ? ["--single"] : [])];
    const p = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"], env: childEnv });
    const rows: Row[] = [];
    let out = "", err = "";
    p.stdout.on("data", (d) => {
      out += d;
      let nl;
      while ((nl = out.indexOf("\n")) >= 0) {
        const line = out.slice(0, nl).trim();
        out = out.slice(nl + 1);
        if (line.startsWith("{")) {
          const row = JSON.parse(line) as Row;
          rows.push(row);
          onRow?.(row);
        }
      }
    });
    p.stderr.on("data", (d) => (err += d));
    p.on("exit", (code) => (code === 0 ? resolve(rows) : reject(new Error(err.trim().split("\n").filter(Boolean).slice(-2).join(" | ") || `exit ${code}`))));
  });
}

console.log(`PGD-Linf step on digits-cnn (${(stepFlops / 1e6).toFixed(2)} MFLOP per sample-step), ${seconds} s per point (cpu: batch ${batches[0]} only, ${cpuSeconds} s), each backend in its own process`);
// Other work on the machine skews every figure: print the load next to them.
console.log(`${cpus().length} cores, load average at start ${loadavg().map((l) => l.toFixed(1)).join(" ")}`);
console.log("backend | variant | batch | sample·steps/s | GFLOP/s | peak RSS MB | peak tf MB");
const results: Row[] = [];
const printRow = (r: Row) => console.log(`${r.label} | ${r.variant} | ${r.batch} | ${r.rate.toFixed(0)} | ${((r.rate * stepFlops) / 1e9).toFixed(2)} | ${r.rssMB.toFixed(0)} | ${r.tfMB.toFixed(1)}`);
for (const pref of backends) {
  // The cpu backend is ~40x slower than native: one short point is enough to place it.
  const isCpu = pref === "cpu";
  try {
    results.push(...(await runChild(pref, isCpu ? batches.slice(0, 1) : batches, isCpu ? cpuSeconds : seconds, false, printRow)));
  } catch (e) {
    console.log(`${pref} | unavailable: ${(e as Error).message}${pref === "tensorflow" ? " (set it up with `npm run engine:native`)" : ""}`);
    continue;
  }
  if (procs > 1 && !isCpu) {
    for (const b of batches) {
      const runs = await Promise.all(Array.from({ length: procs }, () => runChild(pref, [b], seconds, true)));
      const rates = runs.map((r) => r[0]!.rate);
      const sum = rates.reduce((a, v) => a + v, 0);
      console.log(`${runs[0]![0]!.backend} | ${procs} processes at once | ${b} | ${sum.toFixed(0)} (${rates.map((r) => r.toFixed(0)).join(" + ")}) | ${((sum * stepFlops) / 1e9).toFixed(2)} | - | -`);
    }
  }
  console.log(`(load average now ${loadavg()[0].toFixed(1)})`);
}

// Side by side: the engine's default variant per backend, sample·steps/s per batch size.
const main = results.filter((r) => r.variant !== "stock Conv2DBackpropInput");
const wasmAt = new Map(main.filter((r) => r.backend === "wasm").map((r) => [r.batch, r.rate]));
console.log(`\nSide by side (sample·steps/s; × = relative to wasm at the same batch)`);
console.log(["backend", ...batches.map((b) => `batch ${b}`), "peak RSS MB"].join(" | "));
for (const backend of [...new Set(main.map((r) => r.backend))]) {
  const rows = main.filter((r) => r.backend === backend);
  const cells = batches.map((b) => {
    const r = rows.find((x) => x.batch === b);
    if (!r) return "-";
    const w = wasmAt.get(b);
    const x = w ? r.rate / w : 0;
    return `${r.rate.toFixed(0)}${w && backend !== "wasm" ? ` (${x.toFixed(x < 0.1 ? 3 : 1)}×)` : ""}`;
  });
  console.log([rows[0]!.label, ...cells, Math.max(...rows.map((r) => r.rssMB)).toFixed(0)].join(" | "));
}
