import { z } from "zod";
import type { IntegrityMetrics } from "../evaluations/integrity";
import { liveRuleOf, readingOf, triggerCandidates } from "../evaluations/integrity-reading";
import { EvaluationHeadSchema, evaluationHead, type CompletedEvaluation } from "./evaluation-head";

// The report's training-data integrity part of a model (evaluation kind "integrity"), as snapshot data:
// the newest completed scan of the model version, its E15 figures, the trigger tests that matter and the
// plain-language reading (drawn by pdf-integrity.ts).

export const IntegritySnapshotSchema = EvaluationHeadSchema.extend({
  trainingData: z.string(),
  samples: z.number().int(),
  liveBackdoors: z.array(z.string()),
  flaggedClasses: z.array(z.string()),
  suspiciousTotal: z.number().int().nullable(),
  suspectedMislabelShare: z.number().nullable(),
  mislabelled: z.number().int().nullable(),
  folds: z.number().int(),
  epochs: z.number().int(),
  leakageGroups: z.number().int().nullable(),
  duplicateGroups: z.number().int(),
  labelConflictGroups: z.number().int(),
  // Every patch tested, strongest first (snapshots frozen before: only derived and live ones, without the optional fields).
  triggers: z.array(z.object({ target: z.string(), patch: z.string(), flipRate: z.number(), low: z.number(), high: z.number(), controlRate: z.number(), tested: z.number().int(), live: z.boolean(), kind: z.enum(["generic", "derived"]).optional(), controlLow: z.number().optional(), controlHigh: z.number().optional(), aboveControl: z.boolean().optional() })),
  liveRule: z.string().optional(),
  reading: z.array(z.string()),
  methods: z.array(z.string()),
});
export type IntegritySnapshot = z.infer<typeof IntegritySnapshotSchema>;

export function integritySnapshot(e: CompletedEvaluation, trainingData: string): IntegritySnapshot | null {
  const m = e.metrics as IntegrityMetrics | null;
  if (!m || m.kind !== "integrity") return null;
  const b = m.backdoor;
  return {
    ...evaluationHead(e), trainingData, samples: m.samples,
    liveBackdoors: m.evidence.liveBackdoors, flaggedClasses: m.evidence.flaggedClasses, suspiciousTotal: b ? b.suspiciousTotal : null,
    suspectedMislabelShare: m.evidence.suspectedMislabelShare, mislabelled: m.labelIssues?.flaggedCount ?? null, folds: m.config.folds, epochs: m.config.epochs,
    leakageGroups: m.evidence.leakageGroups, duplicateGroups: m.datasetScan.exactDuplicates.groups + m.datasetScan.nearDuplicates.groups, labelConflictGroups: m.datasetScan.labelConflicts.groups,
    triggers: triggerCandidates(m).map((c) => ({ target: c.targetLabel, patch: c.patch, flipRate: c.flipRate, low: c.interval[0], high: c.interval[1], controlRate: c.controlRate, tested: c.tested, live: c.live, kind: c.kind, controlLow: c.controlInterval[0], controlHigh: c.controlInterval[1], aboveControl: c.aboveControl })),
    ...(b ? { liveRule: liveRuleOf(m).text } : {}),
    reading: readingOf(m, trainingData),
    methods: [b?.clustering.method, b?.spectral.method, b?.trigger[0]?.method.replace(/ to class \d+/, ""), m.labelIssues?.method, m.datasetScan.method.near ?? undefined].filter((x): x is string => !!x),
  };
}
