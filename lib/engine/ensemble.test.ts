import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { initEngineBackend } from "./backend";
import { ensembleModel } from "./ensemble";
import { runShard } from "./shard";
import { aggregateRecords } from "./aggregate";
import { AttackSuiteSchema } from "./suite";
import { linearModel, randomMatrix, tinyCnn, tinyProblem } from "./testing";

beforeAll(async () => {
  await initEngineBackend("cpu");
});

const { shape, k, card, samples } = tinyProblem(20, 6);
const suite = AttackSuiteSchema.parse({ seed: 1, sanityCheck: false, epsilons: { linf: [0.05, 0.2], l2: [] }, attacks: [{ kind: "fgsm" }, { kind: "pgd", steps: 5 }] });

describe("ensembles", () => {
  it("an ensemble of one model equals the model: same probabilities, gradients and evaluation records", async () => {
    const { model } = tinyCnn(shape, k, 3);
    const one = ensembleModel([model]);
    const x = tf.tensor(samples.x, samples.shape);
    const [pa, pb] = [model.predictProbs(x), one.predictProbs(x)];
    expect(Array.from(await pb.data()).every((v, i) => Math.abs(v - (pa.dataSync()[i])) < 1e-6)).toBe(true);
    const g = (m: typeof model) => tf.grad((xx: tf.Tensor) => tf.sum(tf.logSoftmax(m.logits(xx)).slice([0, 0], [-1, 1])))(x);
    const [ga, gb] = [g(model), g(one)];
    const maxDiff = tf.max(tf.abs(tf.sub(ga, gb))).dataSync()[0];
    expect(maxDiff).toBeLessThan(1e-5);
    tf.dispose([x, pa, pb, ga, gb]);
    const a = await runShard({ model, card, samples, suite });
    const b = await runShard({ model: one, card, samples, suite });
    const ma = aggregateRecords(a.records, suite, card.classLabels), mb = aggregateRecords(b.records, suite, card.classLabels);
    expect(mb.cleanAccuracy).toBe(ma.cleanAccuracy);
    expect(mb.worstCase).toEqual(ma.worstCase);
    expect(b.records.map((r) => r.cleanPred)).toEqual(a.records.map((r) => r.cleanPred));
    model.dispose();
  });

  it("mean-probability averages the members' probabilities; majority vote follows the votes", async () => {
    const d = 4;
    const w = (s: number) => randomMatrix(d, k, s);
    const ms = [linearModel(w(1), [0, 0, 0], [d]), linearModel(w(2), [0, 0, 0], [d]), linearModel(w(3), [0, 0, 0], [d])];
    const x = tf.randomUniform([16, d], 0, 1, "float32", 4);
    const probs = ms.map((m) => m.predictProbs(x).arraySync() as number[][]);
    const mean = ensembleModel(ms).predictProbs(x).arraySync() as number[][];
    mean.forEach((row, i) => row.forEach((v, j) => expect(v).toBeCloseTo((probs[0][i][j] + probs[1][i][j] + probs[2][i][j]) / 3, 5)));
    const vote = ensembleModel(ms, "majority-vote").predictProbs(x).arraySync() as number[][];
    vote.forEach((row, i) => {
      const preds = probs.map((p) => p[i].indexOf(Math.max(...p[i])));
      const counts = [0, 1, 2].map((c) => preds.filter((p) => p === c).length);
      const top = Math.max(...counts);
      const winner = row.indexOf(Math.max(...row));
      expect(counts[winner]).toBe(top); // the label has the most votes (ties broken by mean probability)
      if (top >= 2) expect(row[winner]).toBeCloseTo(top / 3, 2); // confidence = vote share
    });
    ms.forEach((m) => m.dispose());
    x.dispose();
  });

  it("refuses members that do not fit together, naming the member", () => {
    const a = linearModel(randomMatrix(4, 3, 1), [0, 0, 0], [4]);
    const b = linearModel(randomMatrix(4, 2, 1), [0, 0], [4]);
    expect(() => ensembleModel([a, b])).toThrow(/member 2 has 2 classes/);
    expect(() => ensembleModel([])).toThrow(/at least one member/);
  });
});
