import protobuf from "protobufjs/light.js";

/*
 * The subset of the ONNX protobuf messages the engine reads (and writes, for tests and for the reference
 * runtime's copy of a model), described for protobufjs from the field numbers of the ONNX IR specification.
 * Fields we never look at are left out: protobufjs skips unknown fields when decoding.
 */

const int64 = "int64";
const schema = {
  nested: {
    onnx: {
      nested: {
        ModelProto: {
          fields: {
            irVersion: { type: int64, id: 1 },
            producerName: { type: "string", id: 2 },
            producerVersion: { type: "string", id: 3 },
            domain: { type: "string", id: 4 },
            modelVersion: { type: int64, id: 5 },
            docString: { type: "string", id: 6 },
            graph: { type: "GraphProto", id: 7 },
            opsetImport: { rule: "repeated", type: "OperatorSetIdProto", id: 8 },
            functions: { rule: "repeated", type: "FunctionStub", id: 25 },
          },
        },
        // Only presence matters: a model with local functions is refused.
        FunctionStub: { fields: { name: { type: "string", id: 1 } } },
        OperatorSetIdProto: { fields: { domain: { type: "string", id: 1 }, version: { type: int64, id: 2 } } },
        GraphProto: {
          fields: {
            node: { rule: "repeated", type: "NodeProto", id: 1 },
            name: { type: "string", id: 2 },
            initializer: { rule: "repeated", type: "TensorProto", id: 5 },
            docString: { type: "string", id: 10 },
            input: { rule: "repeated", type: "ValueInfoProto", id: 11 },
            output: { rule: "repeated", type: "ValueInfoProto", id: 12 },
            valueInfo: { rule: "repeated", type: "ValueInfoProto", id: 13 },
            sparseInitializer: { rule: "repeated", type: "FunctionStub", id: 15 },
          },
        },
        NodeProto: {
          fields: {
            input: { rule: "repeated", type: "string", id: 1 },
            output: { rule: "repeated", type: "string", id: 2 },
            name: { type: "string", id: 3 },
            opType: { type: "string", id: 4 },
            attribute: { rule: "repeated", type: "AttributeProto", id: 5 },
            docString: { type: "string", id: 6 },
            domain: { type: "string", id: 7 },
          },
        },
        AttributeProto: {
          fields: {
            name: { type: "string", id: 1 },
            f: { type: "float", id: 2 },
            i: { type: int64, id: 3 },
            s: { type: "bytes", id: 4 },
            t: { type: "TensorProto", id: 5 },
            g: { type: "GraphProto", id: 6 },
            floats: { rule: "repeated", type: "float", id: 7 },
            ints: { rule: "repeated", type: int64, id: 8 },
            strings: { rule: "repeated", type: "bytes", id: 9 },
            tensors: { rule: "repeated", type: "TensorProto", id: 10 },
            graphs: { rule: "repeated", type: "GraphProto", id: 11 },
            type: { type: "int32", id: 20 },
            refAttrName: { type: "string", id: 21 },
          },
        },
        TensorProto: {
          fields: {
            dims: { rule: "repeated", type: int64, id: 1 },
            dataType: { type: "int32", id: 2 },
            floatData: { rule: "repeated", type: "float", id: 4 },
            int32Data: { rule: "repeated", type: "int32", id: 5 },
            stringData: { rule: "repeated", type: "bytes", id: 6 },
            int64Data: { rule: "repeated", type: int64, id: 7 },
            name: { type: "string", id: 8 },
            rawData: { type: "bytes", id: 9 },
            doubleData: { rule: "repeated", type: "double", id: 10 },
            uint64Data: { rule: "repeated", type: "uint64", id: 11 },
            externalData: { rule: "repeated", type: "StringStringEntryProto", id: 13 },
            dataLocation: { type: "int32", id: 14 },
          },
        },
        StringStringEntryProto: { fields: { key: { type: "string", id: 1 }, value: { type: "string", id: 2 } } },
        ValueInfoProto: { fields: { name: { type: "string", id: 1 }, type: { type: "TypeProto", id: 2 }, docString: { type: "string", id: 3 } } },
        TypeProto: {
          fields: {
            tensorType: { type: "TensorTypeProto", id: 1 },
            sequenceType: { type: "FunctionStub", id: 4 },
            mapType: { type: "FunctionStub", id: 5 },
          },
        },
        TensorTypeProto: { fields: { elemType: { type: "int32", id: 1 }, shape: { type: "TensorShapeProto", id: 2 } } },
        TensorShapeProto: { fields: { dim: { rule: "repeated", type: "DimensionProto", id: 1 } } },
        DimensionProto: {
          oneofs: { value: { oneof: ["dimValue", "dimParam"] } },
          fields: { dimValue: { type: int64, id: 1 }, dimParam: { type: "string", id: 2 }, denotation: { type: "string", id: 3 } },
        },
      },
    },
  },
};

