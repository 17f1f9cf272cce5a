import type * as tf from "@tensorflow/tfjs";
import type { LoadedModel } from "../model";
import { DT, encodeSavedModel, type AttrMsg, type NodeMsg, type ShapeMsg } from "./tf-proto";

/*
 * A TF.js Sequential model's forward pass, softmax cross-entropy and input gradient written as one TensorFlow
 * graph (a SavedModel with the weights as constants), so that the native backend can run a whole attack step in
 * one call instead of one call per op (docs/benchmarks.md: "The whole step as one TensorFlow graph"). The
 * backward pass is written out op by op: TensorFlow graphs carry no automatic differentiation.
 *
 * Covered layers: Conv2D (no dilation), Dense on a matrix, the activations linear, relu, sigmoid and tanh (as a
 * layer's activation or an Activation layer), ReLU, LeakyReLU, BatchNormalization (inference, last axis),
 * MaxPooling2D, AveragePooling2D, GlobalAveragePooling2D, Flatten, Dropout and InputLayer; anything else returns
 * null and the eager path runs.
 */

type Json = Record<string, unknown>;
export const T: AttrMsg = { type: DT.FLOAT };
export const ints = (i: number[]): AttrMsg => ({ list: { i } });
export const str = (s: string): AttrMsg => ({ s: new TextEncoder().encode(s) });
export const shapeOf = (dims: number[]): ShapeMsg => ({ dim: dims.map((size) => ({ size })) });
const pair = (v: unknown): [number, number] => (Array.isArray(v) ? [Number(v[0]), Number(v[1] ?? v[0])] : [Number(v), Number(v)]);

/** A GraphDef under construction: nodes in order, named uniquely. */
export class Graph {
  readonly nodes: NodeMsg[] = [];
  private count = 0;
  add(op: string, input: string[], attr: Record<string, AttrMsg> = {}, name = `${op.toLowerCase()}_${this.count++}`): string {
    this.nodes.push({ name, op, input, attr });
    return name;
  }
  constant(values: Float32Array | Int32Array, dims: number[]): string {
    const dtype = values instanceof Float32Array ? DT.FLOAT : DT.INT32;
    const bytes = new Uint8Array(values.buffer.slice(values.byteOffset, values.byteOffset + values.byteLength));
    return this.add("Const", [], { dtype: { type: dtype }, value: { tensor: { dtype, tensorShape: shapeOf(dims), tensorContent: bytes } } });
  }
  shape(of: string): string {
    return this.add("Shape", [of], { T, out_type: { type: DT.INT32 } });
  }
}

/** The graph's bytes for a model, or null where its layers or format are not covered. */
export type StepGraphWriter = (model: LoadedModel) => Uint8Array | null;

/** One recorded forward op and how to send a gradient back through it. */
export type Backward = (dy: string) => string;

