import * as tf from "@tensorflow/tfjs";
import { EngineCardSchema, preprocessingOf, type EngineCard } from "./card";

/** A classifier the engine can attack. Inputs are in the model's own input space (after preprocessing). */
export interface LoadedModel {
  /** One input's shape, without the batch dimension. */
  readonly inputShape: number[];
  readonly numClasses: number;
  /** True when a final softmax was removed so that attack losses see logits. */
  readonly droppedSoftmax: boolean;
  /** Layer class names in order (for messages). */
  readonly layerTypes: string[];
  /** The underlying tfjs model when loaded from files (used to name a layer that cannot be attacked). */
  readonly layersModel?: tf.LayersModel;
  logits(x: tf.Tensor): tf.Tensor2D;
  predictProbs(x: tf.Tensor): tf.Tensor2D;
  /**
   * Native backend only: logits, per-example softmax cross-entropy and its input gradient in one TensorFlow
   * graph call (lib/engine/graph/attach.ts); x is what logits() takes. Absent: attacks differentiate eagerly.
   */
  readonly crossEntropyStep?: CrossEntropyStep;
  dispose(): void;
}

/** PGD's L∞ update from x: min(max(x + alpha·sign(grad), lo), hi). */
export interface LinfUpdate {
  lo: tf.Tensor;
  hi: tf.Tensor;
  alpha: number;
}

export interface CrossEntropyStep {
  /** With `update`, also `next`: the L∞ update of x computed in the same call. */
  run(x: tf.Tensor, oneHot: tf.Tensor2D, update?: LinfUpdate): { logits: tf.Tensor2D; loss: tf.Tensor1D; grad: tf.Tensor; next?: tf.Tensor };
  /** Steps run so far (the evaluation records whether attacks used the graph). */
  readonly calls: number;
}

export interface ModelFiles {
  /** Parsed model.json (object), or its text/bytes. */
  modelJson: unknown;
  /** Weight files keyed by the path written in model.json's weightsManifest. */
  weights: Record<string, Uint8Array>;
}

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

function parseModelJson(raw: unknown): Json {
  let v = raw;
  if (v instanceof Uint8Array) v = new TextDecoder().decode(v);
  if (typeof v === "string") {
    try {
      v = JSON.parse(v);
    } catch (e) {
      throw new Error(`model.json is not valid JSON: ${(e as Error).message}`);
    }
  }
  if (!isObj(v)) throw new Error("model.json must be a JSON object");
  if (!isObj(v.modelTopology)) {
    throw new Error("model.json has no modelTopology: only TensorFlow.js LayersModel files are supported (not graph models)");
  }
  if (v.format === "graph-model") throw new Error("graph models are not supported: export a TensorFlow.js LayersModel");
  if (!Array.isArray(v.weightsManifest)) throw new Error("model.json has no weightsManifest");
  return v;
}

interface LayerJson { class_name: string; config: Json }

/** Locate the layer list and the name of the output layer in a Keras topology (Sequential or functional). */
function outputLayerOf(topology: Json): { layers: LayerJson[]; output: LayerJson } {
  const root = (isObj(topology.model_config) ? topology.model_config : topology) as Json;
  const config = root.config as Json | LayerJson[] | undefined;
  const layers = (Array.isArray(config) ? config : isObj(config) ? config.layers : undefined) as LayerJson[] | undefined;
  if (!Array.isArray(layers) || layers.length === 0) throw new Error("model.json topology has no layers");
  let output = layers[layers.length - 1];
  if (isObj(config) && Array.isArray(config.output_layers)) {
    const outs = config.output_layers as unknown[];
    if (outs.length !== 1) throw new Error(`the model has ${outs.length} outputs; the engine needs exactly one (class scores)`);
    const name = (outs[0] as unknown[])[0];
    const found = layers.find((l) => l.config?.name === name);
    if (found) output = found;
  }
  return { layers, output };
}

/** Replace a final softmax by the identity so the model yields logits. Edits the given (cloned) topology. */
function dropFinalSoftmax(topology: Json): boolean {
  const { output } = outputLayerOf(topology);
  if (output.class_name === "Softmax") {
    output.class_name = "Activation";
    output.config = { name: output.config.name, trainable: output.config.trainable ?? true, dtype: output.config.dtype, activation: "linear" };
    return true;
  }
  if (output.config?.activation === "softmax") {
    output.config.activation = "linear";
    return true;
  }
  return false;
}

