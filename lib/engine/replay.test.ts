import * as tf from "@tensorflow/tfjs";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { initEngineBackend } from "./backend";
import { loadModelFromFiles, modelFromLogitsFunction } from "./model";
import { runShard } from "./shard";
import { runBlackBoxShard } from "./blackbox/shard";
import type { Oracle } from "./blackbox/oracle";
import { aggregateRecords } from "./aggregate";
import { assessReliability } from "./reliability";
import { AttackSuiteSchema } from "./suite";
import { cardFor } from "./testing";
import { DIGITS_CARD } from "@/lib/demo/digits-cnn";
import { DIGIT_LABELS, loadDemoEvalSplit } from "@/lib/demo/mnist";

/*
 * Every break is replayed on the reference before it counts (replay.ts). A planted break that the reference does
 * not reproduce is not counted, is named, and makes the evaluation unreliable; real breaks all reproduce.
 */
const fgsmSuite = AttackSuiteSchema.parse({ seed: 3, sampleCount: 4, sanityCheck: false, epsilons: { linf: [0.4], l2: [] }, attacks: [{ kind: "fgsm", norm: "linf" }] });
// Two inputs of 4 values, both class 0 when clean.
const samples = { x: Float32Array.from([0.2, 0.2, 0.2, 0.2, 0.1, 0.1, 0.1, 0.1]), shape: [2, 4], labels: Int32Array.from([0, 0]), indices: [10, 11] };

describe("white-box: breaks replayed on the cpu backend", () => {
  it("a break that only the attack's backend (wasm) sees is not counted, is named, and makes the evaluation unreliable", async () => {
    await initEngineBackend("wasm");
    // On wasm: class 1 once the mean pixel passes 0.3 (FGSM at 0.4 gets there). On cpu: always class 0.
    const model = modelFromLogitsFunction((x) => tf.tidy(() => {
      const m = tf.mean(tf.reshape(x, [-1, 4]), 1, true);
      const wasmLogits = tf.concat([tf.sub(0.3, m), tf.sub(m, 0.3)], 1);
      return (tf.getBackend() === "cpu" ? tf.concat([tf.onesLike(m), tf.zerosLike(m)], 1) : wasmLogits) as tf.Tensor2D;
    }), { inputShape: [4], numClasses: 2 });
    const res = await runShard({ model, card: cardFor([4], 2), samples, suite: fgsmSuite, batchSize: 2 });
    expect(tf.getBackend()).toBe("wasm");
    const entries = res.records.map((r) => r.attacks[0]!);
    expect(entries.map((e) => [e.advPred, e.success, e.replay, e.replayPred, e.replayOn])).toEqual([[1, false, "not-reproduced", 0, "cpu"], [1, false, "not-reproduced", 0, "cpu"]]);
    expect(entries[0]!.replayMargin).toBe(1);
    const metrics = aggregateRecords(res.records, fgsmSuite, ["a", "b"]);
    expect(metrics.attacks[0]!.robustAccuracy).toBe(1);
    expect(metrics.replay).toMatchObject({ replayed: 2, notReplayed: 0, survivors: [10, 11] });
    expect(metrics.replay!.notReproduced.map((b) => b.index)).toEqual([10, 11]);
    const rel = assessReliability(res.records, fgsmSuite, metrics, ["a", "b"]);
    expect(rel.verdict).toBe("unreliable");
    const check = rel.checks.find((c) => c.id === "breaks-replayed")!;
    expect(check.status).toBe("fail");
    expect(check.explanation).toMatch(/^2 breaks replayed, 2 did not reproduce \(expected 0\): example 10 \(fgsm-linf, linf eps 0\.4: attack saw class 1, replay 0, margin 1\.00 on cpu\); example 11/);
    expect(res.gallery).toEqual([]);
  });

  it("digits-cnn v1 on wasm: every FGSM/PGD break reproduces on cpu; survivors are listed", { timeout: 60_000 }, async () => {
    await initEngineBackend("wasm");
    const dir = join(process.cwd(), "demo", "models", "digits-cnn-v1");
    const model = await loadModelFromFiles({ modelJson: JSON.parse(readFileSync(join(dir, "model.json"), "utf8")), weights: { "weights.bin": new Uint8Array(readFileSync(join(dir, "weights.bin"))) } });
    const ev = loadDemoEvalSplit();
    const n = 24;
    const suite = AttackSuiteSchema.parse({ seed: 3, sampleCount: n, sanityCheck: false, epsilons: { linf: [0.1], l2: [] }, attacks: [{ kind: "fgsm", norm: "linf" }, { kind: "pgd", norm: "linf", steps: 5, restarts: 1 }] });
    const res = await runShard({ model, card: DIGITS_CARD, samples: { x: ev.images.slice(0, n * 784), shape: [n, 28, 28, 1], labels: ev.labels.slice(0, n), indices: ev.ids.slice(0, n) }, suite, batchSize: 12 });
    model.dispose();
    const metrics = aggregateRecords(res.records, suite, DIGIT_LABELS);
    const breaks = res.records.flatMap((r) => r.attacks).filter((a) => a.success && !a.skipped).length;
    console.log(`[replay] digits-cnn v1, ${n} digits, FGSM + PGD-5 at 0.1 on wasm: ${metrics.replay!.replayed} breaks replayed on cpu, ${metrics.replay!.notReproduced.length} not reproduced; survivors ${metrics.replay!.survivors.join(", ")}`);
    expect(breaks).toBeGreaterThan(5);
    expect(metrics.replay).toMatchObject({ replayed: breaks, notReplayed: 0, notReproduced: [] });
    const survivors = res.records.filter((r) => r.cleanCorrect && r.attacks.every((a) => !a.success)).map((r) => r.index);
    expect(metrics.replay!.survivors).toEqual(survivors);
    expect(assessReliability(res.records, suite, metrics, DIGIT_LABELS).checks.find((c) => c.id === "breaks-replayed")!.status).toBe("pass");
  });
});

