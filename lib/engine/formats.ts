import type { EngineCard } from "./card";
import { loadModelFromFiles, type LoadedModel, type ModelFiles } from "./model";
import { loadOnnxModel, type OnnxFiles } from "./onnx/executor";

/* One entry for every white-box model format: attacks, suites and checks only ever see a LoadedModel. */

export const WHITE_BOX_FORMATS = ["tfjs-layers", "onnx"] as const;
export type WhiteBoxFormat = (typeof WHITE_BOX_FORMATS)[number];

export type EngineModelFiles = ({ format: "tfjs-layers" } & ModelFiles) | ({ format: "onnx" } & OnnxFiles);

/**
 * Load a model version's files for the engine. An ONNX model needs the card (input layout, normalisation and
 * dynamic dimensions are applied inside its logits); a LayersModel carries its own input shape.
 */
export async function loadWhiteBoxModel(files: EngineModelFiles, card: EngineCard): Promise<LoadedModel> {
  if (files.format === "onnx") return loadOnnxModel(files, card);
  return loadModelFromFiles(files);
}

/** A LayersModel's files, for code that needs model.json itself (retraining the architecture); throws for ONNX. */
export function asLayersFiles(files: EngineModelFiles): ModelFiles {
  if (files.format !== "tfjs-layers") throw new Error(`this needs a TensorFlow.js LayersModel (model.json); the version is an ${files.format.toUpperCase()} model`);
  return files;
}
