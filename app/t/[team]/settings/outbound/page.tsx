import type { Metadata } from "next";
import { teamPage } from "@/app/_lib/team";
import { Badge, EmptyState, Table, Td, formatDateTime } from "@/app/_components/ui";
import { icons } from "@/app/_components/icons";
import { can } from "@/lib/auth/permissions";
import { listOutboundHosts } from "@/lib/teams/outbound-hosts";
import { SettingsHeader } from "../tabs";
import { AddOutboundHostForm, RemoveOutboundHostButton } from "./forms";

export const metadata: Metadata = { title: "Outbound hosts" };

export default async function OutboundHostsPage({ params }: { params: Promise<{ team: string }> }) {
  const ctx = await teamPage(params);
  const manage = can(ctx.role, "team.settings");
  const hosts = await listOutboundHosts(ctx);
  return (
    <>
      <SettingsHeader team={ctx.team.slug} current="outbound" />
      <div className="space-y-6">
        <p className="max-w-3xl text-sm text-slate-600">
          Models served over HTTP are queried only on these hosts and ports; webhooks may reach a private address only through them.
          Every request is checked after DNS resolution and on every redirect, against this list as it is at that moment (removing a
          host stops running evaluations at their next request): loopback, private and shared addresses are refused unless this
          instance allows private targets and an admin allowed them for that one named host. Link-local addresses and cloud metadata
          (169.254.169.254, fd00:ec2::254) are always refused. Credentials are never sent to another host on a redirect.
        </p>
        {hosts.length === 0 ? (
          <EmptyState icon={icons.key("h-10 w-10")} title="No outbound hosts yet">
            Add the host of a model endpoint before registering it. {manage ? "" : "Only team admins can change this list."}
          </EmptyState>
        ) : (
          <Table head={["Host", "Ports", "Private addresses", "Added", ...(manage ? [""] : [])]} caption="Outbound hosts">
            {hosts.map((h) => (
              <tr key={h.id}>
                <Td className="font-mono text-slate-900">{h.host}</Td>
                <Td className="font-mono">{h.ports.join(", ")}</Td>
                <Td>{h.allowPrivate ? <Badge tone="amber">allowed</Badge> : <Badge tone="gray">refused</Badge>}</Td>
                <Td className="text-xs">{formatDateTime(h.createdAt)}</Td>
                {manage ? <Td><RemoveOutboundHostButton team={ctx.team.slug} id={h.id} host={h.host} /></Td> : null}
              </tr>
            ))}
          </Table>
        )}
        {manage ? <AddOutboundHostForm team={ctx.team.slug} /> : null}
      </div>
    </>
  );
}
