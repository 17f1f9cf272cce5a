import * as tf from "@tensorflow/tfjs";
import type { LoadedModel } from "../model";
import { toGraphInput, type CompiledOnnx, type OnnxCard } from "../onnx/executor";
import type { AttrValue, OnnxNode } from "../onnx/graph";
import { constToTensor, opTable, windowPads } from "../onnx/ops";
import { DT, type AttrMsg } from "./tf-proto";
import { Graph, T, finishStep, ints, str, type Backward, type StepGraphWriter } from "./step-graph";

/*
 * An ONNX model (as loadOnnxModel compiled it) written as one TensorFlow step graph, like stepGraphOf does for a
 * TF.js Sequential model: forward pass, softmax cross-entropy and a hand-written backward pass, signature "step".
 * The graph's x is what LoadedModel.logits takes (the card's layout and value space), so the card's normalisation
 * and the NCHW transpose are inside the graph and grad is in that same space.
 *
 * Layout: TensorFlow's CPU convolutions and pools want channels last, so a rank-4 value produced or read by them
 * is held as NHWC (`nhwc`: the ONNX value [N, C, H, W] is the TF tensor [N, H, W, C]); weights and constants are
 * transposed when the graph is written, and a value is transposed only where an op needs the other form. Every
 * value's shape and batch axis come from two eager probe runs (batches of 2 and 3): the batch axis is the one
 * that changes, so a stacked q/k/v ([3, N, ...]) is followed as well as an ordinary [N, ...].
 *
 * The backward pass is reverse mode over the recorded nodes with one gradient sum per value, so a value read by
 * several nodes (a residual connection, q/k/v taken from one tensor) gets the sum of their contributions.
 *
 * Covered: Conv (2-D, group 1 or depthwise, no dilation), BatchNormalization (inference), Relu, LeakyRelu, PRelu,
 * Elu, Selu, Softplus, HardSigmoid, HardSwish, Clip, Sigmoid, Tanh, Erf, Add/Sub/Mul (live operands of the same
 * shape or one broadcast along axes of size 1, e.g. a squeeze-excite gate), Add/Sub/Mul/Div with a constant broadcast
 * into the live operand,
 * GlobalAveragePool, MaxPool, AveragePool (unpadded), Flatten, Reshape, Squeeze, Unsqueeze, Transpose, Concat (of
 * live values), Gather (one constant index), MatMul (by a constant matrix, or two live batched operands), Gemm
 * (constant B), LayerNormalization and Softmax (last axis), ReduceMean/ReduceSum (not over the batch), Identity,
 * Dropout, and a final Softmax the logits skip. Anything else returns null and the eager path runs.
 */

/** A live (input-dependent) value: TF tensor name, ONNX shape with -1 on the batch axis, and its layout. */
interface Val { name: string; shape: number[]; batch: number; nhwc: boolean }
/** How a gradient of a node's output splits onto its live inputs (each in that input's own layout). */
type Back = (dy: string) => [string, string][];
interface Written { name: string; nhwc: boolean; back: Back }

class Unsupported extends Error {}
const refuse = (why: string): never => {
  throw new Unsupported(why);
};

const TO_NHWC = [0, 2, 3, 1];
const TO_NCHW = [0, 3, 1, 2];
const b = (v: boolean): AttrMsg => ({ b: v });
const I32: AttrMsg = { type: DT.INT32 };
/** TensorFlow's DT_BOOL (tf-proto lists only what the graphs store). */
const DT_BOOL = 10;
const num = (a: Record<string, AttrValue>, k: string, d: number) => (typeof a[k] === "number" ? (a[k] as number) : d);
const intList = (a: Record<string, AttrValue>, k: string) => (Array.isArray(a[k]) ? (a[k] as number[]) : undefined);
const prod = (s: number[]) => s.reduce((p, q) => p * q, 1);
const same = (p: number[], q: number[]) => p.length === q.length && p.every((d, i) => d === q[i]);

/** A writer for withStepGraph (./attach): ONNX models from loadOnnxModel with the card they were loaded with. */
export function onnxStepGraphWriter(card: OnnxCard): StepGraphWriter {
  return (m) => {
    const compiled = (m as Partial<{ onnx: CompiledOnnx }>).onnx;
    return compiled ? onnxStepGraphOf({ ...m, onnx: compiled }, card) : null;
  };
}

/**
 * The SavedModel bytes (saved_model.pb) of the step graph for an ONNX model, or null when the graph uses anything
 * not covered here (then the eager path runs). Never throws; `why` hears the reason for a null.
 */
export function onnxStepGraphOf(model: LoadedModel & { onnx: CompiledOnnx }, card: OnnxCard, why?: (reason: string) => void): Uint8Array | null {
  const held: Map<string, tf.Tensor>[] = [new Map(), new Map(), new Map()];
  try {
    return writeGraph(model, card, held[0]!, held[1]!, held[2]!);
  } catch (e) {
    // Uncovered, or a model the writer misreads: either way the eager path runs.
    why?.(e instanceof Unsupported ? e.message : `unexpected: ${(e as Error).message}`);
    return null;
  } finally {
    held.forEach((m) => m.forEach((t) => t.dispose()));
  }
}

