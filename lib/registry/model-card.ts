import { z } from "zod";
import { InputLayoutSchema, InputRangeSchema, NormalizationSchema, type EngineCard } from "../engine/card";

// The model card: the facts an auditor asks for, on every model version. Structural fields (task,
// input shape and range, preprocessing, class labels) are fixed per version because the uploaded
// files were validated against them; the descriptive fields may be edited until the version has
// been evaluated.

export const RISK_TIERS = ["minimal", "limited", "high", "unacceptable"] as const;
export type RiskTierValue = (typeof RISK_TIERS)[number];
export const RISK_TIER_LABELS: Record<RiskTierValue, string> = {
  minimal: "Minimal",
  limited: "Limited",
  high: "High",
  unacceptable: "Unacceptable",
};
export const TASKS = ["image-classification", "tabular-classification"] as const;
export const TASK_LABELS: Record<(typeof TASKS)[number], string> = {
  "image-classification": "Image classification",
  "tabular-classification": "Tabular classification",
};

const text = (max: number) => z.string().trim().max(max, { error: `at most ${max} characters` });
const required = (what: string, max = 2000) => text(max).min(1, { error: `${what} is required` });

export const TrainingMethodSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("standard") }),
  z.object({
    kind: z.literal("adversarial"),
    attack: required("The attack used in training", 100),
    norm: z.enum(["linf", "l2"], { error: "choose L∞ or L2" }),
    epsilon: z.number({ error: "the budget (epsilon) must be a number" }).positive({ error: "the budget (epsilon) must be above 0" }).finite(),
  }),
  z.object({ kind: z.literal("other"), description: required("A description of the training method", 1000) }),
]);

export const ClassLabelsSchema = z
  .array(z.string().trim().min(1, { error: "a class label is empty" }).max(100, { error: "a class label is longer than 100 characters" }))
  .min(2, { error: "at least two class labels are needed" })
  .max(10_000, { error: "at most 10,000 class labels" })
  .superRefine((labels, c) => {
    const seen = new Set<string>();
    for (const l of labels) {
      if (seen.has(l)) c.addIssue({ code: "custom", message: `the class label "${l}" appears twice` });
      seen.add(l);
    }
  });

export const InputShapeSchema = z
  .array(z.number().int({ error: "dimensions are whole numbers" }).positive({ error: "dimensions must be at least 1" }).max(100_000), { error: "give the shape of one input, e.g. 28,28,1" })
  .min(1, { error: "give the shape of one input, e.g. 28,28,1" })
  .max(4, { error: "at most 4 dimensions per input" });

/** What training cost (the cost-of-robustness comparison); every part optional: cards written before it lack it. */
export const TrainingCostSchema = z.object({
  wallTimeHours: z.number({ error: "the wall time must be a number of hours" }).nonnegative({ error: "the wall time cannot be negative" }).max(1_000_000).finite().optional(),
  hardware: text(200).optional(),
  epochs: z.number({ error: "the epochs must be a whole number" }).int({ error: "the epochs must be a whole number" }).min(0).max(1_000_000).optional(),
});
export type TrainingCost = z.infer<typeof TrainingCostSchema>;

export const ENSEMBLE_COMBINES = ["mean-probability", "majority-vote"] as const;
export type EnsembleCombineValue = (typeof ENSEMBLE_COMBINES)[number];
export const ENSEMBLE_COMBINE_LABELS: Record<EnsembleCombineValue, string> = { "mean-probability": "mean probability", "majority-vote": "majority vote" };

/** What an ensemble version's card records of its members and rule (set at registration, never edited). */
export const EnsembleCardSchema = z.object({
  combine: z.enum(ENSEMBLE_COMBINES),
  members: z.array(z.object({ versionId: z.string(), modelId: z.string(), label: z.string(), manifestDigest: z.string() })).min(1),
  /** How gradient attacks treat the combination rule (stated in the threat model of every evaluation). */
  gradient: z.string(),
  /** Which training-cost parts are sums over every member (a part some member lacks is left out). */
  trainingCostNote: z.string().default(""),
});
export type EnsembleCard = z.infer<typeof EnsembleCardSchema>;

/**
 * Training privacy facts (issue 12): whether the model was trained with differential privacy, with its
 * (ε, δ) and mechanism. A claim; reports show it next to the measured membership-inference figures.
 */
