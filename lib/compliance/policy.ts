import { z } from "zod";

// The team's robustness policy: per risk tier, what evaluation counts, which thresholds it must meet,
// how old evidence may be, and which controls also need a reviewer's attestation. Versioned: every
// change is a new CompliancePolicy row (lib/compliance/policies.ts), audited.

export const TIERS = ["minimal", "limited", "high", "unacceptable"] as const;
export type Tier = (typeof TIERS)[number];

export const VERDICTS = ["reliable", "questionable", "unreliable"] as const;
export type Verdict = (typeof VERDICTS)[number];

const fraction = z.number({ error: "a number between 0 and 1" }).min(0, { error: "at least 0" }).max(1, { error: "at most 1 (100%)" });

export const ThresholdSchema = z.object({
  /** Worst-case robust accuracy over every attack of the suite at this budget. */
  metric: z.literal("worst-case-robust-accuracy").default("worst-case-robust-accuracy"),
  norm: z.enum(["linf", "l2"], { error: "choose Linf or L2" }),
  eps: z.number({ error: "epsilon must be a number" }).positive({ error: "epsilon must be above 0" }).finite(),
  min: fraction,
});
export type Threshold = z.infer<typeof ThresholdSchema>;

export const BeyondThresholdsSchema = z.object({
  /** Largest clean expected calibration error (15 equal-width bins) accepted. */
  maxEce: fraction.nullable(),
  /** Least OOD-detection AUROC (maximum softmax probability) accepted. */
  minOodAuroc: fraction.nullable(),
  /** Least mean accuracy over the common corruptions and severities accepted. */
  minCorruptionAccuracy: fraction.nullable(),
});
export type BeyondThresholds = z.infer<typeof BeyondThresholdsSchema>;

export const IntegrityThresholdsSchema = z.object({
  /** Largest share of training examples that confident learning may flag as likely mislabelled (null: no limit). */
  maxSuspectedMislabelShare: fraction.nullable(),
  /** A live backdoor (a trigger that flips other classes' inputs to one class, above its control) fails. */
  requireNoLiveBackdoor: z.boolean(),
  /** Duplicates across the training and held-out data (train/test leakage) fail. */
  requireNoLeakage: z.boolean(),
});
export type IntegrityThresholds = z.infer<typeof IntegrityThresholdsSchema>;

export const DEFAULT_INTEGRITY: Record<"minimal" | "limited" | "high" | "unacceptable", IntegrityThresholds> = {
  minimal: { maxSuspectedMislabelShare: null, requireNoLiveBackdoor: true, requireNoLeakage: false },
  limited: { maxSuspectedMislabelShare: 0.03, requireNoLiveBackdoor: true, requireNoLeakage: true },
  high: { maxSuspectedMislabelShare: 0.02, requireNoLiveBackdoor: true, requireNoLeakage: true },
  unacceptable: { maxSuspectedMislabelShare: 0.01, requireNoLiveBackdoor: true, requireNoLeakage: true },
};

/** Membership-inference limits (E7); null: no limit. Compared with the strongest attack's point estimates. */
export const PrivacyThresholdsSchema = z.object({
  /** Largest membership-inference AUC accepted (0.5 = an attacker does no better than guessing). */
  maxAuc: z.number({ error: "a number between 0.5 and 1" }).min(0.5, { error: "at least 0.5 (guessing)" }).max(1, { error: "at most 1" }).nullable(),
  /** Largest true-positive rate at 1% false positives accepted. */
  maxTprAt1Fpr: fraction.nullable(),
  /** Largest true-positive rate at 0.1% false positives accepted (needs at least 1,000 non-members to measure). */
  maxTprAt01Fpr: fraction.nullable(),
});
export type PrivacyThresholds = z.infer<typeof PrivacyThresholdsSchema>;
export const NO_PRIVACY_THRESHOLDS: PrivacyThresholds = { maxAuc: null, maxTprAt1Fpr: null, maxTprAt01Fpr: null };

