import * as tf from "@tensorflow/tfjs";
import { describe, expect, it, vi } from "vitest";
import { initEngineBackend, parseBackendPreference } from "./backend";

describe("backend selection", () => {
  // First in this file (a fresh process): the banner comes with the cpu backend's first tensor.
  it("keeps tfjs's 'install our node backend' banner out of the log when cpu runs beside the chosen backend", async () => {
    const warn = vi.spyOn(console, "warn");
    const chosen = await initEngineBackend("auto");
    await tf.setBackend("cpu");
    tf.tensor([1, 2]).dispose();
    await tf.setBackend(chosen.backend);
    expect(warn.mock.calls.flat().join("\n")).not.toMatch(/install our node backend/);
    warn.mockRestore();
  });

  it("auto picks native when installed, else wasm (with its kernel patches), and is idempotent", async () => {
    const a = await initEngineBackend("auto");
    const b = await initEngineBackend("auto");
    expect(b).toBe(a);
    expect(a.tfjsVersion).toBe(tf.version.tfjs);
    if (a.backend === "wasm") {
      // tfjs-node is not installed here: the attempt is recorded, then wasm runs with SIMD and one thread
      expect(a.fallbacks[0]).toMatch(/^tensorflow:/);
      expect(a.threads).toBeGreaterThanOrEqual(1);
      expect(a.kernelPatches.join()).toMatch(/MaxPoolGrad/);
    } else {
      // engine:native built tfjs-node against libtensorflow; the version is recorded with every shard
      expect(a.backend).toBe("tensorflow");
      expect(a.tensorflowVersion).toMatch(/^\d+\.\d+\.\d+/);
      expect(a.tfjsNodeVersion).toBe(a.tfjsVersion);
    }
    expect(tf.getBackend()).toBe(a.backend);
  });

  it("explicit preferences switch backend or fail with a clear message", async () => {
    expect((await initEngineBackend("cpu")).backend).toBe("cpu");
    expect(tf.getBackend()).toBe("cpu");
    let native: unknown = null;
    try {
      native = await initEngineBackend("tensorflow");
    } catch (e) {
      expect((e as Error).message).toMatch(/Requested TensorFlow.js backend is unavailable \(tensorflow:/);
    }
    if (native) expect((native as { backend: string }).backend).toBe("tensorflow");
    expect((await initEngineBackend("wasm")).backend).toBe("wasm");
  });

  it("parses the configured preference", () => {
    expect(parseBackendPreference(undefined)).toBe("auto");
    expect(parseBackendPreference(" WASM ")).toBe("wasm");
    expect(parseBackendPreference("native")).toBe("tensorflow");
    expect(() => parseBackendPreference("gpu")).toThrow(/Unknown TensorFlow.js backend "gpu"/);
  });
});
