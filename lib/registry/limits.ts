import { env } from "../env";
import { ValidationError } from "../errors";
import { formatBytes } from "./format";

export interface UploadLimits {
  /** Total bytes of one version, uploaded and (for archives) uncompressed. */
  maxTotalBytes: number;
  /** Entries in one archive. */
  maxFiles: number;
  /** Uncompressed ÷ compressed size above which an archive entry is taken for a zip bomb. */
  maxCompressionRatio: number;
  /** Values in one example (product of the input shape), checked before anything is allocated. */
  maxInputValues: number;
}

/** Byte sizes are stored as 32-bit integers: one version can never exceed 2 GiB − 1. */
const HARD_MAX = 2 ** 31 - 1;

export function uploadLimits(): UploadLimits {
  const e = env();
  return {
    maxTotalBytes: Math.min(HARD_MAX, e.BULWARK_MAX_UPLOAD_MB * 1024 * 1024),
    maxFiles: e.BULWARK_MAX_ARCHIVE_FILES,
    maxCompressionRatio: e.BULWARK_MAX_COMPRESSION_RATIO,
    maxInputValues: e.BULWARK_MAX_INPUT_VALUES,
  };
}

export { formatBytes };

/**
 * A name or value from an upload as it may appear in a message: control characters escaped (\n, \t,
 * \u001b…) so a message never carries raw ones, and cut to `max` characters so a 5,000-character name
 * cannot make a 10 KB message.
 */
export function shown(s: string, max = 80): string {
  // eslint-disable-next-line no-control-regex -- finding control characters is the point
  const escaped = s.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => {
    const named: Record<string, string> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };
    return named[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`;
  });
  return escaped.length > max ? `${escaped.slice(0, max - 1)}… (${s.length.toLocaleString("en")} characters)` : escaped;
}

/**
 * A library's error message fit to show: its first line, absolute paths (the server's temp folders)
 * removed, escaped and shortened.
 */
export function detailOf(e: unknown): string {
  const msg = (e instanceof Error ? e.message : String(e)).split("\n")[0];
  return shown(msg.replace(/(?<=^|[\s'"(])(?:[A-Za-z]:)?[\\/](?:[^\s'",:()]+[\\/])+[^\s'",:()]*/g, "(a temporary file)"), 160);
}

/** Why one example of this shape is too large, or null (`what` names it: "The card's input shape"). */
export function inputSizeProblem(shape: number[], limits: Pick<UploadLimits, "maxInputValues">, what: string): string | null {
  const values = shape.reduce((a, b) => a * b, 1);
  if (values <= limits.maxInputValues) return null;
  return (
    `${what} ${shape.join("×")} is ${values.toLocaleString("en")} values per example, above the limit of ${limits.maxInputValues.toLocaleString("en")} ` +
    `(BULWARK_MAX_INPUT_VALUES; 1024×1024×3 by default): such inputs would need gigabytes of memory to check and evaluate.`
  );
}

/**
 * An upload refused with a reason. `field` is the form field the message belongs next to
 * ("files" for the uploaded files, a card field such as "classLabels" otherwise).
 */
export class UploadRefused extends ValidationError {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message, { [field]: message });
  }
}

/** Several problems found at once, each next to its field. */
export function refuseAll(problems: { field: string; message: string }[]): never {
  if (problems.length === 1) throw new UploadRefused(problems[0].field, problems[0].message);
  const fieldErrors: Record<string, string> = {};
  for (const p of problems) fieldErrors[p.field] = fieldErrors[p.field] ? `${fieldErrors[p.field]} ${p.message}` : p.message;
  throw new ValidationError(`${problems.length} problems need attention: ${problems.map((p) => p.message).join(" ")}`, fieldErrors);
}

/** Runs a check that may throw a ValidationError, adding its field errors to `problems` instead. */
export async function collectProblems<T>(problems: { field: string; message: string }[], check: () => Promise<T>): Promise<T | undefined> {
  try {
    return await check();
  } catch (e) {
    if (!(e instanceof ValidationError)) throw e;
    const fe = e.fieldErrors ?? { files: e.message };
    for (const [field, message] of Object.entries(fe)) problems.push({ field, message });
    return undefined;
  }
}