export const TierPolicySchema = z.object({
  requiredSuite: z.object({
    /** Distinct attacks (not counting the sanity check). */
    minAttacks: z.number().int().min(1, { error: "at least 1 attack" }).max(20),
    /** At least one iterative gradient attack (PGD/APGD): single-step and noise overstate robustness. */
    requireIterative: z.boolean(),
    minSampleCount: z.number().int().min(1, { error: "at least 1 sample" }).max(1_000_000),
  }),
  thresholds: z.array(ThresholdSchema).max(10),
  minCleanAccuracy: fraction.nullable(),
  /** Evidence older than this is stale. */
  maxEvidenceAgeDays: z.number().int().min(1, { error: "at least 1 day" }).max(3650),
  /** The least reliability verdict an evaluation needs; "unreliable" is never accepted. */
  requiredVerdict: z.enum(["reliable", "questionable"], { error: "choose reliable or questionable" }),
  /** Robust-accuracy drop (percentage points) in an open regression alert that fails the regression check. */
  regressionTolerancePp: z.number().min(0).max(100),
  /** A paused or missing schedule makes the re-evaluation evidence (E9) partial. */
  requireSchedule: z.boolean(),
  /** Extra controls (catalog keys) that need a valid attestation besides their evidence. */
  attestationRequired: z.array(z.string().min(3).max(120)).max(500),
  /** Beyond the worst case (null: not required). Policies saved before these existed get none. */
  beyond: BeyondThresholdsSchema.default({ maxEce: null, minOodAuroc: null, minCorruptionAccuracy: null }),
  /** Training-data integrity (E15). Policies saved before it existed get the limited-risk default. */
  integrity: IntegrityThresholdsSchema.default({ ...DEFAULT_INTEGRITY.limited }),
  /** Membership inference (E7). Policies saved before it existed get none. */
  privacy: PrivacyThresholdsSchema.default(NO_PRIVACY_THRESHOLDS),
});
export type TierPolicy = z.infer<typeof TierPolicySchema>;

/** Production monitoring thresholds (lib/operations/drift.ts); "critical" at or above the second figure. */
export const MonitoringPolicySchema = z.object({
  /** Population stability index per input statistic: 0.1 and 0.25 are the customary "moderate" and "major" shift. */
  psiWarning: z.number().min(0).max(10),
  psiCritical: z.number().min(0).max(10),
  /** Two-sample Kolmogorov–Smirnov p-value below which an input statistic counts as shifted. */
  ksPValue: z.number().gt(0).max(0.5),
  /** PSI of the predicted-class distribution. */
  predictionPsiWarning: z.number().min(0).max(10),
  /** Drop in mean top-1 confidence, in percentage points. */
  confidenceDropPp: z.number().min(0).max(100),
  /** Share of raw samples whose prediction flips or loses its margin under a tiny gradient step. */
  attackShareWarning: z.number().min(0).max(1),
  /** Consecutive clean batches that resolve an incident. */
  resolveAfterBatches: z.number().int().min(1).max(100),
});
export type MonitoringPolicy = z.infer<typeof MonitoringPolicySchema>;

export const DEFAULT_MONITORING: MonitoringPolicy = { psiWarning: 0.1, psiCritical: 0.25, ksPValue: 0.01, predictionPsiWarning: 0.1, confidenceDropPp: 5, attackShareWarning: 0.2, resolveAfterBatches: 3 };

export const PolicySchema = z.object({
  schema: z.literal(1).default(1),
  /** Policies saved before monitoring existed get the defaults. */
  monitoring: MonitoringPolicySchema.default(DEFAULT_MONITORING),
  tiers: z.object({ minimal: TierPolicySchema, limited: TierPolicySchema, high: TierPolicySchema, unacceptable: TierPolicySchema }),
  /** An attestation made by the model's owner does not count (segregation of duties). */
  segregationOfDuties: z.boolean(),
  /** Longest validity a reviewer may give an attestation. */
  maxAttestationDays: z.number().int().min(1).max(1095),
});
export type Policy = z.infer<typeof PolicySchema>;

/** Governance controls that, under the default policy, need a reviewer's statement for high-risk models. */
const HIGH_RISK_ATTESTED = ["nist-ai-rmf:MEASURE 2.7", "nist-ai-rmf:MANAGE 1.1", "iso-42001:A.6.2.4", "eu-ai-act:Art. 15(5)"];

