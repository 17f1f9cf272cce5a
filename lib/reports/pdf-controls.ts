import { COLORS, type Layout } from "./layout";
import { fmtDate, fmtDateTime } from "./format";
import { pushUnique, statusCell } from "./pdf-common";
import type { EvaluationSnapshot, ReportEdition, ReportSnapshot } from "./schemas";

// Sections 4 to 7 and the appendices of the audit report: control status, attestations, alerts,
// the sign-off, and the suites, backends, datasets and versions behind the evidence.

// ---- 4 Controls, 5 Attestations, 6 Alerts -----------------------------------------------------------

export function controlsSection(L: Layout, s: ReportSnapshot) {
  L.heading("4 Control status per framework");
  L.text("One row per control and model. The status follows the rules in docs/compliance.md: fresh direct evidence that fails → failing; evidence older than the policy allows → stale; all direct evidence passing (and a valid attestation where one is needed) → satisfied; some evidence → partial; none → not assessed. Evidence references name the exact records (evaluation numbers, SHA-256 digests, attestations) the status rests on.", { size: 8.5, color: COLORS.muted });
  for (const p of s.posture) {
    const rows = s.controls.filter((c) => c.framework === p.framework);
    L.heading(`${p.name} (${p.version})`, 2);
    L.text(`${p.counts.satisfied} satisfied, ${p.counts.partial} partial, ${p.counts.failing} failing, ${p.counts.stale} stale, ${p.counts.not_assessed} not assessed (team roll-up of ${p.total} controls).`, { size: 9 });
    L.table(
      [{ header: "Control", width: 1.15 }, { header: "Title", width: 1.9 }, { header: "Model", width: 1 }, { header: "Status", width: 0.85 }, { header: "Reason", width: 3 }, { header: "Evidence", width: 2.1 }],
      rows.map((c) => [
        { text: c.controlId, bold: true },
        c.title,
        c.modelLabel,
        statusCell(c.status),
        c.reason,
        c.evidence.length ? c.evidence.map((x) => (x.digest && !x.label.includes("sha256") ? `${x.label} (sha256 ${x.digest.slice(0, 12)}…)` : x.label)).join("; ") : "—",
      ]),
      { size: 7 },
    );
  }
}

export function attestationsSection(L: Layout, s: ReportSnapshot) {
  L.heading("5 Attestations");
  L.text("Statements by reviewers for controls that no measurement can show: who attested what, for which model or the whole team, and until when. Revoked and expired attestations are listed but do not count.", { size: 9 });
  if (s.attestations.length === 0) {
    L.text("No attestation was recorded for the controls in scope.");
    return;
  }
  L.table(
    [{ header: "Control", width: 1.2 }, { header: "Applies to", width: 1 }, { header: "Statement", width: 2.6 }, { header: "Attested by", width: 1.5 }, { header: "On", width: 0.95 }, { header: "Expires", width: 0.95 }, { header: "State", width: 0.7 }, { header: "Files", width: 1.5 }],
    s.attestations.map((a) => [
      { text: a.controlId, bold: true }, a.model ?? "whole team", a.statement + (a.revokeReason ? ` (revoked by ${a.revokedBy}: ${a.revokeReason})` : ""), a.by, fmtDate(a.attestedAt), fmtDate(a.expiresAt),
      { text: a.state, bold: true, color: a.state === "valid" ? COLORS.satisfied : COLORS.failing },
      a.files.map((f) => `${f.name} [${f.sha256.slice(0, 12)}…]`).join("; ") || "—",
    ]),
    { size: 7.5 },
  );
}

export function alertsSection(L: Layout, s: ReportSnapshot) {
  L.heading("6 Regression alerts", 1, { samePage: true });
  if (s.alerts.length === 0) {
    L.text("No regression alert was raised for the models in scope in the period.");
    return;
  }
  L.table(
    [{ header: "Model", width: 1.2 }, { header: "Evaluation", width: 0.9 }, { header: "Raised", width: 0.9 }, { header: "Summary", width: 4 }, { header: "Acknowledged", width: 2 }],
    s.alerts.map((a) => [a.modelLabel, a.evaluationNumber ? `#${a.evaluationNumber} vs #${a.previousNumber ?? "?"}` : "—", fmtDate(a.createdAt), a.summary, a.acknowledged ? `${a.acknowledgedBy}: ${a.note ?? ""}` : { text: "open", color: COLORS.failing, bold: true }]),
    { size: 7.5 },
  );
}

// ---- 7 Sign-off, appendix ------------------------------------------------------------------------------

