import { describe, expect, it } from "vitest";
import { assessableControls, CATALOG_VERSION, frameworkOf, getCatalog } from "./catalog";
import { DEFAULT_CROSSWALK, unknownControls, applyOverrides, EVIDENCE_KINDS, EVIDENCE_KIND_INFO } from "./crosswalk";

const catalog = getCatalog();

describe("catalogs", () => {
  it("NIST AI RMF 1.0: 4 functions, 19 categories, 72 subcategories with their statements", () => {
    const f = frameworkOf(catalog, "nist-ai-rmf");
    expect(f.version).toBe("1.0");
    expect(f.groups.filter((g) => !g.parent)).toHaveLength(4);
    expect(f.groups.filter((g) => g.parent)).toHaveLength(19);
    expect(f.controls).toHaveLength(72);
    const perFunction = Object.fromEntries(["GOVERN", "MAP", "MEASURE", "MANAGE"].map((fn) => [fn, f.controls.filter((c) => c.topGroup === fn).length]));
    expect(perFunction).toEqual({ GOVERN: 19, MAP: 18, MEASURE: 22, MANAGE: 13 });
    const perCategory: Record<string, number> = {};
    for (const c of f.controls) perCategory[c.group] = (perCategory[c.group] ?? 0) + 1;
    expect(perCategory).toEqual({
      "GOVERN 1": 7, "GOVERN 2": 3, "GOVERN 3": 2, "GOVERN 4": 3, "GOVERN 5": 2, "GOVERN 6": 2,
      "MAP 1": 6, "MAP 2": 3, "MAP 3": 5, "MAP 4": 2, "MAP 5": 2,
      "MEASURE 1": 3, "MEASURE 2": 13, "MEASURE 3": 3, "MEASURE 4": 3,
      "MANAGE 1": 4, "MANAGE 2": 4, "MANAGE 3": 2, "MANAGE 4": 3,
    });
    for (const c of f.controls) {
      expect(c.text.length).toBeGreaterThan(30);
      expect(c.textIsVerbatim).toBe(true);
    }
    expect(catalog.byKey.get("nist-ai-rmf:MEASURE 2.7")?.text).toBe("AI system security and resilience – as identified in the MAP function – are evaluated and documented.");
  });

  it("ISO/IEC 42001 Annex A is complete: 9 groups, 38 controls, each with a title and a description", () => {
    const f = frameworkOf(catalog, "iso-42001");
    expect(f.groups.filter((g) => !g.parent).map((g) => g.id)).toEqual(["A.2", "A.3", "A.4", "A.5", "A.6", "A.7", "A.8", "A.9", "A.10"]);
    expect(f.controls).toHaveLength(38);
    const perGroup: Record<string, number> = {};
    for (const c of f.controls) perGroup[c.topGroup] = (perGroup[c.topGroup] ?? 0) + 1;
    expect(perGroup).toEqual({ "A.2": 3, "A.3": 2, "A.4": 5, "A.5": 4, "A.6": 9, "A.7": 5, "A.8": 4, "A.9": 3, "A.10": 3 });
    for (const c of f.controls) {
      expect(c.title).not.toBe("");
      expect(c.text.length).toBeGreaterThan(20);
    }
    expect(catalog.byKey.get("iso-42001:A.6.2.4")?.title).toBe("AI system verification and validation");
    expect(catalog.byKey.get("iso-42001:A.6.1.2")?.group).toBe("A.6.1");
  });

  it("EU AI Act Article 15 has five paragraphs; 15(2) is a Commission duty and never assessed", () => {
    const f = frameworkOf(catalog, "eu-ai-act");
    expect(f.controls.filter((c) => c.group === "Art. 15").map((c) => c.id)).toEqual(["Art. 15(1)", "Art. 15(2)", "Art. 15(3)", "Art. 15(4)", "Art. 15(5)"]);
    expect(catalog.byKey.get("eu-ai-act:Art. 15(2)")?.kind).toBe("reference");
  });

  it("ISO/IEC 23894 process steps, ISO/IEC 24029 items and MITRE ATLAS tags are present", () => {
    expect(frameworkOf(catalog, "iso-23894").controls.map((c) => c.id)).toEqual(expect.arrayContaining(["6.2", "6.3.4", "6.4.2", "6.4.3", "6.4.4", "6.5", "6.6", "6.7"]));
    expect(frameworkOf(catalog, "iso-24029").controls.every((c) => c.kind === "reference")).toBe(true);
    const atlas = frameworkOf(catalog, "mitre-atlas");
    expect(atlas.controls.filter((c) => c.kind === "threat")).toHaveLength(21);
    expect(atlas.controls.filter((c) => c.kind === "control")).toHaveLength(10);
    expect(catalog.byKey.get("mitre-atlas:AML.T0024.000")?.title).toBe("Infer Training Data Membership");
  });

  it("has a version recorded with statuses and unique keys", () => {
    expect(catalog.version).toBe(CATALOG_VERSION);
    expect(new Set(catalog.frameworks.flatMap((f) => f.controls.map((c) => c.key))).size).toBe(catalog.byKey.size);
    expect(assessableControls(catalog, "nist-ai-rmf")).toHaveLength(72);
  });
});