const root = protobuf.Root.fromJSON(schema);
const ModelProto = root.lookupType("onnx.ModelProto");

/** ONNX TensorProto.DataType values the engine knows. */
export const DT = { FLOAT: 1, UINT8: 2, INT8: 3, UINT16: 4, INT16: 5, INT32: 6, INT64: 7, STRING: 8, BOOL: 9, FLOAT16: 10, DOUBLE: 11, UINT32: 12, UINT64: 13 } as const;
export const DT_NAME: Record<number, string> = Object.fromEntries(Object.entries(DT).map(([k, v]) => [v, k.toLowerCase()]));

/** AttributeProto.AttributeType values. */
export const AT = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, GRAPH: 5, FLOATS: 6, INTS: 7, STRINGS: 8, TENSORS: 9, GRAPHS: 10 } as const;

// Plain shapes of the decoded messages (protobufjs gives objects with these fields; int64 as Long or number).
export type Int64 = number | { toNumber(): number } | string;
export interface TensorMsg {
  dims?: Int64[]; dataType?: number; floatData?: number[]; int32Data?: number[]; int64Data?: Int64[]; doubleData?: number[]; uint64Data?: Int64[];
  name?: string; rawData?: Uint8Array; externalData?: { key: string; value: string }[]; dataLocation?: number; stringData?: Uint8Array[];
}
export interface AttributeMsg {
  name: string; type?: number; f?: number; i?: Int64; s?: Uint8Array; t?: TensorMsg; g?: GraphMsg; floats?: number[]; ints?: Int64[]; strings?: Uint8Array[];
  tensors?: TensorMsg[]; graphs?: GraphMsg[]; refAttrName?: string;
}
export interface NodeMsg { input?: string[]; output?: string[]; name?: string; opType?: string; attribute?: AttributeMsg[]; domain?: string; docString?: string }
export interface DimMsg { dimValue?: Int64; dimParam?: string }
export interface ValueInfoMsg {
  name: string;
  type?: { tensorType?: { elemType?: number; shape?: { dim?: DimMsg[] } }; sequenceType?: unknown; mapType?: unknown };
}
export interface GraphMsg {
  node?: NodeMsg[]; name?: string; initializer?: TensorMsg[]; input?: ValueInfoMsg[]; output?: ValueInfoMsg[]; valueInfo?: ValueInfoMsg[]; sparseInitializer?: unknown[];
}
export interface ModelMsg {
  irVersion?: Int64; producerName?: string; producerVersion?: string; graph?: GraphMsg; opsetImport?: { domain?: string; version?: Int64 }[]; functions?: unknown[];
}

/** An int64 as a JS number, clamped to the int32 range (ONNX uses INT64_MAX as "to the end"; no shape is that large). */
export function toInt(v: Int64 | undefined | null): number {
  if (v === undefined || v === null) return 0;
  const n = typeof v === "number" ? v : typeof v === "string" ? Number(v) : v.toNumber();
  return Math.max(-2147483648, Math.min(2147483647, n));
}

/** Decode an .onnx file. Throws a readable error when the bytes are not an ONNX ModelProto. */
export function decodeModel(bytes: Uint8Array): ModelMsg {
  let msg: protobuf.Message;
  try {
    msg = ModelProto.decode(bytes);
  } catch (e) {
    throw new Error(`the file is not an ONNX model (protobuf decoding failed: ${(e as Error).message})`);
  }
  const m = msg as unknown as ModelMsg;
  if (!m.graph) throw new Error("the file is not an ONNX model: it has no graph (is it really an .onnx file?)");
  return m;
}

/** Encode a model (tests build small graphs this way; validation re-encodes a copy for the reference runtime). */
export function encodeModel(model: ModelMsg): Uint8Array {
  const err = ModelProto.verify(model as unknown as Record<string, unknown>);
  if (err) throw new Error(`invalid ONNX model message: ${err}`);
  return ModelProto.encode(ModelProto.fromObject(model as unknown as Record<string, unknown>)).finish();
}
