import fc from "fast-check";
import { db } from "../lib/db/client";

// Shared pieces of the fuzz tests (app/api/v1/fuzz.test.ts, lib/api/fuzz-forms.test.ts): junk values,
// and a one-query count of every table a request could change, to prove a refusal changed nothing.

/** Fixed seed: a failure reproduces on every machine; fast-check prints the counterexample. */
export const FUZZ_SEED = 20261126;

const SPECIAL = [
  "", " ", "\t\n", "0", "-1", "1.5", "1e309", "-0", "NaN", "Infinity", "9007199254740993", "99999999999999999999999",
  "null", "undefined", "true", "false", "[]", "{}", "[object Object]", "__proto__", "constructor",
  "@", "a@", "@latest", "digits-cnn@", "digits-cnn@0", "digits-cnn@-1", "digits-cnn@latest", "digits-cnn@1.5",
  "../../etc/passwd", "%00", "%2e%2e%2f", "\u0000", "\uFEFF", "\u202E", "\uD800", "\uDFFF", "😀".repeat(40), "ﷺ", "Ǆ", "ß", "İ",
  "<script>alert(1)</script>", "' OR 1=1 --", "${7*7}", "{{7*7}}", "%s%s%s", "a".repeat(81), "x".repeat(10_000),
  "2026-02-30", "2026-13-01", "0000-00-00", "* * * * *", "61 25 32 13 8", "@yearly", "Invalid/Zone",
  "0".repeat(64), "g".repeat(64), "A".repeat(63), "http://169.254.169.254/", "javascript:alert(1)", "file:///etc/passwd",
];

/** Strings that break things: empty, unicode of every kind, lone surrogates, numbers out of range, huge. */
export const junkString: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: fc.constantFrom(...SPECIAL), weight: 4 },
  { arbitrary: fc.string({ maxLength: 30 }), weight: 2 },
  { arbitrary: fc.string({ unit: "grapheme", maxLength: 30 }), weight: 2 },
  { arbitrary: fc.string({ unit: "binary", maxLength: 30 }), weight: 2 },
  { arbitrary: fc.integer().map(String), weight: 1 },
  { arbitrary: fc.double().map(String), weight: 1 },
  { arbitrary: fc.nat({ max: 300_000 }).map((n) => "z".repeat(n)), weight: 1 },
);

/** Any JSON value, nested junk included. */
export const junkJson: fc.Arbitrary<unknown> = fc.oneof(
  { arbitrary: fc.jsonValue({ maxDepth: 4 }), weight: 3 },
  { arbitrary: junkString, weight: 2 },
  { arbitrary: fc.constantFrom<unknown>(null, true, false, 0, -1, 1e308, -1e308, 2 ** 53 + 2, 0.1, [], {}, [[[[]]]], { "": "" }, { __proto__: { admin: true } }), weight: 2 },
  { arbitrary: fc.array(junkString, { maxLength: 5 }), weight: 1 },
  { arbitrary: fc.dictionary(junkString, fc.jsonValue({ maxDepth: 2 }), { maxKeys: 5 }), weight: 1 },
);

/** Request bodies that are not JSON at all. */
export const invalidJsonText: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom("", "{", "}", "{\"a\":", "[1,2", "nul", "{'a': 1}", "{\"a\": undefined}", "\u0000", "\uFEFF{}", "[".repeat(100_000), "{\"a\":1}garbage", "NaN"),
  fc.string({ unit: "binary", maxLength: 200 }),
);

/** A valid object with one field replaced by junk, one junk field added, or one field removed. */
export function mutated(base: Record<string, unknown>): fc.Arbitrary<Record<string, unknown>> {
  const keys = Object.keys(base);
  return fc.oneof(
    fc.tuple(fc.constantFrom(...keys), junkJson).map(([k, v]) => ({ ...base, [k]: v })),
    fc.tuple(junkString, junkJson).map(([k, v]) => ({ ...base, [k]: v })),
    fc.constantFrom(...keys).map((k) => Object.fromEntries(Object.entries(base).filter(([x]) => x !== k))),
  );
}