describe("default crosswalk", () => {
  it("only names controls that exist in the catalogs", () => {
    expect(unknownControls(DEFAULT_CROSSWALK, catalog)).toEqual([]);
  });

  it("follows the suggested crosswalk: E1 is direct for MEASURE 2.7 and A.6.2.4, every EU mapping is supporting, Art. 15(2) is never mapped", () => {
    const row = (ev: string, control: string) => DEFAULT_CROSSWALK.find((e) => e.evidence === ev && e.control === control);
    expect(row("E1", "nist-ai-rmf:MEASURE 2.7")?.mark).toBe("direct");
    expect(row("E1", "iso-42001:A.6.2.4")?.mark).toBe("direct");
    expect(row("E2", "nist-ai-rmf:MEASURE 2.13")?.mark).toBe("direct");
    expect(row("E1", "mitre-atlas:AML.T0043")?.mark).toBe("threat");
    expect(DEFAULT_CROSSWALK.filter((e) => e.control.startsWith("eu-ai-act:")).every((e) => e.mark === "supporting")).toBe(true);
    expect(DEFAULT_CROSSWALK.some((e) => e.control === "eu-ai-act:Art. 15(2)")).toBe(false);
    // Bulwark's audit log is not the AI system's event log.
    expect(DEFAULT_CROSSWALK.some((e) => e.control === "iso-42001:A.6.2.8" || e.control === "eu-ai-act:Art. 12")).toBe(false);
    // Every GOVERN subcategory can be attested.
    for (const c of frameworkOf(catalog, "nist-ai-rmf").controls.filter((c) => c.topGroup === "GOVERN")) {
      expect(row("E12", c.key), c.key).toBeDefined();
    }
    expect(EVIDENCE_KINDS.every((k) => EVIDENCE_KIND_INFO[k].title.length > 0)).toBe(true);
  });

  it("team overrides add, change and remove rows", () => {
    const cw = applyOverrides(DEFAULT_CROSSWALK, [
      { evidence: "E1", control: "nist-ai-rmf:MEASURE 2.6", action: "set", mark: "direct", reason: "our safety metric is robust accuracy" },
      { evidence: "E1", control: "nist-ai-rmf:MEASURE 2.7", action: "remove", reason: "x" },
    ]);
    expect(cw.find((e) => e.evidence === "E1" && e.control === "nist-ai-rmf:MEASURE 2.6")).toMatchObject({ mark: "direct", origin: "team" });
    expect(cw.find((e) => e.evidence === "E1" && e.control === "nist-ai-rmf:MEASURE 2.7")).toBeUndefined();
    expect(cw.length).toBe(DEFAULT_CROSSWALK.length - 1);
  });
});
