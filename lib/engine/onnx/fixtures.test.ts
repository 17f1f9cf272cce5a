import * as tf from "@tensorflow/tfjs";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as ort from "onnxruntime-node";
import yauzl from "yauzl";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initEngineBackend } from "../backend";
import type { EngineCard } from "../card";
import { crossEntropy, lossAndGrad, oneHotOf } from "../attacks/common";
import { fgsmAttack } from "../attacks/fgsm";
import { pgdAttack } from "../attacks/pgd";
import { loadDemoEvalSplit } from "@/lib/demo/mnist";
import { contextFor, engineTestBackends } from "../testing";
import { loadOnnxModel, toGraphInput, type OnnxFiles } from "./executor";
import { runShard } from "../shard";
import { quickSuite } from "../suite";
import { aggregateRecords } from "../aggregate";
import { assessReliability } from "../reliability";
import { validateOnnxForEngine } from "./validate";

/*
 * The PyTorch-exported fixtures (test/fixtures/onnx, scripts/onnx/make_fixtures.py) on every engine backend:
 * engine logits against onnxruntime-node on the same normalised input, engine input gradients (normalisation
 * and layout inside the differentiated function) against the gradients PyTorch stored, and FGSM/PGD on the
 * PyTorch MNIST CNN giving the same per-example decisions on cpu, wasm and native. Then the refusal fixtures.
 */

const DIR = join(process.cwd(), "test", "fixtures", "onnx");
/** Tolerances stated in docs/onnx.md. */
const LOGIT_ABS = 1e-4;
const GRAD_REL = 1e-3; // max |engine - torch| / max |torch|
const GRAD_COSINE = 0.99999;

interface Fixture {
  model: string;
  inputName: string;
  outputName: string;
  card: EngineCard;
  examples: { shape: number[]; modelInputShape: number[]; inputs: number[][]; labels: number[] };
  expected: { torchLogits: number[][]; ortLogits: number[][] };
  gradients: { crossEntropySum: { grad: number[][] }; trueLogitSum: { grad: number[][] } };
}
interface Refusal { model: string; card: unknown; refusal: { mustName?: string[]; outputWidth?: number; cardClasses?: number }; cardFixingDimensions?: unknown }

const read = <T>(name: string) => JSON.parse(readFileSync(join(DIR, name), "utf8")) as T;
const MODELS = ["mnist-cnn", "resnet8-cifar", "mobilenet-v3-block", "vit-tiny", "tabular-mlp"] as const;

/** The entries of a zip, in memory (the fixtures are tiny). */
function unzip(path: string): Promise<Record<string, Uint8Array>> {
  return new Promise((resolve, reject) => {
    yauzl.open(path, { lazyEntries: true }, (err, zip) => {
      if (err || !zip) return reject(err);
      const out: Record<string, Uint8Array> = {};
      zip.on("entry", (e: yauzl.Entry) => {
        if (e.fileName.endsWith("/")) return zip.readEntry();
        zip.openReadStream(e, (er, s) => {
          if (er || !s) return reject(er);
          const chunks: Buffer[] = [];
          s.on("data", (c: Buffer) => chunks.push(c));
          s.on("end", () => { out[e.fileName] = new Uint8Array(Buffer.concat(chunks)); zip.readEntry(); });
        });
      });
      zip.on("end", () => resolve(out));
      zip.readEntry();
    });
  });
}

function filesOf(name: string): OnnxFiles {
  return { onnx: new Uint8Array(readFileSync(join(DIR, `${name}.onnx`))) };
}

const maxAbs = (a: ArrayLike<number>, b: ArrayLike<number>) => { let m = 0; for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i])); return m; };
const maxMag = (a: ArrayLike<number>) => { let m = 0; for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i])); return m; };
function cosine(a: ArrayLike<number>, b: ArrayLike<number>) {
  let ab = 0, aa = 0, bb = 0;
  for (let i = 0; i < a.length; i++) { ab += a[i] * b[i]; aa += a[i] * a[i]; bb += b[i] * b[i]; }
  return ab / Math.sqrt(aa * bb);
}

/** onnxruntime-node on the graph input the engine computes (normalised, in the model's layout). */
async function ortLogits(f: Fixture, bytes: Uint8Array, x: tf.Tensor): Promise<Float32Array> {
  const g = tf.tidy(() => toGraphInput(x, f.card));
  const data = (await g.data()) as Float32Array;
  g.dispose();
  const s = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1 });
  try {
    const out = await s.run({ [f.inputName]: new ort.Tensor("float32", data, f.examples.modelInputShape) });
    return out[f.outputName]!.data as Float32Array;
  } finally {
    await s.release();
  }
}

