import { lineChart } from "../charts/line";
import { cleanAccuracyWarning } from "../engine/clean-accuracy";
import { verdictLabel } from "../engine/verdict-words";
import { COLORS, FONTS, Layout, PAGE, type Cell } from "./layout";
import { fmtBytes, fmtDate, fmtDateTime, fmtEps, fmtInterval, normLabel, pct, pp, reportLabel, wilson } from "./format";
import { isImageShape, pixelsToPng } from "./images";
import { sha256Hex, snapshotText } from "./hash";
import { drawBeyond, drawCostOfRobustness } from "./pdf-beyond";
import { drawOperations } from "./pdf-operations";
import { drawIntegrity } from "./pdf-integrity";
import { drawPrivacy } from "./pdf-privacy";
import { ReportSnapshotSchema, type EvaluationSnapshot, type ModelSnapshot, type ReportEdition, type ReportSnapshot } from "./schemas";

// Snapshot -> PDF. A pure function of its arguments: no database, no clock, no randomness, so the same
// snapshot (and edition) always renders to the same bytes. The approved edition adds the sign-off.

const STATUS_TEXT = { satisfied: "Satisfied", partial: "Partial", failing: "Failing", stale: "Stale", not_assessed: "Not assessed" } as const;
type Status = keyof typeof STATUS_TEXT;
const statusCell = (s: Status): Cell => ({ text: STATUS_TEXT[s], color: COLORS[s], bold: true });
const VERDICT_COLOR = { reliable: COLORS.satisfied, questionable: COLORS.partial, unreliable: COLORS.failing } as const;
/** Table cells under an "Evaluation checks" header (lib/engine/verdict-words has the full words). */
const VERDICT_SHORT = { reliable: "passed", questionable: "warnings", unreliable: "failed" } as const;
const ACCESS: Record<string, string> = { "single-step": "white-box", iterative: "white-box", "black-box": "black-box", noise: "baseline (no gradients)" };

const CHECK_MEANING: Record<string, string> = {
  "single-step-vs-iterative": "A one-step attack must not find errors that many-step attacks of the same budget miss; if it does, the iterative attacks are likely stuck (gradient masking).",
  "noise-vs-attacks": "Random noise must never beat optimised attacks; if it does, the gradients mislead the attacks.",
  "black-box-vs-white-box": "A black-box attack (queries only) must not find errors the white-box attacks missed; if it does, the gradients are obfuscated.",
  "monotonic-in-epsilon": "Robust accuracy must not rise when the budget grows; a rise means an attack failed to use its budget.",
  "large-budget": "At half the input range any classifier can be broken; an attack that fails there is broken or the model masks its gradients.",
  "loss-increases": "Iterative attacks must raise the model's loss; a flat loss means they made no progress.",
  "gradients": "Input gradients must be finite and mostly non-zero; zero or non-finite gradients make gradient attacks blind.",
  "clean-accuracy": "The model must classify its clean inputs clearly above chance (95% Wilson interval) and not far below the accuracy its card states; otherwise the inputs likely reach it on the wrong scale (preprocessing mismatch) and its attack figures are not a robustness result.",
};

function pushUnique<T>(list: T[], v: T) {
  if (!list.includes(v)) list.push(v);
}

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

// ---- Cover and page furniture -------------------------------------------------------------------------

function scopeLine(s: ReportSnapshot): string {
  const models = s.scope.models === "all" ? `all models (${s.scope.modelLabels.join(", ") || "none"})` : s.scope.modelLabels.join(", ");
  const period = s.scope.period.from || s.scope.period.to ? `${s.scope.period.from ?? "the beginning"} to ${s.scope.period.to ?? fmtDate(s.report.generatedAt)}` : `all evaluations up to ${fmtDate(s.report.generatedAt)}`;
  return `${models}; frameworks: ${s.posture.map((p) => p.name).join(", ")}; period: ${period}`;
}