function writeGraph(
  model: LoadedModel & { onnx: CompiledOnnx }, card: OnnxCard,
  folded: Map<string, tf.Tensor>, probe2: Map<string, tf.Tensor>, probe3: Map<string, tf.Tensor>,
): Uint8Array {
  const compiled = model.onnx;
  if (compiled.perExample) refuse("a graph exported with a fixed batch of 1");
  const onnx = compiled.graph;
  const inputShape = card.inputShape;
  const numClasses = model.numClasses;

  // Every intermediate's shape at batches 2 and 3: the axis that changes is the batch.
  for (const [n, capture] of [[2, probe2], [3, probe3]] as const) {
    tf.tidy(() => {
      compiled.run(toGraphInput(tf.zeros([n, ...inputShape]), card), { capture });
    });
  }
  const probed = (name: string): { shape: number[]; batch: number } => {
    const s2 = probe2.get(name)?.shape, s3 = probe3.get(name)?.shape;
    if (!s2 || !s3 || s2.length !== s3.length) return refuse(`no probed shape for "${name}"`);
    const moved = s2.map((d, i) => (d !== s3[i] ? i : -1)).filter((i) => i >= 0);
    if (moved.length !== 1 || s2[moved[0]!] !== 2 || s3[moved[0]!] !== 3) refuse(`"${name}" has no batch axis of its own`);
    const batch = moved[0]!;
    return { shape: s2.map((d, i) => (i === batch ? -1 : d)), batch };
  };

  const table = opTable(onnx.opset);
  for (const [name, c] of onnx.constants) folded.set(name, constToTensor(c));
  const readers = new Map<string, number>();
  for (const n of compiled.plan) for (const i of n.inputs) if (i) readers.set(i, (readers.get(i) ?? 0) + 1);

  const g = new Graph();
  const placeholder = (name: string, dims: number[]) => g.add("Placeholder", [], { dtype: T, shape: { shape: { dim: dims.map((size) => ({ size })) } } }, name);
  const x = placeholder("x", [-1, ...inputShape]);
  const onehot = placeholder("onehot", [-1, numClasses]);

  const floats = (vals: ArrayLike<number>, dims: number[]) => g.constant(Float32Array.from(vals), dims);
  const int32 = (vals: number[]) => g.constant(Int32Array.from(vals), [vals.length]);
  const op = (name: string, inputs: string[], attr: Record<string, AttrMsg> = {}) => g.add(name, inputs, { T, ...attr });
  const transpose = (v: string, perm: number[]) => op("Transpose", [v, int32(perm)], { Tperm: I32 });
  const reshape = (v: string, to: number[]) => op("Reshape", [v, int32(to)], { Tshape: I32 });
  const mul = (p: string, q: string) => op("Mul", [p, q]);
  const mean = (v: string, axes: number[], keep: boolean) => op("Mean", [v, int32(axes)], { Tidx: I32, keep_dims: b(keep) });
  const sum = (v: string, axes: number[], keep: boolean) => op("Sum", [v, int32(axes)], { Tidx: I32, keep_dims: b(keep) });
  /** The gradient of a spatial pad: the unpadded window. */
  const crop = (d: string, top: number, left: number, hw: number[]) => op("Slice", [d, int32([0, top, left, 0]), int32([-1, hw[0]!, hw[1]!, -1])], { Index: I32 });

  // Layout changes, each written once per value. A 1×1 image changes layout by a reshape (same element order).
  const forms = new Map<string, string>();
  const unitImage = (v: Val) => v.shape.length === 4 && v.shape[2]! * v.shape[3]! === 1;
  /** The value in ONNX layout. */
  const onnxForm = (v: Val): string => {
    if (!v.nhwc) return v.name;
    const key = `${v.name}/nchw`;
    if (!forms.has(key)) forms.set(key, unitImage(v) ? reshape(v.name, [-1, v.shape[1]!, 1, 1]) : transpose(v.name, TO_NCHW));
    return forms.get(key)!;
  };
  /** A gradient in ONNX layout, brought to v's layout. */
  const fromOnnx = (v: Val, d: string) => (!v.nhwc ? d : unitImage(v) ? reshape(d, [-1, 1, 1, v.shape[1]!]) : transpose(d, TO_NHWC));
  /** The value channels last (a rank-4 batch-first value). */
  const nhwcForm = (v: Val): string => {
    if (v.shape.length !== 4 || v.batch !== 0) refuse("an image op on a value that is not a batch of images");
    if (v.nhwc) return v.name;
    const key = `${v.name}/nhwc`;
    if (!forms.has(key)) forms.set(key, transpose(v.name, TO_NHWC));
    return forms.get(key)!;
  };
  /** A gradient channels last, brought to v's layout. */
  const fromNhwc = (v: Val, d: string) => (v.nhwc ? d : transpose(d, TO_NCHW));

  // The card's inputs → the graph input: normalise (last axis), then the model's layout. The NCHW transpose of a
  // channels-first card is no op at all: the card's NHWC tensor is that value's channels-last form.
  let h = x;
  const norm = card.normalization;
  let std: string | undefined;
  if (norm) {
    std = floats(norm.std, [norm.std.length]);
    h = op("RealDiv", [op("Sub", [h, floats(norm.mean, [norm.mean.length])]), std]);
  }
  const nchwCard = compiled.graphInputShape.length === 3 && card.inputLayout === "NCHW";
  const input: Val = { name: h, shape: [-1, ...compiled.graphInputShape], batch: 0, nhwc: nchwCard };
  const live = new Map<string, Val>([[onnx.input.name, input]]);
  const shapeOnly = new Set<string>();
  const tape: { out: string; back: Back }[] = [];

  const constOf = (name: string | undefined): tf.Tensor => {
    const t = name ? folded.get(name) : undefined;
    if (!t) return refuse(`"${name}" is not a constant`);
    if (t.dtype !== "float32") refuse(`"${name}" is not float`);
    return t;
  };
  const intsOf = (name: string | undefined): number[] => {
    const t = name ? folded.get(name) : undefined;
    if (!t || t.dtype !== "int32") return refuse(`"${name}" is not a constant integer`);
    return Array.from(t.dataSync());
  };
  /** A float constant laid out to broadcast against v (padded to its rank, channels last if v is). */
  const constLike = (c: tf.Tensor, v: Val): string => {
    const rank = v.shape.length;
    if (c.rank > rank) refuse("a constant of higher rank than the live operand");
    const { values, dims } = tf.tidy(() => {
      let t = c.reshape([...Array(rank - c.rank).fill(1), ...c.shape]);
      if (v.nhwc) t = tf.transpose(t, TO_NHWC);
      return { values: Float32Array.from(t.dataSync()), dims: t.shape };
    });
    return g.constant(values, dims);
  };
  const needLive = (name: string | undefined): Val => (name ? live.get(name) : undefined) ?? refuse(`"${name}" is not a live value`);
  const lastAxis = (v: Val, axis: number) => {
    const r = v.shape.length;
    if ((axis < 0 ? axis + r : axis) !== r - 1 || v.batch === r - 1) refuse("a normalisation over an axis other than the last");
  };

  let dropped: string | undefined;
  if (compiled.droppedSoftmax) dropped = onnx.nodes.find((n) => n.outputs[0] === onnx.output.name)!.inputs[0];
  const outName = dropped ?? onnx.output.name;

  for (const n of compiled.plan) {
    const ins = n.inputs.filter((i) => i);
    if (ins.every((i) => folded.has(i))) {
      // Folded at load by the executor too: computed the same way.
      const outs = tf.tidy(() => table[n.opType]!(n.inputs.map((i) => (i ? folded.get(i) : undefined)), n.attrs, n).map((t) => (t ? tf.keep(t) : t)));
      n.outputs.forEach((o, k) => o && outs[k] && folded.set(o, outs[k]!));
      continue;
    }
    if (dropped && n.outputs[0] === onnx.output.name) continue;
    if (n.domain) refuse(`domain ${n.domain}`);
    if (n.opType === "Shape" || !ins.some((i) => live.has(i))) {
      n.outputs.forEach((o) => o && shapeOnly.add(o));
      continue;
    }
    if (n.outputs.slice(1).some((o) => o && readers.has(o))) refuse(`a second output of ${n.opType} in use`);
    const out = n.outputs[0]!;
    const { shape, batch } = probed(out);
    const w = writeNode(n, shape, batch);
    if (w.nhwc && (shape.length !== 4 || batch !== 0)) refuse("internal: channels last for a non-image value");
    live.set(out, { name: w.name, shape, batch, nhwc: w.nhwc });
    tape.push({ out, back: w.back });
  }

  function writeNode(n: OnnxNode, outShape: number[], outBatch: number): Written {
    const a = n.attrs;
    if (["Add", "Sub", "Mul", "Div"].includes(n.opType)) return binary(n, outShape);
    const i0 = n.inputs[0]!;
    const v = needLive(i0);
    const unary = (tfOp: string, grad: (dy: string, y: string) => string): Written => {
      const y = op(tfOp, [v.name]);
      return { name: y, nhwc: v.nhwc, back: (dy) => [[i0, grad(dy, y)]] };
    };
    switch (n.opType) {
      case "Identity":
      case "Dropout":
        return { name: v.name, nhwc: v.nhwc, back: (dy) => [[i0, dy]] };
      // ReluGrad reads the ReLU's output (as good as its input: both are > 0 at the same places), so the
      // pre-activation has no other reader and TensorFlow can fuse Conv2D + BiasAdd + Relu.
      case "Relu": return unary("Relu", (dy, y) => op("ReluGrad", [dy, y]));
      case "Sigmoid": return unary("Sigmoid", (dy, y) => op("SigmoidGrad", [y, dy]));
      case "Tanh": return unary("Tanh", (dy, y) => op("TanhGrad", [y, dy]));
      case "LeakyRelu": {
        const alpha = { f: num(a, "alpha", 0.01) };
        const y = op("LeakyRelu", [v.name], { alpha });
        // Reads the output where alpha ≥ 0 (> 0 at the same places as the input), as Relu does: lets TensorFlow fuse.
        return { name: y, nhwc: v.nhwc, back: (dy) => [[i0, op("LeakyReluGrad", [dy, alpha.f >= 0 ? y : v.name], { alpha })]] };
      }
      case "Softplus": return unary("Softplus", (dy) => op("SoftplusGrad", [dy, v.name]));
      // The executor's forms (lib/engine/onnx/ops.ts), op for op; a clip passes the gradient where lo ≤ z ≤ hi.
      case "HardSigmoid":
      case "HardSwish": {
        const swish = n.opType === "HardSwish";
        const alpha = floats([swish ? 1 / 6 : num(a, "alpha", 0.2)], []);
        const z = op("Add", [mul(v.name, alpha), floats([swish ? 0.5 : num(a, "beta", 0.5)], [])]);
        const [zero, one] = [floats([0], []), floats([1], [])];
        const h = op("ClipByValue", [z, zero, one]);
        const inside = () => g.add("Cast", [g.add("LogicalAnd", [op("GreaterEqual", [z, zero]), op("LessEqual", [z, one])])], { SrcT: { type: DT_BOOL }, DstT: T });
        if (!swish) return { name: h, nhwc: v.nhwc, back: (dy) => [[i0, mul(mul(dy, inside()), alpha)]] };
        return { name: mul(v.name, h), nhwc: v.nhwc, back: (dy) => [[i0, op("Add", [mul(dy, h), mul(mul(mul(dy, v.name), inside()), alpha)])]] };
      }
      case "PRelu": {
        // relu(x) − s·relu(−x), as the executor writes it.
        const s = constLike(constOf(n.inputs[1]), v);
        const r1 = op("Relu", [v.name]);
        const r2 = op("Relu", [op("Neg", [v.name])]);
        return {
          name: op("Sub", [r1, mul(s, r2)]), nhwc: v.nhwc,
          // d/dx of −s·relu(−x) is +s where x < 0.
          back: (dy) => [[i0, op("Add", [op("ReluGrad", [dy, r1]), op("ReluGrad", [mul(dy, s), r2])])]],
        };
      }
      case "Elu":
      case "Selu": {
        // γ · (relu(x) + α·(e^min(x, 0) − 1)), as the executor writes it; min passes the gradient where x ≤ 0.
        const selu = n.opType === "Selu";
        const alpha = floats([num(a, "alpha", selu ? 1.67326319217681884765625 : 1)], []);
        const gamma = selu ? num(a, "gamma", 1.05070102214813232421875) : 1;
        const zero = floats([0], []);
        const r = op("Relu", [v.name]);
        const e = op("Exp", [op("Minimum", [v.name, zero])]);
        const y0 = op("Add", [r, mul(op("Sub", [e, floats([1], [])]), alpha)]);
        const gc = floats([gamma], []);
        const atOrBelow = () => g.add("Cast", [op("LessEqual", [v.name, zero])], { SrcT: { type: DT_BOOL }, DstT: T });
        return {
          name: gamma === 1 ? y0 : mul(y0, gc), nhwc: v.nhwc,
          back: (dy) => {
            const d0 = gamma === 1 ? dy : mul(dy, gc);
            return [[i0, op("Add", [op("ReluGrad", [d0, r]), mul(mul(mul(d0, alpha), e), atOrBelow())])]];
          },
        };
      }
      case "Erf":
        // d erf(x)/dx = 2/√π · exp(−x²)
        return unary("Erf", (dy) => mul(dy, mul(op("Exp", [op("Neg", [op("Square", [v.name])])]), floats([2 / Math.sqrt(Math.PI)], []))));
      case "Conv": return conv(n, outShape);
      case "BatchNormalization": {
        if (num(a, "training_mode", 0) !== 0) refuse("BatchNormalization in training mode");
        if (v.batch !== 0 || v.shape.length < 2) refuse("BatchNormalization not on a batch of channels");
        // The executor's float32 arithmetic for the per-channel scale m and shift s: y = x·m + s.
        const [scale, bias, mu, variance] = [1, 2, 3, 4].map((k) => constOf(n.inputs[k]));
        const perChannel = [-1, ...Array(v.shape.length - 2).fill(1)];
        const [m, s] = tf.tidy(() => {
          const mm = tf.mul(scale!, tf.rsqrt(tf.add(variance!, num(a, "epsilon", 1e-5))));
          return [tf.keep(mm.reshape(perChannel)), tf.keep(tf.sub(bias!, tf.mul(mu!, mm)).reshape(perChannel))];
        });
        const [mc, sc] = [constLike(m, v), constLike(s, v)];
        tf.dispose([m, s]);
        return { name: op("Add", [mul(v.name, mc), sc]), nhwc: v.nhwc, back: (dy) => [[i0, mul(dy, mc)]] };
      }
      case "GlobalAveragePool": {
        const src = nhwcForm(v);
        const inv = floats([1 / (v.shape[2]! * v.shape[3]!)], []);
        return {
          name: mean(src, [1, 2], true), nhwc: true,
          back: (dy) => [[i0, fromNhwc(v, op("BroadcastTo", [mul(dy, inv), g.shape(src)], { Tidx: I32 }))]],
        };
      }
      case "MaxPool":
      case "AveragePool": return pool(n, outShape);
      case "Flatten": {
        const axis = num(a, "axis", 1);
        if (v.batch !== 0 || (axis !== 1 && axis !== 1 - v.shape.length)) refuse("Flatten other than of a batch on axis 1");
        return reshapeTo(i0, v, outShape, outBatch);
      }
      case "Reshape":
      case "Squeeze":
      case "Unsqueeze":
        return reshapeTo(i0, v, outShape, outBatch);
      case "Clip": {
        // The executor's bounds: missing ones are ±3.4e38. The gradient passes where lo ≤ x ≤ hi, as tfjs's does.
        const bound = (k: number, d: number) => {
          if (!n.inputs[k]) return d;
          const t = folded.get(n.inputs[k]!) ?? refuse("a Clip bound that is not constant");
          return t.dataSync()[0]!;
        };
        const [lo, hi] = [floats([bound(1, -3.4e38)], []), floats([bound(2, 3.4e38)], [])];
        const y = op("ClipByValue", [v.name, lo, hi]);
        const inside = () => g.add("Cast", [g.add("LogicalAnd", [op("GreaterEqual", [v.name, lo]), op("LessEqual", [v.name, hi])])], { SrcT: { type: DT_BOOL }, DstT: T });
        return { name: y, nhwc: v.nhwc, back: (dy) => [[i0, mul(dy, inside())]] };
      }
      case "Concat": {
        const parts = n.inputs.filter((i) => i).map((i) => needLive(i));
        const r = v.shape.length;
        const axis = num(a, "axis", 0) < 0 ? num(a, "axis", 0) + r : num(a, "axis", 0);
        if (parts.some((p) => p.batch !== v.batch || p.shape.length !== r) || axis === v.batch) refuse("a Concat other than of live values off the batch axis");
        const y = g.add("ConcatV2", [...parts.map(onnxForm), g.constant(Int32Array.from([axis]), [])], { N: { i: parts.length }, T, Tidx: I32 });
        return {
          name: y, nhwc: false,
          back: (dy) => {
            let at = 0;
            return parts.map((p, k) => {
              const begin = p.shape.map((_, i) => (i === axis ? at : 0));
              at += p.shape[axis]!;
              return [n.inputs.filter((i) => i)[k]!, fromOnnx(p, op("Slice", [dy, int32(begin), int32(p.shape)], { Index: I32 }))] as [string, string];
            });
          },
        };
      }
      case "Transpose": {
        const r = v.shape.length;
        const p = intList(a, "perm") ?? [...Array(r).keys()].reverse();
        // The permutation of v's own tensor (channels last or not) that gives the output in ONNX layout.
        const c = v.nhwc ? p.map((j) => TO_NCHW[j]!) : p;
        const identity = (q: number[]) => q.every((j, i) => j === i);
        // An output whose channels-last form is v's tensor as it is (an NHWC graph input made NCHW), or one
        // that is: no op at all.
        if (r === 4 && outBatch === 0 && identity(TO_NHWC.map((j) => c[j]!))) return { name: v.name, nhwc: true, back: (dy) => [[i0, dy]] };
        if (identity(c)) return { name: v.name, nhwc: false, back: (dy) => [[i0, dy]] };
        const inv = c.map((_, i) => c.indexOf(i));
        return { name: transpose(v.name, c), nhwc: false, back: (dy) => [[i0, transpose(dy, inv)]] };
      }
      case "Gather": {
        const r = v.shape.length;
        const axis = num(a, "axis", 0) < 0 ? num(a, "axis", 0) + r : num(a, "axis", 0);
        const idxT = folded.get(n.inputs[1]!);
        if (!idxT || idxT.rank !== 0 || axis === v.batch) refuse("a Gather other than of one constant index off the batch axis");
        const size = v.shape[axis]!;
        const i = ((intsOf(n.inputs[1])[0]! % size) + size) % size;
        const src = onnxForm(v);
        const y = g.add("GatherV2", [src, g.constant(Int32Array.from([i]), []), g.constant(Int32Array.from([axis]), [])], { Tparams: T, Tindices: I32, Taxis: I32, batch_dims: { i: 0 } });
        // Its gradient: dy put back in place along the axis, zeros elsewhere.
        const paddings = Array.from({ length: r }, (_, k) => (k === axis ? [i, size - 1 - i] : [0, 0])).flat();
        return {
          name: y, nhwc: false,
          back: (dy) => [[i0, fromOnnx(v, op("Pad", [op("ExpandDims", [dy, g.constant(Int32Array.from([axis]), [])], { Tdim: I32 }), g.constant(Int32Array.from(paddings), [r, 2])], { Tpaddings: I32 }))]],
        };
      }
      case "Gemm":
      case "MatMul": return matmul(n, outShape);
      case "Softmax": {
        lastAxis(v, num(a, "axis", -1));
        const y = op("Softmax", [onnxForm(v)]);
        return { name: y, nhwc: false, back: (dy) => [[i0, fromOnnx(v, mul(y, op("Sub", [dy, sum(mul(dy, y), [-1], true)])))]] };
      }
      case "LayerNormalization": {
        lastAxis(v, num(a, "axis", -1));
        const src = onnxForm(v);
        const scale = constOf(n.inputs[1]);
        const sc = floats(scale.dataSync(), scale.shape);
        // The executor's sequence: d = x − mean, r = 1/√(mean(d²) + ε), y = d·r·scale + bias.
        const d = op("Sub", [src, mean(src, [-1], true)]);
        const r = op("Rsqrt", [op("Add", [mean(mul(d, d), [-1], true), floats([num(a, "epsilon", 1e-5)], [])])]);
        const xh = mul(d, r);
        let y = mul(xh, sc);
        if (n.inputs[2]) {
          const bias = constOf(n.inputs[2]);
          y = op("Add", [y, floats(bias.dataSync(), bias.shape)]);
        }
        return {
          name: y, nhwc: false,
          back: (dy) => {
            // dx = r · (gs − mean(gs) − x̂ · mean(gs · x̂)), gs = dy · scale
            const gs = mul(dy, sc);
            const inner = op("Sub", [op("Sub", [gs, mean(gs, [-1], true)]), mul(xh, mean(mul(gs, xh), [-1], true))]);
            return [[i0, fromOnnx(v, mul(r, inner))]];
          },
        };
      }
      case "ReduceMean":
      case "ReduceSum": {
        const r = v.shape.length;
        const axesAsInput = n.opType === "ReduceSum" || onnx.opset >= 18;
        const raw = axesAsInput ? (n.inputs[1] ? intsOf(n.inputs[1]) : undefined) : intList(a, "axes");
        if (!raw || raw.length === 0) return refuse(`${n.opType} without axes`);
        const axes = raw.map((ax) => (ax < 0 ? ax + r : ax));
        if (axes.includes(v.batch)) refuse(`${n.opType} over the batch`);
        const keep = num(a, "keepdims", 1) === 1;
        const src = onnxForm(v);
        const y = (n.opType === "ReduceMean" ? mean : sum)(src, axes, keep);
        const count = prod(axes.map((ax) => v.shape[ax]!));
        const kept = v.shape.map((d, k) => (axes.includes(k) ? 1 : d));
        return {
          name: y, nhwc: false,
          back: (dy) => {
            let d = keep ? dy : reshape(dy, kept);
            if (n.opType === "ReduceMean") d = mul(d, floats([1 / count], []));
            return [[i0, fromOnnx(v, op("BroadcastTo", [d, g.shape(src)], { Tidx: I32 }))]];
          },
        };
      }
      default: return refuse(`op ${n.opType}`);
    }
  }

  function conv(n: OnnxNode, outShape: number[]): Written {
    const a = n.attrs;
    const v = needLive(n.inputs[0]);
    const w = constOf(n.inputs[1]);
    if (v.shape.length !== 4 || w.rank !== 4) refuse("a Conv that is not 2-D");
    if ((intList(a, "dilations") ?? [1, 1]).some((d) => d !== 1)) refuse("a dilated Conv");
    const [m, cg, kh, kw] = w.shape as number[];
    const c = v.shape[1]!;
    const group = num(a, "group", 1);
    // Depthwise: each input channel its own filters (output channel c·mult + j reads input channel c).
    const depthwise = group !== 1 && group === c && cg === 1 && m! % c === 0;
    if (group !== 1 && !depthwise) refuse("a grouped Conv that is not depthwise");
    if (cg! * group !== c) refuse("Conv weights for another channel count");
    const strides = intList(a, "strides") ?? [1, 1];
    const hw = v.shape.slice(2);
    const [top, left, bottom, right] = windowPads(a, n, hw, [kh!, kw!], strides);
    const expect = [(hw[0]! + top! + bottom! - kh!) / strides[0]!, (hw[1]! + left! + right! - kw!) / strides[1]!].map((s) => Math.floor(s) + 1);
    if (expect[0] !== outShape[2] || expect[1] !== outShape[3] || outShape[1] !== m) refuse("Conv output shape differs from the probe");
    // TF filters: [kh, kw, C, M], or [kh, kw, C, M/C] depthwise.
    const kernel = tf.tidy(() => Float32Array.from(tf.transpose(w, depthwise ? [2, 3, 0, 1] : [2, 3, 1, 0]).dataSync()));
    const k = g.constant(kernel, [kh!, kw!, c, depthwise ? m! / c : m!]);
    const [convOp, convGrad] = depthwise ? ["DepthwiseConv2dNative", "DepthwiseConv2dNativeBackpropInput"] : ["Conv2D", "Conv2DBackpropInput"];
    // TensorFlow's SAME padding where the model's pads are exactly SAME's (a 3x3 stride-1 conv padded by 1): no Pad op
    // and no crop of the gradient. Else pad, then a VALID convolution: the executor's own sequence (and faster here
    // than Conv2D's EXPLICIT padding).
    const sameTotal = hw.map((len, i) => Math.max(0, (Math.ceil(len! / strides[i]!) - 1) * strides[i]! + [kh!, kw!][i]! - len!));
    const same = (top || left || bottom || right) && top === Math.floor(sameTotal[0]! / 2) && bottom === sameTotal[0]! - top! && left === Math.floor(sameTotal[1]! / 2) && right === sameTotal[1]! - left!;
    const attrs: Record<string, AttrMsg> = { strides: ints([1, strides[0]!, strides[1]!, 1]), data_format: str("NHWC"), dilations: ints([1, 1, 1, 1]), padding: str(same ? "SAME" : "VALID") };
    const padded = !same && (top || left || bottom || right);
    const input = nhwcForm(v);
    const src = padded ? op("Pad", [input, g.constant(Int32Array.from([0, 0, top!, bottom!, left!, right!, 0, 0]), [4, 2])], { Tpaddings: I32 }) : input;
    let y = op(convOp, [src, k], attrs);
    if (n.inputs[2]) {
      const bias = constOf(n.inputs[2]);
      y = op("BiasAdd", [y, floats(bias.dataSync(), [m!])], { data_format: str("NHWC") });
    }
    return {
      name: y, nhwc: true,
      back: (dy) => {
        const dx = op(convGrad, [g.shape(src), k, dy], attrs);
        return [[n.inputs[0]!, fromNhwc(v, padded ? crop(dx, top!, left!, hw) : dx)]];
      },
    };
  }

  function pool(n: OnnxNode, outShape: number[]): Written {
    const a = n.attrs;
    const v = needLive(n.inputs[0]);
    if (v.shape.length !== 4) refuse("a pool that is not 2-D");
    const k = intList(a, "kernel_shape") ?? refuse("kernel_shape missing");
    const strides = intList(a, "strides") ?? [1, 1];
    if ((intList(a, "dilations") ?? [1, 1]).some((d) => d !== 1) || num(a, "storage_order", 0) !== 0) refuse("dilated or column-major pooling");
    const hw = v.shape.slice(2);
    const [top, left, bottom, right] = windowPads(a, n, hw, k, strides);
    // ceil_mode may add a window past the end: the probed output size tells.
    const size = (i: number, lo: number, hi: number) => Math.floor((hw[i]! + lo + hi - k[i]!) / strides[i]!) + 1;
    if (outShape[2] !== size(0, top!, bottom!) || outShape[3] !== size(1, left!, right!)) refuse("ceil_mode adding windows");
    const attrs = { ksize: ints([1, k[0]!, k[1]!, 1]), strides: ints([1, strides[0]!, strides[1]!, 1]), padding: str("VALID"), data_format: str("NHWC") };
    const padded = top || left || bottom || right;
    const input = nhwcForm(v);
    if (n.opType === "AveragePool") {
      if (padded) refuse("a padded AveragePool");
      return { name: op("AvgPool", [input], attrs), nhwc: true, back: (dy) => [[n.inputs[0]!, fromNhwc(v, op("AvgPoolGrad", [g.shape(input), dy], attrs))]] };
    }
    // The executor pads with a finite floor; the same here, and the pad's gradient is a crop.
    const src = padded ? op("PadV2", [input, g.constant(Int32Array.from([0, 0, top!, bottom!, left!, right!, 0, 0]), [4, 2]), floats([-3.4e38], [])], { Tpaddings: I32 }) : input;
    const y = op("MaxPool", [src], attrs);
    return {
      name: y, nhwc: true,
      back: (dy) => {
        const dx = op("MaxPoolGrad", [src, y, dy], attrs);
        return [[n.inputs[0]!, fromNhwc(v, padded ? crop(dx, top!, left!, hw) : dx)]];
      },
    };
  }

  /** Reshape/Flatten in ONNX layout with the batch left free: the elements before and after it must not move. */
  function reshapeTo(input: string, v: Val, outShape: number[], outBatch: number): Written {
    const before = (s: number[], at: number) => prod(s.slice(0, at));
    if (before(v.shape, v.batch) !== before(outShape, outBatch) || prod(v.shape.slice(v.batch + 1)) !== prod(outShape.slice(outBatch + 1))) {
      refuse("a reshape that mixes the batch with other axes");
    }
    return { name: reshape(onnxForm(v), outShape), nhwc: false, back: (dy) => [[input, fromOnnx(v, reshape(dy, v.shape))]] };
  }

  function binary(n: OnnxNode, outShape: number[]): Written {
    const [p, q] = n.inputs;
    const lp = live.get(p!), lq = live.get(q!);
    const tfOp = { Add: "Add", Sub: "Sub", Mul: "Mul", Div: "RealDiv" }[n.opType]!;
    if (lp && lq) {
      // Same shapes, or one of them 1 where the other is not (a squeeze-excite gate [N, C, 1, 1] on [N, C, H, W]).
      const fits = (s: number[]) => s.length === outShape.length && s.every((d, i) => d === outShape[i] || d === 1);
      if (lp.batch !== lq.batch || !fits(lp.shape) || !fits(lq.shape) || (!same(lp.shape, outShape) && !same(lq.shape, outShape))) refuse("a broadcast between two live values");
      // Both in p's layout.
      const qn = lp.nhwc === lq.nhwc ? lq.name : lp.nhwc ? nhwcForm(lq) : onnxForm(lq);
      const toQ = (d: string) => (lp.nhwc === lq.nhwc ? d : lp.nhwc ? fromNhwc(lq, d) : fromOnnx(lq, d));
      const y = op(tfOp, [lp.name, qn]);
      const nhwc = lp.nhwc;
      // A broadcast operand's gradient: the sum over the axes it was widened along, in p's layout.
      const narrowed = (s: number[], d: string) => {
        const axes = s.flatMap((dim, i) => (dim === 1 && outShape[i] !== 1 ? [nhwc ? TO_NHWC.indexOf(i) : i] : []));
        return axes.length ? sum(d, axes, true) : d;
      };
      const [toP, toQn] = [(d: string) => narrowed(lp.shape, d), (d: string) => toQ(narrowed(lq.shape, d))];
      if (n.opType === "Add") return { name: y, nhwc, back: (dy) => [[p!, toP(dy)], [q!, toQn(dy)]] };
      if (n.opType === "Sub") return { name: y, nhwc, back: (dy) => [[p!, toP(dy)], [q!, toQn(op("Neg", [dy]))]] };
      if (n.opType === "Mul") return { name: y, nhwc, back: (dy) => [[p!, toP(mul(dy, qn))], [q!, toQn(mul(dy, lp.name))]] };
      return refuse("a division of two live values");
    }
    const v = (lp ?? lq)!;
    const liveFirst = !!lp;
    const liveName = liveFirst ? p! : q!;
    if (!same(v.shape, outShape)) refuse("a constant operand that widens the live one");
    if (shapeOnly.has(liveFirst ? q! : p!)) refuse("a shape-derived operand");
    const c = constLike(constOf(liveFirst ? q : p), v);
    const y = op(tfOp, liveFirst ? [v.name, c] : [c, v.name]);
    switch (n.opType) {
      case "Add": return { name: y, nhwc: v.nhwc, back: (dy) => [[liveName, dy]] };
      case "Sub": return { name: y, nhwc: v.nhwc, back: (dy) => [[liveName, liveFirst ? dy : op("Neg", [dy])]] };
      case "Mul": return { name: y, nhwc: v.nhwc, back: (dy) => [[liveName, mul(dy, c)]] };
      default:
        if (!liveFirst) refuse("a division by a live value");
        return { name: y, nhwc: v.nhwc, back: (dy) => [[liveName, op("RealDiv", [dy, c])]] };
    }
  }

  function matmul(n: OnnxNode, outShape: number[]): Written {
    const a = n.attrs;
    const [p, q] = n.inputs;
    const v = needLive(p);
    const gemm = n.opType === "Gemm";
    const lq = live.get(q!);
    if (lq) {
      // Two live operands (attention): batched, equal ranks and leading axes.
      const r = v.shape.length;
      if (gemm || r < 3 || lq.shape.length !== r || !same(v.shape.slice(0, -2), lq.shape.slice(0, -2)) || v.batch >= r - 2) refuse("a product of two live values other than a batched one");
      const [A, B] = [onnxForm(v), onnxForm(lq)];
      const bmm = (x1: string, x2: string, adjX: boolean, adjY: boolean) => op("BatchMatMulV2", [x1, x2], { adj_x: b(adjX), adj_y: b(adjY) });
      return { name: bmm(A, B, false, false), nhwc: false, back: (dy) => [[p!, fromOnnx(v, bmm(dy, B, false, true))], [q!, fromOnnx(lq, bmm(A, dy, true, false))]] };
    }
    const w = constOf(q);
    const r = v.shape.length;
    if (w.rank !== 2 || r < 2 || v.batch === r - 1 || (gemm && (r !== 2 || num(a, "transA", 0) !== 0))) refuse("a matrix product not of a live value by a constant matrix");
    const transB = gemm && num(a, "transB", 0) === 1;
    const alpha = gemm ? num(a, "alpha", 1) : 1, beta = gemm ? num(a, "beta", 1) : 1;
    const k = g.constant(Float32Array.from(w.dataSync()), w.shape);
    // Higher ranks as one matrix product over the flattened leading axes, as the executor does.
    const src = onnxForm(v);
    const flat = r === 2 ? src : reshape(src, [-1, v.shape[r - 1]!]);
    let y = op("MatMul", [flat, k], { transpose_a: b(false), transpose_b: b(transB) });
    if (r !== 2) y = reshape(y, outShape);
    const al = alpha !== 1 ? floats([alpha], []) : undefined;
    if (al) y = mul(y, al);
    const cName = gemm ? n.inputs[2] : undefined;
    if (cName && beta !== 0) {
      const c = constOf(cName);
      if (c.rank === 2 && c.shape[0] !== 1) refuse("a Gemm bias with a fixed batch");
      const cv = tf.tidy(() => Float32Array.from((beta === 1 ? c : tf.mul(c, beta)).dataSync()));
      y = op("Add", [y, floats(cv, c.shape)]);
    }
    return {
      name: y, nhwc: false,
      back: (dy) => {
        const d0 = al ? mul(dy, al) : dy;
        const d = r === 2 ? d0 : reshape(d0, [-1, w.shape[transB ? 0 : 1]!]);
        const dx = op("MatMul", [d, k], { transpose_a: b(false), transpose_b: b(!transB) });
        return [[p!, fromOnnx(v, r === 2 ? dx : reshape(dx, v.shape))]];
      },
    };
  }

  // The scores: [N, K], or [N, K, 1, 1] (which the executor reshapes).
  const scores = needLive(outName);
  if (scores.batch !== 0 || scores.shape.slice(2).some((d) => d !== 1) || scores.shape[1] !== numClasses) refuse("scores of another shape");
  const flatScores = scores.shape.length === 2 && !scores.nhwc;
  const logits = flatScores ? scores.name : reshape(onnxForm(scores), [-1, numClasses]);

  const addAll = (parts: string[]) => (parts.length === 1 ? parts[0]! : g.add("AddN", parts, { N: { i: parts.length }, T }));
  const backward: Backward = (dLogits) => {
    const grads = new Map<string, string[]>();
    const push = (name: string, d: string) => grads.set(name, [...(grads.get(name) ?? []), d]);
    push(outName, flatScores ? dLogits : fromOnnx(scores, reshape(dLogits, scores.shape)));
    for (let i = tape.length - 1; i >= 0; i--) {
      const t = tape[i]!;
      const parts = grads.get(t.out);
      if (!parts) continue;
      for (const [name, d] of t.back(addAll(parts))) if (live.has(name)) push(name, d);
    }
    // The input's layout is the card's (channels last for an NCHW card), so its gradient needs no transpose.
    let d = addAll(grads.get(onnx.input.name) ?? refuse("no gradient reaches the input"));
    if (std) d = op("RealDiv", [d, std]);
    return d;
  };
  return finishStep(g, { x, onehot, logits, back: [backward], inputShape, numClasses });
}