export function signOff(L: Layout, s: ReportSnapshot, hash: string, edition: ReportEdition) {
  L.heading("7 Sign-off");
  const d = L.doc;
  if (edition.status === "approved") {
    L.text("A compliance reviewer approved this report in Bulwark. The approval binds the snapshot hash and the hash of the draft it approved, and is recorded in the team's hash-chained audit log (event report.approve) together with the SHA-256 of this approved edition.", { size: 10 });
    L.gap(6);
    const top = L.y;
    L.y = top + 12;
    L.font("bold", 14, COLORS.satisfied);
    d.text("APPROVED", L.left + 14, L.y);
    L.y += 26;
    L.keyValues([
      ["Approved by", edition.approvedBy],
      ["Approved at", fmtDateTime(edition.approvedAt)],
      ...(edition.comment ? [["Comment", edition.comment] as [string, string]] : []),
      ["Snapshot SHA-256", hash],
      ["Draft PDF SHA-256", edition.draftPdfSha256],
      ["Generated by", `${s.report.generatedBy.label} on ${fmtDateTime(s.report.generatedAt)}`],
    ], { labelWidth: 120 });
    d.rect(L.left - 8, top, L.width + 16, L.y - top + 4).lineWidth(1.2).strokeColor(COLORS.satisfied).stroke();
    L.y += 18;
  } else {
    L.text("Not approved. This is the draft edition: a compliance reviewer has not approved it. Approval in Bulwark renders the approved edition of this document, in which this page names the approver and the time, and binds the snapshot hash and this draft's hash; both editions' SHA-256 are recorded by Bulwark.", { size: 10 });
    L.gap(10);
    L.keyValues([["Approved by", "—"], ["Approved at", "—"], ["Snapshot SHA-256", hash]], { labelWidth: 120 });
  }
  L.heading("How to verify this document", 2);
  L.bullets([
    `In Bulwark, open Reports → Verify for team ${s.team.slug} and upload this file, or paste its SHA-256. Bulwark says which report and edition it is, its status, who approved it and when, and whether the team's audit chain is intact.`,
    "Without Bulwark: compute the file's SHA-256 (sha256sum, shasum -a 256, Get-FileHash) and compare it with the hash recorded in the team's audit log.",
    "The snapshot SHA-256 printed on every page identifies the frozen evidence; it is the same in the draft and the approved edition.",
  ]);
}

/** JSON, one line per small object or list of plain values, indented otherwise: compact yet readable. */
export function compactJson(v: unknown, indent = ""): string {
  const flat = (x: unknown) => x === null || typeof x !== "object" || (Array.isArray(x) ? x.every((y) => y === null || typeof y !== "object") : Object.values(x as object).every((y) => y === null || typeof y !== "object" || (Array.isArray(y) && y.every((z) => typeof z !== "object"))));
  if (flat(v)) return JSON.stringify(v);
  const inner = indent + "  ";
  if (Array.isArray(v)) return `[\n${v.map((x) => inner + compactJson(x, inner)).join(",\n")}\n${indent}]`;
  return `{\n${Object.entries(v as object).map(([k, x]) => `${inner}${JSON.stringify(k)}: ${compactJson(x, inner)}`).join(",\n")}\n${indent}}`;
}

export function appendix(L: Layout, s: ReportSnapshot, hash: string) {
  L.heading("Appendix A: Attack suites");
  for (const e of s.evaluations) {
    L.heading(`Evaluation #${e.number} (${e.modelLabel})`, 3);
    L.text(compactJson(e.suite), { font: "mono", size: 6.5, color: COLORS.ink, lineGap: 0.5 });
  }
  L.heading("Appendix B: Engine, backends and seeds");
  L.table(
    [{ header: "Evaluation", width: 0.8 }, { header: "Backend", width: 0.9 }, { header: "TF.js", width: 0.7 }, { header: "SIMD / threads", width: 0.9 }, { header: "Kernel patches", width: 1.6 }, { header: "Backends of shards", width: 1.1 }, { header: "Workers", width: 1.8 }, { header: "Shards", width: 0.6, align: "right" }, { header: "Seed", width: 0.6, align: "right" }],
    s.evaluations.map((e) => [
      `#${e.number}`, e.provenance.backend ?? "—", e.provenance.tfjsVersion ?? "—",
      `${e.provenance.simd == null ? "—" : e.provenance.simd ? "yes" : "no"} / ${e.provenance.threads ?? "—"}`,
      e.provenance.kernelPatches.join(", ") || "none", e.provenance.backends.join(", ") || "—", e.provenance.workers.join(", ") || "—",
      String(e.provenance.shards), String(e.seed),
    ]),
    { size: 7 },
  );
  L.heading("Appendix C: Datasets, licences and provenance");
  const datasets = new Map<string, { d: EvaluationSnapshot["dataset"]; use: string[] }>();
  for (const e of s.evaluations) {
    const x = datasets.get(e.dataset.versionId) ?? { d: e.dataset, use: [] };
    pushUnique(x.use, `evaluation #${e.number}`);
    datasets.set(e.dataset.versionId, x);
  }
  for (const m of s.models) {
    if (!m.trainingDataset) continue;
    const x = datasets.get(m.trainingDataset.versionId) ?? { d: m.trainingDataset, use: [] };
    pushUnique(x.use, `training ${m.label}`);
    datasets.set(m.trainingDataset.versionId, x);
  }
  L.table(
    [{ header: "Dataset", width: 1.3 }, { header: "Used for", width: 1.3 }, { header: "Licence", width: 1.1 }, { header: "Personal data", width: 1 }, { header: "Source", width: 1.6 }, { header: "Legal basis", width: 1.1 }, { header: "Tensor SHA-256", width: 1.6, mono: true }],
    [...datasets.values()].map(({ d, use }) => [d.label, use.join(", "), d.licence, d.personalData, d.source || "—", d.legalBasis || "—", d.tensorDigest]),
    { size: 7 },
  );
  L.heading("Appendix D: Versions and integrity");
  L.keyValues([
    ["Snapshot schema", `bulwark.report version ${1}`],
    ["Snapshot SHA-256", hash],
    ["Application", s.versions.app],
    ["Renderer", s.versions.renderer],
    ["Control catalog", s.versions.catalog],
    ["Policy version", String(s.versions.policy ?? "default")],
    ["Audit chain", s.auditChain.intact ? `intact: ${s.auditChain.count} events when the snapshot was taken` : `BROKEN: ${s.auditChain.brokenAt ?? ""}`],
    ["Audit chain head", s.auditChain.head ?? "(empty)"],
  ], { labelWidth: 120 });
}
