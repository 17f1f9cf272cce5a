import type { EvaluationEvidence } from "./engine";
import { decidingEvaluation, suiteShortfalls } from "./engine";
import { describeThreshold, normLabel, pct, TIER_LABELS, type Tier, type TierPolicy } from "./policy";

// The release gate a CI pipeline asks before shipping one model version: does the version's evidence
// meet the team's policy for its risk tier, and is no regression alert open? Pure: the caller loads rows.

export type GateOutcome = "pass" | "fail";
export interface GateCheck {
  /** Stable id for machines: suite, reliability, threshold:<norm>:<eps>, clean-accuracy, freshness, regression. */
  id: string;
  label: string;
  outcome: GateOutcome;
  detail: string;
}
export interface GateInput {
  tier: Tier;
  tierPolicy: TierPolicy;
  /** Completed evaluations of this model version. */
  evaluations: EvaluationEvidence[];
  /** Open (unacknowledged) regression alerts raised by evaluations of this version. */
  openAlerts: { summary: string; evaluationNumber: number | null }[];
  now: Date;
}
export interface GateVerdict {
  pass: boolean;
  /** The evaluation whose numbers decided, if any met the required suite. */
  evaluationNumber: number | null;
  checks: GateCheck[];
}

const DAY = 86_400_000;
const EPS_TOL = 1e-9;

export function gateVerdict(g: GateInput): GateVerdict {
  const tp = g.tierPolicy;
  const tierName = `${TIER_LABELS[g.tier].toLowerCase()}-risk`;
  const checks: GateCheck[] = [];
  const e = decidingEvaluation({ evaluations: g.evaluations }, tp);

  if (!e) {
    const latest = [...g.evaluations].sort((a, b) => b.finishedAt.getTime() - a.finishedAt.getTime())[0];
    checks.push({
      id: "suite",
      label: "Required suite",
      outcome: "fail",
      detail: latest
        ? `Evaluation #${latest.number} does not meet the suite required for ${tierName} models: ${suiteShortfalls(latest, tp).join("; ")}.`
        : "No completed evaluation of this version.",
    });
  } else {
    checks.push({ id: "suite", label: "Required suite", outcome: "pass", detail: `Evaluation #${e.number}: ${e.attacks.length} attacks on ${e.samples} samples.` });
    const verdictOk = e.verdict === "reliable" || (e.verdict === "questionable" && tp.requiredVerdict === "questionable");
    checks.push({
      id: "reliability",
      label: "Reliability",
      outcome: verdictOk ? "pass" : "fail",
      detail: `Verdict ${e.verdict ?? "not checked"}; the policy requires ${tp.requiredVerdict === "reliable" ? "reliable" : "reliable or questionable"}.${!verdictOk && e.reliabilityReasons[0] ? ` ${e.reliabilityReasons[0]}` : ""}`,
    });
    for (const t of tp.thresholds) {
      const w = e.worstCase.find((x) => x.norm === t.norm && Math.abs(x.eps - t.eps) < EPS_TOL);
      const ok = !!w && w.robustAccuracy >= t.min;
      checks.push({
        id: `threshold:${t.norm}:${t.eps}`,
        label: `Robust accuracy ${normLabel(t.norm)} ${t.eps}`,
        outcome: ok ? "pass" : "fail",
        detail: w ? `${pct(w.robustAccuracy, 1)} measured; policy: ${describeThreshold(t)}.` : `Not measured; policy: ${describeThreshold(t)}.`,
      });
    }
    if (tp.minCleanAccuracy !== null) {
      const ok = e.cleanAccuracy !== null && e.cleanAccuracy >= tp.minCleanAccuracy;
      checks.push({ id: "clean-accuracy", label: "Clean accuracy", outcome: ok ? "pass" : "fail", detail: `${e.cleanAccuracy === null ? "not measured" : pct(e.cleanAccuracy, 1)}; policy: at least ${pct(tp.minCleanAccuracy)}.` });
    }
    const age = Math.floor((g.now.getTime() - e.finishedAt.getTime()) / DAY);
    checks.push({ id: "freshness", label: "Evidence age", outcome: age <= tp.maxEvidenceAgeDays ? "pass" : "fail", detail: `${age} day${age === 1 ? "" : "s"} old; policy: at most ${tp.maxEvidenceAgeDays} days for ${tierName} models.` });
  }

  checks.push(
    g.openAlerts.length === 0
      ? { id: "regression", label: "Regression alerts", outcome: "pass", detail: "No open regression alert for this version." }
      : { id: "regression", label: "Regression alerts", outcome: "fail", detail: `${g.openAlerts.length} open: ${g.openAlerts.map((a) => (a.evaluationNumber ? `#${a.evaluationNumber} ${a.summary}` : a.summary)).join("; ")}. A reviewer acknowledges an alert once it is dealt with.` },
  );
  return { pass: checks.every((c) => c.outcome === "pass"), evaluationNumber: e?.number ?? null, checks };
}
