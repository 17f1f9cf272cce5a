import * as tf from "@tensorflow/tfjs";
import type { LoadedModel } from "../model";
import { toGraphInput, type CompiledOnnx, type OnnxCard } from "../onnx/executor";
import type { AttrValue, OnnxNode } from "../onnx/graph";
import { constToTensor, opTable } from "../onnx/ops";
import { DT, type AttrMsg } from "./tf-proto";
import { Graph, T, finishStep, ints, str, type Backward } from "./step-graph";

/*
 * An ONNX model (as loadOnnxModel compiled it) written as one TensorFlow step graph, like stepGraphOf does for a
 * TF.js Sequential model: forward pass, softmax cross-entropy and a hand-written backward pass, signature "step".
 * The graph's x is what LoadedModel.logits takes (the card's layout and value space), so the card's normalisation
 * and the NCHW transpose are inside the graph and grad is in that same space.
 *
 * Image activations (rank 4) are kept channels last throughout: weights and constants are transposed when the
 * graph is written, because TensorFlow's CPU convolutions and pools want NHWC. A rank-4 ONNX value [N, C, H, W]
 * is therefore the TF tensor [N, H, W, C]; everything else keeps the ONNX layout.
 *
 * The backward pass is reverse mode over the recorded nodes with one gradient sum per value, so a value read by
 * several nodes (a residual connection) gets the sum of their contributions.
 *
 * Covered: Conv (2-D, group 1, no dilation), BatchNormalization (inference), Relu, Add/Sub/Mul/Div (same-shape
 * live operands, or a constant that broadcasts into the live one), GlobalAveragePool, MaxPool, AveragePool (no
 * padding), Flatten, Reshape (batch first), Transpose, Gemm/MatMul with a constant right operand, Identity,
 * Dropout, a final Softmax the logits skip. Anything else returns null and the eager path runs.
 */

/** A live (input-dependent) value: its TF tensor name and ONNX shape with the batch as -1. */
interface Val { name: string; shape: number[] }
/** One forward node: its output and how a gradient of that output splits onto its live inputs. */
interface Taped { out: string; back: (dy: string) => [string, string][] }

class Unsupported extends Error {}
const refuse = (why: string): never => {
  throw new Unsupported(why);
};

const TO_NHWC = [0, 2, 3, 1];
const TO_NCHW = [0, 3, 1, 2];
const b = (v: boolean): AttrMsg => ({ b: v });
const num = (a: Record<string, AttrValue>, k: string, d: number) => (typeof a[k] === "number" ? (a[k] as number) : d);
const intList = (a: Record<string, AttrValue>, k: string) => (Array.isArray(a[k]) ? (a[k] as number[]) : undefined);
const prod = (s: number[]) => s.reduce((p, q) => p * q, 1);

/** Top, left, bottom, right padding of a 2-D window op on an input of height/width `hw`. */
function padsOf(a: Record<string, AttrValue>, hw: number[], kernel: number[], strides: number[]): number[] {
  const auto = typeof a.auto_pad === "string" ? a.auto_pad : "NOTSET";
  if (auto === "VALID") return [0, 0, 0, 0];
  if (auto === "SAME_UPPER" || auto === "SAME_LOWER") {
    const total = hw.map((n, i) => Math.max(0, (Math.ceil(n / strides[i]!) - 1) * strides[i]! + kernel[i]! - n));
    const lo = total.map((t) => (auto === "SAME_UPPER" ? Math.floor(t / 2) : Math.ceil(t / 2)));
    return [lo[0]!, lo[1]!, total[0]! - lo[0]!, total[1]! - lo[1]!];
  }
  if (auto !== "NOTSET") refuse(`auto_pad ${auto}`);
  const p = intList(a, "pads") ?? [0, 0, 0, 0];
  if (p.length !== 4) refuse("pads of a non-2-D window");
  // ONNX order: begins (top, left), then ends (bottom, right).
  return [p[0]!, p[1]!, p[2]!, p[3]!];
}

/**
 * The SavedModel bytes (saved_model.pb) of the step graph for an ONNX model, or null when the graph uses anything
 * not covered here (then the eager path runs). Never throws; `why` hears the reason for a null.
 */
