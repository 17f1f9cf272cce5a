import { type Cell, COLORS } from "./layout";
import type { EvaluationSnapshot } from "./schemas";

// Words, colours and small helpers that several sections of the audit report PDF share.

export const STATUS_TEXT = { satisfied: "Satisfied", partial: "Partial", failing: "Failing", stale: "Stale", not_assessed: "Not assessed" } as const;
export type Status = keyof typeof STATUS_TEXT;
export const statusCell = (s: Status): Cell => ({ text: STATUS_TEXT[s], color: COLORS[s], bold: true });
export const VERDICT_COLOR = { reliable: COLORS.satisfied, questionable: COLORS.partial, unreliable: COLORS.failing } as const;
/** Table cells under an "Evaluation checks" header (lib/engine/verdict-words has the full words). */
export const VERDICT_SHORT = { reliable: "passed", questionable: "warnings", unreliable: "failed" } as const;
export const ACCESS: Record<string, string> = { "single-step": "white-box", iterative: "white-box", "black-box": "black-box", noise: "baseline (no gradients)" };

export const CHECK_MEANING: Record<string, string> = {
  "single-step-vs-iterative": "A one-step attack must not find errors that many-step attacks of the same budget miss; if it does, the iterative attacks are likely stuck (gradient masking).",
  "noise-vs-attacks": "Random noise must never beat optimised attacks; if it does, the gradients mislead the attacks.",
  "black-box-vs-white-box": "A black-box attack (queries only) must not find errors the white-box attacks missed; if it does, the gradients are obfuscated.",
  "monotonic-in-epsilon": "Robust accuracy must not rise when the budget grows; a rise means an attack failed to use its budget.",
  "large-budget": "At half the input range any classifier can be broken; an attack that fails there is broken or the model masks its gradients.",
  "loss-increases": "Iterative attacks must raise the model's loss; a flat loss means they made no progress.",
  "gradients": "Input gradients must be finite and mostly non-zero; zero or non-finite gradients make gradient attacks blind.",
  "clean-accuracy": "The model must classify its clean inputs clearly above chance (95% Wilson interval) and not far below the accuracy its card states; otherwise the inputs likely reach it on the wrong scale (preprocessing mismatch) and its attack figures are not a robustness result.",
};

export function pushUnique<T>(list: T[], v: T) {
  if (!list.includes(v)) list.push(v);
}

export function headline(e: EvaluationSnapshot) {
  return [...e.worstCase].filter((w) => w.norm === "linf").sort((a, b) => a.eps - b.eps)[0] ?? e.worstCase[0] ?? null;
}