function cover(L: Layout, s: ReportSnapshot, hash: string, edition: ReportEdition) {
  L.newPage();
  const d = L.doc;
  d.rect(0, 0, PAGE.width, 300).fill(COLORS.brandDark);
  d.rect(0, 300, PAGE.width, 5).fill(COLORS.brand);
  L.font("bold", 11, "#c7d2fe");
  d.text("BULWARK · AUDIT REPORT", L.left, 96, { width: L.width, characterSpacing: 1.5 });
  L.font("bold", 26, "#ffffff");
  d.text(s.report.title, L.left, 122, { width: L.width - 20 });
  L.font("regular", 13, "#e0e7ff");
  d.text(s.team.name, L.left, d.y + 8, { width: L.width });
  // Status stamp
  const approved = edition.status === "approved";
  const stamp = approved ? "APPROVED" : "DRAFT";
  const color = approved ? COLORS.satisfied : COLORS.partial;
  L.font("bold", 16, color);
  const sw = d.widthOfString(stamp) + 28;
  d.roundedRect(L.right - sw, 330, sw, 32, 4).lineWidth(2).strokeColor(color).stroke();
  d.text(stamp, L.right - sw, 338, { width: sw, align: "center" });

  L.y = 330;
  L.font("bold", 10, COLORS.muted);
  d.text("Report", L.left, L.y);
  L.y = 346;
  L.font("bold", 20, COLORS.ink);
  d.text(reportLabel(s.report.number), L.left, L.y);
  L.y = 390;
  L.keyValues([
    ["Team", `${s.team.name} (${s.team.slug})`],
    ["Scope", scopeLine(s)],
    ["Snapshot taken", fmtDateTime(s.report.generatedAt)],
    ["Generated by", s.report.generatedBy.label],
    ["Report id", s.report.id],
    ["Status", approved ? `Approved by ${edition.approvedBy} on ${fmtDateTime(edition.approvedAt)}` : "Draft — not approved; the approved edition carries a completed sign-off page"],
    ["Policy", `version ${s.versions.policy ?? "default (never saved)"}`],
    ["Catalog", s.versions.catalog],
  ], { labelWidth: 110, size: 10 });
  L.gap(6);
  L.font("bold", 9, COLORS.muted);
  d.text("Snapshot SHA-256", L.left, L.y);
  L.font("mono", 9, COLORS.ink);
  d.text(hash, L.left + 110, L.y);
  L.y += 28;
  d.rect(L.left, L.y, L.width, 74).fill(COLORS.zebra);
  L.font("regular", 8.5, COLORS.text);
  d.text(
    "This document is a frozen snapshot of the team's robustness evidence and control posture at the moment above. Evidence that changes later does not change it. " +
      "To check that a copy is genuine and unchanged, upload it on the team's Reports → Verify page in Bulwark, or compare its SHA-256 (for example `sha256sum report.pdf`) with the hash Bulwark recorded. " +
      "Changing a single byte of the file makes it fail verification.",
    L.left + 10, L.y + 9, { width: L.width - 20, lineGap: 2 },
  );
}

function contents(L: Layout, pageIndex: number) {
  const d = L.doc;
  d.switchToPage(pageIndex);
  L.y = PAGE.top;
  L.font("bold", 17, COLORS.brandDark);
  d.text("Contents", L.left, L.y);
  L.y = d.y + 4;
  d.moveTo(L.left, L.y).lineTo(L.right, L.y).lineWidth(1.2).strokeColor(COLORS.brand).stroke();
  L.y += 14;
  const maxY = PAGE.height - PAGE.bottom - 14;
  const entries = L.contents;
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i]!;
    if (L.y > maxY) {
      L.font("italic", 9, COLORS.muted);
      d.text(`… and ${entries.length - i} more entries (see the document outline)`, L.left, L.y, { lineBreak: false });
      break;
    }
    const indent = e.level === 1 ? 0 : 16;
    L.font(e.level === 1 ? "bold" : "regular", e.level === 1 ? 10.5 : 9.5, e.level === 1 ? COLORS.ink : COLORS.text);
    const title = e.title;
    const w = d.widthOfString(title);
    d.text(title, L.left + indent, L.y, { lineBreak: false, width: L.width - indent - 40 });
    const pageText = String(e.page);
    d.text(pageText, L.right - 40, L.y, { width: 40, align: "right", lineBreak: false });
    const dotsFrom = Math.min(L.left + indent + w + 6, L.right - 60);
    d.moveTo(dotsFrom, L.y + 9).lineTo(L.right - 44, L.y + 9).lineWidth(0.6).dash(1, { space: 2.5 }).strokeColor(COLORS.faint).stroke();
    d.undash();
    L.y += e.level === 1 ? 19 : 15;
  }
}

