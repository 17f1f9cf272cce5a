import type { z } from "zod";
import type { CheckStatusSchema, ReliabilityReportSchema } from "./results-schema";
import { aggregateRecords, orderRecords, summariseReplay, type EngineMetrics, type ReplaySummary } from "./aggregate";
import type { AttackEntry, ExampleRecord, GradientStat } from "./shard";
import { SANITY_ATTACK_ID, type AttackSuite } from "./suite";
import { cleanAccuracyCheck } from "./clean-accuracy";

export type CheckStatus = z.infer<typeof CheckStatusSchema>;
export type ReliabilityReport = z.infer<typeof ReliabilityReportSchema>;
export type ReliabilityCheck = ReliabilityReport["checks"][number];

const pct = (v: number) => `${(100 * v).toFixed(1)}%`;

/**
 * Grade a count of suspicious examples among `base`: fail above 3% (and at least 5), warn above 1% (and at
 * least 3). A handful of disagreements between attacks is normal (each explores differently); a few percent is not.
 */
function grade(count: number, base: number): CheckStatus {
  const frac = base ? count / base : 0;
  if (count >= 5 && frac > 0.03) return "fail";
  if (count >= 3 && frac > 0.01) return "warn";
  return "pass";
}

const worst = (a: CheckStatus, b: CheckStatus): CheckStatus => (a === "fail" || b === "fail" ? "fail" : a === "warn" || b === "warn" ? "warn" : "pass");

type Budget = { norm: string; eps: number };
function budgets(records: ExampleRecord[]): Budget[] {
  const seen = new Map<string, Budget>();
  for (const r of records) for (const a of r.attacks) if (a.attack !== SANITY_ATTACK_ID) seen.set(`${a.norm}:${a.eps}`, { norm: a.norm, eps: a.eps });
  return [...seen.values()].sort((a, b) => (a.norm === b.norm ? a.eps - b.eps : a.norm < b.norm ? -1 : 1));
}

/**
 * Per budget: how many clean-correct examples attacks of family `found` broke beyond those of `missed`.
 * "per-example": broken by `found` but by no attack of `missed` (the masking signal of a black-box attack);
 * "aggregate": broken-by-`found` minus broken-by-the-best-single-`missed`-attack (one attack being weaker on a
 * few examples is normal; being weaker overall is the warning sign).
 */
function missedBy(records: ExampleRecord[], found: (a: AttackEntry) => boolean, missed: (a: AttackEntry) => boolean, mode: "per-example" | "aggregate") {
  const out: { budget: Budget; count: number; base: number }[] = [];
  for (const b of budgets(records)) {
    let count = 0, base = 0, applicable = false;
    let foundBroken = 0;
    const missedBroken = new Map<string, number>();
    for (const r of records) {
      if (!r.cleanCorrect) continue;
      const at = r.attacks.filter((a) => a.norm === b.norm && a.eps === b.eps);
      if (!at.some(found) || !at.some(missed)) continue;
      applicable = true;
      base++;
      if (at.some((a) => found(a) && a.success)) {
        foundBroken++;
        if (!at.some((a) => missed(a) && a.success)) count++;
      }
      for (const a of at) if (missed(a)) missedBroken.set(a.attack, (missedBroken.get(a.attack) ?? 0) + (a.success ? 1 : 0));
    }
    if (mode === "aggregate") count = Math.max(0, foundBroken - Math.max(0, ...missedBroken.values()));
    if (applicable) out.push({ budget: b, count, base });
  }
  return out;
}

function comparisonCheck(id: string, title: string, rows: ReturnType<typeof missedBy>, what: string, meaning: string): ReliabilityCheck {
  if (rows.length === 0) return { id, title, status: "pass", explanation: `Not applicable: the suite has no such pair of attacks at a common budget.` };
  let status: CheckStatus = "pass";
  const bad: string[] = [];
  for (const r of rows) {
    const s = grade(r.count, r.base);
    status = worst(status, s);
    if (r.count > 0) bad.push(`${r.budget.norm} eps ${r.budget.eps}: ${r.count} of ${r.base} (${pct(r.count / r.base)})`);
  }
  return {
    id, title, status,
    explanation: bad.length === 0
      ? `At every budget: ${what} did no better than the stronger attacks.`
      : status === "pass"
        ? `${what} did better than the stronger attacks only within tolerance (${bad.join("; ")}).`
        : `${what} broke more examples than the stronger attacks — ${bad.join("; ")}. ${meaning}`,
  };
}

