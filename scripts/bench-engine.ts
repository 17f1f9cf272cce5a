/*
 * PGD-Linf step throughput of the engine on the demo CNN and on the CIFAR-shaped ResNet-8 ONNX fixture
 * (test/fixtures/onnx/resnet8-cifar.onnx: BatchNorm, residual adds, NCHW with per-channel normalisation),
 * per backend and batch size.
 *   npm run bench:engine -- [--seconds=8] [--batches=32,128,256] [--backends=tensorflow,wasm,cpu] [--procs=2] [--cpu-seconds=3]
 *                           [--models=digits-cnn,resnet8-onnx] [--resnet-batches=32,128] [--steps=20] [--eps=0.3] [--step-size=0.01]
 *   npm run bench:engine -- --vs-pytorch [--model=digits-cnn|resnet8-onnx] [--batches=32,128] [--backends=tensorflow,wasm] [--torch-threads=N]
 *                           [--torch-malloc=tuned|default]
 *   npm run bench:engine -- --profile [--model=digits-cnn] [--batches=128]
 * --vs-pytorch also runs the same PGD loop in PyTorch (scripts/bench-pytorch.py, CPU, one thread per core) on
 * the same weights converted exactly and the same inputs, first checks that PyTorch and every engine backend
 * give the same logits and input gradients on the largest batch (scripts/bench-engine-options.ts states the
 * tolerance), then prints sample·steps/s side by side with the engine/PyTorch ratios, the machine and the load.
 * PyTorch runs with glibc's malloc kept from returning its buffers to the system every step (torchEnv; with
 * glibc's defaults it runs up to 4x slower at batch 128); --torch-malloc=default measures it as glibc ships.
 * Without python3 or torch it says so and prints the engine's figures. Native runs the step as evaluations do: as
 * the model's one TensorFlow graph where it has one (lib/engine/graph/attach.ts); --vs-pytorch also runs native
 * eager (one tfjs-node call per op, --eager-step in a child) for comparison. --profile prints the time per kernel
 * of one eager PGD step on the native backend (tf.profile), summed per kernel name.
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
import { spawnSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { cpus, loadavg, tmpdir } from "node:os";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { currentBackendInfo, describeBackend, initEngineBackend, type BackendPreference } from "@/lib/engine/backend";
import { setWasmFastConvBackpropInput } from "@/lib/engine/wasm-kernels";
import { loadModelFromFiles, type LoadedModel } from "@/lib/engine/model";
import { loadOnnxModel, type CompiledOnnx } from "@/lib/engine/onnx";
import { EngineCardSchema, type EngineCard } from "@/lib/engine/card";
import { createRng } from "@/lib/engine/rng";
import { ascentDirection, crossEntropyLoss, linfBounds, clipTo, lossAndGrad, oneHotOf, type AttackContext } from "@/lib/engine/attacks/common";
import { withStepGraph } from "@/lib/engine/graph/attach";
import { digitsCnnForwardFlops, DIGITS_CARD } from "@/lib/demo/digits-cnn";
import { loadDemoEvalSplit } from "@/lib/demo/mnist";
import { compareWithPytorch, parseBenchOptions, PARITY_TOLERANCE, summariseKernels, torchEnv, type KernelTiming, type ParityReport } from "./bench-engine-options";

let opts: ReturnType<typeof parseBenchOptions>;
try {
  opts = parseBenchOptions(process.argv.slice(2), cpus().length);
} catch (e) {
  console.error(`bench:engine: ${(e as Error).message}`);
  process.exit(2);
}
const { seconds, batches, models, resnetBatches, cpuSeconds } = opts;
const backends = opts.backends as BackendPreference[];
const arg = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);

/** What a benchmark runs: a model, its card's input facts and a batch of inputs with labels. */
interface Subject {
  title: string;
  /** forward + input backward: the backward of each layer costs about as much as its forward */
  stepFlops: number;
  inputShape: number[];
  range: { min: number; max: number };
  numClasses: number;
  load(): Promise<LoadedModel>;
  /** An ONNX model's card: its step graph needs it. */
  card?: EngineCard;
  /** The first n inputs and labels (a larger batch starts with the same examples as a smaller one). */
  batch(n: number): { x: Float32Array; labels: Int32Array };
  /** How scripts/bench-pytorch.py finds the same weights. */
  torchModel: { kind: "layers"; modelJson: string } | { kind: "onnx"; path: string; card: unknown };
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
    torchModel: { kind: "layers", modelJson: join(dir, "model.json") },
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
  // Random 8-bit pixel images (a parity fixture, not a trained classifier: the step costs the same), drawn
  // afresh per call so every process and batch size sees the same first examples.
  const per = card.inputShape.reduce((a, b) => a * b, 1);
  const draw = (n: number) => {
    const rng = createRng(1, 0, "bench-resnet");
    const x = Float32Array.from({ length: n * per }, () => rng.int(256) / 255);
    return { x, labels: Int32Array.from({ length: n }, () => rng.int(card.classLabels.length)) };
  };
  return {
    title: "resnet8-cifar (ONNX fixture: BatchNorm, residual adds, NCHW, normalised)",
    stepFlops: flops,
    inputShape: card.inputShape,
    range: card.inputRange,
    numClasses: card.classLabels.length,
    load: () => loadOnnxModel(files, card),
    card,
    batch: draw,
    torchModel: { kind: "onnx", path: join(dir, fixture.model), card: fixture.card },
  };
}