export const TrainingPrivacySchema = z
  .object({
    differentialPrivacy: z.enum(["yes", "no", "unknown"], { error: "choose yes, no or unknown" }),
    epsilon: z.number({ error: "ε must be a number" }).positive({ error: "ε must be above 0" }).max(1e6).finite().optional(),
    delta: z.number({ error: "δ must be a number" }).min(0, { error: "δ is at least 0" }).max(1, { error: "δ is at most 1" }).finite().optional(),
    mechanism: text(200).optional(),
    notes: text(1000).optional(),
  })
  .superRefine((p, ctx) => {
    if (p.differentialPrivacy === "yes" && p.epsilon === undefined) ctx.addIssue({ code: "custom", path: ["epsilon"], message: "give the privacy budget ε of the differentially private training" });
    if (p.differentialPrivacy !== "yes" && (p.epsilon !== undefined || p.delta !== undefined)) ctx.addIssue({ code: "custom", path: ["epsilon"], message: "ε and δ apply only to differentially private training" });
  });
export type TrainingPrivacy = z.infer<typeof TrainingPrivacySchema>;

/** "Differentially private training (DP-SGD), ε = 8, δ = 1e-5" / "No differential privacy" / null when not stated. */
export function describeTrainingPrivacy(p: TrainingPrivacy | undefined | null): string | null {
  if (!p || p.differentialPrivacy === "unknown") return null;
  if (p.differentialPrivacy === "no") return `Trained without differential privacy${p.notes ? ` (${p.notes})` : ""}`;
  return `Differentially private training${p.mechanism ? ` (${p.mechanism})` : ""}, ε = ${p.epsilon}${p.delta !== undefined ? `, δ = ${p.delta}` : ""}${p.notes ? `; ${p.notes}` : ""}`;
}

/** The descriptive part of the card: editable until the version is evaluated. */
export const ModelCardDescriptiveSchema = z.object({
  intendedUse: required("Intended use"),
  outOfScopeUse: required("Out-of-scope use"),
  riskTier: z.enum(RISK_TIERS, { error: "choose a risk tier" }),
  owner: required("Owner", 200),
  trainingDatasetVersionId: z.string().trim().max(40).optional().transform((v) => v || undefined),
  trainingMethod: TrainingMethodSchema,
  trainingCost: TrainingCostSchema.optional(),
  trainingPrivacy: TrainingPrivacySchema.optional(),
  knownLimitations: text(4000).default(""),
  preprocessingNote: text(1000).default(""),
  /** Clean accuracy (0..1) the owner measured on their own test set: evaluations far below it are flagged. */
  statedAccuracy: z.number({ error: "the stated accuracy must be a number" }).min(0, { error: "the stated accuracy is at least 0%" }).max(1, { error: "the stated accuracy cannot exceed 100% (in a JSON card it is a fraction: at most 1)" }).finite().optional(),
});

export const ModelCardSchema = z
  .object({
    task: z.enum(TASKS, { error: "choose the task" }),
    inputShape: InputShapeSchema,
    inputRange: InputRangeSchema,
    /** Model input = raw × scale + offset (identity when absent); raw values live in inputRange. */
    preprocessing: z.object({ scale: z.number().finite().default(1), offset: z.number().finite().default(0) }).default({ scale: 1, offset: 0 }),
    classLabels: ClassLabelsSchema,
    /** ONNX models: the layout the model takes (NCHW for PyTorch), per-channel mean/std, named dynamic dimensions. */
    inputLayout: InputLayoutSchema.optional(),
    normalization: NormalizationSchema.optional(),
    dimensions: z.record(z.string().trim().min(1).max(64), z.number().int({ error: "a dimension is a whole number" }).positive({ error: "a dimension is at least 1" }).max(100_000)).optional(),
    /** Only on versions of format "ensemble". */
    ensemble: EnsembleCardSchema.optional(),
  })
  .extend(ModelCardDescriptiveSchema.shape)
  .superRefine((c, ctx) => {
    if (c.task === "tabular-classification" && c.inputShape.length !== 1) {
      ctx.addIssue({ code: "custom", path: ["inputShape"], message: "a tabular model takes a flat vector of features: give one dimension (the number of features)" });
    }
    if (c.task === "image-classification" && (c.inputShape.length < 2 || c.inputShape.length > 3)) {
      ctx.addIssue({ code: "custom", path: ["inputShape"], message: "an image model takes height,width or height,width,channels" });
    }
    if (c.inputLayout === "NCHW" && c.inputShape.length !== 3) {
      ctx.addIssue({ code: "custom", path: ["inputLayout"], message: "NCHW applies to images given as height,width,channels (the input shape stays in the dataset's channels-last order)" });
    }
    const last = c.inputShape[c.inputShape.length - 1];
    if (c.normalization && c.normalization.mean.length !== 1 && c.normalization.mean.length !== last) {
      ctx.addIssue({ code: "custom", path: ["normalization"], message: `give one mean and std, or one per channel (${last} values: the last dimension of the input shape)` });
    }
  });

export type ModelCard = z.infer<typeof ModelCardSchema>;
export type ModelCardDescriptive = z.infer<typeof ModelCardDescriptiveSchema>;

