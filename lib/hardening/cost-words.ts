import { formatDuration } from "../duration";
import type { HardeningCost } from "./read";

// The one wording of a hardening run's measured cost. Pure (no database, no engine), so the CLI prints it too.

/**
 * The measured cost in one line — wall time, epochs, examples, gradient evaluations, backend, hardware, worker —
 * for every place that shows it (model page, lineage, compare-versions, PDF). Partial costs (a run under way)
 * give the parts they have.
 */
export function describeHardeningCost(c: HardeningCost): string {
  const n = (v: number) => v.toLocaleString("en");
  const wall = c.wallSeconds === undefined ? null : `${c.wallSeconds < 90 ? `${c.wallSeconds.toFixed(1)} s` : formatDuration(c.wallSeconds)} wall time`;
  const grads = c.attackGradients !== undefined && c.weightGradients !== undefined
    ? `${n(c.attackGradients)} attack + ${n(c.weightGradients)} weight gradients${c.gradientsPerSecond ? ` (${n(c.gradientsPerSecond)}/s)` : ""}`
    : null;
  const hw = c.cores && c.cpuModel ? ` on ${c.cores} × ${c.cpuModel}` : "";
  return [
    wall,
    c.epochs !== undefined ? `${c.epochs} epoch${c.epochs === 1 ? "" : "s"}` : null,
    c.examples !== undefined ? `${n(c.examples)} examples trained` : null,
    grads,
    c.backend ? `${c.backend} backend${hw}` : hw ? hw.trim() : null,
    c.workerId ? `worker ${c.workerId}${c.attempts && c.attempts > 1 ? ` (${c.attempts} attempts)` : ""}` : null,
  ].filter(Boolean).join(", ");
}