const subjectOf = (name: string) => (name === "resnet8-onnx" ? resnetSubject() : name === "digits-cnn" ? digitsSubject() : Promise.reject(new Error(`unknown model ${name} (digits-cnn, resnet8-onnx)`)));

/** One PGD-Linf attack state on a batch: `step()` is one iteration as the engine's attacks run it. */
async function pgdStepper(subject: Subject, batch: number, graph = false) {
  const loaded = await subject.load();
  const model = graph ? (await withStepGraph(loaded, { card: subject.card })).model : loaded;
  const ctx: AttackContext = { model, scale: 1, offset: 0, range: subject.range, inputShape: subject.inputShape, numClasses: subject.numClasses };
  const data = subject.batch(batch);
  const x0 = tf.tensor(data.x, [batch, ...subject.inputShape]);
  const oneHot = oneHotOf(data.labels, subject.numClasses);
  const { lo, hi } = linfBounds(x0, opts.eps, ctx.range);
  let x: tf.Tensor = x0.clone();
  let done = 0;
  const step = async () => {
    // As PGD: the graph step returns the L∞ update too where the model has one.
    const out = lossAndGrad(ctx, x, crossEntropyLoss(oneHot), { lo, hi, alpha: opts.stepSize });
    await out.loss.data();
    const next = out.next ?? tf.tidy(() => clipTo(tf.add(x, tf.mul(ascentDirection("linf", out.grad), opts.stepSize)), lo, hi));
    tf.dispose([out.logits, out.loss, out.grad, x]);
    // Attacks of opts.steps steps back to back, each from the clean inputs (as PyTorch's loop does).
    done++;
    if (done % opts.steps === 0) {
      next.dispose();
      x = x0.clone();
    } else x = next;
  };
  /** Logits then input gradients (channels last) of sum(cross-entropy) at the clean inputs. */
  const check = async (): Promise<Float32Array> => {
    const out = lossAndGrad(ctx, x0, crossEntropyLoss(oneHot));
    const [z, g] = await Promise.all([out.logits.data(), out.grad.data()]);
    tf.dispose([out.logits, out.loss, out.grad]);
    const all = new Float32Array(z.length + g.length);
    all.set(z as Float32Array);
    all.set(g as Float32Array, z.length);
    return all;
  };
  const restart = () => {
    x.dispose();
    x = x0.clone();
    done = 0;
  };
  const dispose = () => {
    tf.dispose([x, x0, oneHot, lo, hi]);
    model.dispose();
  };
  return { step, check, restart, dispose, graph: model.crossEntropyStep !== undefined };
}

