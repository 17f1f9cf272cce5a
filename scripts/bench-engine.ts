/*
 * PGD-Linf step throughput of the engine on the demo CNN and on the CIFAR-shaped ResNet-8 ONNX fixture
 * (test/fixtures/onnx/resnet8-cifar.onnx: BatchNorm, residual adds, NCHW with per-channel normalisation),
 * per backend and batch size.
 *   npm run bench:engine -- [--seconds=8] [--batches=32,128,256] [--backends=tensorflow,wasm,cpu] [--procs=2] [--cpu-seconds=3]
 *                           [--models=digits-cnn,resnet8-onnx] [--resnet-batches=32,128]
 * Each backend runs in its own child process (native, wasm and cpu side by side in one run); cpu, about
 * 40x slower than native, runs only the first batch size for --cpu-seconds. The ResNet runs the engine's
 * default kernels only (no stock-kernel variant, no --procs).
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
import { loadModelFromFiles, type LoadedModel } from "@/lib/engine/model";
import { loadOnnxModel, type CompiledOnnx } from "@/lib/engine/onnx";
import { EngineCardSchema } from "@/lib/engine/card";
import { createRng } from "@/lib/engine/rng";
import { ascentDirection, crossEntropy, linfBounds, clipTo, lossAndGrad, oneHotOf, type AttackContext } from "@/lib/engine/attacks/common";
import { digitsCnnForwardFlops, DIGITS_CARD } from "@/lib/demo/digits-cnn";
import { loadDemoEvalSplit } from "@/lib/demo/mnist";

const arg = (name: string, def: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split("=")[1] ?? def;
const seconds = Number(arg("seconds", "8"));
const batches = arg("batches", "32,128,256").split(",").map(Number);
const backends = arg("backends", "tensorflow,wasm,cpu").split(",") as BackendPreference[];
const models = arg("models", "digits-cnn,resnet8-onnx").split(",");
const resnetBatches = arg("resnet-batches", "32,128").split(",").map(Number);
const cpuSeconds = Math.min(seconds, Number(arg("cpu-seconds", "3")));

/** What a benchmark runs: a model, its card's input facts and a batch of inputs with labels. */
interface Subject {
  title: string;
  /** forward + input backward: the backward of each layer costs about as much as its forward */
  stepFlops: number;
  inputShape: number[];
  range: { min: number; max: number };
  numClasses: number;
  load(): Promise<LoadedModel>;
  batch(n: number): { x: Float32Array; labels: Int32Array };
}

async function digitsSubject(): Promise<Subject> {
  const dir = join(process.cwd(), "demo", "models", "digits-cnn-v1");
  const files = { modelJson: JSON.parse(await readFile(join(dir, "model.json"), "utf8")), weights: { "weights.bin": new Uint8Array(await readFile(join(dir, "weights.bin"))) } };
  const data = loadDemoEvalSplit();
  return {
    title: "digits-cnn (demo LayersModel)",
    stepFlops: 2 * digitsCnnForwardFlops(),
    inputShape: [28, 28, 1],
    range: DIGITS_CARD.inputRange,
    numClasses: 10,
    load: () => loadModelFromFiles(files),
    batch: (n) => ({ x: data.images.slice(0, n * 784), labels: data.labels.slice(0, n) }),
  };
}

/** Multiply-adds of the graph's Conv and Gemm/MatMul nodes for one input, ×2, from one captured run. */
function onnxForwardFlops(compiled: CompiledOnnx): number {
  const capture = new Map<string, tf.Tensor>();
  const x = tf.zeros([1, ...compiled.graphInputShape]);
  tf.dispose([compiled.run(x, { capture }), x]);
  const shapeOf = (name: string) => capture.get(name)?.shape ?? compiled.graph.constants.get(name)?.dims ?? [];
  let macs = 0;
  for (const n of compiled.plan) {
    const out = shapeOf(n.outputs[0]!);
    if (n.opType === "Conv") macs += out.reduce((a, b) => a * b, 1) * shapeOf(n.inputs[1]!).slice(1).reduce((a, b) => a * b, 1);
    else if (n.opType === "Gemm" || n.opType === "MatMul") macs += out.reduce((a, b) => a * b, 1) * (shapeOf(n.inputs[0]!).at(-1) ?? 0);
  }
  tf.dispose([...capture.values()]);
  return 2 * macs;
}

async function resnetSubject(): Promise<Subject> {
  const dir = join(process.cwd(), "test", "fixtures", "onnx");
  const fixture = JSON.parse(await readFile(join(dir, "resnet8-cifar.json"), "utf8")) as { model: string; card: unknown };
  const card = EngineCardSchema.parse(fixture.card);
  const files = { onnx: new Uint8Array(await readFile(join(dir, fixture.model))) };
  const probe = await loadOnnxModel(files, card);
  const flops = 2 * onnxForwardFlops(probe.onnx);
  probe.dispose();
  // Random 8-bit pixel images (a parity fixture, not a trained classifier: the step costs the same).
  const rng = createRng(1, 0, "bench-resnet");
  const per = card.inputShape.reduce((a, b) => a * b, 1);
  return {
    title: "resnet8-cifar (ONNX fixture: BatchNorm, residual adds, NCHW, normalised)",
    stepFlops: flops,
    inputShape: card.inputShape,
    range: card.inputRange,
    numClasses: card.classLabels.length,
    load: () => loadOnnxModel(files, card),
    batch: (n) => ({ x: Float32Array.from({ length: n * per }, () => rng.int(256) / 255), labels: Int32Array.from({ length: n }, () => rng.int(card.classLabels.length)) }),
  };
}

