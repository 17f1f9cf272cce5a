import { createRng, shuffleInPlace } from "../engine/rng";

/*
 * Likely mislabelled examples, confident-learning style (Northcutt, Jiang & Chuang, "Confident Learning:
 * Estimating Uncertainty in Dataset Labels", JAIR 2021). Pure: it reads predicted probabilities, which
 * must be OUT-OF-SAMPLE (each example's probabilities from a model that did not train on it, e.g. K-fold
 * cross-validation; see kFoldAssignment and lib/integrity/retrain.ts). In-sample probabilities of a model
 * that memorised its labels would hide exactly the errors this looks for.
 *
 * - Per-class threshold t_j = mean of p_j(x) over the examples labelled j (the class's average self-confidence).
 * - Confident joint C[i][j]: an example labelled i counts toward j when p_j(x) >= t_j, choosing the class
 *   with the largest p among those above their thresholds; an example above no threshold is not counted.
 * - Flagged: the examples in off-diagonal cells (i != j), ranked by self-confidence p_label(x), lowest first.
 */

export interface LabelIssue {
  index: number;
  label: number;
  /** The class the confident joint puts it in. */
  suggested: number;
  /** p_label(x): the model's out-of-sample probability of the given label. */
  selfConfidence: number;
  /** p_suggested(x). */
  suggestedConfidence: number;
}

export interface LabelIssueReport {
  method: string;
  samples: number;
  thresholds: number[];
  /** confidentJoint[given][suggested]. */
  confidentJoint: number[][];
  /** Examples in off-diagonal cells of the confident joint. */
  flaggedCount: number;
  flaggedShare: number;
  /** Examples counted in the joint at all (above some class's threshold). */
  counted: number;
  /** Out-of-sample accuracy of the probabilities (argmax = label), for context. */
  outOfSampleAccuracy: number;
  perClass: { label: number; samples: number; flagged: number }[];
  /** All flagged examples, lowest self-confidence first. */
  issues: LabelIssue[];
}

export function findLabelIssues(probs: Float32Array | number[], labels: Int32Array | number[], classes: number): LabelIssueReport {
  const n = labels.length;
  if (probs.length !== n * classes) throw new Error(`${probs.length} probabilities for ${n} samples of ${classes} classes`);
  const sum = new Float64Array(classes);
  const count = new Float64Array(classes);
  let correct = 0;
  for (let k = 0; k < n; k++) {
    const y = labels[k]!;
    if (y < 0 || y >= classes) throw new Error(`label ${y} of sample ${k} is outside 0..${classes - 1}`);
    sum[y] += probs[k * classes + y]!;
    count[y]++;
    let best = 0;
    for (let j = 1; j < classes; j++) if (probs[k * classes + j]! > probs[k * classes + best]!) best = j;
    if (best === y) correct++;
  }
  // A class with no examples has no threshold: nothing can be confidently put into it.
  const thresholds = Array.from({ length: classes }, (_, j) => (count[j]! > 0 ? sum[j]! / count[j]! : Infinity));
  const joint = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  const issues: LabelIssue[] = [];
  const perClass = Array.from({ length: classes }, (_, label) => ({ label, samples: count[label]!, flagged: 0 }));
  let counted = 0;
  for (let k = 0; k < n; k++) {
    const y = labels[k]!;
    let pick = -1;
    for (let j = 0; j < classes; j++) {
      const p = probs[k * classes + j]!;
      if (p >= thresholds[j]! && (pick < 0 || p > probs[k * classes + pick]!)) pick = j;
    }
    if (pick < 0) continue;
    counted++;
    joint[y]![pick]!++;
    if (pick !== y) {
      issues.push({ index: k, label: y, suggested: pick, selfConfidence: probs[k * classes + y]!, suggestedConfidence: probs[k * classes + pick]! });
      perClass[y]!.flagged++;
    }
  }
  issues.sort((a, b) => a.selfConfidence - b.selfConfidence || a.index - b.index);
  return {
    method:
      "Confident learning (Northcutt et al. 2021) on out-of-sample probabilities: per-class threshold = mean self-confidence of the class; confident joint; off-diagonal examples flagged, ranked by self-confidence",
    samples: n,
    thresholds: thresholds.map((t) => (Number.isFinite(t) ? t : 1)),
    confidentJoint: joint,
    flaggedCount: issues.length,
    flaggedShare: n ? issues.length / n : 0,
    counted,
    outOfSampleAccuracy: n ? correct / n : 0,
    perClass,
    issues,
  };
}

/**
 * Stratified K-fold assignment: each class's examples are shuffled (seeded) and dealt round-robin to the
 * folds, so every fold has about the same class mix. Returns the fold of each example.
 */
export function kFoldAssignment(labels: Int32Array | number[], folds: number, seed: number): Int32Array {
  if (!Number.isInteger(folds) || folds < 2) throw new Error("cross-validation needs at least 2 folds");
  const byClass = new Map<number, number[]>();
  for (let k = 0; k < labels.length; k++) {
    const list = byClass.get(labels[k]!);
    if (list) list.push(k);
    else byClass.set(labels[k]!, [k]);
  }
  const out = new Int32Array(labels.length);
  let offset = 0;
  for (const cls of [...byClass.keys()].sort((a, b) => a - b)) {
    const list = byClass.get(cls)!;
    const rng = createRng(seed, cls, "kfold");
    shuffleInPlace(list, rng);
    // Continue the round-robin across classes so small classes do not all start at fold 0.
    list.forEach((k, i) => (out[k] = (offset + i) % folds));
    offset += list.length;
  }
  return out;
}

/** Training cost of K-fold cross-validation, in sample passes (one forward + backward of one example). */
export function crossValidationCost(samples: number, folds: number, epochs: number): { trainingPasses: number; predictions: number; perFold: number } {
  const perFold = Math.ceil(samples * ((folds - 1) / folds)) * epochs;
  return { trainingPasses: perFold * folds, predictions: samples, perFold };
}

/** Precision and recall of a flagged set against the known answer. */
export function precisionRecall(flagged: Iterable<number>, truth: Iterable<number>): { flagged: number; planted: number; truePositives: number; precision: number; recall: number } {
  const t = new Set(truth);
  const f = new Set(flagged);
  let tp = 0;
  for (const k of f) if (t.has(k)) tp++;
  return { flagged: f.size, planted: t.size, truePositives: tp, precision: f.size ? tp / f.size : 0, recall: t.size ? tp / t.size : 0 };
}
