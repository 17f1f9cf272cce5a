import { z } from "zod";
import nistData from "./catalogs/nist-ai-rmf-1.0.json";
import isoData from "./catalogs/iso-iec-42001-annex-a.json";
import iso23894Data from "./catalogs/iso-iec-23894.json";
import iso24029Data from "./catalogs/iso-iec-24029.json";
import euData from "./catalogs/eu-ai-act.json";
import atlasData from "./catalogs/mitre-atlas.json";
import { ATLAS_DESCRIPTIONS, EU_AI_ACT_DESCRIPTIONS, ISO_23894_DESCRIPTIONS, ISO_24029_DESCRIPTIONS, ISO_42001_DESCRIPTIONS, ISO_42001_GROUP_DESCRIPTIONS } from "./catalogs/descriptions";

// The control catalogs as plain data. Pure: no database, no files read at run time (the JSON is bundled).
// Ids and titles come from the reference lists the team checked against the published documents;
// NIST statements are verbatim (public domain); other descriptions are Bulwark's own words.

/** The bundled frameworks. */
export const FRAMEWORK_IDS = ["nist-ai-rmf", "iso-42001", "eu-ai-act", "iso-23894", "iso-24029", "mitre-atlas"] as const;
export type BuiltinFrameworkId = (typeof FRAMEWORK_IDS)[number];
/** A team's own catalog (lib/compliance/team-catalogs.ts): "custom-" and a slug; never a bundled id. */
export type CustomFrameworkId = `custom-${string}`;
export type FrameworkId = BuiltinFrameworkId | CustomFrameworkId;
export const CUSTOM_FRAMEWORK_RE = /^custom-[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$/;
/** Whether a string is a framework id of either kind (known to a catalog or not: the caller checks that). */
export const isFrameworkId = (v: string): v is FrameworkId => (FRAMEWORK_IDS as readonly string[]).includes(v) || CUSTOM_FRAMEWORK_RE.test(v);
/** A bundled framework's id or a team catalog's ("custom-…"); whether the team has it is checked against its catalog. */
export const FrameworkIdSchema = z.string().trim().max(40).refine((v): v is FrameworkId => isFrameworkId(v), { error: `a framework is one of ${FRAMEWORK_IDS.join(", ")} or one of the team's own catalogs (custom-…)` });

/** A query parameter naming frameworks, comma-separated; an id that is neither bundled nor custom-… is refused naming it. */
export const FrameworkListSchema = z.string().max(500).optional()
  .transform((v, ctx) => {
    if (!v) return undefined;
    const list = [...new Set(v.split(",").map((x) => x.trim()).filter(Boolean))];
    const unknown = list.filter((x) => !isFrameworkId(x));
    if (unknown.length) ctx.addIssue({ code: "custom", message: `unknown framework ${unknown.map((x) => `"${x.slice(0, 40)}"`).join(", ")}; one of ${FRAMEWORK_IDS.join(", ")} or one of the team's own catalogs (custom-…)` });
    return list as FrameworkId[];
  });
/** Bundled frameworks first in their fixed order, then a team's own by id: one order for every list. */
export const frameworkRank = (f: FrameworkId) => {
  const i = (FRAMEWORK_IDS as readonly string[]).indexOf(f);
  return i >= 0 ? i : FRAMEWORK_IDS.length;
};

/**
 * control: gets a status for every model. threat: an ATLAS technique, a tag for context, never "satisfied".
 * reference: listed for completeness, not a duty Bulwark can assess (e.g. Art. 15(2), a Commission duty).
 */
export type ControlKind = "control" | "threat" | "reference";

export interface CatalogGroup {
  id: string;
  title: string;
  /** For nested groups (NIST category inside a function, ISO A.6.1 inside A.6). */
  parent?: string;
  description?: string;
}

export interface Control {
  /** Globally unique: `${framework}:${id}`, e.g. "nist-ai-rmf:MEASURE 2.7". */
  key: string;
  framework: FrameworkId;
  id: string;
  title: string;
  /** Verbatim for NIST; own-words summary otherwise. */
  text: string;
  textIsVerbatim: boolean;
  /** Innermost group (NIST category, ISO group or subgroup, …). */
  group: string;
  /** Outermost group (NIST function, ISO A.x). */
  topGroup: string;
  kind: ControlKind;
  order: number;
  /** ATLAS mitigations: the technique ids they address. */
  mitigates?: string[];
  parent?: string | null;
}

export interface Framework {
  id: FrameworkId;
  name: string;
  shortName: string;
  version: string;
  source: string;
  licence?: string;
  note?: string;
  /** A team's own catalog: which upload (1, 2, …) of it this is. */
  revision?: number;
  groups: CatalogGroup[];
  controls: Control[];
}

export interface Catalog {
  /** Recorded with every status computed from this catalog. Bump when any framework's data changes. */
  version: string;
  frameworks: Framework[];
  byKey: Map<string, Control>;
}

export const CATALOG_VERSION = "bulwark-catalog-2026.11.1";

export const controlKey = (framework: FrameworkId, id: string) => `${framework}:${id}`;

function nist(): Framework {
  const groups: CatalogGroup[] = [];
  for (const f of nistData.functions) {
    groups.push({ id: f.id, title: f.title, description: f.outcome });
  }
  for (const c of nistData.categories) groups.push({ id: c.id, title: c.id, parent: c.function, description: c.text });
  const controls = nistData.subcategories.map((s, i): Control => ({
    key: controlKey("nist-ai-rmf", s.id), framework: "nist-ai-rmf", id: s.id, title: s.label, text: s.text, textIsVerbatim: true,
    group: s.category, topGroup: s.id.split(" ")[0], kind: "control", order: i,
  }));
  return {
    id: "nist-ai-rmf", name: nistData.framework, shortName: "NIST AI RMF", version: nistData.version, source: nistData.source, licence: nistData.licence,
    note: "Subcategory titles are informal display labels: the AI RMF gives subcategories no official titles.",
    groups, controls,
  };
}

function iso42001(): Framework {
  const groups: CatalogGroup[] = [];
  const subOf = new Map<string, string>();
  for (const g of isoData.groups) {
    groups.push({ id: g.id, title: g.title, description: ISO_42001_GROUP_DESCRIPTIONS[g.id] });
    for (const s of g.subgroups) {
      groups.push({ id: s.id, title: s.title, parent: g.id });
      for (const c of s.controls) subOf.set(c, s.id);
    }
  }
  const controls = isoData.controls.map((c, i): Control => ({
    key: controlKey("iso-42001", c.id), framework: "iso-42001", id: c.id, title: c.title, text: ISO_42001_DESCRIPTIONS[c.id] ?? "", textIsVerbatim: false,
    group: subOf.get(c.id) ?? c.group, topGroup: c.group, kind: "control", order: i,
  }));
  return {
    id: "iso-42001", name: "ISO/IEC 42001 Annex A", shortName: "ISO/IEC 42001", version: isoData.version, source: isoData.source, licence: isoData.licence,
    note: "Only control ids and titles are listed; the control statements are in the standard.", groups, controls,
  };
}

function euAiAct(): Framework {
  const groups: CatalogGroup[] = [
    { id: "Art. 15", title: euData.title, description: euData.location },
    { id: "Related", title: "Related articles of Chapter III and IX" },
  ];
  const controls: Control[] = [
    ...euData.article15.map((a, i): Control => ({
      key: controlKey("eu-ai-act", a.id), framework: "eu-ai-act", id: a.id, title: a.title, text: EU_AI_ACT_DESCRIPTIONS[a.id] ?? "", textIsVerbatim: false,
      group: "Art. 15", topGroup: "Art. 15", kind: a.id === "Art. 15(2)" ? "reference" : "control", order: i,
    })),
    ...euData.relatedArticles.map((a, i): Control => ({
      key: controlKey("eu-ai-act", a.id), framework: "eu-ai-act", id: a.id, title: a.title, text: EU_AI_ACT_DESCRIPTIONS[a.id] ?? "", textIsVerbatim: false,
      group: "Related", topGroup: "Related", kind: "control", order: 100 + i,
    })),
  ];
  return {
    id: "eu-ai-act", name: "EU AI Act", shortName: "EU AI Act", version: euData.version, source: euData.source,
    note: "Applies to high-risk AI systems. Measurements only support these duties: whether a level is appropriate is a judgement, so every mapping is supporting.",
    groups, controls,
  };
}

function iso23894(): Framework {
  const process = iso23894Data.clauses.filter((c) => c.group === "process" && c.id !== "6");
  const groups: CatalogGroup[] = [{ id: "6", title: "Risk management process" }];
  for (const c of process) if (!c.id.includes(".", 2)) groups.push({ id: c.id, title: c.title, parent: "6" });
  const controls = process.map((c, i): Control => {
    const top = c.id.split(".").slice(0, 2).join(".");
    return {
      key: controlKey("iso-23894", c.id), framework: "iso-23894", id: c.id, title: c.title, text: ISO_23894_DESCRIPTIONS[c.id] ?? "", textIsVerbatim: false,
      group: top, topGroup: "6", kind: "control", order: i,
    };
  });
  return {
    id: "iso-23894", name: "ISO/IEC 23894 risk-management process", shortName: "ISO/IEC 23894", version: iso23894Data.version, source: iso23894Data.source, licence: iso23894Data.licence,
    note: `Guidance, not certifiable requirements. Process steps in order: ${iso23894Data.processSteps.join(", ")}.`, groups, controls,
  };
}

function iso24029(): Framework {
  const [part1, part2] = iso24029Data.parts;
  const controls = part2.clauses.map((c, i): Control => ({
    key: controlKey("iso-24029", `24029-2 ${c.id}`), framework: "iso-24029", id: `24029-2 ${c.id}`, title: c.title, text: ISO_24029_DESCRIPTIONS[c.id] ?? "", textIsVerbatim: false,
    group: "24029-2", topGroup: "24029-2", kind: "reference", order: i,
  }));
  return {
    id: "iso-24029", name: "ISO/IEC 24029 robustness of neural networks", shortName: "ISO/IEC 24029", version: `${part1.version}; ${part2.version}`, source: `${part1.source}; ${part2.source}`,
    note: "Part 1 (TR 24029-1) describes statistical, formal and empirical robustness assessment; Bulwark's attack-based results are empirical and give an upper bound on true robust accuracy. Part 2 items concern formal verification, which Bulwark does not perform, so they are listed for reference and never assessed.",
    groups: [{ id: "24029-2", title: part2.title }], controls,
  };
}

function atlas(): Framework {
  const controls: Control[] = [
    ...atlasData.mitigations.map((m, i): Control => ({
      key: controlKey("mitre-atlas", m.id), framework: "mitre-atlas", id: m.id, title: m.title, text: ATLAS_DESCRIPTIONS[m.id] ?? "", textIsVerbatim: false,
      group: "mitigations", topGroup: "mitigations", kind: "control", order: i, mitigates: m.mitigates,
    })),
    ...atlasData.techniques.map((t, i): Control => ({
      key: controlKey("mitre-atlas", t.id), framework: "mitre-atlas", id: t.id, title: t.title, text: ATLAS_DESCRIPTIONS[t.id] ?? "", textIsVerbatim: false,
      group: "techniques", topGroup: "techniques", kind: "threat", order: 100 + i, parent: t.parent,
    })),
  ];
  return {
    id: "mitre-atlas", name: "MITRE ATLAS", shortName: "MITRE ATLAS", version: atlasData.version, source: atlasData.source, licence: atlasData.licence,
    note: "Techniques are threat tags (context, never satisfied); mitigations get a status like controls.",
    groups: [{ id: "mitigations", title: "Mitigations" }, { id: "techniques", title: "Techniques (threat tags)" }], controls,
  };
}

let cached: Catalog | null = null;

/** The catalog of all frameworks, built once. */
export function getCatalog(): Catalog {
  if (cached) return cached;
  const frameworks = [nist(), iso42001(), euAiAct(), iso23894(), iso24029(), atlas()];
  const byKey = new Map<string, Control>();
  for (const f of frameworks) for (const c of f.controls) {
    if (byKey.has(c.key)) throw new Error(`duplicate control ${c.key}`);
    byKey.set(c.key, c);
  }
  cached = { version: CATALOG_VERSION, frameworks, byKey };
  return cached;
}

/**
 * The bundled catalog with a team's own frameworks added (pure; lib/compliance/team-catalogs.ts loads them).
 * The version names each added framework's version, so every status and report says which one it used.
 */
export function withFrameworks(base: Catalog, extra: Framework[]): Catalog {
  if (!extra.length) return base;
  const byKey = new Map(base.byKey);
  for (const f of extra) for (const c of f.controls) byKey.set(c.key, c);
  const version = `${base.version}+${extra.map((f) => `${f.id}@v${f.revision ?? 1}`).join("+")}`;
  return { version, frameworks: [...base.frameworks, ...extra], byKey };
}

export function frameworkOf(catalog: Catalog, id: FrameworkId): Framework {
  const f = catalog.frameworks.find((x) => x.id === id);
  if (!f) throw new Error(`unknown framework ${id}`);
  return f;
}

/** Controls that get a status (not threat tags, not reference-only items). */
export function assessableControls(catalog: Catalog, framework?: FrameworkId): Control[] {
  return catalog.frameworks.filter((f) => !framework || f.id === framework).flatMap((f) => f.controls.filter((c) => c.kind === "control"));
}
