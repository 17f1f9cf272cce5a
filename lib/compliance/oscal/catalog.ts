import type { CatalogGroup, ControlKind, Framework } from "../catalog";
import { OSCAL_VERSION, oscalToken, prop, propValue, uuidFor } from "./ids";
import { controlCharacterMessage, findControlCharacter } from "../../security/control-chars";
import { oscalSchemaProblems } from "./validate";

// A framework as an OSCAL Catalog, and an OSCAL Catalog read back as controls and groups. Pure.
// Export: groups nest as in Bulwark (NIST function > category), controls sit in their innermost group,
// ATLAS sub-techniques inside their technique; each control keeps its Bulwark id as the "label" prop
// (OSCAL ids are tokens: "MEASURE 2.7" becomes "measure-2.7"), its text as the statement part, its kind
// as the class. Import reads the same fields, so export → import gives the same controls.

type Json = Record<string, unknown>;

/** Largest catalog an upload may hold; a bigger one is refused before the schema check walks it. */
export const MAX_CATALOG_CONTROLS = 2000;
export const MAX_CATALOG_GROUPS = 500;
export const MAX_CATALOG_BYTES = 5 * 1024 * 1024;
const MAX_DEPTH = 8;
const MAX_JSON_DEPTH = 64;
const MAX_ID = 100;
const MAX_TITLE = 300;
const MAX_TEXT = 20_000;

/** "bulwark-catalog-2026.11.1" → 2026-11-01: the catalog data's date, so the export's bytes never change with the clock. */
function catalogDate(version: string): string {
  const m = /(\d{4})\.(\d{1,2})\.(\d+)/.exec(version);
  if (!m) return "2026-01-01T00:00:00.000Z";
  return `${m[1]}-${m[2]!.padStart(2, "0")}-01T00:00:00.000Z`;
}

export function frameworkToOscalCatalog(f: Framework, catalogVersion: string): Json {
  const docUuid = uuidFor("catalog", f.id, catalogVersion);
  const childrenOf = new Map<string, typeof f.controls>();
  const inFramework = new Set(f.controls.map((c) => c.id));
  for (const c of f.controls) {
    const key = c.parent && inFramework.has(c.parent) ? `control|${c.parent}` : `group|${c.group}`;
    childrenOf.set(key, [...(childrenOf.get(key) ?? []), c]);
  }
  const control = (c: (typeof f.controls)[number]): Json => {
    const id = oscalToken(c.id);
    const kids = childrenOf.get(`control|${c.id}`) ?? [];
    return {
      id, ...(c.kind !== "control" ? { class: c.kind } : {}), title: c.title || c.id,
      props: [{ name: "label", value: propValue(c.id) }, { name: "sort-id", value: String(c.order).padStart(5, "0") }, ...(c.text ? [prop("text-verbatim", c.textIsVerbatim)] : [])],
      ...(c.mitigates?.length ? { links: c.mitigates.map((t) => ({ href: `#${oscalToken(t)}`, rel: "mitigates" })) } : {}),
      ...(c.text ? { parts: [{ id: `${id}_smt`, name: "statement", prose: c.text }] } : {}),
      ...(kids.length ? { controls: kids.map(control) } : {}),
    };
  };
  const groupIds = new Set(f.groups.map((g) => g.id));
  const group = (g: CatalogGroup): Json => {
    const subgroups = f.groups.filter((x) => x.parent === g.id);
    const controls = childrenOf.get(`group|${g.id}`) ?? [];
    return {
      id: oscalToken(g.id), title: g.title || g.id,
      props: [{ name: "label", value: propValue(g.id) }],
      ...(g.description ? { parts: [{ id: `${oscalToken(g.id)}_ovw`, name: "overview", prose: g.description }] } : {}),
      ...(subgroups.length ? { groups: subgroups.map(group) } : {}),
      ...(controls.length ? { controls: controls.map(control) } : {}),
    };
  };
  const loose = f.controls.filter((c) => !(c.parent && inFramework.has(c.parent)) && !groupIds.has(c.group));
  const at = catalogDate(catalogVersion);
  return {
    catalog: {
      uuid: docUuid,
      metadata: {
        title: f.name, published: at, "last-modified": at, version: f.version, "oscal-version": OSCAL_VERSION,
        props: [prop("framework", f.id), prop("short-name", f.shortName), prop("catalog-version", catalogVersion)],
        ...(f.note || f.licence ? { remarks: [f.note, f.licence].filter(Boolean).join("\n\n") } : {}),
      },
      // OSCAL refuses an empty list: a catalog whose controls sit at the top level has no "groups".
      ...(f.groups.length ? { groups: f.groups.filter((g) => !g.parent || !groupIds.has(g.parent)).map(group) } : {}),
      ...(loose.length ? { controls: loose.map(control) } : {}),
      "back-matter": { resources: [{ uuid: uuidFor(docUuid, "source"), title: "Source", citation: { text: f.source } }] },
    },
  };
}