export function onnxStepGraphOf(model: LoadedModel & { onnx: CompiledOnnx }, card: OnnxCard, why?: (reason: string) => void): Uint8Array | null {
  const folded = new Map<string, tf.Tensor>();
  const probe = new Map<string, tf.Tensor>();
  try {
    return writeGraph(model, card, folded, probe);
  } catch (e) {
    // Uncovered, or a model the writer misreads: either way the eager path runs.
    why?.(e instanceof Unsupported ? e.message : `unexpected: ${(e as Error).message}`);
    return null;
  } finally {
    folded.forEach((t) => t.dispose());
    probe.forEach((t) => t.dispose());
  }
}

function writeGraph(model: LoadedModel & { onnx: CompiledOnnx }, card: OnnxCard, folded: Map<string, tf.Tensor>, probe: Map<string, tf.Tensor>): Uint8Array {
  const compiled = model.onnx;
  if (compiled.perExample) refuse("a graph exported with a fixed batch of 1");
  const onnx = compiled.graph;
  const inputShape = card.inputShape;
  const numClasses = model.numClasses;

  // Every intermediate's shape, from one eager run on a batch of 2 (2, not 1, so a hard-coded batch shows).
  const PROBE = 2;
  tf.tidy(() => {
    compiled.run(toGraphInput(tf.zeros([PROBE, ...inputShape]), card), { capture: probe });
  });
  const shapeOf = (name: string): number[] => {
    const t = probe.get(name) ?? refuse(`no probed shape for "${name}"`);
    if (t.shape[0] !== PROBE) refuse(`"${name}" does not have the batch first`);
    return [-1, ...t.shape.slice(1)];
  };

  // Constants: the initializers and whatever the executor folds at load (all-constant nodes), computed the same way.
  const table = opTable(onnx.opset);
  for (const [name, c] of onnx.constants) folded.set(name, constToTensor(c));
  const g = new Graph();
  const x = g.add("Placeholder", [], { dtype: T, shape: { shape: { dim: [-1, ...inputShape].map((size) => ({ size })) } } }, "x");
  const onehot = g.add("Placeholder", [], { dtype: T, shape: { shape: { dim: [-1, numClasses].map((size) => ({ size })) } } }, "onehot");

  const floats = (vals: ArrayLike<number>, dims: number[]) => g.constant(Float32Array.from(vals), dims);
  const int32 = (vals: number[]) => g.constant(Int32Array.from(vals), [vals.length]);
  const transpose = (v: string, perm: number[]) => g.add("Transpose", [v, int32(perm)], { T, Tperm: { type: DT.INT32 } });
  const reshape = (v: string, to: string) => g.add("Reshape", [v, to], { T, Tshape: { type: DT.INT32 } });
  const mul = (p: string, q: string) => g.add("Mul", [p, q], { T });
  /** The gradient of a spatial pad: the unpadded window. */
  const crop = (d: string, top: number, left: number, hw: number[]) => g.add("Slice", [d, int32([0, top, left, 0]), int32([-1, hw[0]!, hw[1]!, -1])], { T, Index: { type: DT.INT32 } });

  // The card's inputs → the graph input: normalise (last axis), then the model's layout.
  let h = x;
  const norm = card.normalization;
  let std: string | undefined;
  if (norm) {
    std = floats(norm.std, [norm.std.length]);
    h = g.add("RealDiv", [g.add("Sub", [h, floats(norm.mean, [norm.mean.length])], { T }), std], { T });
  }
  const modelRank = compiled.graphInputShape.length + 1;
  // NCHW card: the model's NCHW input is the card's NHWC tensor already. NHWC card into a rank-4 graph: the
  // graph reads axis 1 as channels, so its channels-last form moves axis 1 last.
  const inputTransposed = modelRank === 4 && (card.inputLayout ?? "NHWC") !== "NCHW";
  if (inputTransposed) h = transpose(h, TO_NHWC);

  const live = new Map<string, Val>([[onnx.input.name, { name: h, shape: [-1, ...compiled.graphInputShape] }]]);
  const shapeOnly = new Set<string>();
  const tape: Taped[] = [];

  const constOf = (name: string | undefined): tf.Tensor => {
    const t = name ? folded.get(name) : undefined;
    if (!t) refuse(`"${name}" is not a constant`);
    if (t!.dtype !== "float32") refuse(`"${name}" is not float`);
    return t!;
  };
  /** A float constant laid out to broadcast against a live value of rank `rank` (channels last when rank 4). */
  const constLike = (c: tf.Tensor, rank: number): string => {
    if (c.rank > rank) refuse("a constant of higher rank than the live operand");
    const data = tf.tidy(() => {
      let t = c.reshape([...Array(rank - c.rank).fill(1), ...c.shape]);
      if (rank === 4) t = tf.transpose(t, TO_NHWC);
      return { values: t.dataSync() as Float32Array, dims: t.shape };
    });
    return g.constant(Float32Array.from(data.values), data.dims);
  };
  const needLive = (name: string | undefined): Val => (name ? live.get(name) : undefined) ?? refuse(`"${name}" is not a live value`);

  let dropped: string | undefined;
  if (compiled.droppedSoftmax) {
    const last = onnx.nodes.find((n) => n.outputs[0] === onnx.output.name)!;
    dropped = last.inputs[0];
  }
  const outName = dropped ?? onnx.output.name;

  for (const n of compiled.plan) {
    const ins = n.inputs.filter((i) => i);
    if (ins.every((i) => folded.has(i))) {
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
    const out = n.outputs[0]!;
    const outShape = shapeOf(out);
    const result = writeNode(n, outShape);
    live.set(out, { name: result.name, shape: outShape });
    tape.push({ out, back: result.back });
  }

  function writeNode(n: OnnxNode, outShape: number[]): { name: string; back: Taped["back"] } {
    const a = n.attrs;
    const i0 = n.inputs[0];
    switch (n.opType) {
      case "Identity":
      case "Dropout": {
        const v = needLive(i0);
        return { name: v.name, back: (dy) => [[i0!, dy]] };
      }
      case "Relu": {
        const v = needLive(i0);
        return { name: g.add("Relu", [v.name], { T }), back: (dy) => [[i0!, g.add("ReluGrad", [dy, v.name], { T })]] };
      }
      case "Conv": return conv(n, outShape);
      case "BatchNormalization": {
        if (num(a, "training_mode", 0) !== 0) refuse("BatchNormalization in training mode");
        const v = needLive(i0);
        if (v.shape.length !== 4 && v.shape.length !== 2) refuse("BatchNormalization on a rank other than 2 or 4");
        // The executor's arithmetic, so the folded scale and shift are the same float32 numbers.
        const [scale, bias, mean, variance] = [1, 2, 3, 4].map((k) => constOf(n.inputs[k]));
        const { m, s } = tf.tidy(() => {
          const mm = tf.mul(scale!, tf.rsqrt(tf.add(variance!, num(a, "epsilon", 1e-5))));
          return { m: mm.dataSync() as Float32Array, s: tf.sub(bias!, tf.mul(mean!, mm)).dataSync() as Float32Array };
        });
        const mc = floats(m, [m.length]);
        const y = g.add("Add", [mul(v.name, mc), floats(s, [s.length])], { T });
        return { name: y, back: (dy) => [[i0!, mul(dy, mc)]] };
      }
      case "Add":
      case "Sub":
      case "Mul":
      case "Div": return binary(n, outShape);
      case "GlobalAveragePool": {
        const v = needLive(i0);
        if (v.shape.length !== 4) refuse("GlobalAveragePool on a rank other than 4");
        const y = g.add("Mean", [v.name, int32([1, 2])], { T, Tidx: { type: DT.INT32 }, keep_dims: b(true) });
        const inv = floats([1 / (v.shape[2]! * v.shape[3]!)], []);
        return { name: y, back: (dy) => [[i0!, g.add("BroadcastTo", [mul(dy, inv), g.shape(v.name)], { T, Tidx: { type: DT.INT32 } })]] };
      }
      case "MaxPool":
      case "AveragePool": return pool(n, outShape);
      case "Flatten": {
        const v = needLive(i0);
        const axis = num(a, "axis", 1);
        if (axis !== 1 && axis !== 1 - v.shape.length) refuse("Flatten on an axis other than 1");
        return toShape(i0!, v, outShape);
      }
      case "Reshape": return toShape(i0!, needLive(i0), outShape);
      case "Transpose": {
        const v = needLive(i0);
        const r = v.shape.length;
        const p = intList(a, "perm") ?? [...Array(r).keys()].reverse();
        if (p[0] !== 0) refuse("a Transpose that moves the batch");
        // Internal layout = ONNX layout moved by `q` (channels last for rank 4); compose the three moves.
        const q = r === 4 ? TO_NHWC : [...Array(r).keys()];
        const qInv = r === 4 ? TO_NCHW : q;
        const perm = q.map((qi) => qInv[p[qi]!]!);
        const inv = perm.map((_, i) => perm.indexOf(i));
        return { name: transpose(v.name, perm), back: (dy) => [[i0!, transpose(dy, inv)]] };
      }
      case "Gemm":
      case "MatMul": return matmul(n);
      default: return refuse(`op ${n.opType}`);
    }
  }

  function conv(n: OnnxNode, outShape: number[]): { name: string; back: Taped["back"] } {
    const a = n.attrs;
    const v = needLive(n.inputs[0]);
    const w = constOf(n.inputs[1]);
    if (v.shape.length !== 4 || w.rank !== 4) refuse("a Conv that is not 2-D");
    if (num(a, "group", 1) !== 1) refuse("a grouped Conv");
    if ((intList(a, "dilations") ?? [1, 1]).some((d) => d !== 1)) refuse("a dilated Conv");
    const [m, c, kh, kw] = w.shape as number[];
    if (c !== v.shape[1]) refuse("Conv weights for another channel count");
    const strides = intList(a, "strides") ?? [1, 1];
    const hw = v.shape.slice(2);
    const [top, left, bottom, right] = padsOf(a, hw, [kh!, kw!], strides);
    const expect = [(hw[0]! + top! + bottom! - kh!) / strides[0]!, (hw[1]! + left! + right! - kw!) / strides[1]!].map((s) => Math.floor(s) + 1);
    if (expect[0] !== outShape[2] || expect[1] !== outShape[3] || outShape[1] !== m) refuse("Conv output shape differs from the probe");
    const kernel = tf.tidy(() => tf.transpose(w, [2, 3, 1, 0]).dataSync() as Float32Array);
    const k = g.constant(Float32Array.from(kernel), [kh!, kw!, c!, m!]);
    const attrs: Record<string, AttrMsg> = { T, strides: ints([1, strides[0]!, strides[1]!, 1]), data_format: str("NHWC"), dilations: ints([1, 1, 1, 1]), padding: str("VALID") };
    // Pad, then a VALID convolution: the executor's own sequence, so the forward pass gives the same float32
    // numbers (Conv2D's EXPLICIT padding rounds differently, enough to flip a ReLU gate now and then).
    const padded = top || left || bottom || right;
    const src = padded ? g.add("Pad", [v.name, g.constant(Int32Array.from([0, 0, top!, bottom!, left!, right!, 0, 0]), [4, 2])], { T, Tpaddings: { type: DT.INT32 } }) : v.name;
    let y = g.add("Conv2D", [src, k], attrs);
    if (n.inputs[2]) {
      const bias = constOf(n.inputs[2]);
      y = g.add("BiasAdd", [y, floats(bias.dataSync(), [m!])], { T, data_format: str("NHWC") });
    }
    return {
      name: y,
      back: (dy) => {
        const dx = g.add("Conv2DBackpropInput", [g.shape(src), k, dy], attrs);
        return [[n.inputs[0]!, padded ? crop(dx, top!, left!, hw) : dx]];
      },
    };
  }

  function pool(n: OnnxNode, outShape: number[]): { name: string; back: Taped["back"] } {
    const a = n.attrs;
    const v = needLive(n.inputs[0]);
    if (v.shape.length !== 4) refuse("a pool that is not 2-D");
    const k = intList(a, "kernel_shape") ?? refuse("kernel_shape missing");
    const strides = intList(a, "strides") ?? [1, 1];
    if ((intList(a, "dilations") ?? [1, 1]).some((d) => d !== 1) || num(a, "storage_order", 0) !== 0) refuse("dilated or column-major pooling");
    const hw = v.shape.slice(2);
    const [top, left, bottom, right] = padsOf(a, hw, k, strides);
    // ceil_mode may add a window past the end; the explicit output size from the probe tells.
    const size = (i: number, lo: number, hi: number) => Math.floor((hw[i]! + lo + hi - k[i]!) / strides[i]!) + 1;
    const extra = [outShape[2]! - size(0, top!, bottom!), outShape[3]! - size(1, left!, right!)];
    if (extra.some((e) => e !== 0)) refuse("ceil_mode adding windows");
    const attrs = { T, ksize: ints([1, k[0]!, k[1]!, 1]), strides: ints([1, strides[0]!, strides[1]!, 1]), padding: str("VALID"), data_format: str("NHWC") };
    const padded = top || left || bottom || right;
    if (n.opType === "AveragePool") {
      if (padded) refuse("a padded AveragePool");
      const y = g.add("AvgPool", [v.name], attrs);
      return { name: y, back: (dy) => [[n.inputs[0]!, g.add("AvgPoolGrad", [g.shape(v.name), dy], attrs)]] };
    }
    let src = v.name;
    if (padded) {
      // The executor pads with a finite floor; the same here, and the pad's gradient is a crop.
      const paddings = g.constant(Int32Array.from([0, 0, top!, bottom!, left!, right!, 0, 0]), [4, 2]);
      src = g.add("PadV2", [v.name, paddings, floats([-3.4e38], [])], { T, Tpaddings: { type: DT.INT32 } });
    }
    const y = g.add("MaxPool", [src], attrs);
    return {
      name: y,
      back: (dy) => {
        let dx = g.add("MaxPoolGrad", [src, y, dy], attrs);
        if (padded) dx = crop(dx, top!, left!, hw);
        return [[n.inputs[0]!, dx]];
      },
    };
  }

  /** Reshape/Flatten: to the ONNX layout, reshape with the batch free, back to channels last if rank 4. */
  function toShape(input: string, v: Val, outShape: number[]): { name: string; back: Taped["back"] } {
    if (prod(outShape.slice(1)) !== prod(v.shape.slice(1))) refuse("a reshape that moves the batch");
    // Channels last and first hold the same order when height and width are 1 (after a global pool).
    const needsMove = (s: number[]) => s.length === 4 && s[2]! * s[3]! !== 1;
    let y = needsMove(v.shape) ? transpose(v.name, TO_NCHW) : v.name;
    const internal = (s: number[]) => (s.length === 4 && !needsMove(s) ? [-1, s[2]!, s[3]!, s[1]!] : s);
    y = reshape(y, int32(internal(outShape)));
    if (needsMove(outShape)) y = transpose(y, TO_NHWC);
    return {
      name: y,
      back: (dy) => {
        let d = needsMove(outShape) ? transpose(dy, TO_NCHW) : dy;
        d = reshape(d, int32(internal(v.shape)));
        if (needsMove(v.shape)) d = transpose(d, TO_NHWC);
        return [[input, d]];
      },
    };
  }

  function binary(n: OnnxNode, outShape: number[]): { name: string; back: Taped["back"] } {
    const [p, q] = n.inputs;
    const lp = live.get(p!), lq = live.get(q!);
    const same = (s: number[]) => s.length === outShape.length && s.every((d, i) => d === outShape[i]);
    const op = { Add: "Add", Sub: "Sub", Mul: "Mul", Div: "RealDiv" }[n.opType]!;
    if (lp && lq) {
      if (!same(lp.shape) || !same(lq.shape)) refuse("a broadcast between two live values");
      const y = g.add(op, [lp.name, lq.name], { T });
      if (n.opType === "Add") return { name: y, back: (dy) => [[p!, dy], [q!, dy]] };
      if (n.opType === "Sub") return { name: y, back: (dy) => [[p!, dy], [q!, g.add("Neg", [dy], { T })]] };
      if (n.opType === "Mul") return { name: y, back: (dy) => [[p!, mul(dy, lq.name)], [q!, mul(dy, lp.name)]] };
      return refuse("a division of two live values");
    }
    const v = (lp ?? lq)!;
    const liveFirst = !!lp;
    const liveName = liveFirst ? p! : q!;
    if (!same(v.shape)) refuse("a constant operand that widens the live one");
    if (shapeOnly.has(liveFirst ? q! : p!)) refuse("a shape-derived operand");
    const c = constLike(constOf(liveFirst ? q : p), v.shape.length);
    const y = g.add(op, liveFirst ? [v.name, c] : [c, v.name], { T });
    switch (n.opType) {
      case "Add": return { name: y, back: (dy) => [[liveName, dy]] };
      case "Sub": return { name: y, back: (dy) => [[liveName, liveFirst ? dy : g.add("Neg", [dy], { T })]] };
      case "Mul": return { name: y, back: (dy) => [[liveName, mul(dy, c)]] };
      default:
        if (!liveFirst) refuse("a division by a live value");
        return { name: y, back: (dy) => [[liveName, g.add("RealDiv", [dy, c], { T })]] };
    }
  }

  function matmul(n: OnnxNode): { name: string; back: Taped["back"] } {
    const a = n.attrs;
    const v = needLive(n.inputs[0]);
    const w = constOf(n.inputs[1]);
    if (v.shape.length !== 2 || w.rank !== 2) refuse("a matrix product not of a matrix by a constant matrix");
    const gemm = n.opType === "Gemm";
    if (gemm && num(a, "transA", 0) !== 0) refuse("Gemm with transA");
    const transB = gemm && num(a, "transB", 0) === 1;
    const alpha = gemm ? num(a, "alpha", 1) : 1, beta = gemm ? num(a, "beta", 1) : 1;
    const k = g.constant(Float32Array.from(w.dataSync()), w.shape);
    let y = g.add("MatMul", [v.name, k], { T, transpose_a: b(false), transpose_b: b(transB) });
    const al = alpha !== 1 ? floats([alpha], []) : undefined;
    if (al) y = mul(y, al);
    const cName = gemm ? n.inputs[2] : undefined;
    if (cName && beta !== 0) {
      const c = constOf(cName);
      if (c.rank === 2 && c.shape[0] !== 1) refuse("a Gemm bias with a fixed batch");
      const cv = tf.tidy(() => (beta === 1 ? c.dataSync() : tf.mul(c, beta).dataSync()) as Float32Array);
      y = g.add("Add", [y, floats(cv, c.shape)], { T });
    }
    return {
      name: y,
      back: (dy) => [[n.inputs[0]!, g.add("MatMul", [al ? mul(dy, al) : dy, k], { T, transpose_a: b(false), transpose_b: b(!transB) })]],
    };
  }

  // The scores: [N, K], or [N, K, 1, 1] (which the executor reshapes; channels last holds the same order).
  const scores = needLive(outName);
  if (scores.shape.slice(2).some((d) => d !== 1) || scores.shape[1] !== numClasses) refuse("scores of another shape");
  const logits = scores.shape.length === 2 ? scores.name : reshape(scores.name, int32([-1, numClasses]));

  const sum = (parts: string[]) => (parts.length === 1 ? parts[0]! : g.add("AddN", parts, { N: { i: parts.length }, T }));
  const backward: Backward = (dLogits) => {
    const grads = new Map<string, string[]>();
    const push = (name: string, d: string) => grads.set(name, [...(grads.get(name) ?? []), d]);
    push(outName, scores.shape.length === 2 ? dLogits : reshape(dLogits, g.shape(scores.name)));
    for (let i = tape.length - 1; i >= 0; i--) {
      const t = tape[i]!;
      const parts = grads.get(t.out);
      if (!parts) continue;
      for (const [input, d] of t.back(sum(parts))) if (live.has(input)) push(input, d);
    }
    let d = sum(grads.get(onnx.input.name) ?? refuse("no gradient reaches the input"));
    if (inputTransposed) d = transpose(d, TO_NCHW);
    if (std) d = g.add("RealDiv", [d, std], { T });
    return d;
  };
  return finishStep(g, { x, onehot, logits, back: [backward], inputShape, numClasses });
}
