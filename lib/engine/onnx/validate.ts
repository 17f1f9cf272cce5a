import * as tf from "@tensorflow/tfjs";
import { EngineCardSchema, preprocessingOf, type EngineCard } from "../card";
import type { ModelValidation } from "../model";
import { createRng } from "../rng";
import { decodeModel, DT, encodeModel, type ModelMsg } from "./proto";
import { parseOnnx, safeExternalPath } from "./graph";
import { loadOnnxModel, toGraphInput, type CompiledOnnx, type OnnxFiles } from "./executor";
import { OnnxRefusal } from "./support";

/*
 * The registry's check of an ONNX upload (run in the upload-check child process, lib/registry/isolated-check.ts): the graph parses and every
 * operator on the path to the scores is supported and differentiable, the card fits the graph's input, the
 * output width equals the card's class count, a forward pass and the attack loss's input gradient are finite
 * on this backend, and the engine's output agrees with ONNX Runtime (onnxruntime-node) on the same random
 * inputs — else the refusal names the largest difference and the first node where the two diverge.
 */

/** Agreement with ONNX Runtime: |engine - reference| <= ABS + REL * max|reference|, per compared value. */
export const REFERENCE_TOLERANCE = { abs: 1e-4, rel: 1e-3 } as const;
/** How many random inputs the engine and ONNX Runtime are compared on. */
export const REFERENCE_SAMPLES = 4;

export interface ReferenceComparison {
  samples: number;
  maxAbsDiff: number;
  tolerance: number;
  /** When they disagree: the first node (graph order) whose output differs beyond the tolerance. */
  divergence?: { node: string; opType: string; output: string; maxAbsDiff: number; tolerance: number };
}

export interface OnnxValidation extends ModelValidation {
  reference?: ReferenceComparison;
  /** External-data files the model reads (paths relative to the .onnx file). */
  externalFiles?: string[];
  opset?: number;
  producer?: string;
}

const toleranceFor = (ref: ArrayLike<number>) => {
  let m = 0;
  for (let i = 0; i < ref.length; i++) m = Math.max(m, Math.abs(ref[i]));
  return REFERENCE_TOLERANCE.abs + REFERENCE_TOLERANCE.rel * m;
};

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (!(d <= m)) m = Number.isNaN(d) ? (Number.isNaN(a[i]) && Number.isNaN(b[i]) ? m : Infinity) : d;
  }
  return m;
}

/** The model with external data inlined and, optionally, extra graph outputs (for ONNX Runtime). */
export function referenceCopy(files: OnnxFiles, extraOutputs: { name: string; float: boolean }[] = []): Uint8Array {
  const m: ModelMsg = decodeModel(files.onnx);
  for (const t of m.graph!.initializer ?? []) {
    if (t.dataLocation !== 1) continue;
    const entry = (k: string) => t.externalData?.find((e) => e.key === k)?.value;
    const path = safeExternalPath(entry("location") ?? "");
    const file = path ? files.externalData?.[path] : undefined;
    if (!file) throw new Error(`initializer "${t.name}" reads external data that is not available`);
    const offset = Number(entry("offset") ?? 0);
    const length = entry("length") !== undefined ? Number(entry("length")) : file.length - offset;
    t.rawData = file.slice(offset, offset + length);
    t.dataLocation = 0;
    t.externalData = [];
  }
  const have = new Set((m.graph!.output ?? []).map((o) => o.name));
  for (const o of extraOutputs) {
    if (have.has(o.name)) continue;
    m.graph!.output!.push({ name: o.name, type: { tensorType: { elemType: o.float ? DT.FLOAT : DT.INT64 } } });
  }
  return encodeModel(m);
}

type Ort = typeof import("onnxruntime-node");
let ortModule: Promise<Ort> | null = null;
const ort = () => (ortModule ??= import("onnxruntime-node"));

async function runReference(bytes: Uint8Array, inputName: string, x: Float32Array, shape: number[], outputs: string[]): Promise<Map<string, Float32Array>> {
  const o = await ort();
  const session = await o.InferenceSession.create(bytes, { graphOptimizationLevel: "disabled", intraOpNumThreads: 1 });
  try {
    const res = await session.run({ [inputName]: new o.Tensor("float32", x, shape) }, outputs);
    return new Map(outputs.map((n) => [n, Float32Array.from(res[n].data as Float32Array, Number)]));
  } finally {
    await session.release();
  }
}