/** Header and footer on every page (report id, page x of y, snapshot hash) and the DRAFT mark. */
function furniture(L: Layout, s: ReportSnapshot, hash: string, rid: string, approved: boolean) {
  const d = L.doc;
  const { count } = d.bufferedPageRange();
  for (let i = 0; i < count; i++) {
    d.switchToPage(i);
    const saved = d.page.margins;
    d.page.margins = { top: 0, bottom: 0, left: 0, right: 0 };
    if (!approved && i > 0) {
      d.save();
      d.rotate(-35, { origin: [PAGE.width / 2, PAGE.height / 2] });
      d.font(FONTS.bold).fontSize(110).fillColor("#b45309").fillOpacity(0.06);
      d.text("DRAFT", 0, PAGE.height / 2 - 60, { width: PAGE.width, align: "center", lineBreak: false });
      d.restore();
      d.fillOpacity(1);
    }
    const onCover = i === 0;
    const headColor = onCover ? "#c7d2fe" : COLORS.muted;
    d.font(FONTS.regular).fontSize(8).fillColor(headColor);
    d.text(`Bulwark audit report ${rid} · ${s.team.name}`, PAGE.left, 34, { width: 360, lineBreak: false });
    d.font(FONTS.bold).fontSize(8).fillColor(onCover ? "#ffffff" : approved ? COLORS.satisfied : COLORS.partial);
    d.text(approved ? "APPROVED" : "DRAFT", PAGE.width - PAGE.right - 120, 34, { width: 120, align: "right", lineBreak: false });
    if (!onCover) d.moveTo(PAGE.left, 48).lineTo(PAGE.width - PAGE.right, 48).lineWidth(0.5).strokeColor(COLORS.rule).stroke();
    const fy = PAGE.height - 50;
    d.moveTo(PAGE.left, fy).lineTo(PAGE.width - PAGE.right, fy).lineWidth(0.5).strokeColor(COLORS.rule).stroke();
    d.font(FONTS.regular).fontSize(7.5).fillColor(COLORS.muted);
    d.text(`Report ${s.report.id}`, PAGE.left, fy + 7, { width: 200, lineBreak: false });
    d.text(`Page ${i + 1} of ${count}`, PAGE.width - PAGE.right - 120, fy + 7, { width: 120, align: "right", lineBreak: false });
    d.font(FONTS.mono).fontSize(6.5).fillColor(COLORS.muted);
    d.text(`Snapshot SHA-256 ${hash}`, PAGE.left, fy + 20, { width: PAGE.width - PAGE.left - PAGE.right, lineBreak: false });
    d.page.margins = saved;
  }
}

// ---- 1 Executive summary ----------------------------------------------------------------------------------

function headline(e: EvaluationSnapshot) {
  return [...e.worstCase].filter((w) => w.norm === "linf").sort((a, b) => a.eps - b.eps)[0] ?? e.worstCase[0] ?? null;
}

function postureBars(L: Layout, s: ReportSnapshot) {
  const d = L.doc;
  const order: Status[] = ["satisfied", "partial", "stale", "failing", "not_assessed"];
  const labelW = 130;
  const barW = L.width - labelW - 40;
  L.ensure(s.posture.length * 20 + 30);
  for (const p of s.posture) {
    L.font("regular", 8.5, COLORS.ink);
    d.text(p.name, L.left, L.y + 2, { width: labelW - 8, lineBreak: false });
    let x = L.left + labelW;
    for (const st of order) {
      const w = p.total ? (p.counts[st] / p.total) * barW : 0;
      if (w > 0) d.rect(x, L.y, w, 12).fill(COLORS[st]);
      x += w;
    }
    L.font("regular", 8, COLORS.muted);
    d.text(String(p.total), L.left + labelW + barW + 6, L.y + 2, { width: 34, lineBreak: false });
    L.y += 19;
  }
  let x = L.left + labelW;
  for (const st of order) {
    d.rect(x, L.y + 2, 8, 8).fill(COLORS[st]);
    L.font("regular", 7.5, COLORS.text);
    d.text(STATUS_TEXT[st], x + 11, L.y + 2, { lineBreak: false });
    x += d.widthOfString(STATUS_TEXT[st]) + 24;
  }
  L.y += 22;
}

