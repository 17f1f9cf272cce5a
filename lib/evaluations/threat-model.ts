// The threat model of an evaluation, as results pages, the API and reports state it. Pure (no imports).

/** How the model was attacked, recorded in the evaluation's provenance and shown in results and reports. */
export interface EnsembleThreat {
  combine: "mean-probability" | "majority-vote";
  members: { label: string; manifestDigest: string }[];
  /** How gradient attacks treated the combination rule. */
  gradient: string;
}

export type ThreatModel =
  | { kind: "white-box"; ensemble?: EnsembleThreat }
  | {
      kind: "black-box";
      outputKind: "scores" | "label";
      endpointHost: string;
      /** Per attack: queries allowed per example at each budget. */
      queryBudgets: { attack: string; queries: number }[];
      queriesPerExampleMax: number;
      /** Inputs actually sent (clean pass and attacks), HTTP requests made, and requests retried. */
      queriesSent: number;
      requests: number;
      retries: number;
      referenceEvaluationId: string | null;
    };

/** The threat model of an evaluation's provenance (white-box for evaluations recorded before black-box existed). */
export function threatModelOf(provenance: unknown): ThreatModel {
  const t = (provenance as { threatModel?: ThreatModel } | null)?.threatModel;
  if (t?.kind === "black-box") return t;
  return t?.kind === "white-box" && t.ensemble ? { kind: "white-box", ensemble: t.ensemble } : { kind: "white-box" };
}

/** One sentence for results pages and reports. */
export function describeThreatModel(t: ThreatModel): string {
  if (t.kind === "white-box" && t.ensemble) {
    const e = t.ensemble;
    return `White-box ensemble of ${e.members.length} members (${e.members.map((m) => m.label).join(", ")}) combined by ${e.combine === "mean-probability" ? "mean probability" : "majority vote"}: the attacks had every member's weights and ran against the whole ensemble. ${e.gradient}`;
  }
  if (t.kind === "white-box") return "White-box: the attacks had the model's weights and input gradients.";
  const budgets = t.queryBudgets.map((b) => `${b.attack} ${b.queries.toLocaleString("en-US")}`).join(", ");
  return (
    `Black-box: the model was only queried over HTTP at ${t.endpointHost} (${t.outputKind === "label" ? "predicted label only" : "class scores"}). ` +
    `Query budget per example and epsilon: ${budgets}. Sent ${t.queriesSent.toLocaleString("en-US")} queries in ${t.requests.toLocaleString("en-US")} requests (${t.retries} retried).`
  );
}
