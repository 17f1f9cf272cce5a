/*
 * The pure parts of scripts/bench-engine.ts: its options and the check that the engine and PyTorch compute the
 * same thing (logits and input gradients on the same batch) before their speeds are compared.
 */

export interface BenchOptions {
  seconds: number;
  batches: number[];
  backends: string[];
  models: string[];
  resnetBatches: number[];
  cpuSeconds: number;
  procs: number;
  /** PGD steps per attack run; a measurement runs attacks back to back from the clean inputs. */
  steps: number;
  eps: number;
  stepSize: number;
  vsPytorch: boolean;
  profile: boolean;
  /** PyTorch's intra-op threads (default: the machine's cores). */
  torchThreads: number;
  /** PyTorch's memory allocator settings: glibc's thresholds raised ("tuned", the default) or left as glibc ships them. */
  torchMalloc: "tuned" | "default";
}

export const MODEL_NAMES = ["digits-cnn", "resnet8-onnx"] as const;

/** Options from `--name=value` and `--flag` arguments; a bad value is an error naming the option. */
export function parseBenchOptions(argv: string[], cores: number): BenchOptions {
  const value = (name: string): string | undefined => argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  const num = (name: string, def: number, { integer = false, min = 0 } = {}): number => {
    const raw = value(name);
    if (raw === undefined) return def;
    const n = Number(raw);
    if (raw.trim() === "" || !Number.isFinite(n) || n <= min || (integer && !Number.isInteger(n))) {
      throw new Error(`--${name}=${raw}: expected a${integer ? " whole" : ""} number above ${min}`);
    }
    return n;
  };
  const list = (name: string, def: string): string[] => (value(name) ?? def).split(",").map((s) => s.trim()).filter(Boolean);
  const sizes = (name: string, def: string): number[] =>
    list(name, def).map((s) => {
      const n = Number(s);
      if (!Number.isInteger(n) || n < 1) throw new Error(`--${name}: "${s}" is not a batch size (a whole number ≥ 1)`);
      return n;
    });
  const vsPytorch = argv.includes("--vs-pytorch");
  // --model=NAME picks one model (the same as --models=NAME).
  const models = value("model") !== undefined ? list("model", "") : list("models", vsPytorch ? "digits-cnn" : MODEL_NAMES.join(","));
  for (const m of models) if (!(MODEL_NAMES as readonly string[]).includes(m)) throw new Error(`unknown model ${m} (${MODEL_NAMES.join(", ")})`);
  if (models.length === 0) throw new Error("no model given");
  const seconds = num("seconds", 8);
  const batches = sizes("batches", vsPytorch ? "32,128" : "32,128,256");
  return {
    seconds,
    batches,
    backends: list("backends", vsPytorch ? "tensorflow,wasm" : "tensorflow,wasm,cpu"),
    models,
    // With --vs-pytorch every model runs the same batch sizes, so the table compares like with like.
    resnetBatches: vsPytorch ? batches : sizes("resnet-batches", "32,128"),
    cpuSeconds: Math.min(seconds, num("cpu-seconds", 3)),
    procs: num("procs", 1, { integer: true }),
    steps: num("steps", 20, { integer: true }),
    eps: num("eps", 0.3),
    stepSize: num("step-size", 0.01),
    vsPytorch,
    profile: argv.includes("--profile"),
    torchThreads: num("torch-threads", cores, { integer: true }),
    torchMalloc: torchMalloc(value("torch-malloc")),
  };
}

function torchMalloc(raw: string | undefined): BenchOptions["torchMalloc"] {
  if (raw === undefined || raw === "tuned" || raw === "default") return raw ?? "tuned";
  throw new Error(`--torch-malloc=${raw}: expected tuned or default`);
}

/**
 * The environment PyTorch runs with. With glibc's default malloc, a buffer above its mmap threshold is mapped
 * for one step and unmapped at the end of it, so every step page-faults its activations in again: on the demo
 * CNN PyTorch at batch 128 ran at 2,391 sample·steps/s instead of 9,891 (docs/benchmarks.md). "tuned" serves
 * every allocation from the heap and keeps what is freed (what PyTorch's CPU tuning advice, jemalloc or
 * tcmalloc, achieves), so PyTorch is compared at its best; values the operator set win.
 */
