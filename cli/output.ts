import { useColor } from "./config";

// Terminal output: aligned tables, PASS/FAIL marks and a progress bar on stderr (redrawn on a TTY,
// a line per 10% in CI logs).

const paint = (code: string) => (s: string) => (useColor() ? `\x1b[${code}m${s}\x1b[0m` : s);
export const green = paint("32");
export const red = paint("31");
export const bold = paint("1");
export const dim = paint("2");

// eslint-disable-next-line no-control-regex -- matching the ESC character of ANSI colour codes is the point
const visible = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, "").length;

export function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(visible(h), ...rows.map((r) => visible(r[i] ?? ""))));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c + " ".repeat(widths[i]! - visible(c)))).join("  ");
  return [bold(line(head)), ...rows.map(line)].join("\n");
}

export const pct = (v: number | null | undefined, digits = 1) => (v === null || v === undefined ? "—" : `${(v * 100).toFixed(digits)}%`);

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 ** 2).toFixed(1)} MB`;
}

export class ProgressBar {
  private lastStep = -1;
  private readonly tty = process.stderr.isTTY;
  constructor(private readonly label: string) {}

  update(fraction: number, note = "") {
    const f = Math.max(0, Math.min(1, fraction));
    if (this.tty) {
      const width = 30;
      const full = Math.round(f * width);
      process.stderr.write(`\r${this.label} [${"█".repeat(full)}${"░".repeat(width - full)}] ${(f * 100).toFixed(0).padStart(3)}% ${note}\x1b[K`);
    } else {
      const step = Math.floor(f * 10);
      if (step !== this.lastStep) {
        this.lastStep = step;
        process.stderr.write(`${this.label} ${(f * 100).toFixed(0)}% ${note}\n`);
      }
    }
  }

  done(note = "") {
    this.update(1, note);
    if (this.tty) process.stderr.write("\n");
  }
}