/** The SavedModel bytes (saved_model.pb) with signature "step": x, onehot → logits, loss, grad; null if not covered. */
export function stepGraphOf(model: tf.LayersModel, inputShape: number[], numClasses: number): Uint8Array | null {
  if (model.getClassName() !== "Sequential") return null;
  const g = new Graph();
  const x = g.add("Placeholder", [], { dtype: T, shape: { shape: shapeOf([-1, ...inputShape]) } }, "x");
  const onehot = g.add("Placeholder", [], { dtype: T, shape: { shape: shapeOf([-1, numClasses]) } }, "onehot");
  const back: Backward[] = [];
  let h = x;
  // The rank of h (with the batch): Dense needs a matrix, Conv2D and MaxPool an NHWC batch.
  let rank = inputShape.length + 1;
  const relu = (pre: string) => {
    const out = g.add("Relu", [pre], { T });
    // ReluGrad reads the ReLU's output (as good as its input: both are > 0 at the same places), so the
    // pre-activation has no other reader and TensorFlow can fuse Conv2D + BiasAdd + Relu (6-8% a step).
    back.push((dy) => g.add("ReluGrad", [dy, out], { T }));
    return out;
  };
  // Sigmoid and tanh: their gradients read the output.
  const smooth = (op: "Sigmoid" | "Tanh", pre: string) => {
    const out = g.add(op, [pre], { T });
    back.push((dy) => g.add(`${op}Grad`, [out, dy], { T }));
    return out;
  };
  const activation = (cfg: Json, pre: string): string | null => {
    const a = (cfg.activation as string | undefined) ?? "linear";
    if (a === "linear") return pre;
    if (a === "relu") return relu(pre);
    if (a === "sigmoid") return smooth("Sigmoid", pre);
    if (a === "tanh") return smooth("Tanh", pre);
    return null;
  };
  const channelsLast = (cfg: Json) => (cfg.data_format ?? cfg.dataFormat ?? "channelsLast") === "channelsLast";
  // A 2-D pooling layer's window as TensorFlow's pool attributes (NHWC only).
  const poolAttrs = (cfg: Json) => {
    if (!channelsLast(cfg)) return null;
    const [ph, pw] = pair(cfg.pool_size ?? cfg.poolSize);
    const [sh, sw] = pair(cfg.strides ?? [ph, pw]);
    return { T, ksize: ints([1, ph, pw, 1]), strides: ints([1, sh, sw, 1]), padding: str(String(cfg.padding).toUpperCase()), data_format: str("NHWC") };
  };
  for (const layer of model.layers) {
    const cls = layer.getClassName();
    const cfg = layer.getConfig() as Json;
    if (cls === "InputLayer" || cls === "Dropout") continue;
    if (["Conv2D", "MaxPooling2D", "AveragePooling2D", "GlobalAveragePooling2D"].includes(cls) && rank !== 4) return null;
    if (cls === "Conv2D") {
      const dil = pair(cfg.dilation_rate ?? cfg.dilationRate ?? 1);
      if (dil[0] !== 1 || dil[1] !== 1 || (cfg.data_format ?? cfg.dataFormat ?? "channelsLast") !== "channelsLast" || cfg.padding === "causal") return null;
      const [kernel, bias] = layer.getWeights();
      const [sh, sw] = pair(cfg.strides ?? 1);
      const conv = { T, strides: ints([1, sh, sw, 1]), padding: str(String(cfg.padding).toUpperCase()), data_format: str("NHWC"), dilations: ints([1, 1, 1, 1]) };
      const k = g.constant(kernel!.dataSync() as Float32Array, kernel!.shape);
      const input = h;
      h = g.add("Conv2D", [input, k], conv);
      back.push((dy) => g.add("Conv2DBackpropInput", [g.shape(input), k, dy], conv));
      if (bias) h = g.add("BiasAdd", [h, g.constant(bias.dataSync() as Float32Array, bias.shape)], { T, data_format: str("NHWC") });
      const out = activation(cfg, h);
      if (out === null) return null;
      h = out;
    } else if (cls === "Dense") {
      // tfjs applies Dense to the last axis of any rank; MatMul takes matrices only.
      if (rank !== 2) return null;
      const [kernel, bias] = layer.getWeights();
      const k = g.constant(kernel!.dataSync() as Float32Array, kernel!.shape);
      h = g.add("MatMul", [h, k], { T, transpose_a: { b: false }, transpose_b: { b: false } });
      back.push((dy) => g.add("MatMul", [dy, k], { T, transpose_a: { b: false }, transpose_b: { b: true } }));
      if (bias) h = g.add("BiasAdd", [h, g.constant(bias.dataSync() as Float32Array, bias.shape)], { T, data_format: str("NHWC") });
      const out = activation(cfg, h);
      if (out === null) return null;
      h = out;
    } else if (cls === "ReLU") {
      if (cfg.max_value != null || cfg.maxValue != null || Number(cfg.negative_slope ?? cfg.negativeSlope ?? 0) !== 0) return null;
      h = relu(h);
    } else if (cls === "MaxPooling2D") {
      const pool = poolAttrs(cfg);
      if (!pool) return null;
      const input = h;
      const out = g.add("MaxPool", [input], pool);
      back.push((dy) => g.add("MaxPoolGrad", [input, out, dy], pool));
      h = out;
    } else if (cls === "Activation") {
      const out = activation(cfg, h);
      if (out === null) return null;
      h = out;
    } else if (cls === "LeakyReLU") {
      const alpha = { f: Number(cfg.alpha ?? 0.3) };
      const input = h;
      h = g.add("LeakyRelu", [input], { T, alpha });
      // With alpha ≥ 0 the output is > 0 exactly where the input is, so the gradient reads the output, as
      // ReluGrad does: a second reader of the pre-activation made TensorFlow's fusion of Conv2D + BiasAdd +
      // LeakyRelu fail with an error line in the engine's log ("remapper failed … missing node").
      const out = h;
      back.push((dy) => g.add("LeakyReluGrad", [dy, alpha.f >= 0 ? out : input], { T, alpha }));
    } else if (cls === "BatchNormalization") {
      // Inference: a per-channel affine map on the last axis, y = x·a + b with a = γ/√(σ²+ε), b = β − μ·a.
      const axis = Array.isArray(cfg.axis) ? (cfg.axis as number[]) : [Number(cfg.axis ?? -1)];
      if (axis.length !== 1 || (axis[0] !== -1 && axis[0] !== rank - 1)) return null;
      const weights = layer.getWeights().map((w) => w.dataSync() as Float32Array);
      const hasScale = cfg.scale !== false, hasCenter = cfg.center !== false;
      if (weights.length !== 2 + Number(hasScale) + Number(hasCenter)) return null;
      const gamma = hasScale ? weights.shift()! : null;
      const beta = hasCenter ? weights.shift()! : null;
      const [mean, variance] = weights as [Float32Array, Float32Array];
      const eps = Number(cfg.epsilon ?? 1e-3);
      const a = mean.map((_, c) => (gamma ? gamma[c]! : 1) / Math.sqrt(variance[c]! + eps));
      const b = mean.map((m, c) => (beta ? beta[c]! : 0) - m * a[c]!);
      const scale = g.constant(a, [a.length]);
      h = g.add("AddV2", [g.add("Mul", [h, scale], { T }), g.constant(b, [b.length])], { T });
      back.push((dy) => g.add("Mul", [dy, scale], { T }));
    } else if (cls === "AveragePooling2D") {
      const pool = poolAttrs(cfg);
      if (!pool) return null;
      const input = h;
      h = g.add("AvgPool", [input], pool);
      back.push((dy) => g.add("AvgPoolGrad", [g.shape(input), dy], pool));
    } else if (cls === "GlobalAveragePooling2D") {
      if (!channelsLast(cfg) || cfg.keepdims === true || cfg.keepDims === true) return null;
      const [, height, width, channels] = (layer.input as tf.SymbolicTensor).shape as number[];
      if (!height || !width || !channels) return null;
      const input = h;
      h = g.add("Mean", [input, g.constant(new Int32Array([1, 2]), [2])], { T, Tidx: { type: DT.INT32 }, keep_dims: { b: false } });
      rank = 2;
      // Each of the H·W positions gets dy / (H·W): dy as [B, 1, 1, C] times a constant [1, H, W, 1].
      const spread = g.constant(new Float32Array(height * width).fill(1 / (height * width)), [1, height, width, 1]);
      back.push((dy) => g.add("Mul", [g.add("Reshape", [dy, g.constant(new Int32Array([-1, 1, 1, channels]), [4])], { T, Tshape: { type: DT.INT32 } }), spread], { T }));
    } else if (cls === "Flatten") {
      const input = h;
      h = g.add("Reshape", [input, g.constant(new Int32Array([-1, layer.outputShape[1] as number]), [2])], { T, Tshape: { type: DT.INT32 } });
      rank = 2;
      back.push((dy) => g.add("Reshape", [dy, g.shape(input)], { T, Tshape: { type: DT.INT32 } }));
    } else {
      return null;
    }
  }
  return finishStep(g, { x, onehot, logits: h, back, inputShape, numClasses });
}

