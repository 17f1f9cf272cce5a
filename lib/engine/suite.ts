import { z } from "zod";
import type { InputRange } from "./card";
import { CORRUPTIONS } from "./corruption-kinds";

export const NormSchema = z.enum(["linf", "l2"]);
export type Norm = z.infer<typeof NormSchema>;

const id = z.string().regex(/^[a-z0-9][a-z0-9-]*$/).max(64).optional();
const steps = (d: number) => z.number().int().min(1).max(10_000).default(d);

export const FgsmSpecSchema = z.object({ kind: z.literal("fgsm"), id, norm: NormSchema.default("linf"), targeted: z.boolean().default(false) });
export const PgdSpecSchema = z.object({
  kind: z.literal("pgd"), id, norm: NormSchema.default("linf"), steps: steps(10),
  restarts: z.number().int().min(1).max(100).default(1),
  /** Step size as a fraction of epsilon; default 2.5 / steps. */
  stepSize: z.number().positive().max(10).optional(),
  randomStart: z.boolean().default(true),
});
export const ApgdCeSpecSchema = z.object({ kind: z.literal("apgd-ce"), id, norm: NormSchema.default("linf"), steps: steps(100), restarts: z.number().int().min(1).max(100).default(1) });
export const ApgdDlrSpecSchema = z.object({
  kind: z.literal("apgd-dlr-t"), id, norm: NormSchema.default("linf"), steps: steps(100),
  /** Number of target classes (2nd..(n+1)th most likely); AutoAttack uses 9. */
  targets: z.number().int().min(1).max(1000).default(3),
});
export const SquareSpecSchema = z.object({
  kind: z.literal("square"), id, norm: NormSchema.default("linf"),
  /** Query budget per example (the first evaluation included). */
  queries: z.number().int().min(1).max(100_000).default(1000), pInit: z.number().gt(0).max(1).default(0.8),
});
/** HopSkipJump (Chen et al. 2020): decision-based, needs only the predicted label. */
export const HopSkipJumpSpecSchema = z.object({
  kind: z.literal("hop-skip-jump"), id, norm: NormSchema.default("linf"),
  /** Query budget per example. */
  queries: z.number().int().min(10).max(100_000).default(1000),
});
export const NoiseSpecSchema = z.object({
  kind: z.literal("noise"), id, norm: NormSchema.default("linf"), distribution: z.enum(["gaussian", "uniform"]),
  draws: z.number().int().min(1).max(1000).default(10),
});

export const AttackSpecSchema = z.discriminatedUnion("kind", [
  FgsmSpecSchema, PgdSpecSchema, ApgdCeSpecSchema, ApgdDlrSpecSchema, SquareSpecSchema, HopSkipJumpSpecSchema, NoiseSpecSchema,
]);
export type AttackSpec = z.infer<typeof AttackSpecSchema>;
export type AttackKind = AttackSpec["kind"];

/** Stable identifier of an attack within a suite (record key). */
export function attackId(spec: AttackSpec): string {
  if (spec.id) return spec.id;
  switch (spec.kind) {
    case "fgsm": return `fgsm${spec.targeted ? "-t" : ""}-${spec.norm}`;
    case "pgd": return `pgd-${spec.norm}-${spec.steps}x${spec.restarts}`;
    case "apgd-ce": return `apgd-ce-${spec.norm}`;
    case "apgd-dlr-t": return `apgd-dlr-t-${spec.norm}`;
    case "square": return `square-${spec.norm}-${spec.queries}`;
    case "hop-skip-jump": return `hsj-${spec.norm}-${spec.queries}`;
    case "noise": return `noise-${spec.distribution}-${spec.norm}`;
  }
}

/** Attack kinds that need only the model's outputs: the ones an HTTP endpoint model can be evaluated with. */
export const QUERY_ONLY_KINDS = ["square", "hop-skip-jump", "noise"] as const satisfies readonly AttackSpec["kind"][];
export const isQueryOnly = (spec: AttackSpec) => (QUERY_ONLY_KINDS as readonly string[]).includes(spec.kind);

/** Which attacks are white-box gradient attacks, single-step, black-box, or baselines. */
export function attackFamily(spec: AttackSpec): "single-step" | "iterative" | "black-box" | "noise" {
  if (spec.kind === "fgsm") return "single-step";
  if (spec.kind === "square" || spec.kind === "hop-skip-jump") return "black-box";
  if (spec.kind === "noise") return "noise";
  return "iterative";
}

/** Common corruptions to run (default: every one that applies to the input shape), at the listed severities. */
export const CorruptionPartSchema = z.object({
  kinds: z.array(z.enum(CORRUPTIONS)).min(1).max(CORRUPTIONS.length).optional(),
  severities: z.array(z.number().int().min(1).max(5)).min(1).max(5).default([1, 2, 3, 4, 5]),
});
export type CorruptionPart = z.infer<typeof CorruptionPartSchema>;

