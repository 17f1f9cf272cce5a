import * as tf from "@tensorflow/tfjs";
import { dilateFilter } from "../model";
import type { AttrValue, ConstTensor, OnnxNode } from "./graph";

/*
 * ONNX operators as TensorFlow.js ops. Every float computation goes through ordinary tf ops, so input
 * gradients come from tf's autograd on every backend. Integer tensors (shapes, indices) are int32 tf
 * tensors; where an op needs their values (a Reshape target, Slice bounds, axes) it reads them with
 * dataSync — they are tiny and never on the gradient path. ONNX is channels-first (NCHW); tf's convolutions
 * and pools are channels-last, so those ops transpose in and out.
 */

export type Attrs = Record<string, AttrValue>;
type In = (tf.Tensor | undefined)[];
export type OpFn = (ins: In, a: Attrs, node: OnnxNode) => (tf.Tensor | undefined)[];

export class OpError extends Error {}
const fail = (node: OnnxNode, msg: string): never => {
  throw new OpError(`node "${node.name}" (${node.opType}): ${msg}`);
};

const int = (a: Attrs, k: string, d: number): number => (typeof a[k] === "number" ? (a[k] as number) : d);
const flt = int;
const ints = (a: Attrs, k: string): number[] | undefined => (Array.isArray(a[k]) ? (a[k] as number[]) : undefined);
const str = (a: Attrs, k: string, d: string): string => (typeof a[k] === "string" ? (a[k] as string) : d);
/** The values of a small integer (or float) tensor input. */
const vals = (t: tf.Tensor): number[] => Array.from(t.dataSync());
const need = (ins: In, i: number, node: OnnxNode): tf.Tensor => ins[i] ?? fail(node, `input ${i + 1} is missing`);
const axisOf = (axis: number, rank: number) => (axis < 0 ? axis + rank : axis);

export function constToTensor(c: ConstTensor): tf.Tensor {
  return tf.tensor(c.data, c.dims, c.dtype);
}

const asFloat = (t: tf.Tensor) => (t.dtype === "float32" ? t : tf.cast(t, "float32"));

/** Same dtype for binary ops: int op float promotes to float (ONNX models should not mix, but exporters' shape math may). */
function binary(f: (a: tf.Tensor, b: tf.Tensor) => tf.Tensor): OpFn {
  return (ins, _a, node) => {
    let x = need(ins, 0, node), y = need(ins, 1, node);
    if (x.dtype !== y.dtype) { x = asFloat(x); y = asFloat(y); }
    return [f(x, y)];
  };
}
const unary = (f: (x: tf.Tensor) => tf.Tensor): OpFn => (ins, _a, node) => [f(need(ins, 0, node))];

type Pads = [number, number, number, number]; // top, left, bottom, right

/** Padding of a 2-D window op from auto_pad / pads (ONNX order: begins then ends). */
export function windowPads(a: Attrs, node: OnnxNode, inHW: number[], kEff: number[], strides: number[]): Pads {
  const auto = str(a, "auto_pad", "NOTSET");
  if (auto === "VALID") return [0, 0, 0, 0];
  if (auto === "SAME_UPPER" || auto === "SAME_LOWER") {
    const total = inHW.map((n, i) => Math.max(0, (Math.ceil(n / strides[i]) - 1) * strides[i] + kEff[i] - n));
    const lo = total.map((t) => (auto === "SAME_UPPER" ? Math.floor(t / 2) : Math.ceil(t / 2)));
    return [lo[0], lo[1], total[0] - lo[0], total[1] - lo[1]];
  }
  if (auto !== "NOTSET") fail(node, `auto_pad "${auto}" is not an ONNX value`);
  const p = ints(a, "pads") ?? [0, 0, 0, 0];
  if (p.length !== 4) fail(node, `pads has ${p.length} values; 2-D windows need 4`);
  return [p[0], p[1], p[2], p[3]];
}

