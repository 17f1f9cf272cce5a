import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { initEngineBackend } from "./backend";
import { measureInference } from "./cost";
import { tinyCnn } from "./testing";

beforeAll(async () => {
  await initEngineBackend("cpu");
});

describe("inference cost", () => {
  it("records the backend, a latency and a throughput, and frees its tensors", async () => {
    const { model } = tinyCnn([8, 8, 1], 3, 1);
    const before = tf.memory().numTensors;
    const c = await measureInference(model, { batchSize: 8, repeats: 3, warmup: 1 });
    expect(tf.memory().numTensors).toBe(before);
    expect(c.backend).toBe("cpu");
    expect(c).toMatchObject({ batchSize: 8, repeats: 3 });
    // figures only need to be real measurements (finite, positive); their size is machine-dependent
    expect(Number.isFinite(c.latencyMs) && c.latencyMs > 0).toBe(true);
    expect(Number.isFinite(c.throughputPerSecond) && c.throughputPerSecond > 0).toBe(true);
    model.dispose();
  });
});