/**
 * Compare the engine with ONNX Runtime on `samples` random inputs in the card's range (after the card's
 * preprocessing, normalisation and layout: exactly what the graph receives in an evaluation).
 */
export async function compareWithReference(files: OnnxFiles, compiled: CompiledOnnx, card: EngineCard, samples = REFERENCE_SAMPLES, seed = 7): Promise<ReferenceComparison> {
  const rng = createRng(seed, 0, "onnx-reference");
  const d = card.inputShape.reduce((a, b) => a * b, 1);
  const raw = new Float32Array(samples * d);
  for (let i = 0; i < raw.length; i++) raw[i] = card.inputRange.min + rng.next() * (card.inputRange.max - card.inputRange.min);
  const { scale, offset } = preprocessingOf(card);
  const g = tf.tidy(() => toGraphInput(tf.add(tf.mul(tf.tensor(raw, [samples, ...card.inputShape]), scale), offset), card));
  const gData = (await g.data()) as Float32Array;
  const name = compiled.graph.output.name;
  try {
    // A graph exported with a fixed batch of 1 is compared one input at a time.
    const batches = compiled.perExample ? Array.from({ length: samples }, (_, i) => i) : [-1];
    let worst = 0, tolerance = 0;
    const per = d;
    for (const b of batches) {
      const xs = b < 0 ? gData : gData.subarray(b * per, (b + 1) * per);
      const shape = [b < 0 ? samples : 1, ...compiled.graphInputShape];
      const ref = (await runReference(referenceCopy(files), compiled.graph.input.name, xs, shape, [name])).get(name)!;
      const mine = tf.tidy(() => compiled.run(tf.tensor(xs, shape), { full: true }));
      const ours = (await mine.data()) as Float32Array;
      mine.dispose();
      tolerance = Math.max(tolerance, toleranceFor(ref));
      worst = Math.max(worst, maxAbsDiff(ours, ref));
    }
    const result: ReferenceComparison = { samples, maxAbsDiff: worst, tolerance };
    if (worst <= tolerance) return result;
    // Where do they part? Every intermediate value of the first input, from both.
    const x1 = gData.subarray(0, per);
    const shape1 = [1, ...compiled.graphInputShape];
    const capture = new Map<string, tf.Tensor>();
    try {
      tf.tidy(() => compiled.run(tf.tensor(x1, shape1), { full: true, capture }));
      const order = compiled.plan.flatMap((n) => n.outputs.filter((o) => capture.has(o)).map((o) => ({ node: n, output: o })));
      const extra = order.map((e) => ({ name: e.output, float: capture.get(e.output)!.dtype === "float32" }));
      const refs = await runReference(referenceCopy(files, extra), compiled.graph.input.name, x1, shape1, extra.map((e) => e.name));
      for (const e of order) {
        const ref = refs.get(e.output)!;
        const ours = capture.get(e.output)!.dataSync();
        const diff = maxAbsDiff(ours, ref), tol = toleranceFor(ref);
        if (diff > tol) {
          result.divergence = { node: e.node.name, opType: e.node.opType, output: e.output, maxAbsDiff: diff, tolerance: tol };
          break;
        }
      }
    } finally {
      capture.forEach((t) => t.dispose());
    }
    return result;
  } finally {
    g.dispose();
  }
}

const fmt = (v: number) => (Number.isFinite(v) ? v.toExponential(2) : String(v));

