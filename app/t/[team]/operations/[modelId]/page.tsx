import type { Metadata } from "next";
import Link from "@/app/_components/link";
import { notFound } from "next/navigation";
import { teamPage } from "@/app/_lib/team";
import { Badge, Card, EmptyState, PageHeader, Table, TableCard, Td, formatDateTime } from "@/app/_components/ui";
import { can } from "@/lib/auth/permissions";
import { NotFoundError } from "@/lib/errors";
import { modelOperations } from "@/lib/operations/views";
import { OverrideForm, PromoteForm, RollbackButton } from "../forms";

export const metadata: Metadata = { title: "Deployments" };

export default async function ModelOperationsPage({ params }: { params: Promise<{ team: string; modelId: string }> }) {
  const ctx = await teamPage(params);
  const { modelId } = await params;
  const data = await modelOperations(ctx, modelId).catch((e: unknown) => {
    if (e instanceof NotFoundError) notFound();
    throw e;
  });
  const team = ctx.team.slug;
  const envNames = data.environments.map((e) => e.name);
  const failing = data.versions.filter((v) => !v.gate.verdict.pass);
  const label = (v: { version: number; gate: { verdict: { pass: boolean } } }) => `v${v.version} — gate ${v.gate.verdict.pass ? "passes" : "fails"}`;
  return (
    <>
      <PageHeader title={`${data.model.name}: deployments`} description={<>Promotion evaluates the release gate (the same as <code>bulwark gate</code>); a failing gate needs a reviewer&apos;s override. Rollback returns an environment to the last version whose promotion passed the gate. <Link className="text-brand-700 hover:underline" href={`/t/${team}/operations`}>All models</Link></>} />
      <div className="space-y-6">
        {data.environments.length === 0 ? (
          <EmptyState title="No environments yet">An admin creates environments on the Operations page.</EmptyState>
        ) : (
          <Table head={["Environment", "Runs", "Since", "Monitoring", "Rollback"]} caption="Environments">
            {data.environments.map((e) => (
              <tr key={e.id}>
                <Td className="font-medium text-slate-900">{e.name}<span className="block text-xs font-normal text-slate-500">{e.description}</span></Td>
                <Td>{e.current ? <><span className="font-medium" data-testid={`runs-${e.name}`}>v{e.current.version}</span> {e.current.gatePassed ? <Badge tone="green">gate passed</Badge> : <Badge tone="amber">override</Badge>}</> : <span className="text-slate-500">not deployed</span>}</Td>
                <Td className="text-xs">{e.current ? `${e.current.kind === "rollback" ? "rolled back" : "promoted"} ${formatDateTime(e.current.createdAt)} by ${e.current.createdByLabel}` : "—"}</Td>
                <Td>{e.current ? <Link className="text-sm text-brand-700 hover:underline" href={`/t/${team}/operations/${data.model.id}/monitoring/${e.id}`}>Monitoring</Link> : "—"}</Td>
                <Td>
                  {e.current && can(ctx.role, "deployment.rollback") ? (
                    <RollbackButton team={team} modelId={data.model.id} environment={e.name} from={e.current.version} to={e.rollbackTo} />
                  ) : <span className="text-xs text-slate-500">{e.current ? (e.rollbackTo !== null ? `last passing: v${e.rollbackTo}` : "no earlier passing version") : "—"}</span>}
                </Td>
              </tr>
            ))}
          </Table>
        )}

        <Card title="Versions and their gate now">
          {data.versions.length === 0 ? <p className="text-sm text-slate-600">No active version.</p> : (
            <ul className="space-y-3">
              {data.versions.map((v) => (
                <li key={v.id} className="rounded-lg border border-slate-200 p-3">
                  <p className="text-sm font-medium text-slate-900">v{v.version} {v.gate.verdict.pass ? <Badge tone="green">gate passes</Badge> : <Badge tone="red">gate fails</Badge>} <span className="text-xs font-normal text-slate-500">{v.gate.tier}-risk tier · evidence sha256 <code>{v.gate.evidenceHash.slice(0, 16)}…</code></span></p>
                  {!v.gate.verdict.pass ? (
                    <ul className="mt-1 list-disc pl-5 text-xs text-slate-600">
                      {v.gate.verdict.checks.filter((c) => c.outcome === "fail").map((c) => <li key={c.id}><span className="font-medium">{c.label}:</span> {c.detail}</li>)}
                    </ul>
                  ) : null}
                </li>
              ))}
            </ul>
          )}
        </Card>

        {envNames.length > 0 && data.versions.length > 0 && can(ctx.role, "deployment.promote") ? (
          <PromoteForm team={team} modelId={data.model.id} versions={data.versions.map((v) => ({ id: v.id, label: label(v) }))} environments={envNames} />
        ) : null}
        {envNames.length > 0 && failing.length > 0 && can(ctx.role, "deployment.override") ? (
          <OverrideForm team={team} modelId={data.model.id} versions={failing.map((v) => ({ id: v.id, label: label(v) }))} environments={envNames} />
        ) : null}

        <Card title="Deployment history">
          {data.history.length === 0 ? <p className="text-sm text-slate-600">No decision recorded yet.</p> : (
            <Table head={["When", "Environment", "Decision", "Version", "Gate", "Evidence", "By", "Note"]} caption="Deployment history">
              {data.history.map((h) => (
                <tr key={h.id}>
                  <Td className="text-xs">{formatDateTime(h.createdAt)}</Td>
                  <Td>{h.environment}</Td>
                  <Td>{h.kind === "rollback" ? <Badge tone="amber">rollback</Badge> : <Badge tone="blue">promote</Badge>}</Td>
                  <Td>v{h.version}</Td>
                  <Td className="text-xs">{h.gatePassed ? "passed" : h.override ? `failed — override by ${h.override.createdByLabel}: “${h.override.reason}”` : "failed"}</Td>
                  <Td><code className="text-xs">{h.evidenceHash.slice(0, 12)}…</code></Td>
                  <Td className="text-xs">{h.createdByLabel}</Td>
                  <Td className="text-xs">{h.note}</Td>
                </tr>
              ))}
            </Table>
          )}
        </Card>

        <TableCard title="Gate overrides" head={["Version", "Environment", "Reason", "By", "Expires", "State"]} rows={data.overrides}>
          {(o) => (
            <tr key={o.id}>
              <Td>v{o.version}</Td>
              <Td>{o.environment}</Td>
              <Td className="text-xs">{o.reason}</Td>
              <Td className="text-xs">{o.createdByLabel}</Td>
              <Td className="text-xs">{formatDateTime(o.expiresAt)}</Td>
              <Td>{o.active ? <Badge tone="amber">active</Badge> : <Badge tone="gray">expired</Badge>}</Td>
            </tr>
          )}
        </TableCard>
      </div>
    </>
  );
}
