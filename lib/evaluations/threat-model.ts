import { z } from "zod";

// The threat model of an evaluation, as results pages, the API and reports state it. Pure; the schema
// is the one source of the type and of the API's documented shape (lib/api/responses.ts).

/** How gradient attacks treated an ensemble's combination rule, and its members. */
const EnsembleThreatSchema = z.object({
  combine: z.enum(["mean-probability", "majority-vote"]),
  members: z.array(z.object({ label: z.string(), manifestDigest: z.string() })),
  gradient: z.string().meta({ description: "How gradient attacks treated the combination rule." }),
});
export type EnsembleThreat = z.infer<typeof EnsembleThreatSchema>;

/** How the model was attacked, recorded in the evaluation's provenance and shown in results and reports. */
export const ThreatModelSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("white-box"), ensemble: EnsembleThreatSchema.optional() }),
  z.object({
    kind: z.literal("black-box"),
    outputKind: z.enum(["scores", "label"]),
    endpointHost: z.string(),
    queryBudgets: z.array(z.object({ attack: z.string(), queries: z.number().int() })).meta({ description: "Per attack: queries allowed per example at each budget." }),
    queriesPerExampleMax: z.number().int(),
    queriesSent: z.number().int().meta({ description: "Inputs actually sent (clean pass and attacks)." }),
    requests: z.number().int().meta({ description: "HTTP requests made." }),
    retries: z.number().int().meta({ description: "Requests retried." }),
    referenceEvaluationId: z.string().nullable(),
  }),
]);
export type ThreatModel = z.infer<typeof ThreatModelSchema>;

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