function executiveSummary(L: Layout, s: ReportSnapshot) {
  L.heading("1 Executive summary");
  const failing = s.posture.reduce((a, p) => a + p.counts.failing, 0);
  const satisfied = s.posture.reduce((a, p) => a + p.counts.satisfied, 0);
  const total = s.posture.reduce((a, p) => a + p.total, 0);
  L.text(
    `This report freezes the robustness evidence and control posture of ${s.team.name} on ${fmtDateTime(s.report.generatedAt)}. ` +
      `It covers ${s.models.length} model${s.models.length === 1 ? "" : "s"}, ${s.evaluations.length} evaluation${s.evaluations.length === 1 ? "" : "s"} and ${total} controls across ${s.posture.length} framework${s.posture.length === 1 ? "" : "s"}: ` +
      `${satisfied} satisfied and ${failing} failing (team roll-up over models). Statuses were computed with catalog ${s.versions.catalog} and policy version ${s.versions.policy ?? "default"}.`,
    { size: 10, gapAfter: 8 },
  );
  L.heading("Posture per framework", 2);
  postureBars(L, s);
  L.table(
    [{ header: "Framework", width: 2.4 }, { header: "Version", width: 1.4 }, { header: "Satisfied", width: 1, align: "right" }, { header: "Partial", width: 1, align: "right" }, { header: "Failing", width: 1, align: "right" }, { header: "Stale", width: 0.9, align: "right" }, { header: "Not assessed", width: 1.1, align: "right" }, { header: "Total", width: 0.8, align: "right" }],
    s.posture.map((p) => [p.name, p.version, String(p.counts.satisfied), String(p.counts.partial), { text: String(p.counts.failing), color: p.counts.failing ? COLORS.failing : undefined, bold: p.counts.failing > 0 }, String(p.counts.stale), String(p.counts.not_assessed), String(p.total)]),
    { size: 8.5 },
  );

  L.heading("Models at a glance", 2);
  const evals = new Map(s.evaluations.map((e) => [e.number, e]));
  L.table(
    [{ header: "Model", width: 1.7 }, { header: "Risk tier", width: 0.9 }, { header: "Newest evaluation", width: 1.2 }, { header: "Clean accuracy", width: 1.1, align: "right" }, { header: "Worst-case robust", width: 1.6, align: "right" }, { header: "Evaluation checks", width: 1.1 }, { header: "Open alerts", width: 0.8, align: "right" }],
    s.models.map((m) => {
      const e = evals.get(m.evaluationNumbers[0] ?? -1);
      const h = e ? headline(e) : null;
      const open = s.alerts.filter((a) => a.modelLabel === m.label && !a.acknowledged).length;
      return [
        m.label, m.tier,
        e ? `#${e.number} (${fmtDate(e.finishedAt)})` : "none in period",
        e ? pct(e.cleanAccuracy) : "—",
        h ? `${pct(h.robustAccuracy)} at ${normLabel(h.norm)} ε=${fmtEps(h.eps)}` : "—",
        e?.reliability ? { text: VERDICT_SHORT[e.reliability.verdict], color: VERDICT_COLOR[e.reliability.verdict], bold: true } : "—",
        { text: String(open), color: open ? COLORS.failing : undefined },
      ];
    }),
    { size: 8.5 },
  );

  L.heading("Key risks", 2);
  if (s.keyRisks.length === 0) L.text("No failing, stale or partly met measured control in scope.");
  else L.bullets(s.keyRisks.map((r) => r.sentence));
  if (!s.auditChain.intact) L.text(`Warning: the team's audit chain did not verify when this snapshot was taken (${s.auditChain.brokenAt ?? "broken link"}).`, { color: COLORS.failing, font: "bold" });

  L.heading("What changed since the last report", 2);
  const c = s.changes;
  if (!c.previous) {
    L.text("This is the team's first report: there is nothing earlier to compare with.");
  } else {
    L.text(`Compared with report ${reportLabel(c.previous.number)} (snapshot of ${fmtDateTime(c.previous.generatedAt)}, ${c.previous.status.toLowerCase()}, snapshot SHA-256 ${c.previous.snapshotSha256.slice(0, 16)}…). ` +
      `${c.controlChangeCount} control status${c.controlChangeCount === 1 ? "" : "es"} changed; ${c.newEvaluations.length ? `new evaluations since then: ${c.newEvaluations.map((n) => `#${n}`).join(", ")}` : "no new evaluation since then"}.`);
    L.table(
      [{ header: "Framework", width: 2 }, { header: "Satisfied (before → now)", width: 1.6, align: "right" }, { header: "Failing (before → now)", width: 1.6, align: "right" }, { header: "Not assessed (before → now)", width: 1.8, align: "right" }],
      c.frameworks.map((f) => [f.name, `${f.before?.satisfied ?? "—"} → ${f.after.satisfied}`, `${f.before?.failing ?? "—"} → ${f.after.failing}`, `${f.before?.not_assessed ?? "—"} → ${f.after.not_assessed}`]),
      { size: 8.5 },
    );
    if (c.controls.length) {
      L.table(
        [{ header: "Control", width: 1.3 }, { header: "Model", width: 1.4 }, { header: "Before", width: 1 }, { header: "Now", width: 1 }],
        c.controls.map((x) => [x.controlId, x.modelLabel, x.from ? statusCell(x.from) : "not in scope", statusCell(x.to)]),
        { size: 8, caption: c.controlChangeCount > c.controls.length ? `The first ${c.controls.length} of ${c.controlChangeCount} changes` : "Controls whose status changed" },
      );
    }
  }
}