const toNHWC = (x: tf.Tensor) => tf.transpose(x, [0, 2, 3, 1]) as tf.Tensor4D;
const toNCHW = (x: tf.Tensor) => tf.transpose(x, [0, 3, 1, 2]);
const padHW = (x: tf.Tensor4D, p: Pads, value = 0) =>
  p.some((v) => v !== 0) ? (tf.pad(x, [[0, 0], [p[0], p[2]], [p[1], p[3]], [0, 0]], value) as tf.Tensor4D) : x;

/** 1-D window ops run as 2-D ones with a unit height. */
function as2d(x: tf.Tensor, a: Attrs, keys: string[]): { x: tf.Tensor; a: Attrs; back: (y: tf.Tensor) => tf.Tensor } {
  if (x.rank !== 3) return { x, a, back: (y) => y };
  const b: Attrs = { ...a };
  for (const k of keys) {
    const v = ints(a, k);
    if (v) b[k] = k === "pads" ? [0, v[0], 0, v[1]] : [1, v[0]];
  }
  return { x: tf.expandDims(x, 2), a: b, back: (y) => tf.squeeze(y, [2]) };
}

const conv: OpFn = (ins, attrs, node) => {
  const x0 = need(ins, 0, node), w0 = need(ins, 1, node), bias = ins[2];
  if (x0.rank !== 4 && x0.rank !== 3) fail(node, `a ${x0.rank - 2}-D convolution; the engine supports 1-D and 2-D`);
  const { x, a, back } = as2d(x0, attrs, ["strides", "dilations", "pads", "kernel_shape"]);
  const w = w0.rank === 3 ? tf.expandDims(w0, 2) : w0;
  const [m, cg, kh, kw] = w.shape;
  const c = x.shape[1]!;
  const g = int(a, "group", 1);
  if (cg * g !== c) fail(node, `weights for ${cg * g} input channels, input has ${c}`);
  const strides = (ints(a, "strides") ?? [1, 1]) as [number, number];
  const dil = ints(a, "dilations") ?? [1, 1];
  const pads = windowPads(a, node, x.shape.slice(2), [(kh - 1) * dil[0] + 1, (kw - 1) * dil[1] + 1], strides);
  const xh = padHW(toNHWC(x), pads);
  const k = tf.transpose(w, [2, 3, 1, 0]) as tf.Tensor4D; // [kh, kw, C/g, M]
  let y: tf.Tensor4D;
  if (g === 1) {
    y = tf.conv2d(xh, dilateFilter(k, dil[0], dil[1]), strides, "valid");
  } else if (cg === 1 && m % g === 0) {
    // Depthwise: output channel c*mult+j reads input channel c, the order tf's depthwise filter uses.
    const dk = tf.reshape(tf.transpose(w, [2, 3, 0, 1]), [kh, kw, c, m / c]) as tf.Tensor4D;
    y = tf.depthwiseConv2d(xh, dilateFilter(dk, dil[0], dil[1]), strides, "valid");
  } else {
    const xs = tf.split(xh, g, 3);
    const ks = tf.split(k, g, 3);
    y = tf.concat(xs.map((xi, i) => tf.conv2d(xi as tf.Tensor4D, dilateFilter(ks[i] as tf.Tensor4D, dil[0], dil[1]), strides, "valid")), 3) as tf.Tensor4D;
  }
  if (bias) y = tf.add(y, bias);
  return [back(toNCHW(y))];
};