function concatWeights(manifest: unknown[], weights: Record<string, Uint8Array>) {
  const specs: tf.io.WeightsManifestEntry[] = [];
  const chunks: Uint8Array[] = [];
  for (const group of manifest) {
    if (!isObj(group) || !Array.isArray(group.paths) || !Array.isArray(group.weights)) {
      throw new Error("weightsManifest entries need paths and weights");
    }
    for (const p of group.paths as string[]) {
      const key = p in weights ? p : Object.keys(weights).find((k) => k.split("/").pop() === p.split("/").pop());
      if (key === undefined) throw new Error(`weight file "${p}" named in model.json was not provided`);
      chunks.push(weights[key]);
    }
    specs.push(...(group.weights as tf.io.WeightsManifestEntry[]));
  }
  const total = chunks.reduce((s, c) => s + c.byteLength, 0);
  const expected = specs.reduce((s, w) => {
    const n = w.shape.reduce((a, b) => a * b, 1);
    const bytes = w.quantization ? (w.quantization.dtype === "uint8" ? 1 : 2) : w.dtype === "float32" || w.dtype === "int32" ? 4 : 4;
    return s + n * bytes;
  }, 0);
  if (total !== expected) {
    throw new Error(`weight files hold ${total} bytes but model.json's weightsManifest describes ${expected}`);
  }
  const data = new Uint8Array(total);
  let off = 0;
  for (const c of chunks) {
    data.set(c, off);
    off += c.byteLength;
  }
  return { specs, data: data.buffer };
}

/**
 * tfjs cannot differentiate a BatchNormalization without its scale or offset: the gradient reads the missing
 * tensor ("Cannot read properties of undefined (reading 'dataId')"), on every backend. Keras writes such
 * layers for scale=False / center=False, a common choice before a ReLU. They are loaded with γ = 1 and β = 0
 * instead: tfjs multiplies by 1 and adds 0 where they are absent, so the logits are bit-identical and the
 * input gradient exists. With weights (a registered model) the ones and zeros are added to them; a layer whose
 * moving mean is not found by name is left as it is (and refused at upload). Without (a fresh model to train),
 * the layers' initialisers give γ = 1 and β = 0. Either way freezeAdded keeps them out of training, so a
 * retrained or hardened model has the architecture it was registered with.
 */
type Completed = { layer: string; gamma: boolean; beta: boolean };

function completeBatchNorm(layers: LayerJson[], weights?: { specs: tf.io.WeightsManifestEntry[]; data: ArrayBuffer }): { completed: Completed[]; data?: ArrayBuffer } {
  const completed: Completed[] = [];
  const added: { name: string; shape: number[]; value: number }[] = [];
  for (const layer of layers) {
    if (layer.class_name !== "BatchNormalization" || (layer.config.scale !== false && layer.config.center !== false)) continue;
    const name = String(layer.config.name);
    const gamma = layer.config.scale === false;
    const beta = layer.config.center === false;
    if (weights) {
      const mean = weights.specs.find((s) => s.name === `${name}/moving_mean`) ?? weights.specs.find((s) => s.name.endsWith(`/${name}/moving_mean`));
      if (!mean) continue;
      const prefix = mean.name.slice(0, -"moving_mean".length);
      if (gamma) added.push({ name: `${prefix}gamma`, shape: mean.shape, value: 1 });
      if (beta) added.push({ name: `${prefix}beta`, shape: mean.shape, value: 0 });
    }
    layer.config.scale = true;
    layer.config.center = true;
    completed.push({ layer: name, gamma, beta });
  }
  if (!weights || added.length === 0) return { completed, data: weights?.data };
  const { specs, data } = weights;
  const values = added.map((a) => new Float32Array(a.shape.reduce((x, y) => x * y, 1)).fill(a.value));
  const out = new Uint8Array(data.byteLength + values.reduce((s, v) => s + v.byteLength, 0));
  out.set(new Uint8Array(data), 0);
  let off = data.byteLength;
  for (const v of values) {
    out.set(new Uint8Array(v.buffer), off);
    off += v.byteLength;
  }
  specs.push(...added.map((a) => ({ name: a.name, shape: a.shape, dtype: "float32" as const })));
  return { completed, data: out.buffer };
}

/** The γ and β completeBatchNorm added are constants of the model, not parameters to train. */
function freezeAdded(model: tf.LayersModel, completed: Completed[]): void {
  for (const c of completed) {
    for (const w of model.getLayer(c.layer).weights) {
      if ((c.gamma && w.originalName.endsWith("/gamma")) || (c.beta && w.originalName.endsWith("/beta"))) w.trainable = false;
    }
  }
}

type LayerFn = (h: tf.Tensor) => tf.Tensor;

