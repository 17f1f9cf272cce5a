import { lineChart, type LineChartModel } from "./line";

// The "compare versions" figure (model page and PDF report): accuracy against the attack budget per version.

/** Accuracy against ε per version (clean at ε = 0) for the norm with the most shared budgets. Null without data. */
export function comparisonChart(
  c: { budgets: { norm: string; eps: number }[]; rows: { version: number; ensemble: { combine: string } | null; cleanAccuracy: number | null; robust: (number | null)[] }[] },
  size: { width?: number; height?: number } = {},
): { model: LineChartModel; norm: string } | null {
  const norms = [...new Set(c.budgets.map((b) => b.norm))];
  const norm = norms.sort((a, b) => c.budgets.filter((x) => x.norm === b).length - c.budgets.filter((x) => x.norm === a).length || (a === "linf" ? -1 : 1))[0];
  const rows = c.rows.filter((r) => r.cleanAccuracy !== null);
  if (!norm || rows.length === 0) return null;
  const series = rows.map((r) => ({
    // Short legend names (the table beside the chart has the full labels).
    name: `v${r.version}${r.ensemble ? ` ensemble (${r.ensemble.combine})` : ""}`,
    dashed: r.ensemble !== null,
    points: [{ x: 0, y: r.cleanAccuracy! }, ...c.budgets.flatMap((b, i) => (b.norm === norm && r.robust[i] !== null ? [{ x: b.eps, y: r.robust[i]! }] : []))],
  }));
  return { model: lineChart({ series, xLabel: `ε (${norm === "linf" ? "L∞" : norm.toUpperCase()}); 0 = clean`, yLabel: "accuracy", width: size.width ?? 560, height: size.height ?? 260 }), norm };
}
