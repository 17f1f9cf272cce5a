import type { QueryCost } from "./blackbox";

/** What creating an evaluation of any kind answers (form, API, CLI). Its own module: every kind's creator returns it. */
export interface CreatedEvaluation {
  id: string;
  number: number;
  warnings: string[];
  /** Black-box evaluations: the queries the endpoint's owner will see, at most. */
  queryCost?: QueryCost;
  /** Integrity scans: the cross-validation training launched (lib/evaluations/integrity.ts). */
  integrityCost?: { trainingPasses: number; perFold: number; forwardPasses: number; summary: string };
  /** Privacy evaluations: the reference-model training launched and its estimated time. */
  privacyCost?: { referenceModels: number; epochs: number; trainSize: number; exampleEpochs: number; estimatedSeconds: number | null; summary: string };
}
