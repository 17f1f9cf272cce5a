import { AT, DT, DT_NAME, decodeModel, toInt, type AttributeMsg, type GraphMsg, type ModelMsg, type NodeMsg, type TensorMsg, type ValueInfoMsg } from "./proto";

/*
 * An ONNX model as plain data the executor runs: nodes with decoded attributes, constant tensors as typed
 * arrays (external data resolved from the files handed in), and the one input and one output. Everything
 * here is pure (no TensorFlow), so the registry can also use it to list what a model needs.
 */

export type AttrValue = number | string | number[] | string[] | ConstTensor;

/** A constant tensor: floats as Float32Array, every integer type as Int32Array (clamped), bool as Uint8Array. */
export interface ConstTensor {
  dims: number[];
  dtype: "float32" | "int32" | "bool";
  data: Float32Array | Int32Array | Uint8Array;
  /** The ONNX data type it was stored as (e.g. "int64", "float16"). */
  onnxType: string;
}

export interface OnnxNode {
  /** Node name, or "<opType> #<index>" when the exporter left it empty (for messages). */
  name: string;
  opType: string;
  domain: string;
  inputs: string[];
  outputs: string[];
  attrs: Record<string, AttrValue>;
}

/** A dimension of the graph input: a number, or the name the exporter gave a dynamic one ("" when unnamed). */
export type Dim = number | { param: string };

export interface OnnxGraph {
  opset: number;
  producer: string;
  nodes: OnnxNode[];
  constants: Map<string, ConstTensor>;
  input: { name: string; elemType: string; dims: Dim[] };
  output: { name: string; elemType: string; dims: Dim[] };
  /** Names of external data files the model reads (relative to the .onnx file). */
  externalFiles: string[];
}

/** Files beside the .onnx file (external data), keyed by their path relative to it. */
export type ExternalFiles = Record<string, Uint8Array>;

const utf8 = new TextDecoder();

/**
 * Where an external-data location points, relative to the model's folder; null when it would leave that
 * folder (absolute, `..`, drive letters, backslashes, control characters) — such a model is refused.
 */
export function safeExternalPath(location: string): string | null {
  const control = [...location].some((ch) => ch.charCodeAt(0) < 32 || ch === "\\");
  if (!location || location.length > 255 || control || /^[a-zA-Z]:/.test(location) || location.startsWith("/")) return null;
  const parts: string[] = [];
  for (const p of location.split("/")) {
    if (p === "" || p === ".") continue;
    if (p === "..") return null;
    parts.push(p);
  }
  return parts.length ? parts.join("/") : null;
}

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? NaN : s * Infinity;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}

