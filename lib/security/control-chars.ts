import { z } from "zod";
import { ValidationError } from "../errors";

// Control characters in text from outside (API paths, queries, JSON bodies, form fields). PostgreSQL cannot
// store U+0000 in text or jsonb at all (the query fails, which would be a 500), and the other control
// characters have no use in what Bulwark stores: they only hide or garble text in pages, logs and reports.
// One rule for all free text: tab, line feed and carriage return are kept (descriptions, notes, JSON in a
// field), every other C0/C1 control and DEL is refused. Names are one line: tab and line breaks are refused too.

// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/;
// eslint-disable-next-line no-control-regex -- as above
const NAME_CONTROL = /[\u0000-\u001F\u007F-\u009F]/;

/** "U+0000" for the first refused character of free text, or null. */
export function controlCharacterIn(text: string): string | null {
  const m = CONTROL.exec(text);
  return m ? codePoint(m[0]) : null;
}

/** Like controlCharacterIn, for names: tab and line breaks are refused as well. */
export function nameControlCharacterIn(text: string): string | null {
  const m = NAME_CONTROL.exec(text);
  return m ? codePoint(m[0]) : null;
}

const codePoint = (c: string) => `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}`;

export const controlCharacterMessage = (char: string) => `contains the control character ${char}, which is not allowed`;

export interface ControlCharacterHit {
  /** Dotted path of the field, e.g. "card.owner" or "members.1"; a key's own name for a bad key. */
  field: string;
  char: string;
}

/** The first string (value or object key) anywhere in `value` with a refused control character. */
export function findControlCharacter(value: unknown, path: string[] = []): ControlCharacterHit | null {
  if (typeof value === "string") {
    const char = controlCharacterIn(value);
    return char ? { field: path.join(".") || "body", char } : null;
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const hit = findControlCharacter(value[i], [...path, String(i)]);
      if (hit) return hit;
    }
    return null;
  }
  if (value && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) {
      const keyChar = controlCharacterIn(k);
      // The key itself is printed with the character made visible, never raw.
      if (keyChar) return { field: [...path, visible(k)].join("."), char: keyChar };
      const hit = findControlCharacter(v, [...path, k]);
      if (hit) return hit;
    }
  }
  return null;
}

/** Text with control characters shown as \u escapes, safe to put into a message. */
export function visible(text: string): string {
  return text.replace(new RegExp(NAME_CONTROL.source, "g"), (c) => `\\u${c.codePointAt(0)!.toString(16).padStart(4, "0")}`);
}

/** Throws a 400 naming the field when any string in `value` has a refused control character. */
export function assertNoControlCharacters(value: unknown, where: string): void {
  const hit = findControlCharacter(value);
  if (hit) {
    throw new ValidationError(`${where}: ${visible(hit.field)} ${controlCharacterMessage(hit.char)}.`, { [hit.field]: `${capitalise(controlCharacterMessage(hit.char))}.` });
  }
}

const capitalise = (s: string) => s[0]!.toUpperCase() + s.slice(1);

/** A one-line name: trimmed, 1..max characters, no control characters (tab and line breaks included). */
export function nameString(max: number, required = "A name is required") {
  return z
    .string()
    .trim()
    .min(1, { error: required })
    .max(max, { error: `At most ${max} characters` })
    .refine((v) => !nameControlCharacterIn(v), { error: (i) => `The name ${controlCharacterMessage(nameControlCharacterIn(String(i.input))!)}` });
}

/** For forms: one message per field whose text has a refused control character, or null when all are clean. */
export function formControlCharacterErrors(form: Record<string, unknown>): Record<string, string> | null {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(form)) {
    const hit = findControlCharacter(v, [k]) ?? (controlCharacterIn(k) ? { field: visible(k), char: controlCharacterIn(k)! } : null);
    if (hit) out[hit.field] ??= `${capitalise(controlCharacterMessage(hit.char))}.`;
  }
  return Object.keys(out).length ? out : null;
}