const measured: string[] = [];
afterAll(() => { console.log(`[onnx fixtures]\n${measured.join("\n")}`); });

const backends = await engineTestBackends();
for (const backend of backends) {
  describe(`ONNX fixtures on ${backend}`, () => {
    beforeAll(async () => { await initEngineBackend(backend); });

    it.each(MODELS)("%s: logits match onnxruntime-node, input gradients match PyTorch", async (name) => {
      const f = read<Fixture>(`${name}.json`);
      const files = filesOf(name);
      const model = await loadOnnxModel(files, f.card);
      const x = tf.tensor(f.examples.inputs.flat(), f.examples.shape);
      const ours = (await model.logits(x).data()) as Float32Array;
      const ref = await ortLogits(f, files.onnx, x);
      const dLogits = maxAbs(ours, ref);
      expect(dLogits).toBeLessThan(LOGIT_ABS);
      expect(maxAbs(ours, f.expected.torchLogits.flat())).toBeLessThan(LOGIT_ABS);
      const ctx = contextFor(model, f.card);
      const labels = Int32Array.from(f.examples.labels);
      const oh = oneHotOf(labels, model.numClasses);
      const ce = lossAndGrad(ctx, x, (z) => crossEntropy(z, oh));
      const ceGrad = (await ce.grad.data()) as Float32Array;
      const tl = lossAndGrad(ctx, x, (z) => tf.sum(tf.mul(z, oh), 1));
      const tlGrad = (await tl.grad.data()) as Float32Array;
      const lines: string[] = [];
      for (const [what, mine, torch] of [["cross-entropy", ceGrad, f.gradients.crossEntropySum.grad.flat()], ["true logit", tlGrad, f.gradients.trueLogitSum.grad.flat()]] as const) {
        const rel = maxAbs(mine, torch) / maxMag(torch);
        const cos = cosine(mine, torch);
        lines.push(`${what} grad max|Δ|/max|g| ${rel.toExponential(2)}, cosine ${cos.toFixed(7)}`);
        expect(rel, `${what} gradient`).toBeLessThan(GRAD_REL);
        expect(cos, `${what} gradient`).toBeGreaterThan(GRAD_COSINE);
      }
      measured.push(`${backend} ${name}: logits max|Δ| vs onnxruntime-node ${dLogits.toExponential(2)}; ${lines.join("; ")}`);
      tf.dispose([x, oh, ce.grad, ce.loss, ce.logits, tl.grad, tl.loss, tl.logits]);
      model.dispose();
    });

    it("tabular MLP from the external-data zip gives the same logits as the single file", async () => {
      const f = read<Fixture>("tabular-mlp.json");
      const entries = await unzip(join(DIR, "tabular-mlp-external.zip"));
      const onnxName = Object.keys(entries).find((k) => k.endsWith(".onnx"))!;
      const base = onnxName.slice(0, onnxName.lastIndexOf("/") + 1);
      const externalData = Object.fromEntries(Object.entries(entries).filter(([k]) => k !== onnxName && k.startsWith(base)).map(([k, v]) => [k.slice(base.length), v]));
      const ext = await loadOnnxModel({ onnx: entries[onnxName], externalData }, f.card);
      const single = await loadOnnxModel(filesOf("tabular-mlp"), f.card);
      const x = tf.tensor(f.examples.inputs.flat(), f.examples.shape);
      expect(maxAbs(await ext.logits(x).data(), await single.logits(x).data())).toBe(0);
      tf.dispose(x);
      ext.dispose();
      single.dispose();
    });
  });
}

describe("FGSM and PGD on the PyTorch MNIST CNN decide every example the same way on every backend", () => {
  const n = 16;
  const decisions = new Map<string, { fgsm: number[]; pgd: number[]; clean: number[] }>();

  it.each(backends)("%s", async (backend) => {
    await initEngineBackend(backend);
    const f = read<Fixture>("mnist-cnn.json");
    const model = await loadOnnxModel(filesOf("mnist-cnn"), f.card);
    const ev = loadDemoEvalSplit();
    const x = tf.tensor4d(ev.images.slice(0, n * 784), [n, 28, 28, 1]);
    const labels = Int32Array.from(ev.labels.slice(0, n));
    const ctx = contextFor(model, f.card);
    const batch = { ctx, x, labels, indices: ev.ids.slice(0, n), seed: 1, stream: "onnx-parity" };
    const correct = async (t: tf.Tensor) => Array.from(await model.logits(t).argMax(1).data()).map((p, i) => (p === labels[i] ? 1 : 0));
    const fg = await fgsmAttack({ ...batch, eps: 0.1 }, { norm: "linf", targeted: false });
    const pg = await pgdAttack({ ...batch, eps: 0.1 }, { norm: "linf", steps: 5, restarts: 1, randomStart: true });
    decisions.set(backend, { clean: await correct(x), fgsm: await correct(fg.xAdv), pgd: await correct(pg.xAdv) });
    tf.dispose([x, fg.xAdv, pg.xAdv]);
    model.dispose();
    const d = decisions.get(backend)!;
    measured.push(`${backend} mnist-cnn, ${n} evaluation digits, eps 0.1: clean ${d.clean.reduce((a, b) => a + b, 0)}, FGSM robust ${d.fgsm.reduce((a, b) => a + b, 0)}, PGD-5 robust ${d.pgd.reduce((a, b) => a + b, 0)}`);
    expect(d.clean.reduce((a, b) => a + b, 0)).toBeGreaterThan(n * 0.85);
    const cpu = decisions.get("cpu");
    if (cpu && backend !== "cpu") {
      expect(d.clean).toEqual(cpu.clean);
      expect(d.fgsm).toEqual(cpu.fgsm);
      expect(d.pgd).toEqual(cpu.pgd);
    }
  });
});

