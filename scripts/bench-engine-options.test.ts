import { describe, expect, it } from "vitest";
import { compareWithPytorch, parseBenchOptions, summariseKernels, torchEnv } from "./bench-engine-options";

describe("parseBenchOptions", () => {
  it("defaults to the demo CNN at batch 32 and 128 on native and wasm, PyTorch on every core, for --vs-pytorch", () => {
    const o = parseBenchOptions(["--vs-pytorch"], 6);
    expect(o).toMatchObject({ vsPytorch: true, profile: false, models: ["digits-cnn"], batches: [32, 128], resnetBatches: [32, 128], backends: ["tensorflow", "wasm"], torchThreads: 6, steps: 20, eps: 0.3, stepSize: 0.01, seconds: 8 });
  });

  it("keeps the plain benchmark's defaults without it", () => {
    const o = parseBenchOptions([], 2);
    expect(o).toMatchObject({ vsPytorch: false, models: ["digits-cnn", "resnet8-onnx"], batches: [32, 128, 256], backends: ["tensorflow", "wasm", "cpu"], cpuSeconds: 3 });
  });

  it("--model picks one model and --vs-pytorch gives it the same batch sizes", () => {
    const o = parseBenchOptions(["--vs-pytorch", "--model=resnet8-onnx", "--batches=16,64", "--resnet-batches=8"], 2);
    expect(o.models).toEqual(["resnet8-onnx"]);
    expect(o.resnetBatches).toEqual([16, 64]);
  });

  it("names the option of a bad value", () => {
    expect(() => parseBenchOptions(["--model=resnet50"], 2)).toThrow("unknown model resnet50 (digits-cnn, resnet8-onnx)");
    expect(() => parseBenchOptions(["--seconds=abc"], 2)).toThrow("--seconds=abc: expected a number above 0");
    expect(() => parseBenchOptions(["--steps=2.5"], 2)).toThrow("--steps=2.5: expected a whole number above 0");
    expect(() => parseBenchOptions(["--batches=32,0"], 2)).toThrow('--batches: "0" is not a batch size');
    expect(() => parseBenchOptions(["--torch-threads="], 2)).toThrow("--torch-threads=: expected a whole number above 0");
    expect(() => parseBenchOptions(["--torch-malloc=jemalloc"], 2)).toThrow("--torch-malloc=jemalloc: expected tuned or default");
  });
});

describe("torchEnv", () => {
  it("keeps PyTorch's freed memory in the process unless asked for glibc's defaults; the operator's own values win", () => {
    expect(parseBenchOptions(["--vs-pytorch"], 2).torchMalloc).toBe("tuned");
    const tuned = torchEnv("tuned", { PATH: "/bin" });
    expect(tuned).toEqual({ PATH: "/bin", MALLOC_MMAP_MAX_: "0", MALLOC_TRIM_THRESHOLD_: String(1 << 30) });
    expect(torchEnv("tuned", { MALLOC_TRIM_THRESHOLD_: "5" }).MALLOC_TRIM_THRESHOLD_).toBe("5");
    expect(torchEnv("default", { PATH: "/bin" })).toEqual({ PATH: "/bin" });
  });
});

describe("compareWithPytorch", () => {
  // 2 examples × 3 classes of logits, then 2 × 4 gradient entries.
  const reference = Float32Array.from([5, -1, 2, 0.5, 3, -2, /* grads */ 0.2, -0.1, 0, 1e-6, -0.4, 0.3, 0.05, -0.02]);

  it("accepts float32 rounding differences and reports them", () => {
    const engine = reference.map((v, i) => (i < 6 ? v + 2e-6 : v - 1e-7));
    const r = compareWithPytorch(reference, engine, 2, 3);
    expect(r.ok).toBe(true);
    expect(r.logitsMaxDiff).toBeCloseTo(2e-6, 7);
    expect(r.logitsScale).toBe(5);
    expect(r.gradScale).toBeCloseTo(0.4, 7);
    expect(r.signAgreement).toBe(1);
    expect(r.sameArgmax).toBe(true);
  });

  it("rejects a gradient entry off by more than 1e-3 of the largest gradient, and counts the flipped sign", () => {
    const engine = Float32Array.from(reference);
    engine[6 + 7] = 0.02; // -0.02 → 0.02: 0.04 off, 10% of the largest |gradient|
    const r = compareWithPytorch(reference, engine, 2, 3);
    expect(r.ok).toBe(false);
    expect(r.gradMaxDiff).toBeCloseTo(0.04, 6);
    // 6 of the 8 entries are above 1e-3 × 0.4 (the zero and 1e-6 are not); one of them flipped.
    expect(r.signAgreement).toBeCloseTo(5 / 6, 6);
  });

  it("rejects logits beyond 1e-4 of the largest logit, and a different predicted class", () => {
    const engine = Float32Array.from(reference);
    engine[4] = 0.4; // example 2: class 1 (3) falls below class 0 (0.5)
    const r = compareWithPytorch(reference, engine, 2, 3);
    expect(r.ok).toBe(false);
    expect(r.sameArgmax).toBe(false);
  });

  it("rejects NaN and refuses buffers that do not match", () => {
    const engine = Float32Array.from(reference);
    engine[8] = NaN;
    expect(compareWithPytorch(reference, engine, 2, 3).ok).toBe(false);
    expect(() => compareWithPytorch(reference, reference.subarray(1), 2, 3)).toThrow("PyTorch gave 14 values, the engine 13");
    expect(() => compareWithPytorch(reference, reference, 3, 3)).toThrow("do not hold 3 examples of 3 logits");
  });
});

describe("summariseKernels", () => {
  it("sums time and calls per kernel name, largest first, with shares of the total", () => {
    const s = summariseKernels([{ name: "Conv2D", ms: 2 }, { name: "Add", ms: 1 }, { name: "Conv2D", ms: 5 }]);
    expect(s).toEqual([
      { name: "Conv2D", calls: 2, ms: 7, share: 7 / 8 },
      { name: "Add", calls: 1, ms: 1, share: 1 / 8 },
    ]);
    expect(summariseKernels([])).toEqual([]);
  });
});
