import { z } from "zod";
import { HARDENING_METHODS } from "../engine/training/harden-params";
import { CORRUPTIONS } from "../engine/corruption-kinds";
import type { CreateHardening } from "./create";

// The hardening form's fields arrive as strings; this turns them into createHardening's input, with a
// message per field in the form's words. The bounds are the engine's (HardeningParamsSchema), which
// createHardening checks again; its field names ("params.eps") map back to the form's with formFieldOf.

const blank = (v: unknown) => (typeof v === "string" && v.trim() === "" ? undefined : v);

function number(label: string, o: { min: number; max: number; int?: boolean; above?: boolean }) {
  let s = z.coerce.number({ error: `${label}: enter a number` }).refine(Number.isFinite, { error: `${label}: enter a number` });
  if (o.int) s = s.refine(Number.isInteger, { error: `${label}: a whole number` });
  s = o.above
    ? s.refine((v) => v > o.min, { error: `${label}: more than ${o.min}` })
    : s.refine((v) => v >= o.min, { error: `${label}: at least ${o.min}` });
  return s.refine((v) => v <= o.max, { error: `${label}: at most ${o.max.toLocaleString("en")}` });
}
const required = (label: string, o: Parameters<typeof number>[1]) => z.preprocess(blank, number(label, o));
const optional = (label: string, o: Parameters<typeof number>[1]) => z.preprocess(blank, number(label, o).optional());

export const HardeningFormSchema = z
  .object({
    modelVersionId: z.string().trim().min(1, { error: "Choose the model version to harden" }).max(40),
    datasetVersionId: z.string().trim().min(1, { error: "Choose the training dataset version" }).max(40),
    trainCount: optional("Training examples", { min: 1, max: 1_000_000, int: true }),
    method: z.enum(HARDENING_METHODS, { error: "Choose PGD adversarial training, TRADES or augmentation" }),
    eps: required("ε", { min: 0, max: 1e6, above: true }),
    steps: required("Attack steps", { min: 1, max: 100, int: true }),
    stepSize: optional("Step size", { min: 0, max: 1e6, above: true }),
    beta: optional("β", { min: 0, max: 100 }),
    /** The ticked corruptions, comma-separated (the action joins the repeated checkbox). */
    corruptions: z
      .string()
      .max(500)
      .optional()
      .transform((v, ctx) => {
        const list = (v ?? "").split(",").map((s) => s.trim()).filter(Boolean);
        const unknown = list.filter((c) => !(CORRUPTIONS as readonly string[]).includes(c));
        if (unknown.length) {
          ctx.addIssue({ code: "custom", message: `Unknown corruption: ${unknown.join(", ")}` });
          return z.NEVER;
        }
        return [...new Set(list)] as (typeof CORRUPTIONS)[number][];
      }),
    severity: optional("Severity", { min: 1, max: 5, int: true }),
    noiseStd: optional("Noise σ", { min: 0, max: 1 }),
    epochs: required("Epochs", { min: 1, max: 200, int: true }),
    learningRate: required("Learning rate", { min: 0, max: 1, above: true }),
    batchSize: required("Batch size", { min: 1, max: 1024, int: true }),
    seed: required("Seed", { min: 0, max: 2 ** 31 - 1, int: true }),
    validationShare: optional("Validation share", { min: 0, max: 0.5 }),
    patience: optional("Patience", { min: 1, max: 100, int: true }),
  })
  .transform((f): CreateHardening => {
    const adversarial = f.method !== "augment";
    return {
      modelVersionId: f.modelVersionId,
      datasetVersionId: f.datasetVersionId,
      trainCount: f.trainCount,
      params: {
        method: f.method, eps: f.eps, steps: f.steps, stepSize: adversarial ? f.stepSize : undefined,
        beta: f.method === "trades" ? f.beta : undefined,
        corruptions: f.method === "augment" ? f.corruptions : undefined,
        severity: f.method === "augment" ? f.severity : undefined,
        noiseStd: f.method === "augment" ? f.noiseStd : undefined,
        epochs: f.epochs, learningRate: f.learningRate, batchSize: f.batchSize, seed: f.seed,
        validationShare: f.validationShare, patience: f.validationShare ? f.patience : undefined,
      },
    };
  });

/** The form field a lib error names ("params.eps" → "eps"; anything else unchanged). */
export function formFieldOf(key: string): string {
  return key.startsWith("params.") ? key.slice("params.".length) : key;
}