// ---- import ----------------------------------------------------------------------------------------

export interface ImportedControl {
  id: string;
  oscalId: string;
  title: string;
  text: string;
  group: string;
  topGroup: string;
  kind: ControlKind;
  order: number;
  parent: string | null;
}

export interface ImportedCatalog {
  uuid: string;
  title: string;
  version: string;
  groups: CatalogGroup[];
  controls: ImportedControl[];
  /** Parameters by OSCAL id (kept as the catalog gave them: label, values, guidelines, select). */
  params: Record<string, unknown>;
}

/** A refused catalog: every reason, plain words. */
export class CatalogImportError extends Error {
  constructor(public readonly problems: string[]) {
    super(problems.join("; "));
  }
}

interface OscalPart { name?: string; prose?: string; parts?: OscalPart[] }
interface OscalProp { name?: string; ns?: string; value?: string }
interface OscalNode { id?: string; title?: string; class?: string; props?: OscalProp[]; parts?: OscalPart[]; params?: { id?: string }[]; controls?: OscalNode[]; groups?: OscalNode[] }

/** Counts controls and groups and checks nesting before anything heavier walks the document. */
function measure(node: OscalNode, depth: number, n: { controls: number; groups: number; tooDeep: boolean }) {
  if (depth > MAX_DEPTH) {
    n.tooDeep = true;
    return;
  }
  for (const c of Array.isArray(node.controls) ? node.controls : []) {
    n.controls++;
    if (n.controls > MAX_CATALOG_CONTROLS) return;
    measure(c, depth + 1, n);
  }
  for (const g of Array.isArray(node.groups) ? node.groups : []) {
    n.groups++;
    if (n.groups > MAX_CATALOG_GROUPS) return;
    measure(g, depth + 1, n);
  }
}

const label = (n: OscalNode) => n.props?.find((p) => p.name === "label" && (!p.ns || p.ns === "http://csrc.nist.gov/ns/oscal"))?.value;
function prose(parts: OscalPart[] | undefined): string {
  const out: string[] = [];
  const walk = (p: OscalPart) => {
    if (p.prose) out.push(p.prose);
    p.parts?.forEach(walk);
  };
  const statement = parts?.find((p) => p.name === "statement");
  (statement ? [statement] : parts ?? []).forEach(walk);
  return out.join("\n").trim();
}
const clean = (s: string) => s.trim();

/** Nesting depth of a JSON value, walked without recursion (a hostile file may nest thousands of levels). */
function jsonDepthOver(value: unknown, limit: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length) {
    const [v, d] = stack.pop()!;
    if (d > limit) return true;
    if (v && typeof v === "object") for (const x of Array.isArray(v) ? v : Object.values(v)) if (x && typeof x === "object") stack.push([x, d + 1]);
  }
  return false;
}