describe("a robustness shard on the PyTorch MNIST CNN", () => {
  it("runs the quick suite on wasm, replays every break on cpu, and aggregates like any model", async () => {
    await initEngineBackend("wasm");
    const f = read<Fixture>("mnist-cnn.json");
    const model = await loadOnnxModel(filesOf("mnist-cnn"), f.card);
    const ev = loadDemoEvalSplit();
    const n = 12;
    const card = { ...f.card, preprocessing: "none" as const };
    const suite = { ...quickSuite(card.inputRange, { sampleCount: n }), epsilons: { linf: [0.1], l2: [] } };
    const res = await runShard({ model, card, suite, samples: { x: ev.images.slice(0, n * 784), labels: Int32Array.from(ev.labels.slice(0, n)), indices: ev.ids.slice(0, n), shape: [n, 28, 28, 1] }, batchSize: 8 });
    const metrics = aggregateRecords(res.records, suite, card.classLabels);
    // Breaks by the suite's attacks (not examples skipped as already misclassified, not the sanity attack).
    const breaks = res.records.flatMap((r) => r.attacks.filter((e) => e.success && !e.skipped && e.family !== "sanity"));
    expect(breaks.length).toBeGreaterThan(0);
    expect(breaks.every((e) => e.replay === "reproduced")).toBe(true);
    expect(res.records.some((r) => r.attacks.some((e) => e.replay === "not-reproduced"))).toBe(false);
    expect(metrics.cleanAccuracy).toBeGreaterThan(0.8);
    const report = assessReliability(res.records, suite, metrics, card.classLabels);
    expect(report.checks.length).toBeGreaterThan(0);
    measured.push(`wasm runShard quick suite, ${n} digits, eps 0.1: clean ${metrics.cleanAccuracy.toFixed(3)}, breaks ${breaks.length}, all reproduced on cpu; reliability ${report.verdict}`);
    model.dispose();
  });
});

describe("refusal fixtures", () => {
  beforeAll(async () => { await initEngineBackend("cpu"); });

  it.each(["unsupported-op", "argmax-in-path", "dynamic-spatial", "class-count-mismatch"])("%s is refused, naming what the fixture requires", async (name) => {
    const r = read<Refusal>(`refuse/${name}.json`);
    const v = await validateOnnxForEngine({ onnx: new Uint8Array(readFileSync(join(DIR, "refuse", r.model))) }, r.card, { reference: false });
    expect(v.ok).toBe(false);
    for (const s of r.refusal.mustName ?? []) expect(v.errors.join(" ")).toContain(s);
    if (r.refusal.outputWidth) expect(v.errors).toContain(`the model outputs ${r.refusal.outputWidth} scores but the card lists ${r.refusal.cardClasses} class labels`);
    if (r.cardFixingDimensions) {
      const ok = await validateOnnxForEngine({ onnx: new Uint8Array(readFileSync(join(DIR, "refuse", r.model))) }, r.cardFixingDimensions);
      expect(ok.errors).toEqual([]);
    }
  });

  it("external-escape.zip is refused, naming the path and the initializer", async () => {
    const r = read<Refusal>("refuse/external-escape.json");
    const entries = await unzip(join(DIR, "refuse", "external-escape.zip"));
    const onnxName = Object.keys(entries).find((k) => k.endsWith(".onnx"))!;
    const externalData = Object.fromEntries(Object.entries(entries).filter(([k]) => k !== onnxName));
    const v = await validateOnnxForEngine({ onnx: entries[onnxName], externalData }, r.card);
    expect(v.ok).toBe(false);
    for (const s of r.refusal.mustName ?? []) expect(v.errors.join(" ")).toContain(s);
  });
});
