import { type Cell, COLORS, type Layout } from "./layout";
import { fmtDate, fmtDateTime, fmtEps, fmtInterval, normLabel, pct, reportLabel, wilson } from "./format";
import { ACCESS, CHECK_MEANING, headline, pushUnique, STATUS_TEXT, statusCell, VERDICT_COLOR, VERDICT_SHORT, type Status } from "./pdf-common";
import type { ReportSnapshot } from "./schemas";

// Sections 1 and 2 of the audit report: the executive summary and the methodology.

// ---- 1 Executive summary ----------------------------------------------------------------------------------

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

export function executiveSummary(L: Layout, s: ReportSnapshot) {
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

export function methodology(L: Layout, s: ReportSnapshot) {
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