/**
 * Checks after Carlini et al. (2019) and AutoAttack's flags, after a check that the model classifies its clean
 * inputs at all (lib/engine/clean-accuracy.ts; `card.statedAccuracy` is the model card's own figure, when it
 * states one); each is pass/warn/fail with an explanation. Any fail makes the evaluation unreliable, any warn
 * questionable.
 */
export function assessReliability(recordsIn: ExampleRecord[], suite: AttackSuite, metricsIn?: EngineMetrics, classLabels?: string[], card: { statedAccuracy?: number | null } = {}): ReliabilityReport {
  const records = orderRecords(recordsIn);
  const labels = classLabels ?? [...new Set(records.map((r) => r.label))].sort((a, b) => a - b).map(String);
  const metrics = metricsIn ?? aggregateRecords(records, suite, labels);
  const checks: ReliabilityCheck[] = [];

  // First: attacks on a model that does not classify its clean inputs measure nothing (likely preprocessing mismatch).
  const classCounts = new Map<number, number>();
  for (const r of records) classCounts.set(r.label, (classCounts.get(r.label) ?? 0) + 1);
  checks.push(cleanAccuracyCheck({
    samples: metrics.samples, cleanCorrect: metrics.cleanCorrect, classes: labels.length,
    maxClassFrequency: records.length ? Math.max(...classCounts.values()) / records.length : 0, statedAccuracy: card.statedAccuracy,
  }));
  const isWhite = (a: AttackEntry) => a.family === "single-step" || a.family === "iterative";

  checks.push(comparisonCheck("single-step-vs-iterative", "Single-step attack beats the iterative ones",
    missedBy(records, (a) => a.family === "single-step", (a) => a.family === "iterative", "aggregate"),
    "FGSM (one step)",
    "An iterative attack should find everything one step finds; when it does not, its gradients or step sizes are misleading it (gradient masking)."));

  checks.push(comparisonCheck("noise-vs-attacks", "Random noise beats the gradient attacks",
    missedBy(records, (a) => a.family === "noise", isWhite, "aggregate"),
    "Random noise",
    "Gradient attacks that do worse than random noise are not following a useful gradient: robustness is overstated."));

  checks.push(comparisonCheck("black-box-vs-white-box", "Black-box attack finds errors white-box attacks missed",
    missedBy(records, (a) => a.family === "black-box", isWhite, "per-example"),
    "The Square attack (model outputs only)",
    "A score-based attack succeeding where gradient attacks fail is the classic sign of masked or obfuscated gradients."));

  // Robust accuracy should not grow with the budget (per attack, raw results).
  {
    const n = metrics.samples;
    let status: CheckStatus = "pass";
    const bad: string[] = [];
    for (const c of metrics.curves) {
      if (c.attack === "worst-case") continue;
      for (let i = 2; i < c.points.length; i++) {
        const up = Math.round((c.points[i].robustAccuracy - c.points[i - 1].robustAccuracy) * n);
        if (up <= 0) continue;
        status = worst(status, grade(up, n));
        bad.push(`${c.attack}: ${pct(c.points[i - 1].robustAccuracy)} at eps ${c.points[i - 1].eps} -> ${pct(c.points[i].robustAccuracy)} at eps ${c.points[i].eps}`);
      }
    }
    checks.push({
      id: "monotonic-in-epsilon", title: "Robust accuracy decreases as epsilon grows", status,
      explanation: bad.length === 0
        ? "Every attack's robust accuracy is non-increasing in epsilon."
        : status === "pass"
          ? `Robust accuracy rose with epsilon only within tolerance (${bad.join("; ")}); the worst case counts an example broken at a smaller budget as broken at larger ones.`
          : `A larger budget contains every smaller one, yet robust accuracy went up: ${bad.join("; ")}. The attack is not finding the worst case reliably.`,
    });
  }

  // A budget of half the value range can map every input to the same flat input.
  {
    const s = metrics.sanity;
    if (!s) {
      checks.push({ id: "large-budget", title: "A budget that must break any classifier does", status: "warn",
        explanation: "Not run (the suite's sanity check is off): nothing shows that the attacks can reach 0% accuracy when they must." });
    } else {
      const status: CheckStatus = s.robustAccuracy <= 0.05 ? "pass" : s.robustAccuracy <= s.maxClassFrequency + 0.05 ? "warn" : "fail";
      checks.push({ id: "large-budget", title: "A budget that must break any classifier does", status,
        explanation: `At Linf eps ${s.eps} (half the value range) every input can be turned into the same flat input, so accuracy must fall to at most the largest class share (${pct(s.maxClassFrequency)}); PGD left ${pct(s.robustAccuracy)}.` +
          (status === "pass" ? "" : " The attacks cannot reach what must be reachable: their gradients are unreliable.") });
    }
  }

  // Iterative attacks must raise their loss.
  {
    let flat = 0, total = 0;
    for (const r of records) for (const a of r.attacks) {
      if ((a.family !== "iterative" && a.family !== "sanity") || a.skipped || !a.lossTrace || a.lossTrace.length < 2 || a.queries <= 1) continue;
      total++;
      const first = a.lossTrace[0];
      const best = Math.max(...a.lossTrace.slice(1));
      if (!(best > first + 1e-6 * Math.max(1, Math.abs(first)))) flat++;
    }
    const frac = total ? flat / total : 0;
    const status: CheckStatus = frac > 0.5 ? "fail" : frac > 0.2 ? "warn" : "pass";
    checks.push({ id: "loss-increases", title: "Iterative attacks increase their loss", status,
      explanation: total === 0 ? "Not applicable: no iterative attack ran on a correctly classified example."
        : `The loss did not rise above its starting value in ${flat} of ${total} iterative attack runs (${pct(frac)}).` +
          (status === "pass" ? "" : " Steps that do not increase the loss mean the gradient gives the attack no direction (vanishing, masked or noisy gradients).") });
  }

  // Zero or non-finite input gradients (black-box records have none: the model was only queried).
  if (records.length > 0 && records.every((r) => !r.gradient)) {
    checks.push({ id: "gradients", title: "Input gradients are usable", status: "pass",
      explanation: "Not applicable: black-box evaluation — the model was only queried over HTTP, so there are no input gradients to inspect." });
  } else {
    const correct = records.filter((r) => r.cleanCorrect && r.gradient) as (ExampleRecord & { gradient: GradientStat })[];
    const allZero = correct.filter((r) => r.gradient.maxAbs === 0).length;
    const nonFinite = records.filter((r) => r.gradient?.nonFinite).length;
    const tiny = correct.length ? correct.reduce((s, r) => s + r.gradient.tinyFraction, 0) / correct.length : 0;
    const fz = correct.length ? allZero / correct.length : 0;
    let status: CheckStatus = nonFinite > 0 || fz > 0.1 ? "fail" : fz > 0.01 ? "warn" : "pass";
    // Per example: the share of the entries a Linf FGSM step moves (sign != 0) whose sign is rounding noise.
    // Exactly-zero entries do not move; near-zero ones move by the full eps in a direction that differs between
    // backends (STACK-NOTES). Above one half, the example's FGSM step is more noise than gradient.
    const noiseShare = (r: ExampleRecord & { gradient: GradientStat }) => (r.gradient.zeroFraction < 1 ? r.gradient.tinyFraction / (1 - r.gradient.zeroFraction) : 0);
    const NOISE_DOMINATED = 0.5;
    // Near-zero entries only matter for the verdict when FGSM's numbers reach the worst case: per Linf budget, the
    // examples FGSM breaks that no iterative attack breaks, or every example when no iterative attack runs there.
    const perBudget: { budget: Budget; decisive: number; dominated: number; base: number }[] = [];
    for (const b of budgets(records)) {
      if (b.norm !== "linf") continue; // an L2 step scales entries by magnitude: near-zero ones barely move
      const at = (r: ExampleRecord) => r.attacks.filter((a) => a.norm === b.norm && a.eps === b.eps);
      const withFgsm = correct.filter((r) => at(r).some((a) => a.family === "single-step"));
      if (withFgsm.length === 0) continue;
      const iterativeHere = withFgsm.some((r) => at(r).some((a) => a.family === "iterative"));
      const decisive = withFgsm.filter((r) => !iterativeHere ||
        (at(r).some((a) => a.family === "single-step" && a.success) && !at(r).some((a) => a.family === "iterative" && a.success)));
      perBudget.push({ budget: b, decisive: decisive.length, dominated: decisive.filter((r) => noiseShare(r) > NOISE_DOMINATED).length, base: withFgsm.length });
    }
    const dominatedRows = perBudget.filter((r) => r.dominated > 0 && grade(r.dominated, r.base) !== "pass");
    const hasFgsm = suite.attacks.some((a) => a.kind === "fgsm");
    const noisy = hasFgsm && tiny > 0.25;
    // A warning at most: noisy signs make FGSM's number backend-dependent, they do not show masked gradients.
    if (status === "pass" && dominatedRows.length > 0) status = "warn";
    const zeroMean = correct.length ? correct.reduce((s, r) => s + r.gradient.zeroFraction, 0) / correct.length : 0;
    const noisyExamples = correct.filter((r) => noiseShare(r) > NOISE_DOMINATED).length;
    const budgetText = perBudget.length === 0 ? "" :
      " Per Linf budget, FGSM decides " + perBudget.map((r) => `${r.decisive} of ${r.base} at eps ${r.budget.eps} (${r.dominated} dominated by near-zero entries)`).join(", ") + ".";
    checks.push({ id: "gradients", title: "Input gradients are usable", status,
      explanation: `${allZero} of ${correct.length} correctly classified examples have an all-zero input gradient (${pct(fz)}), ${nonFinite} a non-finite one; ` +
        `per example, on average ${pct(zeroMean)} of gradient entries are exactly zero and ${pct(tiny)} non-zero but below 1e-6 of the largest (their sign is rounding noise); ` +
        `in ${noisyExamples} examples near-zero entries are more than half of those an FGSM step moves.` + budgetText +
        (status === "fail" ? " Attacks that follow these gradients cannot move: the model hides its gradient, and its robustness would be overstated." :
          fz > 0.01 ? " Some examples give the attacks nothing to follow." :
          dominatedRows.length > 0 ? ` FGSM's result is dominated by the sign of rounding noise at ${dominatedRows.map((r) => `Linf eps ${r.budget.eps}`).join(", ")}, and there FGSM contributes to the worst case (it may differ between backends).` :
          noisy ? " FGSM's own numbers are dominated by the sign of rounding noise; the worst case comes from the iterative attacks, which do at least as well." : "") });
  }

  checks.push(replayCheck(metrics.replay ?? summariseReplay(records)));

  const fails = checks.filter((c) => c.status === "fail");
  const warns = checks.filter((c) => c.status === "warn");
  return {
    verdict: fails.length ? "unreliable" : warns.length ? "questionable" : "reliable",
    reasons: [...fails, ...warns].map((c) => `${c.title}: ${c.explanation}`),
    checks,
  };
}