/**
 * Closes a step graph: softmax cross-entropy of `logits` against `onehot`, its gradient sent back through
 * `back` (last op first) to x, and the signature "step": x, onehot, lo, hi, alpha → logits, loss (per example),
 * grad and next. `next` is PGD's L∞ update, min(max(x + alpha·sign(grad), lo), hi), with the engine's exact sign
 * ((g > 0) − (g < 0)) and the same ops in the same order as the eager update, so the same gradient gives the same
 * bits; it saves the update's eager calls (about 5% of a ResNet-8 step at batch 32). Callers that do not step
 * feed alpha 0 and infinite bounds, and drop it.
 */
export function finishStep(g: Graph, s: { x: string; onehot: string; logits: string; back: Backward[]; inputShape: number[]; numClasses: number }): Uint8Array {
  const { x, onehot, logits, back, inputShape, numClasses } = s;
  const ce = g.add("SoftmaxCrossEntropyWithLogits", [logits, onehot], { T }, "ce");
  let grad = `${ce}:1`;
  for (let i = back.length - 1; i >= 0; i--) grad = back[i]!(grad);
  // Bounds of any shape that broadcasts against x (the eps-ball within the range, or scalars).
  const anyShape: ShapeMsg = { unknownRank: true };
  const lo = g.add("Placeholder", [], { dtype: T, shape: { shape: anyShape } }, "lo");
  const hi = g.add("Placeholder", [], { dtype: T, shape: { shape: anyShape } }, "hi");
  const alpha = g.add("Placeholder", [], { dtype: T, shape: { shape: shapeOf([]) } }, "alpha");
  const zero = g.constant(new Float32Array([0]), []);
  const asFloat = (b: string) => g.add("Cast", [b], { SrcT: { type: DT.BOOL }, DstT: T, Truncate: { b: false } });
  const sign = g.add("Sub", [asFloat(g.add("Greater", [grad, zero], { T })), asFloat(g.add("Less", [grad, zero], { T }))], { T });
  const stepped = g.add("AddV2", [x, g.add("Mul", [sign, alpha], { T })], { T });
  const next = g.add("Minimum", [g.add("Maximum", [stepped, lo], { T }), hi], { T });
  const info = (name: string, shape: ShapeMsg) => ({ name: name.includes(":") ? name : `${name}:0`, dtype: DT.FLOAT, tensorShape: shape });
  return encodeSavedModel(g.nodes, {
    step: {
      inputs: { x: info(x, shapeOf([-1, ...inputShape])), onehot: info(onehot, shapeOf([-1, numClasses])), lo: info(lo, anyShape), hi: info(hi, anyShape), alpha: info(alpha, shapeOf([])) },
      outputs: { logits: info(logits, shapeOf([-1, numClasses])), loss: info(`${ce}:0`, shapeOf([-1])), grad: info(grad, shapeOf([-1, ...inputShape])), next: info(next, shapeOf([-1, ...inputShape])) },
      methodName: "tensorflow/serving/predict",
    },
  });
}