// ---- 2 Methodology ---------------------------------------------------------------------------------------

interface SuiteAttack { kind?: string; id?: string; norm?: string; steps?: number; restarts?: number; queries?: number; draws?: number; distribution?: string; targets?: number }
interface SuiteJson { name?: string; attacks?: SuiteAttack[]; epsilons?: { linf?: number[]; l2?: number[] }; sanityCheck?: boolean }

function methodology(L: Layout, s: ReportSnapshot) {
  L.heading("2 Methodology");
  L.heading("Threat model", 2);
  L.text(
    "Robustness is measured empirically, by attacking each model with a suite of evasion attacks on a fixed, stratified sample of its evaluation dataset. " +
      "White-box attacks (FGSM, PGD, APGD) see the model's weights and use its input gradients; black-box attacks (Square) only query its predictions; random-noise baselines use neither. " +
      "Each attack may change an input by at most a budget ε measured in a norm: L∞ (largest change of any one input value) or L2 (Euclidean length of the change), in the model's own input range. " +
      "Robust accuracy is the share of all samples that are classified correctly and that no attack broke; the worst case at a budget counts an example as broken when any attack of the suite broke it at that or a smaller budget. " +
      "Attack results are an upper bound on true robust accuracy: a stronger attack may find more errors. They are not a formal proof.",
  );
  const rows: Cell[][] = [];
  const seen = new Map<string, { spec: SuiteAttack; family: string; eps: string[]; evals: number[] }>();
  for (const e of s.evaluations) {
    const suite = (e.suite ?? {}) as SuiteJson;
    for (const a of suite.attacks ?? []) {
      const m = e.attacks.find((x) => x.kind === a.kind && x.norm === (a.norm ?? "linf"));
      const key = `${a.id ?? ""}|${a.kind}|${a.norm}|${a.steps}|${a.restarts}|${a.queries}|${a.draws}|${a.distribution}`;
      const entry = seen.get(key) ?? { spec: a, family: m?.family ?? (a.kind === "fgsm" ? "single-step" : a.kind === "square" ? "black-box" : a.kind === "noise" ? "noise" : "iterative"), eps: [], evals: [] };
      for (const v of suite.epsilons?.[(a.norm ?? "linf") as "linf" | "l2"] ?? []) pushUnique(entry.eps, fmtEps(v));
      pushUnique(entry.evals, e.number);
      seen.set(key, entry);
    }
  }
  for (const { spec, family, eps, evals } of seen.values()) {
    rows.push([
      `${spec.kind}${spec.distribution ? ` (${spec.distribution})` : ""}${spec.targets ? `, ${spec.targets} targets` : ""}`,
      ACCESS[family] ?? family,
      normLabel(spec.norm ?? "linf"),
      eps.join(", "),
      spec.steps != null ? String(spec.steps) : "—",
      spec.restarts != null ? String(spec.restarts) : "—",
      spec.queries != null ? String(spec.queries) : spec.draws != null ? `${spec.draws} draws` : "—",
      evals.map((n) => `#${n}`).join(", "),
    ]);
  }
  L.heading("Attacks, norms and budgets", 2);
  if (rows.length === 0) L.text("No evaluation is in scope.");
  else L.table(
    [{ header: "Attack", width: 1.6 }, { header: "Access", width: 1.3 }, { header: "Norm", width: 0.6 }, { header: "Budgets ε", width: 1.4 }, { header: "Steps", width: 0.6, align: "right" }, { header: "Restarts", width: 0.8, align: "right" }, { header: "Queries", width: 0.9, align: "right" }, { header: "Evaluations", width: 1.2 }],
    rows,
    { size: 8 },
  );
  L.text("Each suite also runs a sanity attack (PGD at half the input range), which must break any classifier; it is reported in the evaluation checks, not in robust accuracy.", { size: 8.5, color: COLORS.muted });

  L.heading("Evaluation checks", 2);
  L.text("Attack results can look robust when the attacks fail rather than the model resists (gradient masking, too few steps, a broken attack), and mean nothing when the model cannot classify its clean inputs (a preprocessing mismatch). Every evaluation runs these checks on its own per-example records: \"Evaluation checks passed\" when all pass, \"warnings\" when one warns, \"failed\" when one fails. They judge whether the evaluation's figures can be trusted, not whether the model is robust. An evaluation whose checks failed never counts as passing evidence for any control.");
  L.table(
    [{ header: "Check", width: 1.6 }, { header: "What it means", width: 4 }],
    Object.entries(CHECK_MEANING).map(([id, meaning]) => [id, meaning]),
    { size: 8 },
  );

  L.heading("Sample sizes and confidence intervals", 2);
  L.text("Accuracies are proportions of the evaluated samples. The 95% interval is the Wilson score interval for that proportion; it reflects sampling error only, not the strength of the attacks.");
  L.table(
    [{ header: "Evaluation", width: 0.95 }, { header: "Model", width: 1.3 }, { header: "Dataset", width: 1.3 }, { header: "Samples", width: 0.8, align: "right" }, { header: "Seed", width: 0.6, align: "right" }, { header: "Clean (95% CI)", width: 1.5, align: "right" }, { header: "Worst-case robust (95% CI)", width: 2.1, align: "right" }],
    s.evaluations.map((e) => {
      const h = headline(e);
      return [
        `#${e.number}`, e.modelLabel, e.dataset.label, String(e.samples), String(e.seed),
        `${pct(e.cleanAccuracy)} (${fmtInterval(wilson(e.cleanCorrect, e.samples))})`,
        h ? `${normLabel(h.norm)} ε=${fmtEps(h.eps)}: ${pct(h.robustAccuracy)} (${fmtInterval(wilson(h.robust, e.samples))})` : "—",
      ];
    }),
    { size: 8 },
  );

  L.heading("Policy applied", 2);
  L.text(`Statuses apply the team's robustness policy version ${s.policy.version ?? "default"}; segregation of duties is ${s.policy.segregationOfDuties ? "required" : "not required"}.`);
  L.table(
    [{ header: "Risk tier", width: 1 }, { header: "Thresholds (worst-case robust)", width: 2 }, { header: "Min. clean", width: 0.9, align: "right" }, { header: "Required suite", width: 2 }, { header: "Evaluation checks", width: 1 }, { header: "Max. age", width: 0.8, align: "right" }],
    s.policy.tiers.map((t) => [
      t.tier,
      t.thresholds.map((x) => `≥ ${pct(x.min, 0)} at ${normLabel(x.norm)} ${fmtEps(x.eps)}`).join("; ") || "none",
      t.minCleanAccuracy == null ? "—" : pct(t.minCleanAccuracy, 0),
      `≥ ${t.minSampleCount} samples, ≥ ${t.minAttacks} attacks${t.requireIterative ? ", an iterative one" : ""}`,
      t.requiredVerdict === "reliable" ? "passed" : "passed or warnings",
      `${t.maxEvidenceAgeDays} d`,
    ]),
    { size: 8 },
  );
}