/**
 * A dilated filter as a plain one: (d-1) zeros between taps, [(KH-1)dh+1, (KW-1)dw+1, ...]. tfjs refuses the
 * gradient of a dilated conv2d / depthwiseConv2d on every backend ("dilation rates greater than 1 are not yet
 * supported in gradients"); the same convolution with the zero-filled filter has the same output and padding
 * (both use the effective filter size) and an ordinary gradient.
 */
export function dilateFilter(k: tf.Tensor4D, dh: number, dw: number): tf.Tensor4D {
  if (dh === 1 && dw === 1) return k;
  return tf.tidy(() => {
    const [kh, kw, a, b] = k.shape;
    const r = tf.reshape(k, [kh, 1, kw, 1, a * b]);
    const p = tf.pad(r, [[0, 0], [0, dh - 1], [0, 0], [0, dw - 1], [0, 0]]);
    const full = tf.reshape(p, [kh * dh, kw * dw, a, b]);
    return tf.slice(full, [0, 0, 0, 0], [(kh - 1) * dh + 1, (kw - 1) * dw + 1, a, b]) as tf.Tensor4D;
  });
}

const pair = (v: unknown, dflt: number): [number, number] =>
  Array.isArray(v) ? [Number(v[0]), Number(v[1] ?? v[0])] : typeof v === "number" ? [v, v] : [dflt, dflt];

/**
 * tfjs-layers runs Conv2D and Dense as fused ops whose gradient is a custom function that always computes the
 * weight gradients too, even when only the input gradient is asked for: on the demo CNN that doubled the cost
 * of an attack step. This runs a Sequential model layer by layer with the plain ops instead (conv2d/matMul, add,
 * activation), whose registered gradients are computed only for the inputs the tape needs. Dilated Conv2D and
 * DepthwiseConv2D run with zero-filled filters (see dilateFilter) so that they can be attacked at all.
 * Returns null for models it does not cover (they use model.apply). `owned` are tensors made here (dispose them).
 */
function unfusedForward(model: tf.LayersModel): { forward: LayerFn; owned: tf.Tensor[] } | null {
  if (model.getClassName() !== "Sequential") return null;
  const fns: LayerFn[] = [];
  const owned: tf.Tensor[] = [];
  const prepared = (k: tf.Tensor, dil: [number, number]): tf.Tensor4D => {
    const d = dilateFilter(k as tf.Tensor4D, dil[0], dil[1]);
    if (d !== k) owned.push(d);
    return d;
  };
  for (const layer of model.layers) {
    const name = layer.getClassName();
    const cfg = layer.getConfig() as Json;
    const act = (layer as unknown as { activation?: { apply(t: tf.Tensor): tf.Tensor } }).activation;
    if (name === "InputLayer") continue;
    if (name === "Conv2D" || name === "DepthwiseConv2D") {
      if ((cfg.data_format ?? cfg.dataFormat ?? "channelsLast") !== "channelsLast" || cfg.padding === "causal") {
        owned.forEach((t) => t.dispose());
        return null;
      }
      const [kernel, bias] = layer.getWeights();
      const strides = pair(cfg.strides, 1);
      const pad = cfg.padding as "same" | "valid";
      const k = prepared(kernel, pair(cfg.dilation_rate ?? cfg.dilationRate, 1));
      const depthwise = name === "DepthwiseConv2D";
      fns.push((h) => {
        let y: tf.Tensor = depthwise
          ? tf.depthwiseConv2d(h as tf.Tensor4D, k, strides, pad)
          : tf.conv2d(h as tf.Tensor4D, k, strides, pad);
        if (bias) y = tf.add(y, bias);
        return act ? act.apply(y) : y;
      });
    } else if (name === "Dense") {
      const [kernel, bias] = layer.getWeights();
      fns.push((h) => {
        if (h.rank !== 2) return layer.apply(h, { training: false }) as tf.Tensor;
        let y: tf.Tensor = tf.matMul(h as tf.Tensor2D, kernel as tf.Tensor2D);
        if (bias) y = tf.add(y, bias);
        return act ? act.apply(y) : y;
      });
    } else {
      fns.push((h) => layer.apply(h, { training: false }) as tf.Tensor);
    }
  }
  return { forward: (x) => fns.reduce((h, f) => f(h), x), owned };
}

/**
 * Which layer has no input gradient on the current backend: each layer's gradient is tried alone on a random
 * input of its own input shape (single-input layers; multi-input merges are element-wise and always differentiable).
 * Returns e.g. `layer "conv2d_3" (Conv2D): <reason>`, or null when every layer passes.
 */