/** Decode a TensorProto's values (inline, raw or external). `what` names it in errors. */
export function decodeTensor(t: TensorMsg, external: ExternalFiles, what: string): ConstTensor {
  const dims = (t.dims ?? []).map(toInt);
  const n = dims.reduce((a, b) => a * b, 1);
  const type = t.dataType ?? 0;
  const onnxType = DT_NAME[type] ?? `type ${type}`;
  let raw = t.rawData && t.rawData.length ? t.rawData : undefined;
  if (t.dataLocation === 1) {
    const entry = (k: string) => t.externalData?.find((e) => e.key === k)?.value;
    const location = entry("location") ?? "";
    const path = safeExternalPath(location);
    if (path === null) throw new Error(`${what} reads external data from "${location}", a path outside the model's folder: refused`);
    const file = external[path];
    if (!file) throw new Error(`${what} reads external data from "${path}", which is not in the upload (upload a .zip with the .onnx file and its data files)`);
    const offset = Number(entry("offset") ?? 0);
    const length = entry("length") !== undefined ? Number(entry("length")) : file.length - offset;
    if (!Number.isInteger(offset) || !Number.isInteger(length) || offset < 0 || length < 0 || offset + length > file.length) {
      throw new Error(`${what} reads bytes ${offset}..${offset + length} of "${path}", which has only ${file.length} bytes`);
    }
    raw = file.subarray(offset, offset + length);
  }
  const view = raw ? new DataView(raw.buffer, raw.byteOffset, raw.byteLength) : null;
  const width: Record<number, number> = { [DT.FLOAT]: 4, [DT.DOUBLE]: 8, [DT.FLOAT16]: 2, [DT.INT64]: 8, [DT.UINT64]: 8, [DT.INT32]: 4, [DT.UINT32]: 4, [DT.INT16]: 2, [DT.UINT16]: 2, [DT.INT8]: 1, [DT.UINT8]: 1, [DT.BOOL]: 1 };
  if (width[type] === undefined) throw new Error(`${what} has data type ${onnxType}, which the engine does not support`);
  if (view && view.byteLength !== n * width[type]) throw new Error(`${what} has ${view.byteLength} bytes of data for shape [${dims.join(",")}] of ${onnxType} (${n * width[type]} expected)`);
  const read = (i: number): number => {
    const v = view!;
    switch (type) {
      case DT.FLOAT: return v.getFloat32(i * 4, true);
      case DT.DOUBLE: return v.getFloat64(i * 8, true);
      case DT.FLOAT16: return halfToFloat(v.getUint16(i * 2, true));
      case DT.INT64: return Number(v.getBigInt64(i * 8, true));
      case DT.UINT64: return Number(v.getBigUint64(i * 8, true));
      case DT.INT32: return v.getInt32(i * 4, true);
      case DT.UINT32: return v.getUint32(i * 4, true);
      case DT.INT16: return v.getInt16(i * 2, true);
      case DT.UINT16: return v.getUint16(i * 2, true);
      case DT.INT8: return v.getInt8(i);
      default: return v.getUint8(i);
    }
  };
  const inline: number[] | undefined = view ? undefined
    : type === DT.FLOAT ? t.floatData
    : type === DT.DOUBLE ? t.doubleData
    : type === DT.INT64 ? t.int64Data?.map(toInt)
    : type === DT.UINT64 ? t.uint64Data?.map(toInt)
    // int32_data also carries int8/16, uint8/16, bool and float16 (as bits).
    : type === DT.FLOAT16 ? t.int32Data?.map(halfToFloat)
    : t.int32Data;
  if (!view && (inline?.length ?? 0) !== n) throw new Error(`${what} has ${inline?.length ?? 0} values for shape [${dims.join(",")}] (${n} expected)`);
  const get = view ? read : (i: number) => inline![i];
  const isFloat = type === DT.FLOAT || type === DT.DOUBLE || type === DT.FLOAT16;
  if (isFloat) {
    const data = new Float32Array(n);
    if (type === DT.FLOAT && view && raw!.byteOffset % 4 === 0) data.set(new Float32Array(raw!.buffer, raw!.byteOffset, n));
    else for (let i = 0; i < n; i++) data[i] = get(i);
    return { dims, dtype: "float32", data, onnxType };
  }
  if (type === DT.BOOL) {
    const data = new Uint8Array(n);
    for (let i = 0; i < n; i++) data[i] = get(i) ? 1 : 0;
    return { dims, dtype: "bool", data, onnxType };
  }
  const data = new Int32Array(n);
  for (let i = 0; i < n; i++) data[i] = Math.max(-2147483648, Math.min(2147483647, get(i)));
  return { dims, dtype: "int32", data, onnxType };
}

function decodeAttr(a: AttributeMsg, external: ExternalFiles, where: string): AttrValue | undefined {
  // Older exporters leave `type` unset; infer it from the field present.
  const type = a.type || (a.t ? AT.TENSOR : a.s?.length ? AT.STRING : a.floats?.length ? AT.FLOATS : a.ints?.length ? AT.INTS : a.strings?.length ? AT.STRINGS : a.f !== undefined && a.f !== 0 ? AT.FLOAT : AT.INT);
  switch (type) {
    case AT.FLOAT: return a.f ?? 0;
    case AT.INT: return toInt(a.i);
    case AT.STRING: return a.s ? utf8.decode(a.s) : "";
    case AT.TENSOR: return decodeTensor(a.t ?? {}, external, `attribute "${a.name}" of ${where}`);
    case AT.FLOATS: return a.floats ?? [];
    case AT.INTS: return (a.ints ?? []).map(toInt);
    case AT.STRINGS: return (a.strings ?? []).map((s) => utf8.decode(s));
    // Subgraphs (If, Loop, Scan) and the rest: those ops are refused anyway.
    default: return undefined;
  }
}

