import { AT, DT, encodeModel, type AttributeMsg, type ModelMsg, type TensorMsg, type ValueInfoMsg } from "./proto";
import { createRng } from "../rng";

/* Builds small ONNX models in code for the engine's tests (encoded with the same protobuf schema). */

export type TestAttr = number | string | number[] | { floats: number[] } | { tensor: TestTensor };
export interface TestTensor { dims: number[]; data: ArrayLike<number>; type?: "float" | "int64" | "int32" | "bool" }
export interface TestNode { op: string; inputs: string[]; outputs: string[]; name?: string; attrs?: Record<string, TestAttr>; domain?: string }
export interface TestModel {
  opset?: number;
  input?: { name: string; dims: (number | string)[] };
  output?: { name: string; dims?: (number | string)[] };
  nodes: TestNode[];
  initializers?: Record<string, TestTensor>;
  /** Initializers stored as external data: name -> file location (data written at offset 0 of that file). */
  external?: Record<string, string>;
}

export function tensorMsg(name: string, t: TestTensor, externalLocation?: string): TensorMsg {
  const type = t.type ?? "float";
  const n = t.data.length;
  const base = { name, dims: t.dims };
  if (type === "float") {
    const raw = new Uint8Array(new Float32Array(Array.from(t.data)).buffer);
    if (externalLocation) return { ...base, dataType: DT.FLOAT, dataLocation: 1, externalData: [{ key: "location", value: externalLocation }, { key: "offset", value: "0" }, { key: "length", value: String(raw.length) }] };
    return { ...base, dataType: DT.FLOAT, rawData: raw };
  }
  if (type === "int64") {
    const b = new BigInt64Array(n);
    for (let i = 0; i < n; i++) b[i] = BigInt(t.data[i]);
    return { ...base, dataType: DT.INT64, rawData: new Uint8Array(b.buffer) };
  }
  return { ...base, dataType: type === "bool" ? DT.BOOL : DT.INT32, int32Data: Array.from(t.data) };
}

function attrMsg(name: string, v: TestAttr): AttributeMsg {
  if (typeof v === "number") return Number.isInteger(v) ? { name, type: AT.INT, i: v } : { name, type: AT.FLOAT, f: v };
  if (typeof v === "string") return { name, type: AT.STRING, s: new TextEncoder().encode(v) };
  if (Array.isArray(v)) return { name, type: AT.INTS, ints: v };
  if ("floats" in v) return { name, type: AT.FLOATS, floats: v.floats };
  return { name, type: AT.TENSOR, t: tensorMsg("", v.tensor) };
}

const valueInfo = (name: string, dims?: (number | string)[]): ValueInfoMsg => ({
  name,
  type: { tensorType: { elemType: DT.FLOAT, ...(dims ? { shape: { dim: dims.map((d) => (typeof d === "number" ? { dimValue: d } : { dimParam: d })) } } : {}) } },
});

/** External data bytes for `external` initializers: file location -> bytes. */
export function externalBytes(m: TestModel): Record<string, Uint8Array> {
  const out: Record<string, Uint8Array> = {};
  for (const [name, loc] of Object.entries(m.external ?? {})) out[loc] = new Uint8Array(new Float32Array(Array.from(m.initializers![name].data)).buffer);
  return out;
}

export function buildOnnx(m: TestModel): Uint8Array {
  const model: ModelMsg = {
    irVersion: 8,
    producerName: "bulwark-test",
    opsetImport: [{ domain: "", version: m.opset ?? 17 }],
    graph: {
      name: "test",
      node: m.nodes.map((n, i) => ({ name: n.name ?? `${n.op.toLowerCase()}_${i}`, opType: n.op, domain: n.domain ?? "", input: n.inputs, output: n.outputs, attribute: Object.entries(n.attrs ?? {}).map(([k, v]) => attrMsg(k, v)) })),
      initializer: Object.entries(m.initializers ?? {}).map(([k, t]) => tensorMsg(k, t, m.external?.[k])),
      input: [valueInfo(m.input?.name ?? "x", m.input?.dims ?? ["batch", 4])],
      output: [valueInfo(m.output?.name ?? "y", m.output?.dims)],
    },
  };
  return encodeModel(model);
}

/** Seeded normal weights. */
export function weights(dims: number[], seed: number, scale = 0.3): TestTensor {
  const rng = createRng(seed, 0, "onnx-test");
  const n = dims.reduce((a, b) => a * b, 1);
  return { dims, data: Array.from({ length: n }, () => rng.normal() * scale) };
}

export const ints64 = (data: number[]): TestTensor => ({ dims: [data.length], data, type: "int64" });

/** A small PyTorch-style CNN: NCHW, Conv-BN-Relu-MaxPool, Flatten via Shape/Reshape, Gemm, final Softmax. */
export function pytorchStyleCnn(opts: { inputDims?: (number | string)[]; classes?: number; opset?: number; extra?: Partial<TestModel> } = {}): TestModel {
  const k = opts.classes ?? 3;
  return {
    opset: opts.opset ?? 17,
    input: { name: "x", dims: opts.inputDims ?? ["batch", 3, 8, 8] },
    output: { name: "y" },
    nodes: [
      { op: "Conv", inputs: ["x", "w1", "b1"], outputs: ["c1"], attrs: { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }, name: "/conv1/Conv" },
      { op: "BatchNormalization", inputs: ["c1", "g", "be", "mu", "var"], outputs: ["bn"], name: "/bn1/BatchNormalization" },
      { op: "Relu", inputs: ["bn"], outputs: ["r1"], name: "/relu/Relu" },
      { op: "MaxPool", inputs: ["r1"], outputs: ["p1"], attrs: { kernel_shape: [2, 2], strides: [2, 2] }, name: "/pool/MaxPool" },
      { op: "Shape", inputs: ["p1"], outputs: ["s"] },
      { op: "Gather", inputs: ["s", "i0"], outputs: ["n"], attrs: { axis: 0 } },
      { op: "Unsqueeze", inputs: ["n", "ax0"], outputs: ["n1"] },
      { op: "Concat", inputs: ["n1", "m1"], outputs: ["shape"], attrs: { axis: 0 } },
      { op: "Reshape", inputs: ["p1", "shape"], outputs: ["f"], name: "/Reshape" },
      { op: "Gemm", inputs: ["f", "w2", "b2"], outputs: ["z"], attrs: { transB: 1 }, name: "/fc/Gemm" },
      { op: "Softmax", inputs: ["z"], outputs: ["y"], attrs: { axis: 1 }, name: "/Softmax" },
      ...(opts.extra?.nodes ?? []),
    ],
    initializers: {
      w1: weights([4, 3, 3, 3], 1), b1: weights([4], 2), g: { dims: [4], data: [1, 0.5, 2, 1] }, be: weights([4], 3), mu: weights([4], 4), var: { dims: [4], data: [1, 2, 0.5, 1] },
      i0: { dims: [], data: [0], type: "int64" }, ax0: ints64([0]), m1: ints64([-1]), w2: weights([k, 64], 5), b2: weights([k], 6),
      ...(opts.extra?.initializers ?? {}),
    },
    external: opts.extra?.external,
  };
}

