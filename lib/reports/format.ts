// Small pure helpers shared by the PDF renderer, the web pages and the tests, so every place prints a
// number the same way.

/** Accuracy 0..1 as a percentage with two decimals ("95.75%"). */
export const pct = (v: number, digits = 2) => `${(v * 100).toFixed(digits)}%`;

/** Signed difference in percentage points ("−1.25 pp", "+0.50 pp"). */
export const pp = (delta: number) => `${delta >= 0 ? "+" : "−"}${Math.abs(delta * 100).toFixed(2)} pp`;

export const normLabel = (n: string) => (n === "linf" ? "L∞" : n === "l2" ? "L2" : n);

export const fmtEps = (eps: number) => String(+eps.toPrecision(4));

/** "2026-11-26 10:20 UTC" from an ISO string. */
export const fmtDateTime = (isoString: string) => `${isoString.slice(0, 10)} ${isoString.slice(11, 16)} UTC`;

export const fmtDate = (isoString: string) => isoString.slice(0, 10);

export const reportLabel = (n: number) => `R-${n}`;

export { wilsonInterval as wilson } from "../engine/intervals";

export const fmtInterval = ([lo, hi]: [number, number]) => `${(lo * 100).toFixed(1)}–${(hi * 100).toFixed(1)}%`;

export const fmtBytes = (n: number) => (n < 1024 ? `${n} B` : n < 1024 * 1024 ? `${(n / 1024).toFixed(1)} KB` : `${(n / 1024 / 1024).toFixed(1)} MB`);