/** Out-of-distribution check: synthetic noise images made by the engine, or an OOD dataset version. */
export const OodPartSchema = z.object({
  source: z.enum(["synthetic", "dataset"]).default("synthetic"),
  /** The OOD dataset version (same sample shape and value range as the model), when source is "dataset". */
  datasetVersionId: z.string().min(1).max(64).optional(),
  samples: z.number().int().min(10).max(100_000).default(300),
}).refine((o) => o.source !== "dataset" || o.datasetVersionId, { message: "an OOD dataset source needs datasetVersionId", path: ["datasetVersionId"] });
export type OodPart = z.infer<typeof OodPartSchema>;

export const AttackSuiteSchema = z
  .object({
    name: z.string().min(1).max(100).default("custom"),
    preset: z.enum(["quick", "standard", "custom"]).default("custom"),
    attacks: z.array(AttackSpecSchema).min(1).max(50),
    epsilons: z.object({
      linf: z.array(z.number().positive().finite()).max(20).default([]),
      l2: z.array(z.number().positive().finite()).max(20).default([]),
    }),
    sampleCount: z.number().int().min(1).max(1_000_000).default(500),
    seed: z.number().int().min(0).max(2 ** 31 - 1).default(0),
    /** Also run PGD-Linf at eps = half the value range, a budget that must break any classifier. */
    sanityCheck: z.boolean().default(true),
    /** Calibration (ECE/MCE, Brier, NLL) is computed clean and per attack budget from the predictions; bins of the diagram. */
    calibrationBins: z.number().int().min(2).max(100).default(15),
    corruptions: CorruptionPartSchema.optional(),
    ood: OodPartSchema.optional(),
  })
  .superRefine((s, ctx) => {
    const ids = s.attacks.map(attackId);
    const dup = ids.find((v, i) => ids.indexOf(v) !== i);
    if (dup) ctx.addIssue({ code: "custom", path: ["attacks"], message: `two attacks share the id "${dup}": give one an explicit id` });
    for (const [i, a] of s.attacks.entries()) {
      if (s.epsilons[a.norm].length === 0) {
        ctx.addIssue({ code: "custom", path: ["attacks", i], message: `attack ${ids[i]} uses the ${a.norm} norm but no ${a.norm} epsilons are given` });
      }
    }
  });
export type AttackSuite = z.infer<typeof AttackSuiteSchema>;
export type AttackSuiteInput = z.input<typeof AttackSuiteSchema>;

/** The id of the sanity attack a suite adds when sanityCheck is on. */
export const SANITY_ATTACK_ID = "sanity-pgd-linf-half-range";

export type DataDomain = "digits" | "natural";

/**
 * Standard budgets, scaled by the width of the value range: digits-like data (MNIST) Linf 0.1/0.2/0.3 and
 * L2 1/1.5/2; natural images Linf 2/255, 4/255, 8/255 and L2 0.25/0.5/1.0 (as in RobustBench).
 */
export function defaultEpsilons(inputRange: InputRange, domain: DataDomain = "natural"): { linf: number[]; l2: number[] } {
  const w = inputRange.max - inputRange.min;
  const base = domain === "digits"
    ? { linf: [0.1, 0.2, 0.3], l2: [1, 1.5, 2] }
    : { linf: [2 / 255, 4 / 255, 8 / 255], l2: [0.25, 0.5, 1] };
  const r = (v: number) => Number((v * w).toPrecision(6));
  return { linf: base.linf.map(r), l2: base.l2.map(r) };
}

export interface PresetOptions { sampleCount?: number; seed?: number; domain?: DataDomain }

/** quick: FGSM + PGD-10 (Linf) on three epsilons. */
export function quickSuite(inputRange: InputRange, o: PresetOptions = {}): AttackSuite {
  const eps = defaultEpsilons(inputRange, o.domain);
  return AttackSuiteSchema.parse({
    name: "quick", preset: "quick", sampleCount: o.sampleCount ?? 500, seed: o.seed ?? 0,
    epsilons: { linf: eps.linf, l2: [] },
    attacks: [{ kind: "fgsm", norm: "linf" }, { kind: "pgd", norm: "linf", steps: 10, restarts: 1 }],
  });
}

/** standard: AutoAttack-style APGD-CE, APGD-DLR-T and Square (Linf), plus noise baselines and FGSM/PGD for the checks. */
export function standardSuite(inputRange: InputRange, o: PresetOptions = {}): AttackSuite {
  const eps = defaultEpsilons(inputRange, o.domain);
  return AttackSuiteSchema.parse({
    name: "standard", preset: "standard", sampleCount: o.sampleCount ?? 1000, seed: o.seed ?? 0,
    epsilons: { linf: eps.linf, l2: [] },
    attacks: standardAttacks({ apgdSteps: 100, squareQueries: 1000, noiseDraws: 10, uniformNoise: true }),
  });
}

/**
 * The standard preset's attacks (L∞), in its order, at a given budget: the preset's own, and the smaller one the demo
 * models' committed figures were measured with (scripts/train-demo.ts).
 */