const subjectOf = (name: string) => (name === "resnet8-onnx" ? resnetSubject() : name === "digits-cnn" ? digitsSubject() : Promise.reject(new Error(`unknown model ${name} (digits-cnn, resnet8-onnx)`)));

async function bench(subject: Subject, batch: number): Promise<{ rate: number; steps: number; rssMB: number; tfMB: number; tensors: number }> {
  const model = await subject.load();
  const ctx: AttackContext = { model, scale: 1, offset: 0, range: subject.range, inputShape: subject.inputShape, numClasses: subject.numClasses };
  const data = subject.batch(batch);
  const x0 = tf.tensor(data.x, [batch, ...subject.inputShape]);
  const oneHot = oneHotOf(data.labels, subject.numClasses);
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
  const subject = await subjectOf(models[0]!);
  const variants = info.backend === "wasm" && !process.argv.includes("--single") ? ["fast Conv2DBackpropInput", "stock Conv2DBackpropInput"] : ["-"];
  for (const variant of variants) {
    if (info.backend === "wasm") setWasmFastConvBackpropInput(!variant.startsWith("stock"));
    for (const b of batches) {
      const r = await bench(subject, b);
      console.log(JSON.stringify({ backend: info.backend, label: describeBackend(info), variant, batch: b, ...r }));
    }
  }
  process.exit(0);
}

interface Row { backend: string; label: string; variant: string; batch: number; rate: number; rssMB: number; tfMB: number }
const script = fileURLToPath(import.meta.url);
// TF's INFO lines at load would interleave with the table.
const childEnv = { ...process.env, TF_CPP_MIN_LOG_LEVEL: process.env.TF_CPP_MIN_LOG_LEVEL ?? "2" };

function runChild(model: string, backend: string, batchList: number[], secs: number, single: boolean, onRow?: (r: Row) => void): Promise<Row[]> {
  return new Promise((resolve, reject) => {
    const args = [...process.execArgv, script, "--child", `--models=${model}`, `--backends=${backend}`, `--batches=${batchList.join(",")}`, `--seconds=${secs}`, ...(single ? ["--single"] : [])];
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

// Other work on the machine skews every figure: print the load next to them.
console.log(`${cpus().length} cores, load average at start ${loadavg().map((l) => l.toFixed(1)).join(" ")}`);
for (const name of models) {
  const subject = await subjectOf(name);
  const isResnet = name === "resnet8-onnx";
  const modelBatches = isResnet ? resnetBatches : batches;
  const stepFlops = subject.stepFlops;
  console.log(`\nPGD-Linf step on ${subject.title} (${(stepFlops / 1e6).toFixed(2)} MFLOP per sample-step), ${seconds} s per point (cpu: batch ${modelBatches[0]} only, ${cpuSeconds} s), each backend in its own process`);
  console.log("backend | variant | batch | sample·steps/s | GFLOP/s | peak RSS MB | peak tf MB");
  const results: Row[] = [];
  const printRow = (r: Row) => console.log(`${r.label} | ${r.variant} | ${r.batch} | ${r.rate.toFixed(r.rate < 10 ? 1 : 0)} | ${((r.rate * stepFlops) / 1e9).toFixed(2)} | ${r.rssMB.toFixed(0)} | ${r.tfMB.toFixed(1)}`);
  for (const pref of backends) {
    // The cpu backend is ~40x slower than native: one short point is enough to place it.
    const isCpu = pref === "cpu";
    try {
      results.push(...(await runChild(name, pref, isCpu ? modelBatches.slice(0, 1) : modelBatches, isCpu ? cpuSeconds : seconds, isResnet, printRow)));
    } catch (e) {
      console.log(`${pref} | unavailable: ${(e as Error).message}${pref === "tensorflow" ? " (set it up with `npm run engine:native`)" : ""}`);
      continue;
    }
    if (procs > 1 && !isCpu && !isResnet) {
      for (const b of modelBatches) {
        const runs = await Promise.all(Array.from({ length: procs }, () => runChild(name, pref, [b], seconds, true)));
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
  console.log(`\nSide by side, ${name} (sample·steps/s; × = relative to wasm at the same batch)`);
  console.log(["backend", ...modelBatches.map((b) => `batch ${b}`), "peak RSS MB"].join(" | "));
  for (const backend of [...new Set(main.map((r) => r.backend))]) {
    const rows = main.filter((r) => r.backend === backend);
    const cells = modelBatches.map((b) => {
      const r = rows.find((x) => x.batch === b);
      if (!r) return "-";
      const w = wasmAt.get(b);
      const x = w ? r.rate / w : 0;
      return `${r.rate.toFixed(r.rate < 10 ? 1 : 0)}${w && backend !== "wasm" ? ` (${x.toFixed(x < 0.1 ? 3 : 1)}×)` : ""}`;
    });
    console.log([rows[0]!.label, ...cells, Math.max(...rows.map((r) => r.rssMB)).toFixed(0)].join(" | "));
  }
}
