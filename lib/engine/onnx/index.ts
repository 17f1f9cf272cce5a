/* ONNX models in the engine: parse, check, run as TensorFlow.js ops (see docs/onnx.md). */
export { loadOnnxModel, compileOnnx, onnxInputProblems, toGraphInput, type OnnxFiles, type OnnxCard, type CompiledOnnx } from "./executor";
export { parseOnnx, safeExternalPath, type OnnxGraph, type OnnxNode, type ExternalFiles } from "./graph";
export { planGraph, SUPPORTED_OPS, NON_DIFFERENTIABLE_OPS, OnnxRefusal, BLACK_BOX_HINT } from "./support";
export { validateOnnxForEngine, compareWithReference, REFERENCE_TOLERANCE, REFERENCE_SAMPLES, type OnnxValidation, type ReferenceComparison } from "./validate";