async function bench(subject: Subject, batch: number, graph: boolean): Promise<{ rate: number; steps: number; rssMB: number; tfMB: number; tensors: number; graph: boolean }> {
  const pgd = await pgdStepper(subject, batch, graph);
  let peakRss = 0, peakTf = 0;
  const step = async () => {
    await pgd.step();
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  };
  await step(); // warm-up
  // Peak tensor memory inside one step (activations kept for the backward pass), from tf.profile.
  const prof = await tf.profile(async () => { await step(); });
  peakTf = Math.max(peakTf, prof.peakBytes);
  pgd.restart();
  const t0 = performance.now();
  let steps = 0;
  while (performance.now() - t0 < seconds * 1000 || steps < 3) {
    await step();
    steps++;
  }
  const rate = (steps * batch) / ((performance.now() - t0) / 1000);
  const usedGraph = pgd.graph;
  pgd.dispose();
  return { rate, steps, rssMB: peakRss / 2 ** 20, tfMB: peakTf / 2 ** 20, tensors: tf.memory().numTensors, graph: usedGraph };
}

/** The tfjs engine's internals the profile needs (not in tfjs's typings). */
interface EngineInternals {
  state: { kernelDepth: number };
  profiler: { profileKernel: (name: string, inputs: unknown, f: () => unknown) => unknown };
}

const PROFILED_STEPS = 10;

/**
 * Where a PGD step's time goes: the wall time of a step (median of 20, no profiler), then PROFILED_STEPS steps
 * under tf.profile with each kernel's wall time (tfjs-node runs kernels synchronously, so that is its cost).
 * Some tfjs-node kernels are built from other kernels (Step, behind ReLU's gradient, runs IsNan, Greater, Fill
 * and Select), which tf.profile lists too: only the outermost kernels are summed (inclusive of what they call),
 * and the nested ones are listed separately, so nothing is counted twice.
 */
async function profileStep(subject: Subject, batch: number) {
  const pgd = await pgdStepper(subject, batch);
  for (let i = 0; i < 3; i++) await pgd.step(); // warm-up
  const walls: number[] = [];
  for (let i = 0; i < 20; i++) {
    const t0 = performance.now();
    await pgd.step();
    walls.push(performance.now() - t0);
  }
  walls.sort((a, b) => a - b);
  const engine = tf.engine() as unknown as EngineInternals;
  const original = engine.profiler.profileKernel;
  const outer: KernelTiming[] = [], nested: KernelTiming[] = [];
  engine.profiler.profileKernel = function (name, inputs, f) {
    const depth = engine.state.kernelDepth; // already counts this kernel
    const t0 = performance.now();
    const result = original.call(this, name, inputs, f);
    (depth <= 1 ? outer : nested).push({ name, ms: performance.now() - t0 });
    return result;
  };
  const t0 = performance.now();
  try {
    await tf.profile(async () => {
      for (let i = 0; i < PROFILED_STEPS; i++) await pgd.step();
    });
  } finally {
    engine.profiler.profileKernel = original;
  }
  const profiledWall = (performance.now() - t0) / PROFILED_STEPS;
  pgd.dispose();
  const perStep = (ks: KernelTiming[]) => summariseKernels(ks).map((k) => ({ ...k, calls: k.calls / PROFILED_STEPS, ms: k.ms / PROFILED_STEPS }));
  return {
    backend: describeBackend(currentBackendInfo()),
    batch,
    stepMs: walls[walls.length >> 1]!,
    profiledWallMs: profiledWall,
    kernelCount: outer.length / PROFILED_STEPS,
    kernelMs: outer.reduce((a, k) => a + k.ms, 0) / PROFILED_STEPS,
    byKernel: perStep(outer),
    nested: perStep(nested),
  };
}

