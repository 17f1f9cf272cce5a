import { execFileSync } from "node:child_process";

/** The text of a PDF as poppler's pdftotext reads it (pages separated by form feeds). */
export function pdfText(pdf: Uint8Array): string {
  return execFileSync("pdftotext", ["-enc", "UTF-8", "-", "-"], { input: pdf, maxBuffer: 64 * 1024 * 1024 }).toString("utf8");
}
