import { describe, expect, it } from "vitest";
import { getCatalog } from "../catalog";
import { CatalogImportError, frameworkToOscalCatalog, MAX_CATALOG_CONTROLS, parseOscalCatalog } from "./catalog";
import { oscalBytes } from "./ids";
import { oscalSchemaProblems } from "./validate";

const catalog = getCatalog();

function problemsOf(doc: unknown): string[] {
  try {
    parseOscalCatalog(doc);
    return [];
  } catch (e) {
    if (e instanceof CatalogImportError) return e.problems;
    throw e;
  }
}

/** A small valid catalog with the given controls in one group. */
function small(controls: unknown[]) {
  return {
    catalog: {
      uuid: "2b3c1f7e-8d7a-4e2b-9c1d-0a1b2c3d4e5f",
      metadata: { title: "ACME AI controls", "last-modified": "2026-11-01T00:00:00Z", version: "2026.1", "oscal-version": "1.0.6" },
      groups: [{ id: "gov", title: "Governance", controls }],
    },
  };
}

describe("bundled frameworks as OSCAL catalogs", () => {
  for (const f of catalog.frameworks) {
    it(`${f.id}: valid against the OSCAL 1.0.6 catalog schema, deterministic, and export → import gives the same controls`, () => {
      const doc = frameworkToOscalCatalog(f, catalog.version);
      expect(oscalSchemaProblems("catalog", doc)).toEqual([]);
      expect(oscalBytes(frameworkToOscalCatalog(f, catalog.version))).toBe(oscalBytes(doc));
      const back = parseOscalCatalog(JSON.parse(oscalBytes(doc)));
      const pick = (c: { id: string; title: string; text: string; kind: string; group: string; topGroup: string; parent?: string | null }) => ({ id: c.id, title: c.title, text: c.text, kind: c.kind, group: c.group, topGroup: c.topGroup, parent: c.parent ?? null });
      const byId = (a: { id: string }, b: { id: string }) => a.id.localeCompare(b.id);
      const expected = f.controls.map((c) => pick({ ...c, parent: c.parent && f.controls.some((x) => x.id === c.parent) ? c.parent : null })).sort(byId);
      expect(back.controls.map(pick).sort(byId)).toEqual(expected);
      expect(back.groups.map((g) => g.id).sort()).toEqual(f.groups.map((g) => g.id).sort());
      expect(back.title).toBe(f.name);
      expect(back.version).toBe(f.version);
    });
  }
});

describe("importing a catalog: hostile files are refused or kept as plain text", () => {
  it("reads a small company catalog: ids, titles, statements, groups, params", () => {
    const c = parseOscalCatalog(small([
      { id: "acme-1", title: "Model inventory", params: [{ id: "acme-1_prm_1", label: "review interval" }], parts: [{ id: "acme-1_smt", name: "statement", prose: "Keep an inventory of every model." }] },
      { id: "acme-2", title: "Robustness testing", props: [{ name: "label", value: "ACME 2" }] },
    ]));
    expect(c.controls.map((x) => [x.id, x.title, x.text, x.group])).toEqual([["acme-1", "Model inventory", "Keep an inventory of every model.", "gov"], ["ACME 2", "Robustness testing", "", "gov"]]);
    expect(Object.keys(c.params)).toEqual(["acme-1_prm_1"]);
  });
  it("a catalog whose controls sit at the top level (no groups) exports valid and reads back the same", () => {
    const flat = { catalog: { uuid: "2b3c1f7e-8d7a-4e2b-9c1d-0a1b2c3d4e5f", metadata: { title: "Flat", "last-modified": "2026-11-01T00:00:00Z", version: "1", "oscal-version": "1.0.6" }, controls: [{ id: "f-1", title: "One" }, { id: "f-2", title: "Two" }] } };
    const c = parseOscalCatalog(flat);
    const f = { id: "custom-flat" as const, name: c.title, shortName: "Flat", version: c.version, source: "test", groups: c.groups, controls: c.controls.map((x) => ({ ...x, key: `custom-flat:${x.id}`, framework: "custom-flat" as const, textIsVerbatim: true })) };
    const doc = frameworkToOscalCatalog(f, catalog.version);
    expect(oscalSchemaProblems("catalog", doc)).toEqual([]);
    expect(parseOscalCatalog(doc).controls.map((x) => [x.id, x.title])).toEqual([["f-1", "One"], ["f-2", "Two"]]);
  });
  it("refuses a file that is not valid against the schema, naming where", () => {
    const bad = small([{ id: "1 bad id", title: "x" }]);
    const p = problemsOf(bad);
    expect(p.join(" ")).toMatch(/OSCAL 1\.0\.6 catalog schema: \/catalog\/groups\/0\/controls\/0\/id/);
    expect(problemsOf({ foo: 1 })).toEqual(['the file is not an OSCAL catalog: it has no top-level "catalog" object']);
    expect(problemsOf(null)[0]).toMatch(/not an OSCAL catalog/);
  });
  it("refuses 50,000 controls before the schema check walks them", () => {
    // Only the count is reported: the schema check (which would also flag the bad id below) never ran.
    const many = small([...Array.from({ length: 50_000 }, (_, i) => ({ id: `c-${i}`, title: `Control ${i}` })), { id: "1 bad id", title: "x" }]);
    expect(problemsOf(many)).toEqual([`the catalog has more than ${MAX_CATALOG_CONTROLS} controls (the limit per catalog)`]);
  });
  it("refuses duplicate control ids (OSCAL ids and labels)", () => {
    expect(problemsOf(small([{ id: "a-1", title: "A" }, { id: "a-1", title: "B" }]))).toContain('the control id "a-1" appears more than once');
    expect(problemsOf(small([{ id: "a-1", title: "A", props: [{ name: "label", value: "X" }] }, { id: "a-2", title: "B", props: [{ name: "label", value: "X" }] }]))).toContain('the control "X" appears more than once');
  });
  it("keeps a script in a title as text (pages and PDFs render it as text, never markup)", () => {
    const c = parseOscalCatalog(small([{ id: "x-1", title: "<script>alert(1)</script>", parts: [{ name: "statement", prose: "<img src=x onerror=alert(1)>" }] }]));
    expect(c.controls[0]!.title).toBe("<script>alert(1)</script>");
    expect(c.controls[0]!.text).toBe("<img src=x onerror=alert(1)>");
  });
  it("refuses nesting deeper than the limit", () => {
    let node: Record<string, unknown> = { id: "leaf", title: "Leaf" };
    for (let i = 0; i < 12; i++) node = { id: `c-${i}`, title: `C ${i}`, controls: [node] };
    expect(problemsOf(small([node]))[0]).toMatch(/nest more than/);
  });
});

describe("importing a catalog: structure attacks", () => {
  it("refuses JSON nested thousands of levels deep, and control characters, naming the field", () => {
    let deep: unknown = "x";
    for (let i = 0; i < 5000; i++) deep = [deep];
    const doc = small([{ id: "a-1", title: "A" }]) as { catalog: Record<string, unknown> };
    expect(problemsOf({ catalog: { ...doc.catalog, "back-matter": deep } })[0]).toMatch(/nests more than 64 levels/);
    expect(problemsOf(small([{ id: "a-1", title: "bell\u0007" }]))[0]).toMatch(/catalog\.groups\.0\.controls\.0\.title contains the control character/);
  });
});
