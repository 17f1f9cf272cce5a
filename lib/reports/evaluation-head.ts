import { z } from "zod";

// What a model's per-kind part of a report (integrity, privacy) says of the evaluation it is drawn from:
// which one, when it finished, and its own checks' verdict with their reasons.

export const EvaluationHeadSchema = z.object({
  number: z.number().int(),
  finishedAt: z.string(),
  verdict: z.string().nullable(),
  reasons: z.array(z.string()),
});
export type EvaluationHead = z.infer<typeof EvaluationHeadSchema>;

/** A completed evaluation as snapshot.ts hands it to a kind's part (finishedAt already an ISO string). */
export interface CompletedEvaluation {
  number: number;
  finishedAt: string;
  verdict: string | null;
  reliability: unknown;
  metrics: unknown;
}

export function evaluationHead(e: CompletedEvaluation): EvaluationHead {
  const rel = (e.reliability ?? {}) as { reasons?: string[] };
  return { number: e.number, finishedAt: e.finishedAt, verdict: e.verdict, reasons: rel.reasons ?? [] };
}