function pool(kind: "max" | "avg"): OpFn {
  return (ins, attrs, node) => {
    const x0 = need(ins, 0, node);
    if (x0.rank !== 4 && x0.rank !== 3) fail(node, `a ${x0.rank - 2}-D pool; the engine supports 1-D and 2-D`);
    const { x, a, back } = as2d(x0, attrs, ["strides", "dilations", "pads", "kernel_shape"]);
    const k = ints(a, "kernel_shape") ?? fail(node, "kernel_shape is missing");
    const strides = ints(a, "strides") ?? [1, 1];
    if ((ints(a, "dilations") ?? [1, 1]).some((d) => d !== 1)) fail(node, "dilated pooling is not supported");
    if (int(a, "storage_order", 0) !== 0) fail(node, "storage_order 1 is not supported");
    const inHW = x.shape.slice(2);
    const pads = windowPads(a, node, inHW, k, strides);
    // ceil_mode: windows may start past the end of the padded input as long as they start inside it.
    const extra = [0, 1].map((i) => {
      if (!int(a, "ceil_mode", 0)) return 0;
      const span = inHW[i] + pads[i] + pads[i + 2] - k[i];
      let out = Math.ceil(span / strides[i]) + 1;
      if ((out - 1) * strides[i] >= inHW[i] + pads[i]) out -= 1;
      return Math.max(0, (out - 1) * strides[i] + k[i] - (inHW[i] + pads[i] + pads[i + 2]));
    });
    const all: Pads = [pads[0], pads[1], pads[2] + extra[0], pads[3] + extra[1]];
    const xh = toNHWC(x);
    let y: tf.Tensor4D;
    if (kind === "max") {
      // A finite floor instead of -Infinity keeps every backend's pooling gradient free of NaN.
      y = tf.maxPool(padHW(xh, all, -3.4e38), k as [number, number], strides as [number, number], "valid");
    } else {
      const summed = tf.avgPool(padHW(xh, all), k as [number, number], strides as [number, number], "valid");
      const included = int(a, "count_include_pad", 0) ? pads : ([0, 0, 0, 0] as Pads);
      const explicitPad = all.some((v) => v !== 0);
      if (!explicitPad) {
        y = summed;
      } else {
        // Average over the cells that count: the window's mean of x divided by its mean of a 0/1 mask.
        const ones = tf.ones([1, inHW[0] + included[0] + included[2], inHW[1] + included[1] + included[3], 1]) as tf.Tensor4D;
        const rest: Pads = [all[0] - included[0], all[1] - included[1], all[2] - included[2], all[3] - included[3]];
        const frac = tf.avgPool(padHW(ones, rest), k as [number, number], strides as [number, number], "valid");
        y = tf.div(summed, frac) as tf.Tensor4D;
      }
    }
    return [back(toNCHW(y))];
  };
}

const softmaxOn = (f: (x: tf.Tensor) => tf.Tensor): OpFn => (ins, a, node) => {
  const x = need(ins, 0, node);
  const axis = axisOf(int(a, "axis", -1), x.rank);
  if (axis === x.rank - 1) return [f(x)];
  const perm = [...Array(x.rank).keys()];
  [perm[axis], perm[x.rank - 1]] = [perm[x.rank - 1], perm[axis]];
  return [tf.transpose(f(tf.transpose(x, perm)), perm)];
};

/** Broadcast a per-channel vector [C] over an N C ... tensor. */
const perChannel = (v: tf.Tensor, rank: number) => tf.reshape(v, [-1, ...Array(rank - 2).fill(1)]);

function reduce(f: (x: tf.Tensor, axes: number[], keep: boolean) => tf.Tensor, axesAsInput: (opset: number) => boolean): (opset: number) => OpFn {
  return (opset) => (ins, a, node) => {
    const x = need(ins, 0, node);
    const axesRaw = axesAsInput(opset) ? (ins[1] ? vals(ins[1]) : undefined) : ints(a, "axes");
    const keep = int(a, "keepdims", 1) === 1;
    if (!axesRaw || axesRaw.length === 0) {
      if (int(a, "noop_with_empty_axes", 0)) return [x];
      return [f(x, [...Array(x.rank).keys()], keep)];
    }
    return [f(x, axesRaw.map((v) => axisOf(v, x.rank)), keep)];
  };
}