const base = (o: Partial<TierPolicy> & Pick<TierPolicy, "thresholds" | "maxEvidenceAgeDays">): TierPolicy => ({
  requiredSuite: { minAttacks: 2, requireIterative: true, minSampleCount: 200 },
  minCleanAccuracy: null,
  requiredVerdict: "questionable",
  regressionTolerancePp: 5,
  requireSchedule: false,
  attestationRequired: [],
  beyond: { maxEce: null, minOodAuroc: null, minCorruptionAccuracy: null },
  integrity: { ...DEFAULT_INTEGRITY.limited },
  privacy: { ...NO_PRIVACY_THRESHOLDS },
  ...o,
});

/**
 * The high and unacceptable tiers of the default: a reliable verdict, a schedule, iterative attacks and a
 * reviewer's statement on HIGH_RISK_ATTESTED; the figures tighten from one tier to the next.
 */
type HighRiskFigures = Pick<TierPolicy, "maxEvidenceAgeDays" | "regressionTolerancePp" | "beyond" | "integrity" | "privacy"> & {
  minRobust: number; minCleanAccuracy: number; minAttacks: number; minSampleCount: number;
};
const highRisk = ({ minRobust, minAttacks, minSampleCount, ...o }: HighRiskFigures): TierPolicy => base({
  thresholds: [{ metric: "worst-case-robust-accuracy", norm: "linf", eps: 0.1, min: minRobust }],
  ...o,
  requiredVerdict: "reliable",
  requireSchedule: true,
  requiredSuite: { minAttacks, requireIterative: true, minSampleCount },
  attestationRequired: HIGH_RISK_ATTESTED,
});

/**
 * The default: thresholds at Linf 0.1 (for inputs in 0..1; scale epsilon with the value range) tighten
 * with the risk tier. High-risk models need reliable evaluations on at least 500 samples, a schedule,
 * evidence under 90 days, and a reviewer's statement on the key robustness controls.
 */
export function defaultPolicy(): Policy {
  return {
    schema: 1,
    monitoring: { ...DEFAULT_MONITORING },
    segregationOfDuties: true,
    maxAttestationDays: 365,
    tiers: {
      minimal: base({ thresholds: [], maxEvidenceAgeDays: 365, requiredSuite: { minAttacks: 1, requireIterative: false, minSampleCount: 100 }, regressionTolerancePp: 10, integrity: { ...DEFAULT_INTEGRITY.minimal } }),
      limited: base({ thresholds: [{ metric: "worst-case-robust-accuracy", norm: "linf", eps: 0.1, min: 0.4 }], maxEvidenceAgeDays: 180, privacy: { maxAuc: 0.7, maxTprAt1Fpr: null, maxTprAt01Fpr: null } }),
      high: highRisk({
        minRobust: 0.6, minCleanAccuracy: 0.9, maxEvidenceAgeDays: 90, regressionTolerancePp: 2, minAttacks: 2, minSampleCount: 500,
        beyond: { maxEce: 0.1, minOodAuroc: 0.8, minCorruptionAccuracy: 0.7 },
        integrity: { ...DEFAULT_INTEGRITY.high },
        privacy: { maxAuc: 0.6, maxTprAt1Fpr: 0.05, maxTprAt01Fpr: 0.01 },
      }),
      unacceptable: highRisk({
        minRobust: 0.8, minCleanAccuracy: 0.95, maxEvidenceAgeDays: 30, regressionTolerancePp: 1, minAttacks: 3, minSampleCount: 1000,
        beyond: { maxEce: 0.05, minOodAuroc: 0.9, minCorruptionAccuracy: 0.8 },
        integrity: { ...DEFAULT_INTEGRITY.unacceptable },
        privacy: { maxAuc: 0.55, maxTprAt1Fpr: 0.02, maxTprAt01Fpr: 0.005 },
      }),
    },
  };
}

export const TIER_LABELS: Record<Tier, string> = { minimal: "Minimal", limited: "Limited", high: "High", unacceptable: "Unacceptable" };

/** Database enum (RiskTier) to policy tier. */
export function tierOf(riskTier: string): Tier {
  const t = riskTier.toLowerCase();
  return (TIERS as readonly string[]).includes(t) ? (t as Tier) : "high";
}

export const pct = (v: number, digits = 0) => `${(v * 100).toFixed(digits)}%`;
export const normLabel = (n: string) => (n === "linf" ? "Linf" : "L2");

/** One sentence per threshold, for the policy page and reasons. */
export function describeThreshold(t: Threshold): string {
  return `worst-case robust accuracy ≥ ${pct(t.min)} at ${normLabel(t.norm)} ${t.eps}`;
}