// ---- 3 Models -----------------------------------------------------------------------------------------------

function datasetLine(d: EvaluationSnapshot["dataset"]) {
  return `${d.label} (${d.split.toLowerCase()}, ${d.sampleCount} samples; tensor sha256 ${d.tensorDigest})`;
}

function modelSection(L: Layout, m: ModelSnapshot, index: number, evals: EvaluationSnapshot[]) {
  if (index > 1) L.newPage();
  L.heading(`3.${index} ${m.label}`, 2);
  L.heading("Model card", 3);
  L.keyValues([
    ["Task", m.card.task],
    ["Input", `shape [${m.card.inputShape.join(", ")}], values ${m.card.inputRange.min}..${m.card.inputRange.max}`],
    ["Classes", `${m.card.classLabels.length}: ${m.card.classLabels.slice(0, 20).join(", ")}${m.card.classLabels.length > 20 ? ", …" : ""}`],
    ["Risk tier", m.tier],
    ["Owner", m.owner],
    ["Intended use", m.card.intendedUse],
    ["Out-of-scope use", m.card.outOfScopeUse],
    ["Known limitations", m.card.knownLimitations],
    ["Training method", m.card.trainingMethod],
    ["Training data", m.trainingDataset ? `${m.trainingDataset.label}; licence ${m.trainingDataset.licence}; personal data: ${m.trainingDataset.personalData}` : "not linked"],
    ["Registered", fmtDateTime(m.registeredAt)],
  ]);
  L.heading("Provenance and digests", 3);
  L.keyValues([["Version id", m.versionId], ["Manifest SHA-256", m.manifestDigest]], { monoValues: true });
  if (m.files.length) {
    L.table([{ header: "File", width: 2 }, { header: "Size", width: 0.8, align: "right" }, { header: "SHA-256", width: 5, mono: true }], m.files.map((f) => [f.path, fmtBytes(f.size), f.sha256]), { size: 7.5 });
  }
  drawOperations(L, m.operations, m.label);
  drawIntegrity(L, m.integrity);
  drawPrivacy(L, m.privacy);
  if (evals.length === 0) {
    L.text("No completed evaluation of this model in the report's period.", { color: COLORS.partial });
    return;
  }
  for (const e of evals) evaluationBlock(L, m, e);
}