/** The part of the card the engine needs. */
export function engineCardOf(card: ModelCard): EngineCard {
  return {
    inputShape: card.inputShape, inputRange: card.inputRange, preprocessing: card.preprocessing, classLabels: card.classLabels,
    ...(card.inputLayout ? { inputLayout: card.inputLayout } : {}),
    ...(card.normalization ? { normalization: card.normalization } : {}),
    ...(card.dimensions ? { dimensions: card.dimensions } : {}),
  };
}

/** Card fields only the ONNX loader reads; a TensorFlow.js model with them would silently ignore them. */
export function onnxOnlyCardFields(card: ModelCard): string[] {
  return [card.inputLayout === "NCHW" ? "inputLayout" : null, card.normalization ? "normalization" : null, card.dimensions ? "dimensions" : null].filter((f): f is string => f !== null);
}

// --- Form fields -> card input -------------------------------------------------------------------
// Form field names are the card's paths joined with "." so zod's issue paths land next to the right
// field: inputShape, inputRange.min, trainingMethod.epsilon, …

export function parseList(v: unknown): string[] {
  if (Array.isArray(v)) return v.map(String);
  if (typeof v !== "string") return [];
  const sep = v.includes("\n") ? /\r?\n/ : /,/;
  return v
    .split(sep)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

function num(v: unknown): unknown {
  if (typeof v === "number") return v;
  if (typeof v !== "string" || v.trim() === "") return undefined;
  const n = Number(v.trim());
  return Number.isNaN(n) ? v : n;
}

export function parseShape(v: unknown): unknown {
  if (Array.isArray(v)) return v;
  if (typeof v !== "string") return v;
  const parts = v.split(/[,x×\s]+/).filter(Boolean);
  return parts.map((p) => (/^\d+$/.test(p) ? Number(p) : NaN));
}

type Fields = Record<string, unknown>;

export function descriptiveFromFields(f: Fields) {
  const kind = String(f["trainingMethod.kind"] ?? "standard");
  return {
    intendedUse: f.intendedUse,
    outOfScopeUse: f.outOfScopeUse,
    riskTier: f.riskTier,
    owner: f.owner,
    trainingDatasetVersionId: f.trainingDatasetVersionId,
    trainingMethod:
      kind === "adversarial"
        ? { kind, attack: f["trainingMethod.attack"], norm: f["trainingMethod.norm"], epsilon: num(f["trainingMethod.epsilon"]) }
        : kind === "other"
          ? { kind, description: f["trainingMethod.description"] }
          : { kind },
    knownLimitations: f.knownLimitations ?? "",
    preprocessingNote: f.preprocessingNote ?? "",
    ...statedAccuracyFromFields(f),
    ...trainingCostFromFields(f),
    ...trainingPrivacyFromFields(f),
  };
}

/** The form takes the stated accuracy in percent; the card keeps a fraction (empty: not stated). */
function statedAccuracyFromFields(f: Fields): { statedAccuracy?: unknown } {
  if (typeof f.statedAccuracy === "number") return { statedAccuracy: f.statedAccuracy };
  const v = String(f.statedAccuracy ?? "").trim().replace(/%$/, "");
  if (!v) return {};
  const n = num(v);
  return { statedAccuracy: typeof n === "number" ? n / 100 : n };
}

/** The training-privacy fields, only when "differential privacy" is answered (empty: not stated). */
function trainingPrivacyFromFields(f: Fields): { trainingPrivacy?: Record<string, unknown> } {
  const get = (k: string) => String(f[`trainingPrivacy.${k}`] ?? "").trim();
  const dp = get("differentialPrivacy");
  if (!dp) return {};
  const out: Record<string, unknown> = { differentialPrivacy: dp };
  if (get("epsilon")) out.epsilon = num(get("epsilon"));
  if (get("delta")) out.delta = num(get("delta"));
  if (get("mechanism")) out.mechanism = get("mechanism");
  if (get("notes")) out.notes = get("notes");
  return { trainingPrivacy: out };
}

/** The training-cost fields, only when at least one is filled in (empty fields: not recorded). */
function trainingCostFromFields(f: Fields): { trainingCost?: Record<string, unknown> } {
  const get = (k: string) => String(f[`trainingCost.${k}`] ?? "").trim();
  const cost: Record<string, unknown> = {};
  if (get("wallTimeHours")) cost.wallTimeHours = num(get("wallTimeHours"));
  if (get("hardware")) cost.hardware = get("hardware");
  if (get("epochs")) cost.epochs = num(get("epochs"));
  return Object.keys(cost).length ? { trainingCost: cost } : {};
}

/** "14 epochs, 2.5 h on 1× A100" from whatever the card records; null when nothing is. */
export function describeTrainingCost(c: TrainingCost | undefined): string | null {
  if (!c) return null;
  const parts = [c.epochs !== undefined ? `${c.epochs} epoch${c.epochs === 1 ? "" : "s"}` : null, c.wallTimeHours !== undefined ? `${+c.wallTimeHours.toPrecision(4)} h wall time` : null, c.hardware ? `on ${c.hardware}` : null].filter(Boolean);
  return parts.length ? parts.join(", ") : null;
}

/** Builds the card input from flat form fields (strings). */
export function cardInputFromFields(f: Fields) {
  return {
    task: f.task,
    inputShape: parseShape(f.inputShape),
    inputRange: { min: num(f["inputRange.min"]), max: num(f["inputRange.max"]) },
    preprocessing: { scale: num(f["preprocessing.scale"]) ?? 1, offset: num(f["preprocessing.offset"]) ?? 0 },
    classLabels: parseList(f.classLabels),
    ...onnxInputFromFields(f),
    ...descriptiveFromFields(f),
  };
}

/** "0.485, 0.456, 0.406" -> numbers; "height=32, width=32" -> { height: 32, width: 32 }; empty fields: absent. */
function onnxInputFromFields(f: Fields): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const layout = String(f.inputLayout ?? "").trim();
  if (layout) out.inputLayout = layout;
  const mean = parseList(f["normalization.mean"]), std = parseList(f["normalization.std"]);
  if (mean.length || std.length) out.normalization = { mean: mean.map(num), std: std.map(num) };
  const dims = parseList(f.dimensions);
  if (dims.length) out.dimensions = Object.fromEntries(dims.map((d) => { const [k, v] = d.split("="); return [k.trim(), num(v ?? "")]; }));
  return out;
}