export function layerWithoutInputGradient(model: tf.LayersModel): string | null {
  for (const layer of model.layers) {
    const cls = layer.getClassName();
    if (cls === "InputLayer") continue;
    // The shape the layer was built for, from its first inbound node ([batch, ...]; a list for merge layers).
    const node = (layer as unknown as { inboundNodes?: { inputShapes?: unknown }[] }).inboundNodes?.[0];
    let shape = node?.inputShapes as (number | null)[] | (number | null)[][] | undefined;
    if (Array.isArray(shape) && shape.length === 1 && Array.isArray(shape[0])) shape = shape[0] as (number | null)[];
    if (!Array.isArray(shape) || shape.some((d) => Array.isArray(d))) continue;
    const concrete = (shape as (number | null)[]).map((d) => d ?? 1);
    const x = tf.randomUniform(concrete, -1, 1, "float32", 1);
    try {
      const g = tf.grad((xx: tf.Tensor) => tf.sum(layer.apply(xx, { training: false }) as tf.Tensor))(x);
      g.dispose();
    } catch (e) {
      return `layer "${layer.name}" (${cls}): ${(e as Error).message.split("\n")[0]}`;
    } finally {
      x.dispose();
    }
  }
  return null;
}

/** Load a TF.js LayersModel from in-memory files; a final softmax is dropped for the logits. */
export async function loadModelFromFiles(files: ModelFiles): Promise<LoadedModel> {
  const json = parseModelJson(files.modelJson);
  const topology = structuredClone(json.modelTopology) as Json;
  const droppedSoftmax = dropFinalSoftmax(topology);
  const { layers } = outputLayerOf(topology);
  const { specs, data: stored } = concatWeights(json.weightsManifest as unknown[], files.weights);
  const { completed, data } = completeBatchNorm(layers, { specs, data: stored });
  const model = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: topology, weightSpecs: specs, weightData: data }));
  freezeAdded(model, completed);
  if (model.inputs.length !== 1) {
    model.dispose();
    throw new Error(`the model has ${model.inputs.length} inputs; the engine needs exactly one`);
  }
  const inputShape = model.inputs[0].shape.slice(1).map((d) => (d === null ? -1 : d));
  const outShape = model.outputs[0].shape;
  if (outShape.length !== 2 || outShape[1] === null) {
    model.dispose();
    throw new Error(`the model's output shape is [${outShape.join(",")}]; the engine needs [batch, classes]`);
  }
  const numClasses = outShape[1];
  // The same path serves predictions and attack gradients, so both see bit-identical logits.
  const unfused = unfusedForward(model);
  const forward = unfused?.forward ?? ((x: tf.Tensor) => model.apply(x, { training: false }) as tf.Tensor);
  return {
    inputShape,
    numClasses,
    droppedSoftmax,
    layerTypes: layers.map((l) => l.class_name),
    logits: (x) => tf.tidy(() => forward(x) as tf.Tensor2D),
    predictProbs: (x) => tf.tidy(() => tf.softmax(forward(x) as tf.Tensor2D)),
    layersModel: model,
    dispose: () => {
      unfused?.owned.forEach((t) => t.dispose());
      model.dispose();
    },
  };
}

/**
 * The model's own architecture with freshly initialised weights (each layer's initialiser from the topology),
 * its final softmax dropped so that it yields logits. Used to retrain the registered architecture on part of
 * its training data (cross-validation for out-of-sample predictions); the caller disposes it.
 */
export async function freshModelFromJson(modelJson: unknown): Promise<tf.LayersModel> {
  const json = parseModelJson(modelJson);
  const topology = structuredClone(json.modelTopology) as Json;
  dropFinalSoftmax(topology);
  const { completed } = completeBatchNorm(outputLayerOf(topology).layers);
  const model = await tf.models.modelFromJSON({ modelTopology: topology } as Parameters<typeof tf.models.modelFromJSON>[0]);
  freezeAdded(model, completed);
  if (model.inputs.length !== 1 || model.outputs.length !== 1) {
    model.dispose();
    throw new Error("retraining needs a model with exactly one input and one output");
  }
  return model;
}

/** Wrap a logits function (tests, models built in code) as a LoadedModel. */
export function modelFromLogitsFunction(
  fn: (x: tf.Tensor) => tf.Tensor2D,
  opts: { inputShape: number[]; numClasses: number; dispose?: () => void; layerTypes?: string[] },
): LoadedModel {
  return {
    inputShape: opts.inputShape,
    numClasses: opts.numClasses,
    droppedSoftmax: false,
    layerTypes: opts.layerTypes ?? ["Function"],
    logits: fn,
    predictProbs: (x) => tf.tidy(() => tf.softmax(fn(x))),
    dispose: () => opts.dispose?.(),
  };
}