export function torchEnv<E extends Record<string, string | undefined>>(mode: BenchOptions["torchMalloc"], base: E): E & Record<string, string | undefined> {
  if (mode === "default") return base;
  return { ...base, MALLOC_MMAP_MAX_: base.MALLOC_MMAP_MAX_ ?? "0", MALLOC_TRIM_THRESHOLD_: base.MALLOC_TRIM_THRESHOLD_ ?? String(1 << 30) };
}

export interface ParityReport {
  examples: number;
  /** Largest |engine − PyTorch| over the logits, and the largest |logit| (PyTorch). */
  logitsMaxDiff: number;
  logitsScale: number;
  /** Largest |engine − PyTorch| over the input gradients, and the largest |gradient| (PyTorch). */
  gradMaxDiff: number;
  gradScale: number;
  /** Share of gradient entries above 1e-3 × gradScale whose sign (the L∞ step's direction) agrees. */
  signAgreement: number;
  /** Same predicted class (arg-max of the logits) on every example. */
  sameArgmax: boolean;
  ok: boolean;
}

/** Accepted differences: float32 sums in a different order, not a different computation. */
export const PARITY_TOLERANCE = { logits: 1e-4, grad: 1e-3 } as const;

/**
 * Compare the engine's logits and input gradients with PyTorch's on the same batch. Both buffers hold the
 * logits [examples × classes] then the gradients [examples × input size], channels last.
 * Passes when every logit is within 1e-4 × max(1, largest |logit|) and every gradient entry within
 * 1e-3 × the largest |gradient entry|.
 */
export function compareWithPytorch(reference: Float32Array, engine: Float32Array, examples: number, classes: number): ParityReport {
  if (reference.length !== engine.length) throw new Error(`PyTorch gave ${reference.length} values, the engine ${engine.length}`);
  const nLogits = examples * classes;
  if (nLogits > reference.length || (reference.length - nLogits) % examples !== 0) {
    throw new Error(`${reference.length} values do not hold ${examples} examples of ${classes} logits plus their gradients`);
  }
  let logitsMaxDiff = 0, logitsScale = 0, gradMaxDiff = 0, gradScale = 0;
  for (let i = 0; i < reference.length; i++) {
    const d = Math.abs(reference[i]! - engine[i]!);
    if (Number.isNaN(d)) return { examples, logitsMaxDiff: NaN, logitsScale: NaN, gradMaxDiff: NaN, gradScale: NaN, signAgreement: 0, sameArgmax: false, ok: false };
    if (i < nLogits) {
      logitsMaxDiff = Math.max(logitsMaxDiff, d);
      logitsScale = Math.max(logitsScale, Math.abs(reference[i]!));
    } else {
      gradMaxDiff = Math.max(gradMaxDiff, d);
      gradScale = Math.max(gradScale, Math.abs(reference[i]!));
    }
  }
  let counted = 0, agree = 0;
  for (let i = nLogits; i < reference.length; i++) {
    if (Math.abs(reference[i]!) <= 1e-3 * gradScale) continue;
    counted++;
    if (Math.sign(reference[i]!) === Math.sign(engine[i]!)) agree++;
  }
  let sameArgmax = true;
  for (let e = 0; e < examples; e++) {
    const row = (buf: Float32Array) => buf.subarray(e * classes, (e + 1) * classes);
    const argmax = (r: Float32Array) => r.reduce((best, v, k) => (v > r[best]! ? k : best), 0);
    if (argmax(row(reference)) !== argmax(row(engine))) sameArgmax = false;
  }
  const ok = logitsMaxDiff <= PARITY_TOLERANCE.logits * Math.max(1, logitsScale) && gradMaxDiff <= PARITY_TOLERANCE.grad * gradScale;
  return { examples, logitsMaxDiff, logitsScale, gradMaxDiff, gradScale, signAgreement: counted ? agree / counted : 1, sameArgmax, ok };
}

export interface KernelTiming { name: string; ms: number }

/** Kernel times of one profiled step summed per kernel name, largest first, with each one's share. */
export function summariseKernels(kernels: KernelTiming[]): { name: string; calls: number; ms: number; share: number }[] {
  const by = new Map<string, { calls: number; ms: number }>();
  for (const k of kernels) {
    const row = by.get(k.name) ?? { calls: 0, ms: 0 };
    row.calls++;
    row.ms += k.ms;
    by.set(k.name, row);
  }
  const total = kernels.reduce((a, k) => a + k.ms, 0);
  return [...by].map(([name, r]) => ({ name, ...r, share: total > 0 ? r.ms / total : 0 })).sort((a, b) => b.ms - a.ms);
}