export const RISK_TIER_DB = { minimal: "MINIMAL", limited: "LIMITED", high: "HIGH", unacceptable: "UNACCEPTABLE" } as const;

export function describeTrainingMethod(m: ModelCard["trainingMethod"]): string {
  if (m.kind === "standard") return "Standard training";
  if (m.kind === "adversarial") return `Adversarial training with ${m.attack} (${m.norm === "linf" ? "L∞" : "L2"}, ε = ${m.epsilon})`;
  return m.description;
}

/** The card as flat form fields (to prefill a form from an earlier version). */
export function cardToFields(card: Partial<ModelCard>): Record<string, string> {
  const out: Record<string, string> = {};
  if (card.task) out.task = card.task;
  if (card.inputShape) out.inputShape = card.inputShape.join(",");
  if (card.inputRange) {
    out["inputRange.min"] = String(card.inputRange.min);
    out["inputRange.max"] = String(card.inputRange.max);
  }
  out["preprocessing.scale"] = String(card.preprocessing?.scale ?? 1);
  out["preprocessing.offset"] = String(card.preprocessing?.offset ?? 0);
  if (card.classLabels) out.classLabels = card.classLabels.join(", ");
  if (card.inputLayout) out.inputLayout = card.inputLayout;
  if (card.normalization) {
    out["normalization.mean"] = card.normalization.mean.join(", ");
    out["normalization.std"] = card.normalization.std.join(", ");
  }
  if (card.dimensions) out.dimensions = Object.entries(card.dimensions).map(([k, v]) => `${k}=${v}`).join(", ");
  for (const k of ["intendedUse", "outOfScopeUse", "riskTier", "owner", "trainingDatasetVersionId", "knownLimitations", "preprocessingNote"] as const) {
    const v = card[k];
    if (typeof v === "string") out[k] = v;
  }
  if (card.statedAccuracy !== undefined) out.statedAccuracy = String(+(card.statedAccuracy * 100).toPrecision(6));
  if (card.trainingCost?.wallTimeHours !== undefined) out["trainingCost.wallTimeHours"] = String(card.trainingCost.wallTimeHours);
  if (card.trainingCost?.hardware) out["trainingCost.hardware"] = card.trainingCost.hardware;
  if (card.trainingCost?.epochs !== undefined) out["trainingCost.epochs"] = String(card.trainingCost.epochs);
  const tp = card.trainingPrivacy;
  if (tp) {
    out["trainingPrivacy.differentialPrivacy"] = tp.differentialPrivacy;
    if (tp.epsilon !== undefined) out["trainingPrivacy.epsilon"] = String(tp.epsilon);
    if (tp.delta !== undefined) out["trainingPrivacy.delta"] = String(tp.delta);
    if (tp.mechanism) out["trainingPrivacy.mechanism"] = tp.mechanism;
    if (tp.notes) out["trainingPrivacy.notes"] = tp.notes;
  }
  const m = card.trainingMethod;
  if (m) {
    out["trainingMethod.kind"] = m.kind;
    if (m.kind === "adversarial") {
      out["trainingMethod.attack"] = m.attack;
      out["trainingMethod.norm"] = m.norm;
      out["trainingMethod.epsilon"] = String(m.epsilon);
    } else if (m.kind === "other") out["trainingMethod.description"] = m.description;
  }
  return out;
}
