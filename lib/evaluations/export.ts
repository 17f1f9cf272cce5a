import type { ExampleRecord } from "../engine/shard";
import { toCsv } from "../csv";

// Per-example results as CSV: one row per example, one column group per attack × epsilon.

export function recordsToCsv(records: ExampleRecord[], classLabels: string[]): string {
  const first = records[0];
  const keys = first ? first.attacks.map((a) => `${a.attack}@${a.norm}:${a.eps}`) : [];
  const header = ["index", "label", "clean_prediction", "clean_confidence", "clean_correct", ...keys.flatMap((k) => [`${k}:prediction`, `${k}:success`, `${k}:linf`, `${k}:l2`, `${k}:queries`])];
  const rows: (string | number | boolean)[][] = [header];
  for (const r of [...records].sort((a, b) => a.index - b.index)) {
    const cells: (string | number | boolean)[] = [r.index, classLabels[r.label] ?? r.label, classLabels[r.cleanPred] ?? r.cleanPred, r.cleanConf.toFixed(6), r.cleanCorrect];
    for (const a of r.attacks) cells.push(classLabels[a.advPred] ?? a.advPred, a.success, a.linf.toFixed(6), a.l2.toFixed(6), a.queries);
    rows.push(cells);
  }
  return toCsv(rows);
}