export interface ModelValidation {
  ok: boolean;
  errors: string[];
  warnings: string[];
  info?: { inputShape: number[]; numClasses: number; droppedSoftmax: boolean; parameters: number; layerTypes: string[]; backend: string };
}

async function allFinite(t: tf.Tensor): Promise<boolean> {
  const d = await t.data();
  for (let i = 0; i < d.length; i++) if (!Number.isFinite(d[i])) return false;
  return true;
}

/**
 * Registry check: the files load, weights are finite, a zero input of the card's shape runs, the output
 * width equals the number of labels, and the input gradient of the attack loss computes and is finite on
 * the current backend (else the model cannot be attacked correctly here, and is refused).
 */
export async function validateModelForEngine(files: ModelFiles, cardInput: unknown): Promise<ModelValidation> {
  const errors: string[] = [];
  const warnings: string[] = [];
  const parsedCard = EngineCardSchema.safeParse(cardInput);
  if (!parsedCard.success) {
    return { ok: false, errors: parsedCard.error.issues.map((i) => `card.${i.path.join(".")}: ${i.message}`), warnings };
  }
  const card: EngineCard = parsedCard.data;
  let model: LoadedModel;
  let params = 0;
  try {
    model = await loadModelFromFiles(files);
  } catch (e) {
    return { ok: false, errors: [`model could not be loaded: ${(e as Error).message}`], warnings };
  }
  try {
    const json = parseModelJson(files.modelJson);
    const { data, specs } = concatWeights(json.weightsManifest as unknown[], files.weights);
    if (specs.every((s) => s.dtype === "float32" && !s.quantization)) {
      const f = new Float32Array(data);
      params = f.length;
      const bad = f.findIndex((v) => !Number.isFinite(v));
      if (bad >= 0) errors.push(`weights contain a non-finite value (NaN or Infinity) at element ${bad}`);
    }
    const declared = card.inputShape.join("x");
    const own = model.inputShape.join("x");
    if (model.inputShape.length !== card.inputShape.length ||
        model.inputShape.some((d, i) => d !== -1 && d !== card.inputShape[i])) {
      errors.push(`the card declares input shape ${declared} but the model expects ${own}`);
    }
    if (model.numClasses !== card.classLabels.length) {
      errors.push(`the model outputs ${model.numClasses} scores but the card lists ${card.classLabels.length} class labels`);
    }
    if (errors.length === 0) {
      const { scale, offset } = preprocessingOf(card);
      const zero = tf.zeros([1, ...card.inputShape]);
      try {
        const out = model.logits(zero);
        if (out.shape[1] !== card.classLabels.length) {
          errors.push(`a forward pass gave ${out.shape[1]} outputs, expected ${card.classLabels.length}`);
        } else if (!(await allFinite(out))) {
          errors.push("a forward pass on a zero input gave non-finite outputs");
        }
        out.dispose();
      } catch (e) {
        errors.push(`a forward pass on a zero input of shape ${declared} failed: ${(e as Error).message}`);
      }
      zero.dispose();
      // Gradient w.r.t. the input at the middle of the value range: what every white-box attack needs.
      const mid = (card.inputRange.min + card.inputRange.max) / 2;
      const x = tf.fill([2, ...card.inputShape], mid);
      try {
        const g = tf.grad((xx: tf.Tensor) => {
          const z = model.logits(tf.add(tf.mul(xx, scale), offset));
          return tf.sub(tf.logSumExp(z, 1), z.slice([0, 0], [-1, 1]).reshape([-1])).sum();
        })(x);
        if (!(await allFinite(g))) errors.push(`the input gradient is not finite on the ${tf.getBackend()} backend`);
        g.dispose();
      } catch (e) {
        // Name the layer (and the backend): never evaluate with a gradient the backend cannot compute.
        const culprit = model.layersModel ? layerWithoutInputGradient(model.layersModel) : null;
        errors.push(
          `the model cannot be attacked on the ${tf.getBackend()} backend: ` +
            (culprit ? `${culprit}` : `its input gradient failed (${(e as Error).message.split("\n")[0]}). Layers: ${[...new Set(model.layerTypes)].join(", ")}`),
        );
      }
      x.dispose();
    }
    if (!model.droppedSoftmax) {
      warnings.push("the model has no final softmax: its outputs are taken to be logits");
    }
    return {
      ok: errors.length === 0,
      errors,
      warnings,
      info: { inputShape: model.inputShape, numClasses: model.numClasses, droppedSoftmax: model.droppedSoftmax, parameters: params, layerTypes: model.layerTypes, backend: tf.getBackend() },
    };
  } finally {
    model.dispose();
  }
}