function sliceOp(ins: In, node: OnnxNode): tf.Tensor {
  let x = need(ins, 0, node);
  const starts = vals(need(ins, 1, node));
  const ends = vals(need(ins, 2, node));
  const axes = ins[3] ? vals(ins[3]).map((v) => axisOf(v, x.rank)) : starts.map((_, i) => i);
  const steps = ins[4] ? vals(ins[4]) : starts.map(() => 1);
  const begin = Array(x.rank).fill(0), end = [...x.shape], stride = Array(x.rank).fill(1);
  for (const [i, ax] of axes.entries()) {
    const dim = x.shape[ax];
    let s = starts[i] < 0 ? starts[i] + dim : starts[i];
    let e = ends[i] < 0 ? ends[i] + dim : ends[i];
    const st = steps[i];
    if (st === 0) fail(node, "a slice step of 0");
    if (st > 0) {
      s = Math.min(Math.max(s, 0), dim); e = Math.min(Math.max(e, 0), dim);
      begin[ax] = s; end[ax] = Math.max(s, e); stride[ax] = st;
    } else {
      // Walk the reversed axis forwards: index j counts from the end.
      s = Math.min(Math.max(s, 0), dim - 1); e = Math.min(Math.max(e, -1), dim - 1);
      x = tf.reverse(x, ax);
      begin[ax] = dim - 1 - s; end[ax] = Math.max(dim - 1 - s, dim - 1 - e); stride[ax] = -st;
    }
  }
  if (stride.every((v) => v === 1)) return tf.slice(x, begin, end.map((e, i) => e - begin[i]));
  return tf.stridedSlice(x, begin, end, stride);
}

function gatherOp(ins: In, a: Attrs, node: OnnxNode): tf.Tensor {
  const x = need(ins, 0, node), idx = need(ins, 1, node);
  const axis = axisOf(int(a, "axis", 0), x.rank);
  const dim = x.shape[axis];
  const iv = vals(idx).map((v) => (v < 0 ? v + dim : v));
  if (iv.some((v) => v < 0 || v >= dim)) fail(node, `an index outside 0..${dim - 1}`);
  const outShape = [...x.shape.slice(0, axis), ...idx.shape, ...x.shape.slice(axis + 1)];
  // Few indices (a class token, one position) as slices: their gradient is a plain pad on every backend
  // (tf.gather's gradient needs UnsortedSegmentSum, which the wasm backend lacks).
  if (iv.length <= 16) {
    const parts = iv.map((v) => {
      const begin = x.shape.map((_, i) => (i === axis ? v : 0));
      const size = x.shape.map((d, i) => (i === axis ? 1 : d));
      return tf.slice(x, begin, size);
    });
    const joined = parts.length === 1 ? parts[0] : parts.length === 0 ? tf.slice(x, x.shape.map(() => 0), x.shape.map((d, i) => (i === axis ? 0 : d))) : tf.concat(parts, axis);
    return tf.reshape(joined, outShape);
  }
  return tf.reshape(tf.gather(x, tf.tensor1d(iv, "int32"), axis), outShape);
}

function padOp(ins: In, a: Attrs, node: OnnxNode): tf.Tensor {
  let x = need(ins, 0, node);
  const raw = vals(need(ins, 1, node));
  const mode = str(a, "mode", "constant");
  const value = ins[2] ? vals(ins[2])[0] ?? 0 : 0;
  const axes = ins[3] ? vals(ins[3]).map((v) => axisOf(v, x.rank)) : [...Array(x.rank).keys()];
  if (raw.length !== 2 * axes.length) fail(node, `pads has ${raw.length} values for ${axes.length} axes`);
  const before = Array(x.rank).fill(0), after = Array(x.rank).fill(0);
  axes.forEach((ax, i) => { before[ax] = raw[i]; after[ax] = raw[i + axes.length]; });
  // Negative pads crop.
  if (before.some((v) => v < 0) || after.some((v) => v < 0)) {
    const b = before.map((v) => Math.max(0, -v));
    x = tf.slice(x, b, x.shape.map((d, i) => d - b[i] - Math.max(0, -after[i])));
  }
  const pb = before.map((v) => Math.max(0, v)), pa = after.map((v) => Math.max(0, v));
  if (pb.every((v) => v === 0) && pa.every((v) => v === 0)) return x;
  const paddings = pb.map((v, i) => [v, pa[i]] as [number, number]);
  if (mode === "constant") return tf.pad(x, paddings, value);
  if (mode === "reflect") return tf.mirrorPad(x, paddings, "reflect");
  if (mode === "edge") {
    let y = x;
    for (let ax = 0; ax < y.rank; ax++) {
      const [lo, hi] = paddings[ax];
      if (!lo && !hi) continue;
      const d = y.shape[ax];
      const edge = (at: number, n: number) => tf.tile(tf.slice(y, y.shape.map((_, i) => (i === ax ? at : 0)), y.shape.map((s, i) => (i === ax ? 1 : s))), y.shape.map((_, i) => (i === ax ? n : 1)));
      y = tf.concat([...(lo ? [edge(0, lo)] : []), y, ...(hi ? [edge(d - 1, hi)] : [])], ax);
    }
    return y;
  }
  return fail(node, `pad mode "${mode}" is not supported`);
}

