import * as tf from "@tensorflow/tfjs";
import type { EngineCard } from "../card";
import type { LoadedModel } from "../model";
import { parseOnnx, type ExternalFiles, type OnnxGraph, type OnnxNode } from "./graph";
import { constToTensor, opTable, OpError, type OpFn } from "./ops";
import { OnnxRefusal, planGraph } from "./support";

/*
 * Runs an ONNX graph as TensorFlow.js ops. At load: parse, plan (refusing what cannot be attacked), turn the
 * initializers into tensors and fold every node whose inputs are all constant (Constant, shape arithmetic on
 * constants, ConstantOfShape). Per call: the remaining nodes in order; Shape reads the concrete input's shape,
 * so the shape arithmetic that follows it sees plain small integers and never enters the gradient.
 */

export interface OnnxFiles {
  /** The .onnx file's bytes. */
  onnx: Uint8Array;
  /** External-data files, keyed by their path relative to the .onnx file. */
  externalData?: ExternalFiles;
}

/** How the card's inputs reach the graph (see EngineCard: inputShape, inputLayout, normalization, dimensions). */
export type OnnxCard = Pick<EngineCard, "inputShape" | "inputLayout" | "normalization" | "dimensions">;

export interface CompiledOnnx {
  graph: OnnxGraph;
  plan: OnnxNode[];
  /** The graph input's shape for one example (model layout), e.g. [1, 28, 28]. */
  graphInputShape: number[];
  /** True when the export fixed the batch dimension to 1: the graph then runs one example at a time. */
  perExample: boolean;
  /** Dynamic input dimensions besides the batch, with the size the card's input shape gives them. */
  dynamic: string[];
  /** True when the graph's last node is a Softmax that `logits` skips. */
  droppedSoftmax: boolean;
  /**
   * Runs the graph on a batch in the model's own layout. `full` includes a final Softmax the logits skip;
   * `capture` receives every intermediate value (kept; the caller disposes them).
   */
  run(x: tf.Tensor, opts?: { full?: boolean; capture?: Map<string, tf.Tensor> }): tf.Tensor;
  dispose(): void;
}

/**
 * Problems with the card for this graph's input (layout, normalisation, sizes); empty when fine. A dynamic batch
 * is accepted; another dynamic dimension only when the card's `dimensions` fixes it (to its input shape's size).
 */
export function onnxInputProblems(g: OnnxGraph, card: OnnxCard): { problems: string[]; graphInputShape: number[]; perExample: boolean; dynamic: string[] } {
  const problems: string[] = [];
  const dynamic: string[] = [];
  const shape = card.inputShape;
  const layout = card.inputLayout ?? "NHWC";
  if (layout === "NCHW" && shape.length !== 3) problems.push(`inputLayout NCHW needs an image input shape [height, width, channels]; the card's is [${shape.join(", ")}]`);
  const modelShape = layout === "NCHW" && shape.length === 3 ? [shape[2], shape[0], shape[1]] : shape;
  const norm = card.normalization;
  const last = shape[shape.length - 1];
  if (norm && norm.mean.length !== 1 && norm.mean.length !== last) {
    problems.push(`normalization has ${norm.mean.length} values; give 1 or one per channel (${last}, the last dimension of the input shape)`);
  }
  if (g.input.elemType !== "float" && g.input.elemType !== "unknown") problems.push(`the model's input "${g.input.name}" is of type ${g.input.elemType}; the engine feeds float32 images or features`);
  const dims = g.input.dims;
  let perExample = false;
  if (dims.length > 0) {
    if (dims.length !== modelShape.length + 1) {
      problems.push(`the model's input "${g.input.name}" has ${dims.length} dimensions; the card's input shape [${shape.join(", ")}]${layout === "NCHW" ? " in NCHW layout" : ""} plus the batch needs ${modelShape.length + 1}`);
    } else {
      const b = dims[0];
      if (typeof b === "number" && b !== 1) problems.push(`the model's batch dimension is fixed to ${b}: export it with a dynamic batch (torch.onnx.export(..., dynamic_axes={"${g.input.name}": {0: "batch"}}))`);
      perExample = b === 1;
      for (let i = 1; i < dims.length; i++) {
        const d = dims[i], want = modelShape[i - 1];
        if (typeof d === "number") {
          if (d !== want) problems.push(`dimension ${i} of the model's input is ${d} but the card's input shape${layout === "NCHW" ? " in NCHW layout" : ""} gives ${want}`);
        } else {
          const fixed = d.param ? card.dimensions?.[d.param] : undefined;
          if (fixed === undefined) problems.push(`dimension ${i} of the model's input is dynamic (${d.param ? `"${d.param}"` : "unnamed"}); only the batch may be: ${d.param ? `fix it in the card (dimensions: { "${d.param}": ${want} })` : "export the model with a fixed size"}`);
          else if (fixed !== want) problems.push(`the card fixes dimension "${d.param}" to ${fixed} but its input shape gives ${want} there`);
          else dynamic.push(`"${d.param}" = ${fixed}`);
        }
      }
    }
  }
  return { problems, graphInputShape: modelShape, perExample, dynamic };
}