/** Reads an OSCAL Catalog (the parsed JSON). Throws CatalogImportError naming every problem found. */
export function parseOscalCatalog(doc: unknown): ImportedCatalog {
  const root = (doc as { catalog?: OscalNode & { uuid?: string; metadata?: { title?: string; version?: string } } } | null)?.catalog;
  if (!root || typeof root !== "object") throw new CatalogImportError(["the file is not an OSCAL catalog: it has no top-level \"catalog\" object"]);
  if (jsonDepthOver(doc, MAX_JSON_DEPTH)) throw new CatalogImportError([`the file nests more than ${MAX_JSON_DEPTH} levels deep`]);
  const n = { controls: 0, groups: 0, tooDeep: false };
  measure(root, 0, n);
  if (n.controls > MAX_CATALOG_CONTROLS) throw new CatalogImportError([`the catalog has more than ${MAX_CATALOG_CONTROLS} controls (the limit per catalog)`]);
  if (n.groups > MAX_CATALOG_GROUPS) throw new CatalogImportError([`the catalog has more than ${MAX_CATALOG_GROUPS} groups (the limit per catalog)`]);
  if (n.tooDeep) throw new CatalogImportError([`groups and controls nest more than ${MAX_DEPTH} levels deep`]);
  const schema = oscalSchemaProblems("catalog", doc);
  if (schema.length) throw new CatalogImportError(schema.map((p) => `not valid against the OSCAL 1.0.6 catalog schema: ${p}`));
  if (n.controls === 0) throw new CatalogImportError(["the catalog has no controls"]);
  const bad = findControlCharacter(doc);
  if (bad) throw new CatalogImportError([`the field ${bad.field} ${controlCharacterMessage(bad.char)}`]);

  const problems: string[] = [];
  const groups: CatalogGroup[] = [];
  const controls: ImportedControl[] = [];
  const params: Record<string, unknown> = {};
  const seenIds = new Set<string>();
  const seenOscal = new Set<string>();
  const idOf = (node: OscalNode, what: string): string => {
    const id = clean(label(node) ?? node.id ?? "");
    if (!id) problems.push(`a ${what} has neither an id nor a label`);
    else if (id.length > MAX_ID) problems.push(`the ${what} id "${id.slice(0, 40)}…" is longer than ${MAX_ID} characters`);
    return id;
  };
  const walkControl = (c: OscalNode, group: string, topGroup: string, parent: string | null) => {
    const id = idOf(c, "control");
    if (c.id && seenOscal.has(c.id)) problems.push(`the control id "${c.id}" appears more than once`);
    else if (c.id) seenOscal.add(c.id);
    if (id && seenIds.has(id)) problems.push(`the control "${id}" appears more than once`);
    seenIds.add(id);
    const title = clean(c.title ?? "");
    if (title.length > MAX_TITLE) problems.push(`the title of control "${id}" is longer than ${MAX_TITLE} characters`);
    const text = clean(prose(c.parts));
    if (text.length > MAX_TEXT) problems.push(`the statement of control "${id}" is longer than ${MAX_TEXT} characters`);
    const kind: ControlKind = c.class === "threat" || c.class === "reference" ? c.class : "control";
    controls.push({ id, oscalId: c.id ?? id, title: title || id, text, group, topGroup, kind, order: controls.length, parent });
    for (const p of c.params ?? []) if (p.id) params[p.id] = p;
    for (const k of c.controls ?? []) walkControl(k, group, topGroup, id);
  };
  const walkGroup = (g: OscalNode, parent: string | null, top: string | null) => {
    const id = idOf(g, "group") || `group-${groups.length + 1}`;
    if (groups.some((x) => x.id === id)) problems.push(`the group "${id}" appears more than once`);
    const overview = g.parts?.find((p) => p.name === "overview")?.prose;
    groups.push({ id, title: clean(g.title ?? id).slice(0, MAX_TITLE), ...(parent ? { parent } : {}), ...(overview ? { description: clean(overview).slice(0, MAX_TEXT) } : {}) });
    for (const p of g.params ?? []) if (p.id) params[p.id] = p;
    for (const sub of g.groups ?? []) walkGroup(sub, id, top ?? id);
    for (const c of g.controls ?? []) walkControl(c, id, top ?? id, null);
  };
  for (const p of root.params ?? []) if (p.id) params[p.id] = p;
  for (const g of root.groups ?? []) walkGroup(g, null, null);
  for (const c of root.controls ?? []) walkControl(c, "", "", null);
  if (problems.length) throw new CatalogImportError([...new Set(problems)].slice(0, 10));
  return {
    uuid: root.uuid ?? "", title: clean(root.metadata?.title ?? "").slice(0, MAX_TITLE) || "Untitled catalog", version: clean(root.metadata?.version ?? "").slice(0, MAX_TITLE) || "1",
    groups, controls, params,
  };
}