function castTo(to: number, x: tf.Tensor, node: OnnxNode): tf.Tensor {
  // 1 float, 10 float16, 11 double, 16 bfloat16 -> float32; 9 bool; the integer types -> int32.
  if ([1, 10, 11, 16].includes(to)) return asFloat(x);
  if (to === 9) return x.dtype === "bool" ? x : tf.notEqual(x, 0);
  if ([2, 3, 4, 5, 6, 7, 12, 13].includes(to)) return x.dtype === "int32" ? x : tf.cast(x, "int32");
  return fail(node, `Cast to data type ${to} is not supported`);
}

const matMul: OpFn = (ins, _a, node) => {
  let x = asFloat(need(ins, 0, node)), y = asFloat(need(ins, 1, node));
  const xv = x.rank === 1, yv = y.rank === 1;
  if (xv) x = tf.expandDims(x, 0);
  if (yv) y = tf.expandDims(y, 1);
  let out: tf.Tensor;
  if (y.rank === 2 && x.rank > 2) {
    const lead = x.shape.slice(0, -1);
    out = tf.reshape(tf.matMul(tf.reshape(x, [-1, x.shape[x.rank - 1]]) as tf.Tensor2D, y as tf.Tensor2D), [...lead, y.shape[1]!]);
  } else {
    // Batched: bring both to the same rank (tf broadcasts equal-rank batch dimensions).
    while (x.rank < y.rank) x = tf.expandDims(x, 0);
    while (y.rank < x.rank) y = tf.expandDims(y, 0);
    out = tf.matMul(x, y);
  }
  if (xv) out = tf.squeeze(out, [out.rank - 2]);
  if (yv) out = tf.squeeze(out, [out.rank - 1]);
  return [out];
};

const SQRT1_2 = Math.SQRT1_2;
const gelu = (x: tf.Tensor, approximate: string) =>
  approximate === "tanh"
    ? tf.mul(tf.mul(x, 0.5), tf.add(1, tf.tanh(tf.mul(Math.sqrt(2 / Math.PI), tf.add(x, tf.mul(0.044715, tf.pow(x, 3)))))))
    : tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.mul(x, SQRT1_2))));

function unsqueezeTo(x: tf.Tensor, axes: number[]): tf.Tensor {
  const rank = x.rank + axes.length;
  const norm = new Set(axes.map((v) => axisOf(v, rank)));
  const shape: number[] = [];
  let j = 0;
  for (let i = 0; i < rank; i++) shape.push(norm.has(i) ? 1 : x.shape[j++]);
  return tf.reshape(x, shape);
}

const hardSigmoid = (x: tf.Tensor, alpha: number, beta: number) => tf.clipByValue(tf.add(tf.mul(x, alpha), beta), 0, 1);

/**
 * gamma · (x > 0 ? x : alpha · (eᵡ − 1)) for ELU (gamma 1) and SELU, as relu(x) + alpha · (e^min(x, 0) − 1):
 * the same values, no comparison on the gradient's path (tfjs has no gradient for Greater), and an exponential
 * that cannot overflow for large inputs.
 */
function eluOf(x: tf.Tensor, alpha: number, gamma: number): tf.Tensor {
  const y = tf.add(tf.relu(x), tf.mul(tf.sub(tf.exp(tf.minimum(x, 0)), 1), alpha));
  return gamma === 1 ? y : tf.mul(y, gamma);
}