function evaluationBlock(L: Layout, m: ModelSnapshot, e: EvaluationSnapshot) {
  L.ensure(220);
  L.gap(6);
  L.font("bold", 11.5, COLORS.brandDark);
  L.doc.text(`Evaluation #${e.number} — ${e.modelLabel}, finished ${fmtDateTime(e.finishedAt)}`, L.left, L.y, { width: L.width });
  L.y = L.doc.y + 6;
  L.keyValues([
    ["Dataset", datasetLine(e.dataset)],
    ["Samples and seed", `${e.samples} samples (stratified by class), seed ${e.seed}, preset ${e.preset}`],
    ["Engine", `${e.provenance.backend ?? "unknown"} backend, TensorFlow.js ${e.provenance.tfjsVersion ?? "?"}, ${e.provenance.shards} shard${e.provenance.shards === 1 ? "" : "s"}`],
    ...(e.threatModel ? [["Threat model", e.threatModel] as [string, string]] : []),
    ["Launched by", `${e.createdBy}${e.scheduled ? " (schedule)" : ""}`],
    ["Model digest", e.modelDigest],
  ], { labelWidth: 110 });

  const mismatch = cleanAccuracyWarning(e.reliability);
  if (mismatch) L.text(`${mismatch.headline}. ${mismatch.explanation}`, { color: mismatch.status === "fail" ? COLORS.failing : COLORS.partial, font: "bold" });

  L.heading("Clean vs robust accuracy", 3);
  const rows: Cell[][] = [[{ text: "Clean (no attack)", bold: true }, "—", "—", "—", { text: pct(e.cleanAccuracy), bold: true }, "—", `${e.cleanCorrect}/${e.samples}`, "—"]];
  for (const a of [...e.attacks].sort((x, y) => x.norm.localeCompare(y.norm) || x.attack.localeCompare(y.attack) || x.eps - y.eps)) {
    rows.push([a.attack, ACCESS[a.family] ?? a.family, normLabel(a.norm), fmtEps(a.eps), pct(a.robustAccuracy), pct(a.successRate), `${a.broken}/${a.attacked}`, a.medianPerturbation == null ? "—" : a.medianPerturbation.toFixed(4)]);
  }
  for (const w of e.worstCase) {
    rows.push([{ text: "Worst case (all attacks)", bold: true }, "—", normLabel(w.norm), fmtEps(w.eps), { text: pct(w.robustAccuracy), bold: true }, "—", `${w.robust}/${e.samples} robust`, "—"]);
  }
  L.table(
    [{ header: "Attack", width: 1.8 }, { header: "Access", width: 1.1 }, { header: "Norm", width: 0.5 }, { header: "ε", width: 0.6, align: "right" }, { header: "Robust accuracy", width: 1, align: "right" }, { header: "Attack success", width: 0.9, align: "right" }, { header: "Broken / attacked", width: 1.1, align: "right" }, { header: "Median perturbation", width: 1, align: "right" }],
    rows,
    { size: 7.5 },
  );

  for (const norm of ["linf", "l2"] as const) {
    const curves = e.curves.filter((c) => c.norm === norm);
    if (curves.length === 0) continue;
    const model = lineChart({
      series: curves.map((c) => ({ name: c.attack === "worst-case" ? "worst case" : c.attack, points: c.points.map((p) => ({ x: p.eps, y: p.robustAccuracy })), dashed: c.attack.startsWith("noise") })),
      xLabel: `ε (${normLabel(norm)})`,
      yLabel: "accuracy",
      width: 560,
      height: 230,
    });
    L.lineChart(model, `Accuracy vs ε (${normLabel(norm)}), evaluation #${e.number}`);
  }

  if (e.perClass.length) {
    const keys = e.worstCase.slice(0, 4).map((w) => ({ key: `${w.norm}:${w.eps}`, label: `${normLabel(w.norm)} ${fmtEps(w.eps)}` }));
    L.heading("Per class", 3);
    L.table(
      [{ header: "Class", width: 1.6 }, { header: "Samples", width: 0.8, align: "right" }, { header: "Clean", width: 0.9, align: "right" }, ...keys.map((k) => ({ header: `Robust ${k.label}`, width: 1, align: "right" as const }))],
      e.perClass.map((c) => [c.label, String(c.count), pct(c.cleanAccuracy), ...keys.map((k) => (c.robustAccuracy[k.key] == null ? "—" : pct(c.robustAccuracy[k.key]!)))]),
      { size: 7.5 },
    );
  }

  const images = e.gallery.filter((g) => isImageShape(g.shape)).slice(0, 4);
  if (images.length) {
    const d = L.doc;
    const cell = L.width / 4;
    const img = 56;
    L.ensure(img + 80);
    L.heading("Adversarial examples", 3);
    const y0 = L.y;
    images.forEach((g, i) => {
      const x = L.left + i * cell;
      d.image(pixelsToPng(g.original, g.shape, e.inputRange), x, y0, { width: img, height: img });
      d.image(pixelsToPng(g.adversarial, g.shape, e.inputRange), x + img + 4, y0, { width: img, height: img });
      d.rect(x, y0, img, img).rect(x + img + 4, y0, img, img).lineWidth(0.4).strokeColor(COLORS.rule).stroke();
      L.font("regular", 7, COLORS.text);
      d.text(`#${g.index}: ${g.label} → ${g.advPred} (${pct(g.advConf, 0)})`, x, y0 + img + 3, { width: cell - 6, lineBreak: false });
      L.font("regular", 6.5, COLORS.muted);
      d.text(`${g.attack}, ${normLabel(g.norm)} ε=${fmtEps(g.eps)}`, x, y0 + img + 13, { width: cell - 6, lineBreak: false });
    });
    L.y = y0 + img + 26;
    L.text("Left: the original input; right: the adversarial input the model misclassifies.", { size: 7.5, color: COLORS.muted });
  }

  drawBeyond(L, e.beyond, e.number);

  L.heading("Evaluation checks", 3);
  if (!e.reliability) L.text("No evaluation checks were recorded.");
  else {
    L.font("bold", 10, VERDICT_COLOR[e.reliability.verdict]);
    L.doc.text(verdictLabel(e.reliability.verdict), L.left, L.y);
    L.y = L.doc.y + 4;
    if (e.replay) {
      const bad = e.replay.notReproduced;
      L.text(`Breaks re-verified: ${e.replay.replayed} replayed through the model on the reference (white-box: the tfjs cpu backend; black-box: the endpoint); ` +
        `${bad.length} did not reproduce (expected 0${bad.length ? `; not counted, and the evaluation is unreliable: ${bad.map((b) => `example ${b.index} (${b.attack}, ${b.norm} ε ${b.eps})`).join(", ")}` : ""}). ` +
        `${e.replay.survivors} examples survived every attack (listed in the evaluation's results).`, { size: 8.5, color: bad.length ? COLORS.failing : COLORS.muted });
    }
    L.table(
      [{ header: "Check", width: 2 }, { header: "Result", width: 0.6 }, { header: "Finding", width: 4.4 }],
      e.reliability.checks.map((c) => [c.title, { text: c.status, bold: true, color: c.status === "pass" ? COLORS.satisfied : c.status === "warn" ? COLORS.partial : COLORS.failing }, c.explanation]),
      { size: 7.5 },
    );
  }

  L.heading("Regression against the previous evaluation", 3);
  const c = e.comparison;
  if (!c) L.text("No earlier completed evaluation of this model with the same dataset version and suite: nothing to compare with.");
  else {
    L.text(`Compared with evaluation #${c.previousNumber}; tolerance ${c.tolerancePp} points. ${c.regressions.length ? `${c.regressions.length} measure(s) dropped beyond the tolerance.` : "No robust-accuracy drop beyond the tolerance."}`,
      { color: c.regressions.length ? COLORS.failing : COLORS.text });
    L.table(
      [{ header: "Measure", width: 2.4 }, { header: `Before (#${c.previousNumber})`, width: 1, align: "right" }, { header: `Now (#${e.number})`, width: 1, align: "right" }, { header: "Change", width: 1, align: "right" }],
      [c.clean, ...c.worstCase].map((d) => {
        const regressed = c.regressions.some((r) => r.label === d.label);
        return [d.label, pct(d.before), pct(d.after), { text: pp(d.delta), color: regressed ? COLORS.failing : undefined, bold: regressed }];
      }),
      { size: 7.5 },
    );
  }
  void m;
}

// ---- 4 Controls, 5 Attestations, 6 Alerts -----------------------------------------------------------

function controlsSection(L: Layout, s: ReportSnapshot) {
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

function attestationsSection(L: Layout, s: ReportSnapshot) {
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

function alertsSection(L: Layout, s: ReportSnapshot) {
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

function signOff(L: Layout, s: ReportSnapshot, hash: string, edition: ReportEdition) {
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

function appendix(L: Layout, s: ReportSnapshot, hash: string) {
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
