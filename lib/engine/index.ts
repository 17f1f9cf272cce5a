/* Public surface of the evaluation engine. */
export { initEngineBackend, parseBackendPreference, currentBackendInfo, describeBackend, type BackendPreference, type EngineBackendInfo } from "./backend";
export { loadModelFromFiles, validateModelForEngine, modelFromLogitsFunction, type LoadedModel, type ModelFiles, type ModelValidation } from "./model";
export { EngineCardSchema, InputRangeSchema, PreprocessingSchema, InputLayoutSchema, NormalizationSchema, preprocessingOf, type EngineCard, type InputRange, type Preprocessing, type InputLayout, type Normalization } from "./card";
export { loadWhiteBoxModel, WHITE_BOX_FORMATS, type WhiteBoxFormat, type EngineModelFiles } from "./formats";
export { loadOnnxModel, type OnnxFiles } from "./onnx/executor";
export {
  AttackSuiteSchema, AttackSpecSchema, attackId, attackFamily, defaultEpsilons, quickSuite, standardSuite, SUITE_PRESETS,
  suiteWarnings, estimateSuiteCost, SANITY_ATTACK_ID,
  type AttackSuite, type AttackSuiteInput, type AttackSpec, type SuiteCost, type DataDomain,
} from "./suite";
export { runShard, pickGalleryItems, ShardCancelledError, type RunShardOptions, type ShardResult, type ShardSamples, type ExampleRecord, type AttackEntry, type GalleryItem } from "./shard";
export { aggregateRecords, type EngineMetrics, type AttackMetric, type WorstCasePoint, type ClassMetric, type Curve } from "./aggregate";
export { assessReliability, type ReliabilityReport, type ReliabilityCheck, type CheckStatus } from "./reliability";
export { fgsmAttack, pgdAttack, apgdAttack, squareAttack, noiseAttack, runAttack } from "./attacks";