/** The operators the engine implements, by op type; some depend on the model's opset. */
export function opTable(opset: number): Record<string, OpFn> {
  return {
    Conv: conv,
    MaxPool: pool("max"),
    AveragePool: pool("avg"),
    GlobalAveragePool: unary((x) => tf.mean(x, [...Array(x.rank).keys()].slice(2), true)),
    GlobalMaxPool: unary((x) => tf.max(x, [...Array(x.rank).keys()].slice(2), true)),
    Gemm: (ins, a, node) => {
      const A = asFloat(need(ins, 0, node)) as tf.Tensor2D, B = asFloat(need(ins, 1, node)) as tf.Tensor2D, C = ins[2];
      let y: tf.Tensor = tf.matMul(A, B, int(a, "transA", 0) === 1, int(a, "transB", 0) === 1);
      const alpha = flt(a, "alpha", 1), beta = flt(a, "beta", 1);
      if (alpha !== 1) y = tf.mul(y, alpha);
      if (C && beta !== 0) y = tf.add(y, beta === 1 ? C : tf.mul(C, beta));
      return [y];
    },
    MatMul: matMul,
    Add: binary(tf.add), Sub: binary(tf.sub), Mul: binary(tf.mul),
    Div: binary((x, y) => (x.dtype === "int32" ? tf.floorDiv(x, y) : tf.div(x, y))),
    Pow: (ins, _a, node) => {
      const x = asFloat(need(ins, 0, node)), y = asFloat(need(ins, 1, node));
      // x^2 and x^3 (LayerNorm variance, tanh-GELU) as products: differentiable at x <= 0 on every backend.
      if (y.size === 1) {
        const e = y.dataSync()[0];
        if (e === 2) return [tf.mul(x, x)];
        if (e === 1) return [x];
        if (e === 0.5) return [tf.sqrt(x)];
      }
      return [tf.pow(x, y)];
    },
    Sqrt: unary(tf.sqrt), Erf: unary(tf.erf), Exp: unary(tf.exp), Log: unary(tf.log), Neg: unary(tf.neg), Abs: unary(tf.abs),
    Reciprocal: unary(tf.reciprocal),
    Max: (ins) => [ins.filter((t): t is tf.Tensor => !!t).reduce((p, q) => tf.maximum(p, q))],
    Min: (ins) => [ins.filter((t): t is tf.Tensor => !!t).reduce((p, q) => tf.minimum(p, q))],
    Sum: (ins) => [ins.filter((t): t is tf.Tensor => !!t).reduce((p, q) => tf.add(p, q))],
    Mean: (ins) => {
      const xs = ins.filter((t): t is tf.Tensor => !!t);
      return [tf.div(xs.reduce((p, q) => tf.add(p, q)), xs.length)];
    },
    Relu: unary(tf.relu),
    LeakyRelu: (ins, a, node) => [tf.leakyRelu(need(ins, 0, node), flt(a, "alpha", 0.01))],
    Sigmoid: unary(tf.sigmoid), Tanh: unary(tf.tanh), Softplus: unary(tf.softplus),
    Softsign: unary((x) => tf.div(x, tf.add(tf.abs(x), 1))),
    // MobileNetV3's activations (PyTorch exports nn.Hardsigmoid / nn.Hardswish as these).
    HardSigmoid: (ins, a, node) => [hardSigmoid(need(ins, 0, node), flt(a, "alpha", 0.2), flt(a, "beta", 0.5))],
    HardSwish: unary((x) => tf.mul(x, hardSigmoid(x, 1 / 6, 0.5))),
    // relu(x) − slope · relu(−x): the same values, and no comparison on the gradient's path (tfjs has no
    // gradient for Less or Greater). The slope broadcasts one way onto x (PyTorch: [C, 1, 1] for NCHW).
    PRelu: (ins, _a, node) => {
      const x = need(ins, 0, node), slope = need(ins, 1, node);
      return [tf.sub(tf.relu(x), tf.mul(slope, tf.relu(tf.neg(x))))];
    },
    Elu: (ins, a, node) => [eluOf(need(ins, 0, node), flt(a, "alpha", 1), 1)],
    // ONNX's defaults are the float32 constants of the SELU paper.
    Selu: (ins, a, node) => [eluOf(need(ins, 0, node), flt(a, "alpha", 1.67326319217681884765625), flt(a, "gamma", 1.05070102214813232421875))],
    Gelu: (ins, a, node) => [gelu(need(ins, 0, node), str(a, "approximate", "none"))],
    Softmax: softmaxOn((x) => tf.softmax(x)),
    LogSoftmax: softmaxOn((x) => tf.logSoftmax(x)),
    BatchNormalization: (ins, a, node) => {
      if (int(a, "training_mode", 0) === 1) fail(node, "training_mode 1 (batch statistics): export the model in eval() mode");
      const x = need(ins, 0, node);
      const [scale, bias, mean, variance] = [1, 2, 3, 4].map((i) => perChannel(need(ins, i, node), x.rank));
      const mul = tf.mul(scale, tf.rsqrt(tf.add(variance, flt(a, "epsilon", 1e-5))));
      return [tf.add(tf.mul(x, mul), tf.sub(bias, tf.mul(mean, mul)))];
    },
    LayerNormalization: (ins, a, node) => {
      const x = need(ins, 0, node), scale = need(ins, 1, node), bias = ins[2];
      const axis = axisOf(int(a, "axis", -1), x.rank);
      const axes = [...Array(x.rank).keys()].slice(axis);
      const mean = tf.mean(x, axes, true);
      const d = tf.sub(x, mean);
      const variance = tf.mean(tf.mul(d, d), axes, true);
      let y = tf.mul(tf.mul(d, tf.rsqrt(tf.add(variance, flt(a, "epsilon", 1e-5)))), scale);
      if (bias) y = tf.add(y, bias);
      return [y];
    },
    Flatten: (ins, a, node) => {
      const x = need(ins, 0, node);
      const axis = axisOf(int(a, "axis", 1), x.rank);
      const lead = x.shape.slice(0, axis).reduce((p, q) => p * q, 1);
      return [tf.reshape(x, [lead, x.size / Math.max(lead, 1)])];
    },
    Reshape: (ins, a, node) => {
      const x = need(ins, 0, node);
      const target = vals(need(ins, 1, node)).map((v, i) => (v === 0 && !int(a, "allowzero", 0) ? x.shape[i] : v));
      return [tf.reshape(x, target)];
    },
    Transpose: (ins, a, node) => {
      const x = need(ins, 0, node);
      return [tf.transpose(x, ints(a, "perm") ?? [...Array(x.rank).keys()].reverse())];
    },
    Concat: (ins, a, node) => {
      const xs = ins.filter((t): t is tf.Tensor => !!t && t.size > 0);
      if (xs.length === 0) return [need(ins, 0, node)];
      const floats = xs.some((t) => t.dtype === "float32");
      return [tf.concat(floats ? xs.map(asFloat) : xs, axisOf(int(a, "axis", 0), xs[0].rank))];
    },
    Split: (ins, a, node) => {
      const x = need(ins, 0, node);
      const axis = axisOf(int(a, "axis", 0), x.rank);
      const sizes = ins[1] ? vals(ins[1]) : ints(a, "split");
      const n = node.outputs.length;
      if (sizes) return tf.split(x, sizes, axis);
      const parts = opset >= 18 ? int(a, "num_outputs", n) : n;
      const each = Math.ceil(x.shape[axis] / parts);
      const list = Array.from({ length: parts }, (_, i) => Math.min(each, x.shape[axis] - i * each));
      return tf.split(x, list, axis);
    },
    Slice: (ins, _a, node) => [sliceOp(ins, node)],
    Gather: (ins, a, node) => [gatherOp(ins, a, node)],
    Unsqueeze: (ins, a, node) => [unsqueezeTo(need(ins, 0, node), ins[1] ? vals(ins[1]) : ints(a, "axes") ?? fail(node, "axes are missing"))],
    Squeeze: (ins, a, node) => {
      const x = need(ins, 0, node);
      const axes = ins[1] ? vals(ins[1]) : ints(a, "axes");
      return [axes ? tf.squeeze(x, axes.map((v) => axisOf(v, x.rank))) : tf.squeeze(x)];
    },
    Expand: (ins, _a, node) => {
      const x = need(ins, 0, node);
      const shape = vals(need(ins, 1, node));
      const rank = Math.max(x.rank, shape.length);
      const xs = [...Array(rank - x.rank).fill(1), ...x.shape];
      const target = [...Array(rank - shape.length).fill(1), ...shape].map((d, i) => Math.max(d, xs[i]));
      const xr = tf.reshape(x, xs);
      return [target.every((d, i) => d === xs[i]) ? xr : tf.add(xr, tf.zeros(target, x.dtype))];
    },
    Shape: (ins, a, node) => {
      const shape = need(ins, 0, node).shape;
      const r = shape.length;
      const s = axisOf(int(a, "start", 0), r), e = typeof a.end === "number" ? axisOf(a.end as number, r) : r;
      return [tf.tensor1d(shape.slice(Math.max(0, s), Math.min(r, e)), "int32")];
    },
    ConstantOfShape: (ins, a, node) => {
      const shape = vals(need(ins, 0, node));
      const v = a.value as ConstTensor | undefined;
      return [tf.fill(shape, v ? v.data[0] : 0, v?.dtype ?? "float32")];
    },
    Constant: (_ins, a, node) => {
      if (a.value) return [constToTensor(a.value as ConstTensor)];
      if (typeof a.value_float === "number") return [tf.scalar(a.value_float)];
      if (Array.isArray(a.value_floats)) return [tf.tensor1d(a.value_floats as number[])];
      if (typeof a.value_int === "number") return [tf.scalar(a.value_int, "int32")];
      if (Array.isArray(a.value_ints)) return [tf.tensor1d(a.value_ints as number[], "int32")];
      return fail(node, "a Constant without a tensor, float(s) or int(s) value");
    },
    Identity: unary((x) => x),
    Dropout: (ins, _a, node) => {
      const x = need(ins, 0, node);
      return node.outputs.length > 1 ? [x, tf.onesLike(x).cast("bool")] : [x];
    },
    Clip: (ins, a, node) => {
      const x = need(ins, 0, node);
      const lo = ins[1] ? vals(ins[1])[0] : flt(a, "min", -3.4e38);
      const hi = ins[2] ? vals(ins[2])[0] : flt(a, "max", 3.4e38);
      return [tf.clipByValue(x, lo, hi)];
    },
    Pad: (ins, a, node) => [padOp(ins, a, node)],
    ReduceMean: reduce((x, ax, k) => tf.mean(x, ax, k), (o) => o >= 18)(opset),
    ReduceSum: reduce((x, ax, k) => tf.sum(x, ax, k), () => true)(opset),
    ReduceMax: reduce((x, ax, k) => tf.max(x, ax, k), (o) => o >= 18)(opset),
    ReduceMin: reduce((x, ax, k) => tf.min(x, ax, k), (o) => o >= 18)(opset),
    Cast: (ins, a, node) => [castTo(int(a, "to", 1), need(ins, 0, node), node)],
    Equal: binary(tf.equal),
    Where: (ins, _a, node) => {
      const c = need(ins, 0, node);
      let x = need(ins, 1, node), y = need(ins, 2, node);
      if (x.dtype !== y.dtype) { x = asFloat(x); y = asFloat(y); }
      // tf.where wants equal shapes; broadcast all three first.
      const shape = tf.broadcastArgs(tf.broadcastArgs(tf.tensor1d(c.shape, "int32"), tf.tensor1d(x.shape, "int32")), tf.tensor1d(y.shape, "int32")).dataSync();
      const b = (t: tf.Tensor) => tf.broadcastTo(t, Array.from(shape));
      return [tf.where(b(c.dtype === "bool" ? c : tf.notEqual(c, 0)), b(x), b(y))];
    },
  };
}
