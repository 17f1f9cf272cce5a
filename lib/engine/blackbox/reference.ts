import type { CheckStatus, ReliabilityCheck, ReliabilityReport } from "../reliability";
import { attackId, isQueryOnly, type AttackSuite } from "../suite";

// A black-box attack only sees outputs, so against the same model at the same budget it can never honestly
// find more errors than a white-box attack beyond sampling noise. When the black-box robust accuracy of an
// endpoint is clearly lower than the white-box robust accuracy of the weights it is said to serve, either the
// white-box evaluation was fooled (masked gradients) or the endpoint does not serve those weights.

export interface BudgetAccuracy {
  norm: "linf" | "l2";
  eps: number;
  robustAccuracy: number;
  /** Examples the figure is measured on. */
  samples: number;
}

/** 95% two-sided z value. */
const Z = 1.96;

/**
 * How far below the white-box figure the black-box one may fall by chance: 1.96 standard errors of the
 * difference of two independent proportions, plus one example of each sample (continuity). For the same
 * examples (paired) this is conservative.
 */
export function samplingNoiseBound(bb: BudgetAccuracy, wb: BudgetAccuracy): number {
  const v = (p: number, n: number) => (p * (1 - p)) / Math.max(1, n);
  return Z * Math.sqrt(v(bb.robustAccuracy, bb.samples) + v(wb.robustAccuracy, wb.samples)) + 1 / Math.max(1, bb.samples) + 1 / Math.max(1, wb.samples);
}

const pct = (v: number) => `${(100 * v).toFixed(1)}%`;

/** The reliability check comparing an endpoint's black-box results with a white-box reference evaluation. */
export function whiteBoxReferenceCheck(
  blackBox: BudgetAccuracy[],
  whiteBox: BudgetAccuracy[] | null,
  reference: { label: string } | null,
): ReliabilityCheck {
  const id = "black-box-vs-white-box-reference";
  const title = "Black-box robust accuracy is not below the white-box reference";
  if (!reference || !whiteBox) {
    return { id, title, status: "pass", explanation: "Not applicable: no white-box evaluation of the weights this endpoint serves (name them when registering the endpoint to compare)." };
  }
  const rows = blackBox
    .map((bb) => ({ bb, wb: whiteBox.find((w) => w.norm === bb.norm && Math.abs(w.eps - bb.eps) <= 1e-9 * Math.max(1, bb.eps)) }))
    .filter((r): r is { bb: BudgetAccuracy; wb: BudgetAccuracy } => r.wb !== undefined);
  if (rows.length === 0) return { id, title, status: "pass", explanation: `Not applicable: ${reference.label} was not evaluated at any of these budgets.` };
  let status: CheckStatus = "pass";
  const parts = rows.map(({ bb, wb }) => {
    const bound = samplingNoiseBound(bb, wb);
    const gap = wb.robustAccuracy - bb.robustAccuracy;
    const below = gap > bound;
    if (below) status = "fail";
    return `${bb.norm} eps ${bb.eps}: black-box ${pct(bb.robustAccuracy)} (n=${bb.samples}) vs white-box ${pct(wb.robustAccuracy)} (n=${wb.samples}), allowed gap ${pct(bound)}${below ? " — BELOW" : ""}`;
  });
  return {
    id, title, status,
    explanation:
      `Compared with ${reference.label} (95% two-proportion bound plus one example per sample): ${parts.join("; ")}. ` +
      (status === "pass"
        ? "The black-box attacks found no more errors than the white-box attacks, within sampling noise."
        : "The black-box attacks found clearly more errors than white-box attacks on the reference weights: the white-box evaluation is masked (its robustness overstated) or the endpoint does not serve those weights."),
  };
}

/** Query budget per example and attack, for the threat-model statement. */
export function queryBudgets(suite: AttackSuite): { attack: string; queries: number }[] {
  const out: { attack: string; queries: number }[] = [];
  for (const a of suite.attacks) {
    if (a.kind === "square" || a.kind === "hop-skip-jump") out.push({ attack: attackId(a), queries: a.queries });
    else if (a.kind === "noise") out.push({ attack: attackId(a), queries: a.draws });
  }
  return out;
}

/**
 * Upper bound of the queries one example costs: the clean query plus, at each epsilon, each attack's budget and one
 * query to replay the break it may report (replay.ts: every counted break is sent to the endpoint again).
 */
export function queriesPerExample(suite: AttackSuite): number {
  let q = 1;
  for (const a of suite.attacks) {
    const n = new Set(suite.epsilons[a.norm]).size;
    if (a.kind === "square" || a.kind === "hop-skip-jump") q += n * (a.queries + 1);
    else if (a.kind === "noise") q += n * (a.draws + 1);
  }
  return q;
}

/** Refuses suites an endpoint cannot run, naming the attacks. */
export function assertQueryOnlySuite(suite: AttackSuite, outputKind: "scores" | "label"): void {
  const white = suite.attacks.filter((a) => !isQueryOnly(a)).map(attackId);
  if (white.length) throw new Error(`${white.join(", ")} need${white.length === 1 ? "s" : ""} gradients; a model served over HTTP can only be evaluated with query-only attacks (square, hop-skip-jump, noise)`);
  if (suite.sanityCheck) throw new Error("the sanity check (PGD at half the value range) needs gradients: turn it off for a model served over HTTP");
  if (suite.corruptions || suite.ood) throw new Error("corruption and OOD checks are not run on models served over HTTP yet");
  if (outputKind === "label") {
    const needScores = suite.attacks.filter((a) => a.kind === "square").map(attackId);
    if (needScores.length) throw new Error(`${needScores.join(", ")} need${needScores.length === 1 ? "s" : ""} class scores; this endpoint answers with labels only (use hop-skip-jump)`);
  }
}

/** A reliability report with one more check: the verdict and reasons recomputed as assessReliability does. */
export function withReliabilityCheck(report: ReliabilityReport, check: ReliabilityCheck): ReliabilityReport {
  const checks = [...report.checks.filter((c) => c.id !== check.id), check];
  const fails = checks.filter((c) => c.status === "fail");
  const warns = checks.filter((c) => c.status === "warn");
  return { verdict: fails.length ? "unreliable" : warns.length ? "questionable" : "reliable", reasons: [...fails, ...warns].map((c) => `${c.title}: ${c.explanation}`), checks };
}
