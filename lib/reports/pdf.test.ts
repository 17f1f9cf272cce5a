import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { sha256Hex } from "../audit/chain";
import { renderReportPdf } from "./pdf";
import { snapshotSha256 } from "./hash";
import { sampleSnapshot } from "./sample";
import { pct } from "./format";
import { ReportSnapshotSchema, type ReportSnapshot } from "./schemas";
import { pdfText } from "./test-helpers";

// The renderer is a pure function of the snapshot: same snapshot, same bytes. The text of the PDF is
// read back with poppler's pdftotext, as an auditor's tools would.


/** Every key used anywhere in a value, reversed: a replacer list that rebuilds objects in another key order. */
function collectKeys(v: unknown, out = new Set<string>()): string[] {
  if (Array.isArray(v)) v.forEach((x) => collectKeys(x, out));
  else if (v && typeof v === "object") for (const [k, x] of Object.entries(v)) { out.add(k); collectKeys(x, out); }
  return [...out].reverse();
}

const snapshot = ReportSnapshotSchema.parse(sampleSnapshot({ models: 2, evaluationsPerModel: 2 }));
const approved = { status: "approved" as const, approvedBy: "Zoë Ødegård <reviewer@demo.bulwark.local>", approvedAt: "2026-11-27T08:15:00.000Z", draftPdfSha256: "ab".repeat(32) };

