import type { OnnxGraph, OnnxNode } from "./graph";

/*
 * What the engine can run, decided before any TensorFlow work: the nodes the output depends on, every
 * operator among them the engine lacks, and every non-differentiable operator between the input and the
 * output (an attack needs the input gradient of the class scores; through an ArgMax there is none).
 */

/** Operator types the executor implements (default ONNX domain). Kept in step with opTable in ./ops. */
export const SUPPORTED_OPS = [
  "Abs", "Add", "AveragePool", "BatchNormalization", "Cast", "Clip", "Concat", "Constant", "ConstantOfShape", "Conv",
  "Div", "Dropout", "Elu", "Equal", "Erf", "Exp", "Expand", "Flatten", "Gather", "Gelu", "Gemm", "GlobalAveragePool",
  "GlobalMaxPool", "HardSigmoid", "HardSwish", "Identity", "LayerNormalization", "LeakyRelu", "Log", "LogSoftmax", "MatMul",
  "Max", "MaxPool", "Mean", "Min", "Mul", "Neg", "Pad", "Pow", "PRelu", "Reciprocal", "ReduceMax", "ReduceMean", "ReduceMin",
  "ReduceSum", "Relu", "Reshape", "Selu", "Shape", "Sigmoid", "Slice", "Softmax", "Softplus", "Softsign", "Split", "Sqrt",
  "Squeeze", "Sub", "Sum", "Tanh", "Transpose", "Unsqueeze", "Where",
] as const;

/** Operators without a useful input gradient: refused when the scores depend on the input through them. */
export const NON_DIFFERENTIABLE_OPS = new Set(["ArgMax", "ArgMin", "TopK", "Hardmax", "Round", "Floor", "Ceil", "Sign", "NonZero", "NonMaxSuppression", "Unique"]);

/** Shape-valued ops: what flows out of them is a size, not a function of the input's values. */
const SHAPE_OF = new Set(["Shape", "Size"]);

export const BLACK_BOX_HINT =
  "To evaluate this model anyway, serve it over HTTP and register it as an endpoint model (black-box attacks).";

export class OnnxRefusal extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join(" "));
  }
}

const listNodes = (nodes: OnnxNode[]) => {
  const names = nodes.map((n) => `"${n.name}"`);
  return names.length > 5 ? `${names.slice(0, 5).join(", ")} and ${names.length - 5} more` : names.join(", ");
};

/**
 * The nodes the output depends on, in graph order. Throws OnnxRefusal listing every unsupported operator
 * (with its nodes), every non-differentiable node on the input-to-output path, and graph-structure problems.
 */
export function planGraph(g: OnnxGraph): OnnxNode[] {
  const supported = new Set<string>(SUPPORTED_OPS);
  const producer = new Map<string, number>();
  const problems: string[] = [];
  for (const [i, n] of g.nodes.entries()) {
    for (const o of n.outputs) if (o) producer.set(o, i);
  }
  // Ancestors of the output.
  const needed = new Set<number>();
  const stack = [g.output.name];
  const seen = new Set<string>();
  while (stack.length) {
    const v = stack.pop()!;
    if (seen.has(v)) continue;
    seen.add(v);
    const p = producer.get(v);
    if (p === undefined) {
      if (v !== g.input.name && !g.constants.has(v)) problems.push(`The value "${v}" is read but neither an input, an initializer nor produced by any node.`);
      continue;
    }
    needed.add(p);
    for (const i of g.nodes[p].inputs) if (i) stack.push(i);
  }
  const plan = g.nodes.filter((_, i) => needed.has(i));
  // Graph order must be topological (the ONNX rule): each input produced by an earlier node.
  const done = new Set<string>([g.input.name, ...g.constants.keys()]);
  for (const n of plan) {
    const early = n.inputs.find((i) => i && !done.has(i) && producer.has(i));
    if (early) problems.push(`Node "${n.name}" reads "${early}" before the node that produces it: the graph is not in topological order.`);
    n.outputs.forEach((o) => o && done.add(o));
  }
  // Values that depend on the input's values (not only on its shape).
  const live = new Set<string>([g.input.name]);
  const blocking: OnnxNode[] = [];
  for (const n of plan) {
    if (SHAPE_OF.has(n.opType)) continue;
    if (n.inputs.some((i) => live.has(i))) {
      n.outputs.forEach((o) => live.add(o));
      if (NON_DIFFERENTIABLE_OPS.has(n.opType)) blocking.push(n);
    }
  }
  const unsupported = new Map<string, OnnxNode[]>();
  for (const n of plan) {
    if (blocking.includes(n)) continue;
    const key = n.domain ? `${n.domain}::${n.opType}` : n.opType;
    if (!n.domain && supported.has(n.opType)) continue;
    unsupported.set(key, [...(unsupported.get(key) ?? []), n]);
  }
  if (unsupported.size) {
    const list = [...unsupported].map(([op, nodes]) => `${op} (${nodes.length === 1 ? "node" : "nodes"} ${listNodes(nodes)})`).join("; ");
    problems.push(`The model uses operators the engine does not support: ${list}. The supported operators are listed in docs/onnx.md.`);
  }
  if (blocking.length) {
    problems.push(
      `The class scores depend on the input through non-differentiable operators: ${blocking.map((n) => `${n.opType} (node "${n.name}")`).join(", ")}. ` +
        "White-box attacks need the input gradient of the scores: export the model up to its logits (before any ArgMax/TopK).",
    );
  }
  if (problems.length) {
    if (unsupported.size || blocking.length) problems.push(BLACK_BOX_HINT);
    throw new OnnxRefusal(problems);
  }
  return plan;
}
