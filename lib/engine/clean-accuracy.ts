import { wilsonInterval } from "./intervals";
// Robust accuracy only means something for a model that classifies its clean inputs. A clean accuracy that
// cannot be told apart from guessing, or far below what the model's card states, almost always means the
// inputs reach the model on the wrong scale (a card saying 0..1 for a model that divides by 255 itself, a
// missing normalisation): the attacks then measure a broken pipeline, and a "robust" figure near 0% or near
// chance says nothing about the model. Such an evaluation fails this check, so it is never counted as evidence.

export const CLEAN_ACCURACY_CHECK_ID = "clean-accuracy";

/** The shape of a ReliabilityCheck (reliability.ts imports this file, so the type is not imported back). */
export interface CleanAccuracyCheck { id: string; title: string; status: "pass" | "warn" | "fail"; explanation: string }

export { wilsonInterval };

/** How far below the card's stated accuracy a measurement may fall before it is questioned (10 points). */
export const STATED_ACCURACY_TOLERANCE = 0.1;

export interface CleanAccuracyInput {
  /** Evaluated examples and how many of them the model classified correctly. */
  samples: number;
  cleanCorrect: number;
  /** Classes of the model (its output width). */
  classes: number;
  /** Share of the evaluated examples in the most frequent class: what always guessing that class scores. */
  maxClassFrequency: number;
  /** The clean accuracy the model card states (0..1), when it states one. */
  statedAccuracy?: number | null;
}

const pct = (v: number) => `${(100 * v).toFixed(1)}%`;

/**
 * Fail when the 95% Wilson interval of the clean accuracy reaches down to chance (the larger of 1/classes and
 * the most frequent class's share of the sample), or when even its upper end has lost more than half of the
 * card's stated margin over chance; warn when its upper end is more than 10 points below the stated accuracy.
 */
export function cleanAccuracyCheck(i: CleanAccuracyInput): CleanAccuracyCheck {
  const base = { id: CLEAN_ACCURACY_CHECK_ID, title: "Clean accuracy is clearly above chance and matches the model card" };
  if (i.samples === 0) return { ...base, status: "pass", explanation: "Not applicable: no example was evaluated." };
  const acc = i.cleanCorrect / i.samples;
  const [low, high] = wilsonInterval(i.cleanCorrect, i.samples);
  const uniform = 1 / Math.max(1, i.classes);
  const chance = Math.max(uniform, i.maxClassFrequency);
  const measured = `Clean accuracy ${pct(acc)} (${i.cleanCorrect} of ${i.samples}; 95% interval ${pct(low)}–${pct(high)})`;
  const chanceText = `chance (${pct(chance)}: ${i.classes} classes${i.maxClassFrequency > uniform ? `, the most frequent class is ${pct(i.maxClassFrequency)} of the sample` : ""})`;
  const mismatch = "This is the signature of a preprocessing mismatch — inputs on another scale than the model was trained on (e.g. 0..1 given to a model that divides by 255 itself), a wrong normalisation, or class labels in another order. " +
    "Robust accuracy measured on such a model is not a robustness result: check the card's input range and preprocessing against the model's first layers and the dataset, then re-run.";
  if (low <= chance) {
    return { ...base, status: "fail", explanation: `${measured} cannot be told apart from ${chanceText}. ${mismatch}` };
  }
  const stated = i.statedAccuracy;
  if (stated !== undefined && stated !== null && stated > chance) {
    const statedText = `the ${pct(stated)} the model card states`;
    if (high < chance + (stated - chance) / 2) {
      return { ...base, status: "fail", explanation: `${measured} is far below ${statedText}: even the top of the interval has lost more than half of the stated margin over ${chanceText}. ${mismatch}` };
    }
    if (high < stated - STATED_ACCURACY_TOLERANCE) {
      return { ...base, status: "warn", explanation: `${measured} is more than ${Math.round(100 * STATED_ACCURACY_TOLERANCE)} percentage points below ${statedText}. The dataset may differ from the one the card's figure was measured on, or the inputs may be scaled differently from training; robust accuracy is relative to this lower clean accuracy.` };
    }
    return { ...base, status: "pass", explanation: `${measured} is clearly above ${chanceText} and consistent with ${statedText}.` };
  }
  return { ...base, status: "pass", explanation: `${measured} is clearly above ${chanceText}. The model card states no accuracy to compare with.` };
}

/** What pages, the PDF, the API and the CLI put above the robustness figures when the clean-accuracy check did not pass. */
export interface CleanAccuracyWarning { status: "fail" | "warn"; headline: string; explanation: string }

/** The warning from a stored reliability report (null when the check passed or was not run: older evaluations). */
export function cleanAccuracyWarning(reliability: { checks?: { id: string; status: string; explanation: string }[] } | null | undefined): CleanAccuracyWarning | null {
  const c = reliability?.checks?.find((x) => x.id === CLEAN_ACCURACY_CHECK_ID);
  if (!c || (c.status !== "fail" && c.status !== "warn")) return null;
  return c.status === "fail"
    ? { status: "fail", headline: "Likely preprocessing mismatch: these figures are not a robustness result", explanation: c.explanation }
    : { status: "warn", headline: "Clean accuracy is well below the model card's figure", explanation: c.explanation };
}
