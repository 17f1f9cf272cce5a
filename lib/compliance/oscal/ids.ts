import { createHash } from "node:crypto";

// Identifiers and small value helpers shared by every OSCAL document Bulwark writes. Pure.

/** The OSCAL schema version the documents conform to (schemas in ./schemas, NIST json/schema 1.0.6). */
export const OSCAL_VERSION = "1.0.6";

/** Namespace of Bulwark's own props (OSCAL props outside NIST's namespace must name one). */
export const BULWARK_NS = "https://bulwark.dev/ns/oscal";

// Fixed namespace for UUIDv5: the same stable id always gives the same UUID, in every export and instance.
const NAMESPACE = Buffer.from("6f1d2c3a9b8e4f7a8c5d0e1f2a3b4c5d", "hex");

/** RFC 4122 version-5 UUID (SHA-1 of namespace + name) of the parts joined by "|". */
export function uuidFor(...parts: (string | number)[]): string {
  const h = createHash("sha1").update(NAMESPACE).update(parts.join("|"), "utf8").digest();
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString("hex");
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

/**
 * An OSCAL token (control and group ids: a letter or "_" first, then letters, digits, ".", "-", "_")
 * from a Bulwark id such as "MEASURE 2.7", "Art. 15(1)" or "6.4.2". The id itself travels as the
 * control's "label" prop, which is what an import reads back.
 */
export function oscalToken(id: string): string {
  const t = id.normalize("NFKC").toLowerCase().replace(/[^\p{L}\p{N}._-]+/gu, "-").replace(/^-+|-+$/g, "");
  return /^[\p{L}_]/u.test(t) ? t : `c-${t || "x"}`;
}

/** A prop value: OSCAL refuses empty values and leading or trailing white space. */
export function propValue(v: string | number | boolean): string {
  const s = String(v).replace(/\s+/g, " ").trim();
  return s || "-";
}

export interface OscalProp { name: string; value: string; ns?: string; class?: string; remarks?: string }

/** A Bulwark prop (in BULWARK_NS) with a cleaned value. */
export const prop = (name: string, value: string | number | boolean, cls?: string): OscalProp => ({ name, ns: BULWARK_NS, value: propValue(value), ...(cls ? { class: cls } : {}) });

/** Stable pretty JSON with a final newline: the bytes a download carries. */
export const oscalBytes = (doc: unknown): string => `${JSON.stringify(doc, null, 2)}\n`;
