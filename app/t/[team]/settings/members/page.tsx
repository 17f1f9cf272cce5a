import type { Metadata } from "next";
import { teamPageAccess } from "@/app/_lib/team";
import { Badge, Card, Table, Td, formatDateTime } from "@/app/_components/ui";
import { listMembers } from "@/lib/teams/members";
import { can, ROLE_LABELS } from "@/lib/auth/permissions";
import { SettingsHeader } from "../tabs";
import { AddMemberForm, RemoveButton, RoleSelect } from "./forms";
import { SignOutEverywhereForm } from "./sessions-form";

export const metadata: Metadata = { title: "Members" };

export default async function MembersPage({ params }: { params: Promise<{ team: string }> }) {
  const { ctx, user: me } = await teamPageAccess(params);
  const members = await listMembers(ctx);
  const manage = can(ctx.role, "member.manage");
  return (
    <>
      <SettingsHeader team={ctx.team.slug} current="members" />
      <div className="space-y-6">
        <Table head={["Member", "Role", "Since", ...(manage ? [""] : [])]} caption="Team members">
          {members.map((m) => (
            <tr key={m.id}>
              <Td>
                <div className="font-medium text-slate-900">{m.user.name}</div>
                <div className="text-xs text-slate-500">{m.user.email}</div>
              </Td>
              <Td>
                {manage ? (
                  <RoleSelect team={ctx.team.slug} membershipId={m.id} role={m.role} label={m.user.email} />
                ) : (
                  <Badge tone={m.role === "ADMIN" ? "indigo" : "gray"}>{ROLE_LABELS[m.role]}</Badge>
                )}
              </Td>
              <Td className="whitespace-nowrap text-xs text-slate-500">{formatDateTime(m.createdAt)}</Td>
              {manage ? (
                <Td>
                  {m.user.id === ctx.userId ? <span className="text-xs text-slate-500">You</span> : <RemoveButton team={ctx.team.slug} membershipId={m.id} label={m.user.email} />}
                </Td>
              ) : null}
            </tr>
          ))}
        </Table>
        {manage ? (
          <AddMemberForm team={ctx.team.slug} />
        ) : (
          <p className="text-sm text-slate-500">Only team admins can add members or change roles.</p>
        )}
        <Card title="Your sessions">
          <SignOutEverywhereForm team={ctx.team.slug} email={me.email} />
        </Card>
      </div>
    </>
  );
}