/** Form data as a form sends it: every value a string; known fields with junk, plus junk fields. */
export function junkForm(known: string[], base: Record<string, string> = {}): fc.Arbitrary<Record<string, string>> {
  const withKnown = known.length ? fc.dictionary(fc.constantFrom(...known), junkString, { maxKeys: known.length }) : fc.constant({});
  return fc.oneof(
    fc.tuple(withKnown, fc.dictionary(junkString, junkString, { maxKeys: 3 })).map(([a, b]) => ({ ...b, ...a })),
    ...(Object.keys(base).length
      ? [fc.tuple(fc.constantFrom(...Object.keys(base)), junkString).map(([k, v]) => ({ ...base, [k]: v })), fc.constantFrom(...Object.keys(base)).map((k) => Object.fromEntries(Object.entries(base).filter(([x]) => x !== k)))]
      : []),
  );
}

const TABLES = [
  "User", "Membership", "ApiToken", "AuditEvent", "Artifact", "Model", "ModelVersion", "ModelVersionFile", "Dataset", "DatasetVersion",
  "DatasetVersionFile", "Evaluation", "EvaluationShard", "Schedule", "RegressionAlert", "TeamSettings", "CompliancePolicy",
  "CrosswalkOverride", "Attestation", "AttestationFile", "ControlStatusSnapshot", "Report", "ReportFile", "ModelEndpoint", "OutboundHost",
];

/** Row counts of every product table, in one query. */
export async function rowCounts(): Promise<Record<string, number>> {
  const sql = `SELECT ${TABLES.map((t) => `(SELECT count(*) FROM "${t}")::int AS "${t}"`).join(", ")}`;
  const [row] = await db.$queryRawUnsafe<Record<string, number>[]>(sql);
  return row!;
}

/** NUL and the other control characters, alone and inside text: every string input gets NUL and some of these. */
export const CONTROL_STRINGS = ["a\u0000b", "\u0000", "x\u0001", "\u001b[31mred", "del\u007f", "nel\u0085", "tab\there", "line\nbreak", "cr\r\nlf", "\u0008\u000b\u000c"];

/** The control strings for the n-th input: NUL always, plus two others in turn, so every kind is exercised across inputs. */
export function controlStringsFor(n: number): string[] {
  const rest = CONTROL_STRINGS.slice(2);
  return ["a\u0000b", rest[(2 * n) % rest.length]!, rest[(2 * n + 1) % rest.length]!];
}

/** Paths of every string (and every object key) inside a JSON value; a key is addressed as [..., key, KEY]. */
export const KEY = Symbol("key");
export type LeafPath = (string | number | typeof KEY)[];
export function stringLeaves(value: unknown, path: LeafPath = []): LeafPath[] {
  if (typeof value === "string") return [path];
  if (Array.isArray(value)) return value.flatMap((v, i) => stringLeaves(v, [...path, i]));
  if (value && typeof value === "object") return Object.entries(value).flatMap(([k, v]) => [[...path, k, KEY] as LeafPath, ...stringLeaves(v, [...path, k])]);
  return [];
}

/** A deep copy of `value` with the string (or key) at `path` replaced by `text`, for a key: with `text` appended to it. */
export function replaceLeaf(value: unknown, path: LeafPath, text: string): unknown {
  if (!path.length) return text;
  const [head, ...rest] = path;
  if (Array.isArray(value)) return value.map((v, i) => (i === head ? replaceLeaf(v, rest, text) : v));
  const obj = value as Record<string, unknown>;
  if (rest.length === 1 && rest[0] === KEY) return Object.fromEntries(Object.entries(obj).map(([k, v]) => (k === head ? [`${k}${text}`, v] : [k, v])));
  return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, k === head ? replaceLeaf(v, rest, text) : v]));
}

export const leafName = (path: LeafPath) => path.filter((p) => p !== KEY).join(".");