/** Parse, plan and prepare a graph for execution. Throws OnnxRefusal (with every problem) or Error. */
export function compileOnnx(files: OnnxFiles, card: OnnxCard): CompiledOnnx {
  const graph = parseOnnx(files.onnx, files.externalData ?? {});
  const plan = planGraph(graph);
  const { problems, graphInputShape, perExample, dynamic } = onnxInputProblems(graph, card);
  if (problems.length) throw new OnnxRefusal(problems.map((p) => `${p[0].toUpperCase()}${p.slice(1)}.`));
  const table = opTable(graph.opset);
  const consts = new Map<string, tf.Tensor>();
  for (const [name, c] of graph.constants) consts.set(name, tf.keep(constToTensor(c)));
  const exec = (n: OnnxNode, get: (name: string) => tf.Tensor | undefined): tf.Tensor[] => {
    const fn: OpFn = table[n.opType];
    let outs: (tf.Tensor | undefined)[];
    try {
      outs = fn(n.inputs.map((i) => (i ? get(i) : undefined)), n.attrs, n);
    } catch (e) {
      if (e instanceof OpError) throw e;
      throw new OpError(`node "${n.name}" (${n.opType}): ${(e as Error).message.split("\n")[0]}`);
    }
    return outs as tf.Tensor[];
  };
  // Fold constant subgraphs once.
  const rest: OnnxNode[] = [];
  try {
    for (const n of plan) {
      if (n.inputs.every((i) => !i || consts.has(i))) {
        const outs = tf.tidy(() => exec(n, (i) => consts.get(i)));
        n.outputs.forEach((o, k) => o && outs[k] && consts.set(o, outs[k]));
      } else {
        rest.push(n);
      }
    }
  } catch (e) {
    consts.forEach((t) => t.dispose());
    throw e;
  }
  const last = rest[rest.length - 1];
  const droppedSoftmax = !!last && last.opType === "Softmax" && last.outputs[0] === graph.output.name;
  const once = (x: tf.Tensor, full: boolean, capture?: Map<string, tf.Tensor>): tf.Tensor => {
    const vals = new Map<string, tf.Tensor>([[graph.input.name, x]]);
    const get = (i: string) => vals.get(i) ?? consts.get(i);
    const upto = full || !droppedSoftmax ? rest : rest.slice(0, -1);
    for (const n of upto) {
      const outs = exec(n, get);
      n.outputs.forEach((o, k) => {
        if (!o || !outs[k]) return;
        vals.set(o, outs[k]);
        if (capture) capture.set(o, tf.keep(outs[k].clone()));
      });
    }
    const outName = full || !droppedSoftmax ? graph.output.name : last.inputs[0];
    const out = get(outName);
    if (!out) throw new Error(`the graph did not produce its output "${outName}"`);
    return out;
  };
  return {
    graph, plan, graphInputShape, perExample, droppedSoftmax, dynamic,
    run: (x, opts = {}) => {
      if (!perExample || x.shape[0] === 1) return once(x, !!opts.full, opts.capture);
      return tf.concat(tf.split(x, x.shape[0], 0).map((xi) => once(xi, !!opts.full, opts.capture)), 0);
    },
    dispose: () => consts.forEach((t) => t.dispose()),
  };
}

/** The card's inputs (channels last, after scale/offset) as the graph wants them: normalised, then transposed. */
export function toGraphInput(x: tf.Tensor, card: Pick<EngineCard, "inputLayout" | "normalization">): tf.Tensor {
  let z = x;
  const n = card.normalization;
  if (n) z = tf.div(tf.sub(z, tf.tensor1d(n.mean)), tf.tensor1d(n.std));
  if ((card.inputLayout ?? "NHWC") === "NCHW" && z.rank === 4) z = tf.transpose(z, [0, 3, 1, 2]);
  return z;
}

/** Scores [N, K] from the graph's output (trailing unit dimensions, e.g. [N, K, 1, 1], are dropped). */
function asScores(y: tf.Tensor): tf.Tensor2D {
  if (y.rank === 2) return y as tf.Tensor2D;
  if (y.rank > 2 && y.shape.slice(2).every((d) => d === 1)) return tf.reshape(y, [y.shape[0], y.shape[1]!]);
  throw new Error(`the model's output has shape [${y.shape.join(", ")}]; the engine needs [batch, classes]`);
}

/**
 * Load an ONNX model as a LoadedModel the attacks use like any other: it takes inputs in the card's layout
 * (channels last) after the card's scale/offset, and applies the card's per-channel normalisation and
 * layout inside `logits`, so input gradients and epsilons stay in the dataset's pixel space. A final
 * Softmax is skipped so attack losses see logits. Throws OnnxRefusal / Error with a readable message.
 */
export async function loadOnnxModel(files: OnnxFiles, card: OnnxCard): Promise<LoadedModel & { onnx: CompiledOnnx }> {
  const compiled = compileOnnx(files, card);
  const forward = (x: tf.Tensor, full = false) => asScores(compiled.run(toGraphInput(x, card), { full }));
  let numClasses: number;
  try {
    const probe = tf.tidy(() => forward(tf.zeros([1, ...card.inputShape])));
    numClasses = probe.shape[1];
    probe.dispose();
  } catch (e) {
    compiled.dispose();
    throw new Error(`a forward pass on a zero input of shape [${card.inputShape.join(", ")}] failed: ${(e as Error).message}`);
  }
  return {
    inputShape: [...card.inputShape],
    numClasses,
    droppedSoftmax: compiled.droppedSoftmax,
    layerTypes: compiled.plan.map((n) => n.opType),
    logits: (x) => tf.tidy(() => forward(x)),
    predictProbs: (x) => tf.tidy(() => tf.softmax(forward(x))),
    onnx: compiled,
    dispose: () => compiled.dispose(),
  };
}
