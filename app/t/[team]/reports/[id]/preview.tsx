import Link from "@/app/_components/link";
import type { ReactNode } from "react";
import { Badge, Table, Td, formatDateTime } from "@/app/_components/ui";
import { StatusBadge } from "@/app/_components/compliance-ui";
import type { ReportSnapshot } from "@/lib/reports";
import { pct } from "@/lib/reports/format";
import { verdictLabel } from "@/lib/engine/verdict-words";

// The draft in the browser: the PDF's sections, read from the same frozen snapshot the PDF was rendered
// from, so a reviewer decides on what they can read here. Long tables start folded.

const norm = (n: "linf" | "l2") => (n === "linf" ? "L∞" : "L2");

function Section({ id, title, children, open = true }: { id: string; title: string; children: ReactNode; open?: boolean }) {
  return (
    <details id={id} open={open} className="group rounded-xl border border-slate-200 bg-white shadow-sm">
      <summary className="cursor-pointer select-none px-5 py-3 text-sm font-semibold text-slate-800 hover:bg-slate-50">{title}</summary>
      <div className="space-y-4 border-t border-slate-100 p-5 text-sm text-slate-700">{children}</div>
    </details>
  );
}

export function ReportPreview({ team, s, snapshotSha256 }: { team: string; s: ReportSnapshot; snapshotSha256: string }) {
  const total = s.posture.reduce((a, p) => a + p.total, 0);
  const failing = s.posture.reduce((a, p) => a + p.counts.failing, 0);
  const satisfied = s.posture.reduce((a, p) => a + p.counts.satisfied, 0);
  const evals = new Map(s.evaluations.map((e) => [e.number, e]));
  // Failing first, as a reviewer reads them; then by control id.
  const order = ["failing", "stale", "partial", "not_assessed", "satisfied"];
  const rank = (st: string) => order.indexOf(st);
  const controls = [...s.controls].sort((a, b) => rank(a.status) - rank(b.status) || a.controlId.localeCompare(b.controlId, undefined, { numeric: true }));
  const evLink = (n: number) => <Link className="text-brand-700 hover:underline" href={`/t/${team}/evaluations/${n}`}>#{n}</Link>;
  return (
    <div className="space-y-3" data-testid="report-preview">
      <Section id="preview-summary" title="1 Executive summary">
        <p>
          This report freezes the robustness evidence and control posture of {s.team.name} on {formatDateTime(new Date(s.report.generatedAt))}. It covers {s.models.length} model{s.models.length === 1 ? "" : "s"},{" "}
          {s.evaluations.length} evaluation{s.evaluations.length === 1 ? "" : "s"} and {total} controls across {s.posture.length} framework{s.posture.length === 1 ? "" : "s"}: {satisfied} satisfied and{" "}
          <strong className={failing ? "text-rose-700" : ""}>{failing} failing</strong>. Catalog {s.versions.catalog}, policy version {s.versions.policy ?? "default"}.
        </p>
        <Table caption="Posture per framework" head={["Framework", "Version", "Satisfied", "Partial", "Failing", "Stale", "Not assessed", "Total"]}>
          {s.posture.map((p) => (
            <tr key={p.framework}>
              <Td className="font-medium">{p.name}</Td><Td>{p.version}</Td><Td>{p.counts.satisfied}</Td><Td>{p.counts.partial}</Td>
              <Td className={p.counts.failing ? "font-semibold text-rose-700" : ""}>{p.counts.failing}</Td><Td>{p.counts.stale}</Td><Td>{p.counts.not_assessed}</Td><Td>{p.total}</Td>
            </tr>
          ))}
        </Table>
        <h3 className="font-semibold text-slate-800">Key risks</h3>
        {s.keyRisks.length === 0 ? <p>No failing, stale or partly met measured control in scope.</p> : (
          <ul className="list-disc space-y-1 pl-5">{s.keyRisks.map((r, i) => <li key={i}>{r.sentence}</li>)}</ul>
        )}
        {!s.auditChain.intact ? <p className="font-semibold text-rose-700">The team&apos;s audit chain did not verify when this snapshot was taken ({s.auditChain.brokenAt ?? "broken link"}).</p> : null}
        <h3 className="font-semibold text-slate-800">What changed since the last report</h3>
        {s.changes.previous ? (
          <p>
            Compared with R-{s.changes.previous.number} ({s.changes.previous.status.toLowerCase()}): {s.changes.controlChangeCount} control status{s.changes.controlChangeCount === 1 ? "" : "es"} changed;{" "}
            {s.changes.newEvaluations.length ? <>new evaluations {s.changes.newEvaluations.map((n, i) => <span key={n}>{i ? ", " : ""}{evLink(n)}</span>)}</> : "no new evaluation"}.
          </p>
        ) : <p>This is the team&apos;s first report: there is nothing earlier to compare with.</p>}
      </Section>

      <Section id="preview-models" title={`3 Models and their evaluations (${s.models.length})`}>
        {s.models.length === 0 ? <p>No model is in scope.</p> : (
          <Table caption="Models at a glance" head={["Model", "Risk tier", "Newest evaluation", "Clean", "Worst case", "Checks", "Integrity", "Privacy"]}>
            {s.models.map((m) => {
              const e = evals.get(m.evaluationNumbers[0] ?? -1);
              return (
                <tr key={m.versionId}>
                  <Td className="font-medium">{m.label}<div className="font-mono text-[11px] font-normal text-slate-500" title="Manifest SHA-256">{m.manifestDigest.slice(0, 16)}…</div></Td>
                  <Td>{m.tier}</Td>
                  <Td>{e ? <>{evLink(e.number)} <span className="text-xs text-slate-500">{e.finishedAt.slice(0, 10)}</span></> : "none in period"}</Td>
                  <Td>{e ? pct(e.cleanAccuracy) : "—"}</Td>
                  <Td className="text-xs">{e ? e.worstCase.map((w) => `${norm(w.norm)} ${w.eps}: ${pct(w.robustAccuracy)}`).join(" · ") : "—"}</Td>
                  <Td>{e?.reliability ? verdictLabel(e.reliability.verdict) : "—"}</Td>
                  <Td className="text-xs">{m.integrity ? `scan #${m.integrity.number}` : "—"}</Td>
                  <Td className="text-xs">{m.privacy ? `evaluation #${m.privacy.number}` : "—"}</Td>
                </tr>
              );
            })}
          </Table>
        )}
        {s.evaluations.length ? (
          <Table caption="Evaluations in this snapshot" head={["Evaluation", "Model", "Dataset", "Samples", "Clean", "Attacks", "Checks"]}>
            {s.evaluations.map((e) => (
              <tr key={e.id}>
                <Td>{evLink(e.number)}</Td><Td>{e.modelLabel}</Td><Td className="text-xs">{e.dataset.label}</Td><Td>{e.samples}</Td><Td>{pct(e.cleanAccuracy)}</Td>
                <Td className="text-xs">{[...new Set(e.attacks.map((a) => a.attack))].join(", ")}</Td>
                <Td>{e.reliability ? verdictLabel(e.reliability.verdict) : "—"}</Td>
              </tr>
            ))}
          </Table>
        ) : null}
      </Section>

      <Section id="preview-controls" title={`4 Control status (${controls.length} rows)`} open={false}>
        {s.posture.map((p) => (
          <p key={p.framework}><strong>{p.name}</strong>: {p.counts.satisfied} satisfied, {p.counts.partial} partial, {p.counts.failing} failing, {p.counts.stale} stale, {p.counts.not_assessed} not assessed.</p>
        ))}
        <Table caption="Control status per framework, failing first" head={["Control", "Model", "Status", "Reason", "Evidence"]}>
          {controls.map((c, i) => (
            <tr key={`${c.control}-${c.modelId ?? "team"}-${i}`}>
              <Td className="whitespace-nowrap font-medium">{c.controlId}<div className="max-w-[12rem] whitespace-normal text-xs font-normal text-slate-500">{c.title}</div></Td>
              <Td className="text-xs">{c.modelLabel}</Td>
              <Td><StatusBadge status={c.status} /></Td>
              <Td className="max-w-md text-xs">{c.reason}</Td>
              <Td className="max-w-xs text-xs">{c.evidence.length ? c.evidence.map((x) => x.label).join("; ") : "—"}</Td>
            </tr>
          ))}
        </Table>
      </Section>

      <Section id="preview-attestations" title={`5 Attestations (${s.attestations.length})`} open={s.attestations.length > 0 && s.attestations.length <= 10}>
        {s.attestations.length === 0 ? <p>No attestation was recorded for the controls in scope.</p> : (
          <Table caption="Attestations" head={["Control", "Applies to", "Statement", "Attested by", "Expires", "State"]}>
            {s.attestations.map((a) => (
              <tr key={a.id}>
                <Td className="font-medium">{a.controlId}</Td><Td className="text-xs">{a.model ?? "whole team"}</Td><Td className="max-w-md text-xs">{a.statement}</Td>
                <Td className="text-xs">{a.by}</Td><Td className="text-xs">{a.expiresAt.slice(0, 10)}</Td>
                <Td><Badge tone={a.state === "valid" ? "green" : "red"}>{a.state}</Badge></Td>
              </tr>
            ))}
          </Table>
        )}
      </Section>

      <Section id="preview-alerts" title={`6 Regression alerts (${s.alerts.length})`} open={s.alerts.some((a) => !a.acknowledged)}>
        {s.alerts.length === 0 ? <p>No regression alert was raised for the models in scope in the period.</p> : (
          <Table caption="Regression alerts" head={["Model", "Evaluation", "Summary", "Acknowledged"]}>
            {s.alerts.map((a) => (
              <tr key={a.id}>
                <Td>{a.modelLabel}</Td><Td>{a.evaluationNumber ? evLink(a.evaluationNumber) : "—"}</Td><Td className="max-w-md text-xs">{a.summary}</Td>
                <Td className="text-xs">{a.acknowledged ? `${a.acknowledgedBy}: ${a.note ?? ""}` : <Badge tone="red">open</Badge>}</Td>
              </tr>
            ))}
          </Table>
        )}
      </Section>

      <Section id="preview-signoff" title="7 Sign-off and integrity" open={false}>
        <dl className="grid grid-cols-1 gap-x-6 gap-y-2 sm:grid-cols-[11rem_1fr]">
          <dt className="font-medium text-slate-500">Generated by</dt><dd>{s.report.generatedBy.label}, {formatDateTime(new Date(s.report.generatedAt))}</dd>
          <dt className="font-medium text-slate-500">Snapshot SHA-256</dt><dd className="break-all font-mono text-xs">{snapshotSha256}</dd>
          <dt className="font-medium text-slate-500">Versions</dt><dd className="text-xs">app {s.versions.app} · catalog {s.versions.catalog} · renderer {s.versions.renderer}</dd>
          <dt className="font-medium text-slate-500">Audit chain at snapshot</dt><dd className="text-xs">{s.auditChain.intact ? `intact, ${s.auditChain.count} events` : `broken: ${s.auditChain.brokenAt}`}</dd>
        </dl>
        <p className="text-xs text-slate-500">The methodology (section 2) and the appendices (attack suites, engine, datasets and licences) are in the PDF.</p>
      </Section>
    </div>
  );
}
