import type { EngineMetrics } from "../engine/aggregate";

// Pure comparison of two evaluations' metrics. A "silent regression" is a drop in robust accuracy
// beyond the team's tolerance, whatever clean accuracy did.

export interface MetricDelta {
  key: string;
  label: string;
  before: number;
  after: number;
  /** after − before, in accuracy units (0..1). */
  delta: number;
}

export interface Comparison {
  previousEvaluationId: string;
  previousNumber: number;
  /** Set when the baseline is the evaluated version's lineage parent (a hardened version): its number. */
  lineageParentVersion?: number;
  clean: MetricDelta;
  worstCase: MetricDelta[];
  attacks: MetricDelta[];
  /** Robust-accuracy drops larger than the tolerance. */
  regressions: MetricDelta[];
  tolerancePp: number;
}

const fmtEps = (eps: number) => (eps > 0 && eps < 0.1 && Math.abs(eps * 255 - Math.round(eps * 255)) < 1e-6 ? `${Math.round(eps * 255)}/255` : String(+eps.toPrecision(4)));

export function compareMetrics(previous: { id: string; number: number; metrics: EngineMetrics; lineageParentVersion?: number }, current: EngineMetrics, tolerancePp: number): Comparison {
  const prev = previous.metrics;
  const worstCase: MetricDelta[] = [];
  for (const p of current.worstCase) {
    const q = prev.worstCase.find((w) => w.norm === p.norm && w.eps === p.eps);
    if (q) worstCase.push({ key: `worst:${p.norm}:${p.eps}`, label: `worst case, ${p.norm === "linf" ? "L∞" : "L2"} ε=${fmtEps(p.eps)}`, before: q.robustAccuracy, after: p.robustAccuracy, delta: p.robustAccuracy - q.robustAccuracy });
  }
  const attacks: MetricDelta[] = [];
  for (const a of current.attacks) {
    const q = prev.attacks.find((b) => b.attack === a.attack && b.norm === a.norm && b.eps === a.eps);
    if (q) attacks.push({ key: `attack:${a.attack}:${a.eps}`, label: `${a.attack}, ε=${fmtEps(a.eps)}`, before: q.robustAccuracy, after: a.robustAccuracy, delta: a.robustAccuracy - q.robustAccuracy });
  }
  const tol = tolerancePp / 100;
  // Compare with a small float margin so that "exactly at the tolerance" is not an alert.
  const regressions = [...worstCase, ...attacks].filter((d) => d.before - d.after > tol + 1e-9);
  return {
    previousEvaluationId: previous.id,
    previousNumber: previous.number,
    ...(previous.lineageParentVersion !== undefined ? { lineageParentVersion: previous.lineageParentVersion } : {}),
    clean: { key: "clean", label: "clean accuracy", before: prev.cleanAccuracy, after: current.cleanAccuracy, delta: current.cleanAccuracy - prev.cleanAccuracy },
    worstCase,
    attacks,
    regressions,
    tolerancePp,
  };
}

export function regressionSummary(modelName: string, c: Comparison): string {
  const worst = [...c.regressions].sort((a, b) => a.delta - b.delta)[0]!;
  const pp = (v: number) => `${(v * 100).toFixed(1)}%`;
  const clean = c.clean.delta >= 0 ? `while clean accuracy held (${pp(c.clean.before)} → ${pp(c.clean.after)})` : `and clean accuracy went ${pp(c.clean.before)} → ${pp(c.clean.after)}`;
  return `${modelName}: robust accuracy fell by ${((worst.before - worst.after) * 100).toFixed(1)} points on ${worst.label} (${pp(worst.before)} → ${pp(worst.after)}) since evaluation #${c.previousNumber}${c.lineageParentVersion !== undefined ? ` of v${c.lineageParentVersion}, the version it was hardened from` : ""}, ${clean}; ${c.regressions.length} measure(s) beyond the ${c.tolerancePp}-point tolerance.`;
}
