import { Layout } from "./layout";
import { reportLabel } from "./format";
import { sha256Hex, snapshotText } from "./hash";
import { drawCostOfRobustness } from "./pdf-beyond";
import { type EvaluationSnapshot, type ReportEdition, type ReportSnapshot, ReportSnapshotSchema } from "./schemas";
import { alertsSection, appendix, attestationsSection, controlsSection, signOff } from "./pdf-controls";
import { contents, cover, furniture } from "./pdf-cover";
import { modelSection } from "./pdf-models";
import { executiveSummary, methodology } from "./pdf-summary";

// Snapshot -> PDF. A pure function of its arguments: no database, no clock, no randomness, so the same
// snapshot (and edition) always renders to the same bytes. The approved edition adds the sign-off.

export async function renderReportPdf(input: ReportSnapshot, edition: ReportEdition): Promise<Buffer> {
  // Render from the canonical form (keys sorted at every level), exactly what is stored and hashed, so
  // the bytes do not depend on the order in which the snapshot's object keys happened to be built.
  const text = snapshotText(input);
  const s = ReportSnapshotSchema.parse(JSON.parse(text));
  const hash = sha256Hex(text);
  const approved = edition.status === "approved";
  const rid = reportLabel(s.report.number);
  const L = new Layout({
    title: `${s.report.title} (${rid})`,
    subject: `Bulwark audit report ${rid} of ${s.team.name}: snapshot sha256 ${hash}`,
    author: s.team.name,
    keywords: `bulwark, audit report, ${s.scope.frameworks.join(", ")}, ${approved ? "approved" : "draft"}`,
    created: new Date(s.report.generatedAt),
    modified: new Date(approved ? edition.approvedAt : s.report.generatedAt),
  });
  const evals = new Map(s.evaluations.map((e) => [e.number, e]));

  cover(L, s, hash, edition);
  L.newPage(); // the contents page, filled in once every section's page is known
  const contentsPage = L.pageNumber - 1;

  executiveSummary(L, s);
  methodology(L, s);
  L.heading("3 Models and their evaluations");
  L.text(s.models.length === 0
    ? "No model is in the scope of this report."
    : `${s.models.length} model${s.models.length === 1 ? "" : "s"} in scope. For each: the model card, provenance and digests, and every evaluation of the period in detail (newest first).`);
  s.models.forEach((m, i) => modelSection(L, m, i + 1, m.evaluationNumbers.map((n) => evals.get(n)).filter((e): e is EvaluationSnapshot => !!e)));
  drawCostOfRobustness(L, s.costOfRobustness, `3.${s.models.length + 1}`);
  controlsSection(L, s);
  attestationsSection(L, s);
  alertsSection(L, s);
  signOff(L, s, hash, edition);
  appendix(L, s, hash);

  contents(L, contentsPage);
  furniture(L, s, hash, rid, approved);

  const doc = L.doc;
  const chunks: Buffer[] = [];
  doc.on("data", (c: Buffer) => chunks.push(c));
  const done = new Promise<void>((resolve, reject) => {
    doc.on("end", () => resolve());
    doc.on("error", reject);
  });
  doc.end();
  await done;
  return Buffer.concat(chunks);
}