/** The registry check for an ONNX model (see the file comment). Never throws for a bad model: errors come back. */
export async function validateOnnxForEngine(files: OnnxFiles, cardInput: unknown, opts: { reference?: boolean } = {}): Promise<OnnxValidation> {
  const warnings: string[] = [];
  const parsedCard = EngineCardSchema.safeParse(cardInput);
  if (!parsedCard.success) {
    const errors = parsedCard.error.issues.map((i) => `card.${i.path.join(".")}: ${i.message}`);
    // Without an input shape, say which of the model's dimensions the card has to fix.
    const noShape = parsedCard.error.issues.some((i) => i.path[0] === "inputShape");
    if (noShape) {
      try {
        const dyn = parseOnnx(files.onnx, files.externalData ?? {}).input.dims.slice(1).filter((d) => typeof d !== "number");
        if (dyn.length) errors.push(`the model's input has dynamic dimensions (${dyn.map((d) => (d as { param: string }).param || "unnamed").map((n) => `"${n}"`).join(", ")}): the card's inputShape and dimensions must fix them`);
      } catch {
        // The load below is not reached; the card problem is reported on its own.
      }
    }
    return { ok: false, errors, warnings };
  }
  const card = parsedCard.data;
  let model: Awaited<ReturnType<typeof loadOnnxModel>>;
  try {
    model = await loadOnnxModel(files, card);
  } catch (e) {
    if (e instanceof OnnxRefusal) return { ok: false, errors: e.problems, warnings };
    return { ok: false, errors: [`model could not be loaded: ${(e as Error).message}`], warnings };
  }
  const errors: string[] = [];
  const compiled = model.onnx;
  try {
    for (const [name, c] of compiled.graph.constants) {
      if (c.dtype !== "float32") continue;
      const bad = c.data.findIndex((v) => !Number.isFinite(v));
      if (bad >= 0) errors.push(`the initializer "${name}" contains ${Number.isNaN(c.data[bad]) ? "NaN" : "an infinite value"} (element ${bad}); a model with non-finite weights cannot be evaluated`);
    }
    if (model.numClasses !== card.classLabels.length) {
      errors.push(`the model outputs ${model.numClasses} scores but the card lists ${card.classLabels.length} class labels`);
    }
    const { scale, offset } = preprocessingOf(card);
    const mid = (card.inputRange.min + card.inputRange.max) / 2;
    const x = tf.fill([2, ...card.inputShape], mid);
    try {
      const out = model.logits(tf.add(tf.mul(x, scale), offset));
      const finite = (await out.data()).every(Number.isFinite);
      out.dispose();
      if (!finite) errors.push("a forward pass on a mid-range input gave non-finite outputs");
      const grad = tf.grad((xx: tf.Tensor) => {
        const z = model.logits(tf.add(tf.mul(xx, scale), offset));
        return tf.sub(tf.logSumExp(z, 1), z.slice([0, 0], [-1, 1]).reshape([-1])).sum();
      })(x);
      if (!(await grad.data()).every(Number.isFinite)) errors.push(`the input gradient is not finite on the ${tf.getBackend()} backend`);
      grad.dispose();
    } catch (e) {
      errors.push(`the model cannot be attacked on the ${tf.getBackend()} backend: ${(e as Error).message.split("\n")[0]}`);
    } finally {
      x.dispose();
    }
    let reference: ReferenceComparison | undefined;
    if (errors.length === 0 && opts.reference !== false) {
      try {
        reference = await compareWithReference(files, compiled, card);
      } catch (e) {
        errors.push(`ONNX Runtime could not run the model for the comparison: ${(e as Error).message.split("\n")[0]}`);
      }
      if (reference && reference.maxAbsDiff > reference.tolerance) {
        const dv = reference.divergence;
        errors.push(
          `the engine's output differs from ONNX Runtime's by up to ${fmt(reference.maxAbsDiff)} (tolerance ${fmt(reference.tolerance)}) on ${reference.samples} random inputs` +
            (dv ? `; they first diverge at node "${dv.node}" (${dv.opType}), output "${dv.output}": difference ${fmt(dv.maxAbsDiff)}, tolerance ${fmt(dv.tolerance)}` : ""),
        );
      }
    }
    if (!model.droppedSoftmax) warnings.push("the model has no final Softmax: its outputs are taken to be logits");
    if (compiled.dynamic.length) warnings.push(`the model's input has dynamic dimensions besides the batch, evaluated at the sizes the card fixes: ${compiled.dynamic.join(", ")}`);
    if (compiled.perExample) warnings.push("the model was exported with a fixed batch of 1, so it runs one example at a time (slower); export it with a dynamic batch dimension for speed");
    const parameters = [...compiled.graph.constants.values()].reduce((s, c) => s + (c.dtype === "float32" ? c.data.length : 0), 0);
    return {
      ok: errors.length === 0,
      errors,
      warnings,
      info: { inputShape: model.inputShape, numClasses: model.numClasses, droppedSoftmax: model.droppedSoftmax, parameters, layerTypes: model.layerTypes, backend: tf.getBackend() },
      reference,
      externalFiles: compiled.graph.externalFiles,
      opset: compiled.graph.opset,
      producer: compiled.graph.producer,
    };
  } finally {
    model.dispose();
  }
}