describe("black-box: breaks replayed through the endpoint", () => {
  it("an endpoint that answers a break differently the second time: not counted, named, unreliable", async () => {
    const seen = new Set<string>();
    const clean = new Set([samples.x.slice(0, 4), samples.x.slice(4)].map((v) => v.join()));
    // Clean inputs are class 0; any other input is class 1 the first time it is sent, class 0 after.
    const oracle: Oracle = {
      numClasses: 2, outputKind: "label",
      async query(x, rows) {
        const labels = new Int32Array(rows);
        for (let i = 0; i < rows; i++) {
          const key = x.slice(i * 4, (i + 1) * 4).join();
          labels[i] = clean.has(key) || seen.has(key) ? 0 : 1;
          seen.add(key);
        }
        return { scores: null, labels };
      },
    };
    const suite = AttackSuiteSchema.parse({ seed: 3, sampleCount: 2, sanityCheck: false, epsilons: { linf: [0.1], l2: [] }, attacks: [{ kind: "noise", norm: "linf", distribution: "uniform", draws: 1 }] });
    const res = await runBlackBoxShard({ oracle, card: cardFor([4], 2), samples, suite });
    expect(res.records.map((r) => [r.attacks[0]!.success, r.attacks[0]!.replay, r.attacks[0]!.replayOn])).toEqual([[false, "not-reproduced", "endpoint"], [false, "not-reproduced", "endpoint"]]);
    const rel = assessReliability(res.records, suite, undefined, ["a", "b"]);
    expect(rel.verdict).toBe("unreliable");
    expect(rel.checks.find((c) => c.id === "breaks-replayed")!.explanation).toMatch(/^2 breaks replayed, 2 did not reproduce \(expected 0\): example 10 \(noise/);
  });
});
