import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { initEngineBackend } from "../backend";
import { pgdAttack } from "./pgd";
import { perturbationNorms, projectL2 } from "./common";
import { cardFor, contextFor, linearModel, randomMatrix } from "../testing";

beforeAll(async () => {
  await initEngineBackend("cpu");
});

/*
 * Binary linear model: CE of the true class y grows monotonically with the margin z_other - z_y, which is
 * linear in x with direction v = w_other - w_y. Its maximum over the Linf ball intersected with the box is
 * the vertex x_i + eps * sign(v_i) clipped to the box; over the L2 ball (inside the box) it is x + eps v/|v|.
 */
describe("PGD on a binary linear model reaches the analytical worst case", () => {
  const d = 16;
  const w = randomMatrix(d, 2, 3);
  const b = [0.5, -0.5];
  const v = w.map((row) => row[1] - row[0]);
  // Points near the middle of the range (some near the edges to exercise clipping) classified as 0 with margin to spare.
  const xs = [0, 1, 2].map((s) => Array.from({ length: d }, (_, i) => (i === s ? 0.02 : 0.5 + 0.01 * ((i * (s + 3)) % 7))));
  const labels = Int32Array.from([0, 0, 0]);
  const eps = 0.03;

  it("Linf: the clipped vertex eps * sign(v)", async () => {
    const model = linearModel(w, b, [d]);
    const card = cardFor([d], 2);
    const x = tf.tensor2d(xs);
    const out = await pgdAttack({ ctx: contextFor(model, card), x, labels, indices: [0, 1, 2], eps, seed: 5, stream: "p" },
      { norm: "linf", steps: 10, restarts: 1, randomStart: true });
    const adv = (await out.xAdv.array()) as number[][];
    xs.forEach((row, n) => {
      row.forEach((xi, i) => {
        const target = Math.min(1, Math.max(0, xi + eps * Math.sign(v[i])));
        expect(adv[n][i]).toBeCloseTo(target, 6);
      });
    });
    const { linf } = await perturbationNorms(tf.sub(out.xAdv, x));
    for (const l of linf) expect(l).toBeLessThanOrEqual(eps * (1 + 1e-6));
    // the example stays correct (margin), so the trace must show the loss rising
    for (const t of out.lossTrace!) expect(Math.max(...t.slice(1))).toBeGreaterThan(t[0]);
    out.xAdv.dispose(); x.dispose(); model.dispose();
  });

  it("L2: x + eps * v / |v|", async () => {
    const model = linearModel(w, b, [d]);
    const card = cardFor([d], 2);
    const inner = xs.map((row) => row.map(() => 0.5));
    const x = tf.tensor2d(inner);
    const e2 = 0.1;
    const out = await pgdAttack({ ctx: contextFor(model, card), x, labels, indices: [0, 1, 2], eps: e2, seed: 5, stream: "p" },
      { norm: "l2", steps: 20, restarts: 1, randomStart: false });
    const adv = (await out.xAdv.array()) as number[][];
    const nv = Math.sqrt(v.reduce((s, a) => s + a * a, 0));
    inner.forEach((row, n) => row.forEach((xi, i) => expect(adv[n][i]).toBeCloseTo(xi + (e2 * v[i]) / nv, 5)));
    const { l2 } = await perturbationNorms(tf.sub(out.xAdv, x));
    for (const l of l2) expect(l).toBeLessThanOrEqual(e2 * (1 + 1e-6));
    out.xAdv.dispose(); x.dispose(); model.dispose();
  });
});

describe("projections", () => {
  it("L2 projection is exact and respects the range", async () => {
    const x0 = tf.tensor2d([[0.5, 0.5, 0.5], [0.0, 1.0, 0.2]]);
    const x = tf.tensor2d([[1.5, 0.5, 0.5], [-0.3, 1.4, 0.2]]);
    const p = projectL2(x, x0, 0.25, { min: 0, max: 1 });
    const a = (await p.array()) as number[][];
    expect(a[0][0]).toBeCloseTo(0.75, 6); // moved radially to the sphere
    expect(a[0][1]).toBeCloseTo(0.5, 6);
    // second row: projected to radius 0.25 along (-0.3, 0.4)/0.5, then clipped to [0, 1]
    expect(a[1][0]).toBeCloseTo(0, 6);
    expect(a[1][1]).toBeCloseTo(1, 6);
    const { l2 } = await perturbationNorms(tf.sub(p, x0));
    for (const l of l2) expect(l).toBeLessThanOrEqual(0.25 * (1 + 1e-6));
    tf.dispose([x0, x, p]);
  });

  it("every PGD iterate result stays in the ball and the range, with restarts", async () => {
    const d = 10;
    const model = linearModel(randomMatrix(d, 4, 9, 3), [0, 0, 0, 0], [d]);
    const card = cardFor([d], 4);
    const xs = Array.from({ length: 6 }, (_, n) => Array.from({ length: d }, (_, i) => ((n * 7 + i * 3) % 10) / 9));
    const x = tf.tensor2d(xs);
    const z = (await model.logits(x).argMax(1).data()) as Int32Array;
    for (const norm of ["linf", "l2"] as const) {
      const eps = norm === "linf" ? 0.2 : 0.6;
      const out = await pgdAttack({ ctx: contextFor(model, card), x, labels: Int32Array.from(z), indices: [0, 1, 2, 3, 4, 5], eps, seed: 2, stream: norm },
        { norm, steps: 7, restarts: 3, randomStart: true });
      const adv = (await out.xAdv.data()) as Float32Array;
      for (const val of adv) { expect(val).toBeGreaterThanOrEqual(0); expect(val).toBeLessThanOrEqual(1); }
      const nrm = await perturbationNorms(tf.sub(out.xAdv, x));
      for (const l of nrm[norm]) expect(l).toBeLessThanOrEqual(eps * (1 + 1e-6));
      out.xAdv.dispose();
    }
    x.dispose(); model.dispose();
  });
});
