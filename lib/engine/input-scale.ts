import { preprocessingOf, type EngineCard } from "./card";

// A model that rescales its own input (a Keras `Rescaling(1/255)` first layer) tells us the value range it
// was trained on. When the card's input range, after the card's preprocessing, is on another scale — 0..1
// for a layer that divides by 255, or 0..255 for one that expects 0..1 — every input reaches the model
// squashed to almost nothing or blown up, the model guesses, and attacks "measure" a broken pipeline (a user
// saw 17.6% clean accuracy reported as a robustness result). Pure: reads the topology, no TensorFlow.

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

/** Layers that only move values around: the scale check looks through them to the first real layer. */
const SHAPE_ONLY = new Set(["InputLayer", "Reshape", "Flatten", "Permute"]);

/** How far apart the card's span and the span the layer implies may be (a factor 16 either way) before we refuse. */
export const SCALE_TOLERANCE = 16;

export interface InputScaleMismatch {
  layerName: string;
  layerClass: string;
  scale: number;
  offset: number;
  /** The card's range, and that range after the card's preprocessing (what the model's first layer receives). */
  cardRange: [number, number];
  modelInput: [number, number];
  /** The input range the layer is built for. */
  implied: [number, number];
  message: string;
}

function layersOf(topology: unknown): Json[] {
  if (!isObj(topology)) return [];
  const root = isObj(topology.model_config) ? topology.model_config : topology;
  const config = root.config;
  const layers = Array.isArray(config) ? config : isObj(config) ? config.layers : undefined;
  return Array.isArray(layers) ? layers.filter(isObj) : [];
}

/** A Rescaling scale may be one number or one per channel: the mean magnitude, keeping the sign of the first. */
function asNumber(v: unknown, fallback: number): number | null {
  if (v === undefined || v === null) return fallback;
  if (typeof v === "number" && Number.isFinite(v)) return v;
  if (Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === "number" && Number.isFinite(x))) {
    const nums = v as number[];
    return Math.sign(nums[0]) * nums.reduce((s, x) => s + Math.abs(x), 0) / nums.length;
  }
  return null;
}

const fmt = (v: number) => {
  if (v === 0) return "0";
  const r = +v.toPrecision(4);
  return Math.abs(r) < 1e-3 || Math.abs(r) >= 1e6 ? r.toExponential(3).replace(/\.?0+e/, "e") : String(r);
};
const range = ([a, b]: [number, number]) => `${fmt(a)}..${fmt(b)}`;
/** "0.003922 (1/255)" when the scale is the reciprocal of a round number. */
const describeScale = (s: number) => {
  const inv = 1 / s;
  return Math.abs(s) < 1 && Math.abs(inv - Math.round(inv * 2) / 2) < 1e-3 * Math.abs(inv) ? `${fmt(s)} (1/${fmt(Math.round(inv * 2) / 2)})` : fmt(s);
};

/**
 * The input range a Rescaling(scale, offset) layer is built for. A layer that shrinks (|scale| < 1) brings a
 * wide input to a unit range: 0..1, or -1..1 when its offset is -1 (the `1/127.5, offset -1` idiom). A layer
 * that enlarges starts from 0..1.
 */
export function impliedInputRange(scale: number, offset: number): [number, number] {
  if (Math.abs(scale) >= 1) return [0, 1];
  const target: [number, number] = Math.abs(offset + 1) < 1e-6 ? [-1, 1] : [0, 1];
  const a = (target[0] - offset) / scale;
  const b = (target[1] - offset) / scale;
  return a <= b ? [a, b] : [b, a];
}

/**
 * Compares the card's input range (after its preprocessing) with the first layer of a LayersModel when that
 * layer rescales its input. Returns the mismatch (with a message naming the layer, its scale and the card's
 * range) when the two spans differ by more than SCALE_TOLERANCE, else null (also when there is nothing to judge).
 */
export function inputScaleMismatch(modelJson: unknown, card: Pick<EngineCard, "inputRange" | "preprocessing">): InputScaleMismatch | null {
  const topology = isObj(modelJson) ? modelJson.modelTopology : undefined;
  const first = layersOf(topology).find((l) => !SHAPE_ONLY.has(String(l.class_name)));
  if (!first || first.class_name !== "Rescaling" || !isObj(first.config)) return null;
  const scale = asNumber(first.config.scale, 1);
  const offset = asNumber(first.config.offset, 0);
  if (scale === null || offset === null || scale === 0 || scale === 1) return null;
  const { scale: ps, offset: po } = preprocessingOf(card);
  const cardRange: [number, number] = [card.inputRange.min, card.inputRange.max];
  const a = cardRange[0] * ps + po, b = cardRange[1] * ps + po;
  const modelInput: [number, number] = a <= b ? [a, b] : [b, a];
  const implied = impliedInputRange(scale, offset);
  const ratio = (modelInput[1] - modelInput[0]) / (implied[1] - implied[0]);
  if (!(ratio < 1 / SCALE_TOLERANCE || ratio > SCALE_TOLERANCE)) return null;
  const out: [number, number] = [modelInput[0] * scale + offset, modelInput[1] * scale + offset].sort((x, y) => x - y) as [number, number];
  const name = typeof first.config.name === "string" ? first.config.name : "(unnamed)";
  const preprocessed = ps !== 1 || po !== 0 ? ` (after the card's preprocessing × ${fmt(ps)} + ${fmt(po)}: ${range(modelInput)})` : "";
  const fix = ps !== 1 || po !== 0
    ? `Correct the card's input range or preprocessing so that the model receives values in about ${range(implied)}`
    : `If the data really is in ${range(cardRange)}, set preprocessing scale ${fmt((implied[1] - implied[0]) / (cardRange[1] - cardRange[0]))} so the model receives ${range(implied)}; if it is in ${range(implied)}, give that as the input range`;
  const message =
    `The model's first layer, Rescaling "${name}" (scale ${describeScale(scale)}, offset ${fmt(offset)}), is built for inputs in about ${range(implied)}, ` +
    `but the card's input range is ${range(cardRange)}${preprocessed}: the layer turns it into ${range(out)}, ${ratio < 1 ? "so every input reaches the model nearly blank" : "far outside what it was trained on"}, ` +
    `and an evaluation would measure a broken pipeline, not the model. ${fix}.`;
  return { layerName: name, layerClass: "Rescaling", scale, offset, cardRange, modelInput, implied, message };
}
