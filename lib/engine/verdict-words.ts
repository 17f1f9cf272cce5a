// The words people read for an evaluation's verdict. The stored values stay "reliable" / "questionable" /
// "unreliable" (database rows, API field values, policies), but a green "Reliable" next to a run with 16% clean
// accuracy read as "the model is reliable". What the verdict judges is the evaluation itself — were the attacks
// strong enough, no sign of gradient masking, clean accuracy clearly above chance — so that is what it says.
// Pure: used by pages, the PDF, the API documentation and the CLI's server answers alike.

export type Verdict = "reliable" | "questionable" | "unreliable";

export const VERDICT_LABELS: Record<Verdict, string> = {
  reliable: "Evaluation checks passed",
  questionable: "Evaluation checks: warnings",
  unreliable: "Evaluation checks failed",
};

/** One sentence saying what the verdict is about (tooltips, table notes, API field descriptions). */
export const VERDICT_MEANING =
  "Whether this evaluation's own numbers can be trusted (attacks strong enough, no sign of gradient masking, clean accuracy clearly above chance and in line with the model card) — not whether the model is robust or accurate.";

/** The readable words for a stored verdict; an unknown value is shown as it is, none as "not checked". */
export function verdictLabel(v: string | null | undefined): string {
  if (!v) return "Evaluation checks not run";
  return (VERDICT_LABELS as Record<string, string>)[v] ?? v;
}
