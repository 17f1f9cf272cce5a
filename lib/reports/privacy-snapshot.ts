import { z } from "zod";
import type { PrivacyMetrics } from "../evaluations/privacy";
import { interpretPrivacy } from "../evaluations/privacy-reading";
import { advantageInterval, chanceAdvantage } from "../engine/privacy/metrics";
import { describeTrainingPrivacy, type TrainingPrivacy } from "../registry/model-card";
import { EvaluationHeadSchema, evaluationHead, type CompletedEvaluation } from "./evaluation-head";

// The report's membership-inference part of a model (evaluation kind "privacy"), as snapshot data: the newest
// completed privacy evaluation of the model version, the card's training-privacy claim next to the measured
// figures, per attack with intervals, and the plain-language reading (drawn by pdf-privacy.ts).

const Ci = z.object({ low: z.number(), high: z.number() });
export const PrivacySnapshotSchema = EvaluationHeadSchema.extend({
  members: z.number().int(),
  nonMembers: z.number().int(),
  membersFrom: z.string(),
  nonMembersFrom: z.string(),
  claim: z.string().nullable(),
  accuracyMembers: z.number(),
  accuracyNonMembers: z.number(),
  attacks: z.array(z.object({ label: z.string(), auc: z.number(), aucCi: Ci, advantage: z.number(), advantageCi: Ci.optional(), chanceAdvantage: z.number().optional(), tpr1: z.object({ tpr: z.number(), ci: Ci }).nullable(), tpr01: z.object({ tpr: z.number(), ci: Ci }).nullable() })),
  lira: z.string().nullable(),
  reading: z.string(),
  // Snapshots frozen before these existed have none of them.
  attacksTried: z.number().int().optional(),
  adjustedLevel: z.number().optional(),
  minimumDetectableAuc: z.number().optional(),
  detected: z.boolean().optional(),
  perClass: z.object({ attack: z.string(), rows: z.array(z.object({ label: z.string(), members: z.number().int(), nonMembers: z.number().int(), auc: z.number(), aucCi: Ci, advantage: z.number(), advantageCi: Ci, chanceAdvantageBestOf: z.number(), standsOut: z.boolean() })), skipped: z.number().int() }).optional(),
});
export type PrivacySnapshot = z.infer<typeof PrivacySnapshotSchema>;

export function privacySnapshot(e: CompletedEvaluation & { provenance: unknown }, cardClaim: TrainingPrivacy | null | undefined): PrivacySnapshot | null {
  const m = e.metrics as PrivacyMetrics | null;
  if (!m || m.kind !== "privacy") return null;
  const prov = (e.provenance ?? {}) as { members?: { label?: string }; nonMembers?: { label?: string }; trainingPrivacy?: TrainingPrivacy | null };
  const at = (a: PrivacyMetrics["attacks"][number], fpr: number) => {
    const t = a.tprAt.find((x) => x.fpr === fpr);
    return t && t.resolvable && t.tpr !== null && t.ci ? { tpr: t.tpr, ci: t.ci } : null;
  };
  const r = interpretPrivacy(m);
  return {
    ...evaluationHead(e), members: m.members, nonMembers: m.nonMembers,
    membersFrom: prov.members?.label ?? "training data", nonMembersFrom: prov.nonMembers?.label ?? "held-out data",
    claim: describeTrainingPrivacy(prov.trainingPrivacy ?? cardClaim ?? null),
    accuracyMembers: m.accuracy.members, accuracyNonMembers: m.accuracy.nonMembers,
    attacks: m.attacks.map((a) => ({ label: a.label, auc: a.auc, aucCi: a.aucCi, advantage: a.advantage, advantageCi: advantageInterval(a.advantage, a.members, a.nonMembers), chanceAdvantage: chanceAdvantage(a.members, a.nonMembers), tpr1: at(a, 0.01), tpr01: at(a, 0.001) })),
    lira: m.lira ? `${m.lira.referenceModels} reference models × ${m.lira.epochs} epochs × ${m.lira.trainSize} examples, disjoint from every target` : null,
    reading: r.sentences.join(" "),
    attacksTried: r.attacksTried, adjustedLevel: r.adjustedLevel, minimumDetectableAuc: r.auc.minimumDetectable, detected: r.detected,
    perClass: { attack: r.perClass.attack, skipped: r.perClass.skipped, rows: r.perClass.rows.map((c) => ({ label: c.label, members: c.members, nonMembers: c.nonMembers, auc: c.auc, aucCi: c.aucCi, advantage: c.advantage, advantageCi: c.advantageCi, chanceAdvantageBestOf: c.chanceAdvantageBestOf, standsOut: c.standsOut })) },
  };
}
