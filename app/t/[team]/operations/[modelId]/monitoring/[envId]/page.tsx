import type { Metadata } from "next";
import Link from "@/app/_components/link";
import { notFound } from "next/navigation";
import { teamPage } from "@/app/_lib/team";
import { Badge, Card, EmptyState, PageHeader, Table, TableCard, Td, formatDateTime } from "@/app/_components/ui";
import { can } from "@/lib/auth/permissions";
import { NotFoundError } from "@/lib/errors";
import { lineChart } from "@/lib/charts/line";
import { monitoringView } from "@/lib/operations/monitoring";
import { LineChart } from "@/app/_components/line-chart";
import { AcknowledgeForm } from "./ack-form";

export const metadata: Metadata = { title: "Monitoring" };

const SIGNAL_LABELS: Record<string, string> = { "input-drift": "Input drift", "prediction-shift": "Prediction shift", "confidence-drop": "Confidence drop", "attack-pattern": "Attack pattern" };
const HOUR = 3_600_000;

export default async function MonitoringPage({ params }: { params: Promise<{ team: string; modelId: string; envId: string }> }) {
  const ctx = await teamPage(params);
  const { modelId, envId } = await params;
  const v = await monitoringView(ctx, modelId, envId).catch((e: unknown) => {
    if (e instanceof NotFoundError) notFound();
    throw e;
  });
  const team = ctx.team.slug;
  const t0 = v.batches[0]?.observedAt.getTime() ?? 0;
  const hours = (d: Date) => (d.getTime() - t0) / HOUR;
  const last = v.batches.at(-1);
  const xMax = last ? hours(last.observedAt) : 1;
  const maxPsi = Math.max(0.5, ...v.batches.flatMap((b) => [...b.scores.inputs.map((i) => i.psi), b.scores.predictionPsi ?? 0]));
  const day = (h: number) => (xMax > 48 ? `day ${(h / 24).toFixed(h % 24 === 0 ? 0 : 1)}` : `${Math.round(h)} h`);
  const drift = lineChart({
    xLabel: `time since the first batch (${formatDateTime(v.batches[0]?.observedAt ?? new Date())})`,
    yLabel: "PSI",
    yDomain: [0, Math.ceil(maxPsi * 10) / 10],
    formatX: day,
    formatY: (y) => y.toFixed(2),
    series: [
      { name: "input PSI (largest statistic)", points: v.batches.filter((b) => b.scores.inputs.length).map((b) => ({ x: hours(b.observedAt), y: Math.max(...b.scores.inputs.map((i) => i.psi)) })) },
      { name: "prediction PSI", points: v.batches.filter((b) => b.scores.predictionPsi !== null).map((b) => ({ x: hours(b.observedAt), y: b.scores.predictionPsi! })) },
      { name: `warning (${v.thresholds.psiWarning})`, dashed: true, points: [{ x: 0, y: v.thresholds.psiWarning }, { x: xMax, y: v.thresholds.psiWarning }] },
      { name: `critical (${v.thresholds.psiCritical})`, dashed: true, points: [{ x: 0, y: v.thresholds.psiCritical }, { x: xMax, y: v.thresholds.psiCritical }] },
    ],
  });
  const confidence = lineChart({
    xLabel: "time since the first batch",
    yLabel: "mean confidence",
    yDomain: [0, 1],
    formatX: day,
    series: [
      { name: "mean top-1 confidence", points: v.batches.filter((b) => b.scores.confidence).map((b) => ({ x: hours(b.observedAt), y: b.scores.confidence!.mean })) },
      ...(v.reference ? [{ name: `at evaluation #${v.reference.evaluationNumber}`, dashed: true, points: [{ x: 0, y: v.reference.confidence.mean }, { x: xMax, y: v.reference.confidence.mean }] }] : []),
    ],
  });
  const open = v.alerts.filter((a) => a.resolvedAt === null);
  const closed = v.alerts.filter((a) => a.resolvedAt !== null);
  const ack = can(ctx.role, "alert.acknowledge");
  return (
    <>
      <PageHeader
        title={`${v.model.name} in ${v.environment.name}: monitoring`}
        description={<>Production statistics sent by the serving system, compared with the evaluation dataset{v.reference ? ` (${v.reference.datasetLabel}, evaluation #${v.reference.evaluationNumber})` : ""}. Now running: {v.currentVersion ? `v${v.currentVersion}` : "nothing"}. <Link className="text-brand-700 hover:underline" href={`/t/${team}/operations/${v.model.id}`}>Deployments</Link>. What each choice of data reveals: docs/monitoring.md.</>}
      />
      <div className="space-y-6">
        <Card title={`Open alerts (${open.length})`}>
          {open.length === 0 ? <p className="text-sm text-slate-600">No open alert.</p> : (
            <ul className="space-y-3" aria-label="Open alerts">
              {open.map((a) => (
                <li key={a.id} className="rounded-lg border border-slate-200 p-3" data-testid="open-alert">
                  <p className="text-sm text-slate-900">
                    <Badge tone={a.severity === "critical" ? "red" : "amber"}>{a.severity}</Badge>{" "}
                    <span className="font-medium">{SIGNAL_LABELS[a.signal] ?? a.signal}</span> — {a.summary}
                  </p>
                  <p className="mt-1 text-xs text-slate-500">Opened {formatDateTime(a.openedAt)}, last seen {formatDateTime(a.lastSeenAt)}, {a.batchCount} batch{a.batchCount === 1 ? "" : "es"} over the threshold; resolves after {v.thresholds.resolveAfterBatches} clean batches in a row.</p>
                  {a.acknowledgedAt ? (
                    <p className="mt-1 text-xs text-emerald-800">Acknowledged by {a.acknowledgedByLabel} {formatDateTime(a.acknowledgedAt)}: “{a.acknowledgementNote}”</p>
                  ) : ack ? <AcknowledgeForm team={team} modelId={v.model.id} alertId={a.id} /> : <p className="mt-1 text-xs text-slate-500">Not acknowledged yet (a reviewer acknowledges).</p>}
                </li>
              ))}
            </ul>
          )}
        </Card>

        {v.batches.length === 0 ? (
          <EmptyState title="No production statistics yet">The serving system posts batch summaries to <code>POST /api/v1/monitoring/batches</code> (see docs/monitoring.md and <code>npm run demo:traffic</code>).</EmptyState>
        ) : (
          <>
            <div className="grid grid-cols-1 gap-6 lg:grid-cols-2">
              <Card title="Drift over time"><LineChart model={drift} title="Population stability index per batch" pointTitle={(s, p) => `${s}: ${p.y.toFixed(3)}`} /></Card>
              <Card title="Confidence over time"><LineChart model={confidence} title="Mean top-1 confidence per batch" pointTitle={(s, p) => `${s}: ${(p.y * 100).toFixed(1)}%`} /></Card>
            </div>
            {last ? (
              <Card title={`Latest batch (${formatDateTime(last.observedAt)}, ${last.count} inputs, v${last.version})`}>
                <Table head={["Statistic", "PSI", "KS D", "KS p-value", "Batch mean", "Reference mean"]} caption="Current drift scores">
                  {last.scores.inputs.map((i) => (
                    <tr key={i.name}>
                      <Td className="font-medium">{i.name}</Td>
                      <Td>{i.psi.toFixed(3)} {i.psi >= v.thresholds.psiCritical ? <Badge tone="red">major</Badge> : i.psi >= v.thresholds.psiWarning ? <Badge tone="amber">moderate</Badge> : null}</Td>
                      <Td>{i.ks.toFixed(3)}</Td>
                      <Td>{i.pValue < 1e-4 ? i.pValue.toExponential(1) : i.pValue.toFixed(4)}</Td>
                      <Td>{i.mean.toFixed(3)}</Td>
                      <Td>{v.reference?.features.items.find((f) => f.name === i.name)?.mean.toFixed(3) ?? "—"}</Td>
                    </tr>
                  ))}
                  <tr><Td className="font-medium">predicted classes</Td><Td>{last.scores.predictionPsi?.toFixed(3) ?? "not sent"}</Td><Td>—</Td><Td>—</Td><Td>—</Td><Td>—</Td></tr>
                  <tr><Td className="font-medium">confidence</Td><Td>{last.scores.confidence ? (last.scores.confidence.dropPp >= 0 ? `dropped ${last.scores.confidence.dropPp.toFixed(1)} points` : `rose ${(-last.scores.confidence.dropPp).toFixed(1)} points`) : "not sent"}</Td><Td>—</Td><Td>—</Td><Td>{last.scores.confidence ? `${(last.scores.confidence.mean * 100).toFixed(1)}%` : "—"}</Td><Td>{v.reference ? `${(v.reference.confidence.mean * 100).toFixed(1)}%` : "—"}</Td></tr>
                </Table>
                <p className="mt-2 text-xs text-slate-500">Input drift alerts when a statistic&apos;s PSI reaches {v.thresholds.psiWarning} (critical {v.thresholds.psiCritical}) and its KS p-value is below {v.thresholds.ksPValue}; prediction shift at PSI {v.thresholds.predictionPsiWarning}; confidence drop at {v.thresholds.confidenceDropPp} points. Thresholds come from the team policy.</p>
              </Card>
            ) : null}
          </>
        )}

        <TableCard title="Resolved alerts" head={["Signal", "Severity", "Opened", "Resolved", "Batches", "Acknowledged by"]} rows={closed}>
          {(a) => (
            <tr key={a.id}>
              <Td>{SIGNAL_LABELS[a.signal] ?? a.signal}</Td>
              <Td>{a.severity}</Td>
              <Td className="text-xs">{formatDateTime(a.openedAt)}</Td>
              <Td className="text-xs">{formatDateTime(a.resolvedAt!)}</Td>
              <Td>{a.batchCount}</Td>
              <Td className="text-xs">{a.acknowledgedByLabel ?? "—"}</Td>
            </tr>
          )}
        </TableCard>
      </div>
    </>
  );
}