/** Every counted break was replayed on the reference and reproduced: any that did not makes the evaluation unreliable. */
export function replayCheck(r: ReplaySummary): ReliabilityCheck {
  const id = "breaks-replayed", title = "Every reported break reproduces on the reference";
  const named = r.notReproduced.map((b) => `example ${b.index} (${b.attack}, ${b.norm} eps ${b.eps}: attack saw class ${b.advPred}, replay ${b.replayPred ?? "?"}` +
    `${b.margin === undefined ? "" : `, margin ${b.margin.toPrecision(3)}`}${b.reference ? ` on ${b.reference}` : ""})`);
  const counts = `${r.replayed} break${r.replayed === 1 ? "" : "s"} replayed, ${r.notReproduced.length} did not reproduce`;
  if (r.notReproduced.length > 0) {
    return { id, title, status: "fail", explanation: `${counts} (expected 0): ${named.join("; ")}. These were not counted as breaks, but an attack or ` +
      "backend that reports a misclassification the model does not make cannot be trusted for the rest of this evaluation." };
  }
  if (r.notReplayed > 0) {
    return { id, title, status: "warn", explanation: `${counts}; ${r.notReplayed} counted break${r.notReplayed === 1 ? " was" : "s were"} not replayed (records written before the replay existed).` };
  }
  return { id, title, status: "pass", explanation: `${counts}: each adversarial example counted as a break was sent through the model again on the reference (white-box: the tfjs cpu backend; black-box: the endpoint) and is misclassified there too. ${r.survivors.length} examples survived every attack.` };
}

