import protobuf from "protobufjs/light.js";

/*
 * The subset of TensorFlow's protobuf messages needed to write a SavedModel whose graph holds the weights as
 * constants (no variables): SavedModel → MetaGraphDef (tags, GraphDef, SignatureDefs). Field numbers from
 * tensorflow/core/protobuf/{saved_model,meta_graph}.proto and tensorflow/core/framework/{graph,node_def,
 * attr_value,tensor,tensor_shape,versions}.proto.
 */

const schema = {
  nested: {
    tf: {
      nested: {
        SavedModel: { fields: { savedModelSchemaVersion: { type: "int64", id: 1 }, metaGraphs: { rule: "repeated", type: "MetaGraphDef", id: 2 } } },
        MetaGraphDef: {
          fields: {
            metaInfoDef: { type: "MetaInfoDef", id: 1 },
            graphDef: { type: "GraphDef", id: 2 },
            signatureDef: { keyType: "string", type: "SignatureDef", id: 5 },
          },
        },
        MetaInfoDef: { fields: { tags: { rule: "repeated", type: "string", id: 4 }, tensorflowVersion: { type: "string", id: 5 } } },
        GraphDef: { fields: { node: { rule: "repeated", type: "NodeDef", id: 1 }, versions: { type: "VersionDef", id: 4 } } },
        VersionDef: { fields: { producer: { type: "int32", id: 1 }, minConsumer: { type: "int32", id: 2 } } },
        NodeDef: {
          fields: {
            name: { type: "string", id: 1 },
            op: { type: "string", id: 2 },
            input: { rule: "repeated", type: "string", id: 3 },
            attr: { keyType: "string", type: "AttrValue", id: 5 },
          },
        },
        AttrValue: {
          oneofs: { value: { oneof: ["list", "s", "i", "f", "b", "type", "shape", "tensor"] } },
          fields: {
            list: { type: "ListValue", id: 1 },
            s: { type: "bytes", id: 2 },
            i: { type: "int64", id: 3 },
            f: { type: "float", id: 4 },
            b: { type: "bool", id: 5 },
            type: { type: "int32", id: 6 },
            shape: { type: "TensorShapeProto", id: 7 },
            tensor: { type: "TensorProto", id: 8 },
          },
        },
        ListValue: { fields: { i: { rule: "repeated", type: "int64", id: 3, options: { packed: true } } } },
        TensorShapeProto: { fields: { dim: { rule: "repeated", type: "Dim", id: 2 }, unknownRank: { type: "bool", id: 3 } } },
        Dim: { fields: { size: { type: "int64", id: 1 } } },
        TensorProto: {
          fields: {
            dtype: { type: "int32", id: 1 },
            tensorShape: { type: "TensorShapeProto", id: 2 },
            tensorContent: { type: "bytes", id: 4 },
          },
        },
        SignatureDef: {
          fields: {
            inputs: { keyType: "string", type: "TensorInfo", id: 1 },
            outputs: { keyType: "string", type: "TensorInfo", id: 2 },
            methodName: { type: "string", id: 3 },
          },
        },
        TensorInfo: { fields: { name: { type: "string", id: 1 }, dtype: { type: "int32", id: 2 }, tensorShape: { type: "TensorShapeProto", id: 3 } } },
      },
    },
  },
};

const root = protobuf.Root.fromJSON(schema);
const SavedModelType = root.lookupType("tf.SavedModel");

/** TensorFlow's DataType enum values used here. */
export const DT = { FLOAT: 1, INT32: 3, BOOL: 10 } as const;

export interface ShapeMsg { dim?: { size: number }[]; unknownRank?: boolean }
export interface TensorMsg { dtype: number; tensorShape: ShapeMsg; tensorContent: Uint8Array }
export interface AttrMsg { list?: { i: number[] }; s?: Uint8Array; i?: number; f?: number; b?: boolean; type?: number; shape?: ShapeMsg; tensor?: TensorMsg }
export interface NodeMsg { name: string; op: string; input: string[]; attr: Record<string, AttrMsg> }
export interface TensorInfoMsg { name: string; dtype: number; tensorShape: ShapeMsg }
export interface SignatureMsg { inputs: Record<string, TensorInfoMsg>; outputs: Record<string, TensorInfoMsg>; methodName: string }

/** Encode a SavedModel with one MetaGraphDef tagged "serve". */
export function encodeSavedModel(nodes: NodeMsg[], signatures: Record<string, SignatureMsg>): Uint8Array {
  const msg = SavedModelType.fromObject({
    savedModelSchemaVersion: 1,
    metaGraphs: [{ metaInfoDef: { tags: ["serve"] }, graphDef: { node: nodes, versions: { producer: 1395 } }, signatureDef: signatures }],
  });
  return SavedModelType.encode(msg).finish();
}

/** Decode (for tests). */
export function decodeSavedModel(bytes: Uint8Array): { metaGraphs: { graphDef: { node: NodeMsg[] }; signatureDef: Record<string, SignatureMsg> }[] } {
  return SavedModelType.toObject(SavedModelType.decode(bytes), { longs: Number, defaults: false }) as never;
}