describe("renderReportPdf", () => {
  it("renders the same snapshot to byte-identical PDF, draft and approved alike", { timeout: 60_000 }, async () => {
    const a = await renderReportPdf(snapshot, { status: "draft" });
    // the same content with its keys in another order (as read back from storage) renders the same bytes
    const reordered = JSON.parse(JSON.stringify(snapshot, Object.keys(snapshot).reverse().concat(...collectKeys(snapshot))));
    const b = await renderReportPdf(reordered, { status: "draft" });
    expect(sha256Hex(a)).toBe(sha256Hex(b));
    expect(Buffer.compare(a, b)).toBe(0);
    const c = await renderReportPdf(snapshot, approved);
    const d = await renderReportPdf(snapshot, approved);
    expect(Buffer.compare(c, d)).toBe(0);
    expect(sha256Hex(c)).not.toBe(sha256Hex(a));
    // fixed dates from the snapshot, never the clock
    const info = (pdf: Buffer) => execFileSync("pdfinfo", ["-isodates", "-"], { input: pdf }).toString();
    expect(info(a)).toMatch(/CreationDate:\s+2026-11-26T10:00:00Z/);
    expect(info(c)).toMatch(/ModDate:\s+2026-11-27T08:15:00Z/);
  });

  it("a different snapshot renders to a different file and hash", { timeout: 60_000 }, async () => {
    const changed: ReportSnapshot = structuredClone(snapshot);
    changed.evaluations[0]!.cleanAccuracy = 0.5;
    expect(snapshotSha256(changed)).not.toBe(snapshotSha256(snapshot));
    expect(sha256Hex(await renderReportPdf(changed, { status: "draft" }))).not.toBe(sha256Hex(await renderReportPdf(snapshot, { status: "draft" })));
  });

  it("says in words what the checks judge, and puts a preprocessing-mismatch warning above that evaluation's figures", { timeout: 60_000 }, async () => {
    const flagged: ReportSnapshot = structuredClone(snapshot);
    const e = flagged.evaluations[0]!;
    e.reliability = { verdict: "unreliable", reasons: ["Clean accuracy is clearly above chance and matches the model card: Clean accuracy 17.6% …"], checks: [...(e.reliability?.checks ?? []), { id: "clean-accuracy", title: "Clean accuracy is clearly above chance and matches the model card", status: "fail", explanation: "Clean accuracy 17.6% (88 of 500) is far below the 98.0% the model card states." }] };
    const text = pdfText(await renderReportPdf(flagged, { status: "draft" })).replace(/\s+/g, " ");
    expect(text).toContain("Likely preprocessing mismatch: these figures are not a robustness result. Clean accuracy 17.6% (88 of 500) is far below the 98.0% the model card states.");
    expect(text).toContain("Evaluation checks failed");
    expect(text).toContain("not whether the model is robust");
    // the warning stands before that evaluation's attack table, not somewhere after it
    const at = text.indexOf(`Evaluation #${e.number} — `);
    expect(text.indexOf("Likely preprocessing mismatch", at)).toBeLessThan(text.indexOf("Clean vs robust accuracy", at));
    expect(text).not.toMatch(/Verdict: (reliable|questionable|unreliable)/);
  });

  it("has every section, page x of y with the report id and snapshot hash on every page, and the exact metrics", { timeout: 60_000 }, async () => {
    const pdf = await renderReportPdf(snapshot, approved);
    const text = pdfText(pdf);
    const pages = text.split("\f").filter((p) => p.trim());
    const hash = snapshotSha256(snapshot);
    for (const s of ["Contents", "1 Executive summary", "Posture per framework", "Key risks", "What changed since the last report", "2 Methodology", "Threat model", "Evaluation checks", "Sample sizes and confidence intervals",
      "3 Models and their evaluations", "Model card", "Provenance and digests", "Clean vs robust accuracy", "Accuracy vs ε (L∞)", "Per class", "Adversarial examples", "Regression against the previous evaluation",
      "4 Control status per framework", "5 Attestations", "6 Regression alerts", "7 Sign-off", "APPROVED", "Appendix A: Attack suites", "Appendix B: Engine, backends and seeds", "Appendix C: Datasets, licences and provenance", "Appendix D: Versions and integrity"]) {
      expect(text, s).toContain(s);
    }
    pages.forEach((p, i) => {
      expect(p).toContain(`Page ${i + 1} of ${pages.length}`);
      expect(p).toContain(`Report ${snapshot.report.id}`);
      expect(p).toContain(`Snapshot SHA-256 ${hash}`);
    });
    for (const e of snapshot.evaluations) {
      expect(text).toContain(`${e.cleanCorrect}/${e.samples}`);
      expect(text).toContain(pct(e.cleanAccuracy));
      for (const w of e.worstCase) expect(text).toContain(`${w.robust}/${e.samples} robust`);
      expect(text.replace(/\s+/g, " ")).toContain(`Breaks re-verified: ${e.replay!.replayed} replayed through the model on the reference`);
    }
    expect(text.replace(/\s+/g, " ")).toContain("0 did not reproduce (expected 0)");
    expect(text).toContain("Approved by Zoë Ødegård <reviewer@demo.bulwark.local>");
    expect(text).toContain(approved.draftPdfSha256);
  });

  it("shows where each model runs, on whose decision and gate verdict, and what monitoring has seen", { timeout: 60_000 }, async () => {
    const text = pdfText(await renderReportPdf(snapshot, { status: "draft" })).replace(/\s+/g, " ");
    const [first, second] = snapshot.models;
    const prod = first!.operations!.environments[1]!;
    expect(text).toContain("Deployment and monitoring");
    expect(text).toContain("Promoted by engineer@demo.bulwark.local, 2026-11-20 09:30 UTC; the release gate passed");
    expect(text).toContain(`gate failed, reviewer override: ${prod.overrideReason}`);
    expect(text).toContain(`${prod.evidenceSha256.slice(0, 12)}…`);
    expect(text).toContain("17 batches, last 2026-11-26 09:45 UTC");
    expect(text).toContain("warning input drift (acknowledged): Input drift: PSI 0.31");
    expect(text).toContain(`No environment runs ${second!.name} through Bulwark's release gate`);
  });

  it("embeds a font that renders Latin, Greek and Cyrillic names (from the npm package, subsetted)", { timeout: 60_000 }, async () => {
    const pdf = await renderReportPdf(snapshot, { status: "draft" });
    const text = pdfText(pdf);
    for (const name of ["Zoë Ødegård", "Łukasz Żółkiewski", "Дмитрий Иванов", "Ελληνικά", "Русский"]) expect(text).toContain(name);
    const fonts = execFileSync("pdffonts", ["-"], { input: pdf }).toString();
    expect(fonts).toMatch(/DejaVuSansCondensed\s+CID TrueType\s+Identity-H\s+yes yes yes/);
    expect(fonts).not.toMatch(/Helvetica/);
    const draftText = text.split("\f")[0]!;
    expect(draftText).toContain("DRAFT");
  });

  it("breaks long tables across pages and repeats their header", { timeout: 60_000 }, async () => {
    const text = pdfText(await renderReportPdf(snapshot, { status: "draft" }));
    const pages = text.split("\f");
    const controlPages = pages.filter((p) => /GOVERN|MEASURE|MANAGE|MAP \d/.test(p) && p.includes("Evidence") && !p.includes("Contents"));
    expect(controlPages.length).toBeGreaterThan(3);
    for (const p of controlPages) expect(p).toMatch(/Control[\s\S]*Title[\s\S]*Model[\s\S]*Status[\s\S]*Reason[\s\S]*Evidence/);
  });
});
