import type { Metadata } from "next";
import Link from "@/app/_components/link";
import { teamPage } from "@/app/_lib/team";
import { Badge, EmptyState, PageHeader, Table, Td, formatDateTime } from "@/app/_components/ui";
import { can } from "@/lib/auth/permissions";
import { operationsOverview } from "@/lib/operations/views";
import { EnvironmentForm } from "./forms";

export const metadata: Metadata = { title: "Operations" };

export default async function OperationsPage({ params }: { params: Promise<{ team: string }> }) {
  const ctx = await teamPage(params);
  const { environments, models } = await operationsOverview(ctx);
  const base = `/t/${ctx.team.slug}/operations`;
  return (
    <>
      <PageHeader title="Operations" description="Which model version each environment runs, promoted through the policy gate, with one-step rollback and production monitoring. Bulwark records and signals (audit log, webhooks); your serving system serves." />
      <div className="space-y-6">
        {environments.length === 0 ? (
          <EmptyState title="No environments yet">An admin creates the team&apos;s environments, such as staging and production; promotions and rollbacks are then recorded per environment.</EmptyState>
        ) : models.length === 0 ? (
          <EmptyState title="No models yet">Register a model to promote its versions.</EmptyState>
        ) : (
          <Table head={["Model", ...environments.map((e) => e.name)]} caption="What each environment runs">
            {models.map((m) => (
              <tr key={m.id}>
                <Td className="font-medium text-slate-900"><Link className="text-brand-700 hover:underline" href={`${base}/${m.id}`}>{m.name}</Link></Td>
                {environments.map((e) => {
                  const d = m.deployed.find((x) => x.environmentId === e.id);
                  return (
                    <Td key={e.id}>
                      {d ? (
                        <>
                          <span className="font-medium">v{d.version}</span>{" "}
                          {d.gatePassed ? <Badge tone="green">gate passed</Badge> : <Badge tone="amber">override</Badge>}
                          <span className="block text-xs text-slate-500">{d.kind === "rollback" ? "rolled back" : "promoted"} {formatDateTime(d.createdAt)}</span>
                        </>
                      ) : <span className="text-slate-500">not deployed</span>}
                    </Td>
                  );
                })}
              </tr>
            ))}
          </Table>
        )}
        {can(ctx.role, "environment.manage") ? <EnvironmentForm team={ctx.team.slug} /> : null}
      </div>
    </>
  );
}