export function standardAttacks(b: { apgdSteps: number; squareQueries: number; noiseDraws: number; uniformNoise: boolean }) {
  return [
    { kind: "fgsm", norm: "linf" },
    { kind: "pgd", norm: "linf", steps: 20, restarts: 1 },
    { kind: "apgd-ce", norm: "linf", steps: b.apgdSteps, restarts: 1 },
    { kind: "apgd-dlr-t", norm: "linf", steps: b.apgdSteps, targets: 3 },
    { kind: "square", norm: "linf", queries: b.squareQueries },
    { kind: "noise", norm: "linf", distribution: "gaussian", draws: b.noiseDraws },
    ...(b.uniformNoise ? [{ kind: "noise", norm: "linf", distribution: "uniform", draws: b.noiseDraws }] : []),
  ];
}

export const SUITE_PRESETS = { quick: quickSuite, standard: standardSuite } as const;

/** Plain-language warnings about implausible budgets for the declared value range. */
export function suiteWarnings(suite: AttackSuite, inputRange: InputRange, inputShape?: number[]): string[] {
  const w = inputRange.max - inputRange.min;
  const out: string[] = [];
  for (const e of suite.epsilons.linf) {
    const rel = e / w;
    if (rel >= 0.5) out.push(`Linf epsilon ${e} is at least half the value range (${w}): any input can be turned into a flat one, so robust accuracy there says nothing.`);
    else if (rel > 0.3) out.push(`Linf epsilon ${e} is ${(rel * 100).toFixed(0)}% of the value range; budgets above 30% (0.3 on 0..1 digits) change what a human sees.`);
    if (rel < 0.5 / 255) out.push(`Linf epsilon ${e} is below half a grey level of the range ${inputRange.min}..${inputRange.max}${w >= 100 && e < 1 ? " (it looks meant for 0..1 data)" : ""}.`);
  }
  const d = inputShape ? inputShape.reduce((a, b) => a * b, 1) : null;
  for (const e of suite.epsilons.l2) {
    if (d !== null && e >= (w * Math.sqrt(d)) / 2) out.push(`L2 epsilon ${e} reaches half the diameter of the input space (${(w * Math.sqrt(d)).toFixed(1)}).`);
    if (w >= 100 && e < 1) out.push(`L2 epsilon ${e} is tiny for the range ${inputRange.min}..${inputRange.max} (it looks meant for 0..1 data).`);
  }
  const fams = new Set(suite.attacks.map(attackFamily));
  if (!fams.has("iterative")) out.push("The suite has no iterative gradient attack (PGD or APGD): single-step and noise results overstate robustness.");
  for (const a of suite.attacks) {
    if ((a.kind === "pgd" || a.kind === "apgd-ce" || a.kind === "apgd-dlr-t") && a.steps < 5) out.push(`${attackId(a)} runs only ${a.steps} steps; use at least 10.`);
    if (a.kind === "square" && a.queries < 100) out.push(`${attackId(a)} has only ${a.queries} queries; Square needs hundreds to be informative.`);
  }
  return out;
}

export interface SuiteCost {
  /** Forward+backward passes per sample (upper bound: early stopping only lowers it). */
  gradientSteps: number;
  /** Forward-only passes per sample. */
  forwardPasses: number;
  /** Both in forward+backward-step units (a forward pass counted as 1/3 of a step), for ETAs. */
  perSample: number;
}

/** Upper bound of the work per sample, for ETA and quota. */
export function estimateSuiteCost(suite: AttackSuite): SuiteCost {
  let grad = 1; // the clean-gradient statistics
  let fwd = 1; // the clean prediction
  for (const a of suite.attacks) {
    const n = suite.epsilons[a.norm].length;
    switch (a.kind) {
      case "fgsm": grad += n; fwd += n; break;
      case "pgd": grad += n * a.steps * a.restarts; fwd += n * (a.restarts + 1); break;
      case "apgd-ce": grad += n * (a.steps + 1) * a.restarts; fwd += n; break;
      case "apgd-dlr-t": grad += n * (a.steps + 1) * a.targets; fwd += n * 2; break;
      case "square": fwd += n * (a.queries + 1); break;
      case "hop-skip-jump": fwd += n * a.queries; break;
      case "noise": fwd += n * (a.draws + 1); break;
    }
  }
  if (suite.sanityCheck) { grad += SANITY_STEPS; fwd += 2; }
  // Corruptions: one forward pass per kind and severity (kinds unknown here count as all nine, an upper bound).
  if (suite.corruptions) fwd += (suite.corruptions.kinds?.length ?? CORRUPTIONS.length) * suite.corruptions.severities.length;
  // OOD inputs are spread over the samples: ood.samples / sampleCount forward passes per sample.
  if (suite.ood) fwd += suite.ood.samples / Math.max(1, suite.sampleCount);
  return { gradientSteps: grad, forwardPasses: fwd, perSample: grad + fwd / 3 };
}

export const SANITY_STEPS = 20;