const procs = opts.procs;
const child = process.argv.includes("--child");
if (child) {
  // One backend in its own process (tfjs-node, wasm and cpu do not share a process cleanly, and each
  // process's RSS then belongs to one backend). Prints one JSON line per measured row for the parent.
  const info = await initEngineBackend(backends[0]);
  const subject = await subjectOf(models[0]!);
  if (process.argv.includes("--profile-child")) {
    console.log(JSON.stringify(await profileStep(subject, batches[0]!)));
    process.exit(0);
  }
  // Native: the step as evaluations run it (one graph where the model has one) unless --eager-step.
  const graph = info.backend === "tensorflow" && !process.argv.includes("--eager-step");
  const checkOut = arg("check-out");
  if (checkOut) {
    const pgd = await pgdStepper(subject, Number(arg("check")), graph);
    const values = await pgd.check();
    pgd.dispose();
    await writeFile(checkOut, new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
  }
  const variants = info.backend === "wasm" && !process.argv.includes("--single") ? ["fast Conv2DBackpropInput", "stock Conv2DBackpropInput"] : ["-"];
  for (const variant of variants) {
    if (info.backend === "wasm") setWasmFastConvBackpropInput(!variant.startsWith("stock"));
    for (const b of batches) {
      const r = await bench(subject, b, graph);
      const how = info.backend !== "tensorflow" ? "" : r.graph ? ", attack step as one TensorFlow graph" : ", eager (one call per op)";
      console.log(JSON.stringify({ backend: info.backend, label: describeBackend(info) + how, variant, batch: b, ...r }));
    }
  }
  process.exit(0);
}

interface Row { backend: string; label: string; variant: string; batch: number; rate: number; rssMB: number; tfMB: number }
const script = fileURLToPath(import.meta.url);
// TF's INFO lines at load would interleave with the table.
const childEnv = { ...process.env, TF_CPP_MIN_LOG_LEVEL: process.env.TF_CPP_MIN_LOG_LEVEL ?? "2" };

/** Options every child gets as the parent read them. */
const shared = [`--steps=${opts.steps}`, `--eps=${opts.eps}`, `--step-size=${opts.stepSize}`];

/** Run a command that prints JSON lines; each parsed line goes to onLine as it arrives. */
function jsonLines<T>(command: string, args: string[], onLine?: (v: T) => void, env: NodeJS.ProcessEnv = childEnv): Promise<T[]> {
  return new Promise((resolve, reject) => {
    const p = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"], env });
    const rows: T[] = [];
    let out = "", err = "";
    p.stdout.on("data", (d) => {
      out += d;
      let nl;
      while ((nl = out.indexOf("\n")) >= 0) {
        const line = out.slice(0, nl).trim();
        out = out.slice(nl + 1);
        if (line.startsWith("{")) {
          const row = JSON.parse(line) as T;
          rows.push(row);
          onLine?.(row);
        }
      }
    });
    p.stderr.on("data", (d) => (err += d));
    p.on("error", reject);
    p.on("exit", (code) => (code === 0 ? resolve(rows) : reject(new Error(err.trim().split("\n").filter(Boolean).slice(-2).join(" | ") || `exit ${code}`))));
  });
}

function runChild(model: string, backend: string, batchList: number[], secs: number, single: boolean, onRow?: (r: Row) => void, extra: string[] = []): Promise<Row[]> {
  const args = [...process.execArgv, script, "--child", `--models=${model}`, `--backends=${backend}`, `--batches=${batchList.join(",")}`, `--seconds=${secs}`, ...shared, ...(single ? ["--single"] : []), ...extra];
  return jsonLines<Row>(process.execPath, args, onRow);
}

const loadNow = () => loadavg().map((l) => l.toFixed(1)).join(" ");
const fmtRate = (r: number) => r.toFixed(r < 10 ? 1 : 0);

/** Can python3 import torch? null when it can, else the reason in one line. */
function pytorchMissing(): string | null {
  const r = spawnSync("python3", ["-c", "import torch"], { encoding: "utf8", timeout: 120_000 });
  if (r.error) return `python3 not found (${(r.error as NodeJS.ErrnoException).code ?? r.error.message})`;
  if (r.status !== 0) return `python3 cannot import torch (${r.stderr.trim().split("\n").at(-1)}; pip install torch)`;
  return null;
}

function describeParity(p: ParityReport): string {
  const e = (v: number) => v.toExponential(1);
  return `logits max |diff| ${e(p.logitsMaxDiff)} (largest |logit| ${p.logitsScale.toFixed(2)}), input gradients max |diff| ${e(p.gradMaxDiff)} (largest |gradient| ${e(p.gradScale)}), ` +
    `gradient signs agree on ${(100 * p.signAgreement).toFixed(2)}% of entries above 1e-3 × largest, ${p.sameArgmax ? "same" : "DIFFERENT"} predicted classes: ` +
    (p.ok ? "same computation" : "MISMATCH beyond the tolerance");
}

/** --vs-pytorch: PyTorch on the same weights and inputs, then every engine backend, one after the other. */
async function vsPytorch(): Promise<void> {
  console.log(`Machine: ${cpus()[0]?.model.trim() ?? "unknown CPU"}, ${cpus().length} cores, Node ${process.version}; load average (1, 5, 15 min) before: ${loadNow()}`);
  const missing = pytorchMissing();
  if (missing) console.log(`PyTorch side skipped: ${missing}. Engine figures only.`);
  else console.log(opts.torchMalloc === "tuned"
    ? "PyTorch's allocator: glibc malloc from the heap only, freed memory kept (MALLOC_MMAP_MAX_=0, MALLOC_TRIM_THRESHOLD_; --torch-malloc=default for glibc's defaults)"
    : "PyTorch's allocator: glibc's defaults (--torch-malloc=default): large buffers are mapped and unmapped every step");
  let mismatch = false;
  for (const name of models) {
    const subject = await subjectOf(name);
    const maxBatch = Math.max(...batches);
    const classes = subject.numClasses;
    console.log(`\nModel ${name}: ${subject.title}, ${(subject.stepFlops / 1e6).toFixed(2)} MFLOP per sample-step`);
    console.log(`PGD-Linf ε ${opts.eps}, step ${opts.stepSize}, attacks of ${opts.steps} steps back to back from the clean inputs (first ${maxBatch} examples), cross-entropy; ${seconds} s per point`);
    const dir = await mkdtemp(join(tmpdir(), "bench-vs-pytorch-"));
    try {
      const data = subject.batch(maxBatch);
      await writeFile(join(dir, "inputs.f32"), new Uint8Array(data.x.buffer, data.x.byteOffset, data.x.byteLength));
      await writeFile(join(dir, "labels.i32"), new Uint8Array(data.labels.buffer, data.labels.byteOffset, data.labels.byteLength));
      const rates = new Map<string, Map<number, number>>();
      let reference: Float32Array | null = null;
      const spec = {
        model: subject.torchModel, inputs: join(dir, "inputs.f32"), labels: join(dir, "labels.i32"), inputShape: subject.inputShape, range: subject.range,
        eps: opts.eps, stepSize: opts.stepSize, steps: opts.steps, seconds, batches, threads: opts.torchThreads, checkBatch: maxBatch, checkOut: join(dir, "pytorch.f32"),
        classes,
      };
      await writeFile(join(dir, "spec.json"), JSON.stringify(spec));
      if (!missing) {
        const label = { text: "PyTorch" };
        const torchRates = new Map<number, number>();
        try {
          await jsonLines<{ torch?: string; threads?: number; batch?: number; rate?: number }>("python3", [join(process.cwd(), "scripts", "bench-pytorch.py"), join(dir, "spec.json")], (l) => {
            if (l.torch) label.text = `PyTorch ${l.torch} (CPU, ${l.threads} thread${l.threads === 1 ? "" : "s"})`;
            if (l.batch && l.rate) {
              torchRates.set(l.batch, l.rate);
              console.log(`${label.text} | batch ${l.batch} | ${fmtRate(l.rate)} sample·steps/s | ${((l.rate * subject.stepFlops) / 1e9).toFixed(2)} GFLOP/s`);
            }
          }, torchEnv(opts.torchMalloc, childEnv));
          rates.set(label.text, torchRates);
          reference = new Float32Array((await readFile(join(dir, "pytorch.f32"))).buffer.slice(0));
        } catch (e) {
          console.log(`PyTorch | failed: ${(e as Error).message}`);
        }
        console.log(`(load average now ${loadNow()})`);
      }
      // Native twice: as evaluations run it, then eager for comparison.
      const runs = backends.flatMap((pref): { pref: BackendPreference; eager: boolean }[] => (pref === "tensorflow" ? [{ pref, eager: false }, { pref, eager: true }] : [{ pref, eager: false }]));
      for (const { pref, eager } of runs) {
        const checkOut = join(dir, `engine-${pref}${eager ? "-eager" : ""}.f32`);
        let rows: Row[];
        try {
          rows = await runChild(name, pref, batches, pref === "cpu" ? cpuSeconds : seconds, true, (r) =>
            console.log(`${r.label} | batch ${r.batch} | ${fmtRate(r.rate)} sample·steps/s | ${((r.rate * subject.stepFlops) / 1e9).toFixed(2)} GFLOP/s`),
          [`--check=${maxBatch}`, `--check-out=${checkOut}`, ...(eager ? ["--eager-step"] : [])]);
        } catch (e) {
          console.log(`${pref} | unavailable: ${(e as Error).message}${pref === "tensorflow" ? " (set it up with `npm run engine:native`)" : ""}`);
          continue;
        }
        if (rows.length) rates.set(rows[0]!.label, new Map(rows.map((r) => [r.batch, r.rate])));
        if (reference) {
          const parity = compareWithPytorch(reference, new Float32Array((await readFile(checkOut)).buffer.slice(0)), maxBatch, classes);
          mismatch ||= !parity.ok;
          console.log(`  vs PyTorch on the first ${maxBatch} clean inputs: ${describeParity(parity)}`);
        }
        console.log(`(load average now ${loadNow()})`);
      }
      const torch = [...rates.keys()].find((k) => k.startsWith("PyTorch"));
      console.log(`\nSide by side, ${name} (sample·steps/s${torch ? "; × = engine / PyTorch at the same batch" : ""})`);
      console.log(["", ...batches.map((b) => `batch ${b}`)].join(" | "));
      for (const [label, byBatch] of rates) {
        const cells = batches.map((b) => {
          const r = byBatch.get(b);
          const t = torch ? rates.get(torch)!.get(b) : undefined;
          if (r === undefined) return "-";
          return label === torch || !t ? fmtRate(r) : `${fmtRate(r)} (${(r / t).toFixed(2)}×)`;
        });
        console.log([label, ...cells].join(" | "));
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
  if (!missing) console.log(`\nTolerance for "same computation": logits within ${PARITY_TOLERANCE.logits} × max(1, largest |logit|), gradients within ${PARITY_TOLERANCE.grad} × largest |gradient|.`);
  console.log(`Load average (1, 5, 15 min) after: ${loadNow()}`);
  if (Math.max(loadavg()[0], loadavg()[1]) > cpus().length) {
    console.log(`The machine was busy (load average above its ${cpus().length} cores): every figure is depressed by an unknown factor, multi-threaded PyTorch's most (its threads wait for each other); rerun on a quiet machine before reading the ratios.`);
  }
  if (mismatch) {
    console.log("The engine and PyTorch did not compute the same thing within the tolerance: the speeds above do not compare like with like.");
    process.exitCode = 1;
  }
}


/** --profile: one PGD step's kernels on the first backend (native by default). */
async function profile(): Promise<void> {
  const batch = process.argv.some((a) => a.startsWith("--batches=")) ? batches[0]! : 128;
  const name = models[0]!;
  console.log(`Machine: ${cpus()[0]?.model.trim() ?? "unknown CPU"}, ${cpus().length} cores; load average before: ${loadNow()}`);
  const args = [...process.execArgv, script, "--child", "--profile-child", `--models=${name}`, `--backends=${backends[0]}`, `--batches=${batch}`, ...shared];
  const [p] = await jsonLines<Awaited<ReturnType<typeof profileStep>>>(process.execPath, args);
  if (!p) throw new Error("the profiling process printed nothing");
  console.log(`One PGD-Linf step on ${name}, batch ${batch}, ${p.backend}`);
  console.log(`wall time per step: ${p.stepMs.toFixed(2)} ms (median of 20, no profiler); under tf.profile ${p.profiledWallMs.toFixed(2)} ms (mean of 10), of which ` +
    `${p.kernelCount} kernels ${p.kernelMs.toFixed(2)} ms (${((100 * p.kernelMs) / p.profiledWallMs).toFixed(0)}%) and ${(p.profiledWallMs - p.kernelMs).toFixed(2)} ms outside kernels (tfjs bookkeeping: tape, gradients, tidy)`);
  console.log("kernel | calls per step | ms per step | share of kernel time");
  for (const k of p.byKernel) console.log(`${k.name} | ${k.calls} | ${k.ms.toFixed(3)} | ${(100 * k.share).toFixed(1)}%`);
  if (p.nested.length) console.log(`inside those (already counted above): ${p.nested.map((k) => `${k.name} ×${k.calls} ${k.ms.toFixed(2)} ms`).join(", ")}`);
  console.log(`Load average after: ${loadNow()}`);
}

if (opts.profile) {
  await profile();
  process.exit();
}
if (opts.vsPytorch) {
  await vsPytorch();
  process.exit();
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
