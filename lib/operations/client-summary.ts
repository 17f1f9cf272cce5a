import { binCounts } from "./drift";
import { CONFIDENCE_EDGES, meanVariance, sampleStatistics } from "./features";

// What a serving system computes from one batch of its traffic before posting it (the example client
// `npm run demo:traffic` and the tests use it): input statistics counted on the reference's bin
// edges, predicted classes and top-1 confidences. No input leaves the serving system.

export interface ReferenceForClient {
  features: { items: { name: string; edges: number[] }[] };
  inputRange: { min: number; max: number };
  classLabels: string[];
}

/** x: count inputs of sampleSize raw values; probs: count × classes output probabilities (optional). */
export function summariseBatch(x: Float32Array, count: number, sampleSize: number, ref: ReferenceForClient, probs?: Float32Array) {
  const { spec, values } = sampleStatistics(x, count, sampleSize, ref.inputRange);
  const inputs: Record<string, { counts: number[]; mean: number; variance: number }> = {};
  spec.names.forEach((name, f) => {
    const item = ref.features.items.find((i) => i.name === name);
    if (item) inputs[name] = { counts: binCounts(values[f]!, item.edges), ...meanVariance(values[f]!) };
  });
  if (!probs) return { count, inputs };
  const k = ref.classLabels.length;
  if (probs.length !== count * k) throw new Error(`summariseBatch: probs has ${probs.length} values, expected ${count} × ${k}`);
  const predictions = new Array<number>(k).fill(0);
  const conf = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    let best = 0;
    for (let c = 1; c < k; c++) if (probs[i * k + c]! > probs[i * k + best]!) best = c;
    predictions[best]! += 1;
    conf[i] = probs[i * k + best]!;
  }
  return { count, inputs, predictions: { counts: predictions }, confidence: { counts: binCounts(conf, CONFIDENCE_EDGES), mean: meanVariance(conf).mean } };
}