function dimsOf(v: ValueInfoMsg): { elemType: string; dims: Dim[] } {
  const tt = v.type?.tensorType;
  const elemType = tt ? DT_NAME[tt.elemType ?? 0] ?? `type ${tt.elemType}` : v.type?.sequenceType ? "sequence" : v.type?.mapType ? "map" : "unknown";
  const dims: Dim[] = (tt?.shape?.dim ?? []).map((d) => (d.dimValue !== undefined && d.dimValue !== null && toInt(d.dimValue) > 0 ? toInt(d.dimValue) : { param: d.dimParam ?? "" }));
  return { elemType, dims };
}

/** The default-domain opset the model imports (ONNX's "" or "ai.onnx"). */
export function defaultOpset(m: ModelMsg): number {
  const entry = (m.opsetImport ?? []).find((o) => !o.domain || o.domain === "ai.onnx");
  return entry ? toInt(entry.version) : 0;
}

/**
 * Parse an ONNX model into an OnnxGraph. Throws an Error with a readable message for files that are not
 * ONNX, use an opset older than 13, have more or fewer than one input/output, or reference missing or
 * escaping external data. Operator support is checked separately (see checkGraph in ./support).
 */
export function parseOnnx(bytes: Uint8Array, external: ExternalFiles = {}): OnnxGraph {
  const m = decodeModel(bytes);
  const g: GraphMsg = m.graph!;
  const opset = defaultOpset(m);
  if (opset < 13) throw new Error(opset === 0 ? "the model imports no ONNX operator set (opset_import is empty)" : `the model uses ONNX opset ${opset}; the engine supports opset 13 and newer (re-export with opset_version=13 or higher)`);
  if ((m.functions?.length ?? 0) > 0) throw new Error("the model defines local functions, which the engine does not support: export without custom functions");
  if ((g.sparseInitializer?.length ?? 0) > 0) throw new Error("the model has sparse initializers, which the engine does not support");
  const constants = new Map<string, ConstTensor>();
  const externalFiles = new Set<string>();
  for (const [i, t] of (g.initializer ?? []).entries()) {
    const name = t.name ?? "";
    if (!name) throw new Error(`initializer #${i + 1} has no name`);
    if (t.dataLocation === 1) {
      const loc = t.externalData?.find((e) => e.key === "location")?.value ?? "";
      const p = safeExternalPath(loc);
      if (p) externalFiles.add(p);
    }
    constants.set(name, decodeTensor(t, external, `initializer "${name}"`));
  }
  const inputs = (g.input ?? []).filter((v) => !constants.has(v.name));
  if (inputs.length !== 1) {
    throw new Error(`the model has ${inputs.length} inputs (${inputs.map((v) => `"${v.name}"`).join(", ") || "none"}); the engine needs exactly one (the image or feature vector)`);
  }
  const outputs = g.output ?? [];
  if (outputs.length !== 1) {
    throw new Error(`the model has ${outputs.length} outputs (${outputs.map((v) => `"${v.name}"`).join(", ")}); the engine needs exactly one (the class scores): export only the logits`);
  }
  const nodes: OnnxNode[] = (g.node ?? []).map((n: NodeMsg, i) => {
    const opType = n.opType ?? "";
    const name = n.name || `${opType || "node"} #${i + 1}`;
    const attrs: Record<string, AttrValue> = {};
    for (const a of n.attribute ?? []) {
      const v = decodeAttr(a, external, `node "${name}"`);
      if (v !== undefined) attrs[a.name] = v;
    }
    return { name, opType, domain: n.domain && n.domain !== "ai.onnx" ? n.domain : "", inputs: n.input ?? [], outputs: n.output ?? [], attrs };
  });
  const input = inputs[0];
  return {
    opset,
    producer: [m.producerName, m.producerVersion].filter(Boolean).join(" "),
    nodes,
    constants,
    input: { name: input.name, ...dimsOf(input) },
    output: { name: outputs[0].name, ...dimsOf(outputs[0]) },
    externalFiles: [...externalFiles],
  };
}
