import type { Metadata } from "next";
import { instanceAdminPage } from "@/app/_lib/team";
import { listInstanceTeams } from "@/lib/teams/instance";
import { Card, EmptyState, PageHeader, Table, Td, formatDateTime } from "@/app/_components/ui";
import { icons } from "@/app/_components/icons";
import { CreateTeamForm } from "./forms";

export const metadata: Metadata = { title: "Teams" };

export default async function AdminTeamsPage() {
  const { ctx, user } = await instanceAdminPage();
  const teams = await listInstanceTeams(ctx);
  return (
    <>
      <PageHeader title="Teams" description="Every team on this Bulwark instance. Create a team and invite its first admin; they add the rest of the team under Settings → Members." />
      <div className="space-y-6">
        {teams.length ? (
          <Table head={["Team", "Address", "Members", "Admins", "Created"]} caption="Teams on this instance">
            {teams.map((t) => (
              <tr key={t.id} data-team={t.slug}>
                <Td className="font-medium text-slate-900">{t.name}</Td>
                <Td><code className="text-xs text-slate-700">/t/{t.slug}</code></Td>
                <Td className="tabular-nums">{t.members}</Td>
                <Td className="text-xs text-slate-700">{t.admins.length ? t.admins.join(", ") : <span className="text-amber-800">No admin</span>}</Td>
                <Td className="whitespace-nowrap text-xs text-slate-500">{formatDateTime(t.createdAt)}</Td>
              </tr>
            ))}
          </Table>
        ) : (
          <EmptyState icon={icons.users("h-8 w-8")} title="No teams yet">
            Create the first team below. Its admin signs in with the e-mail and initial password you give them.
          </EmptyState>
        )}
        <Card title="Create a team">
          <CreateTeamForm />
        </Card>
        <p className="text-xs text-slate-500">
          Signed in as {user.email}, an instance administrator. Instance administrators see each team&apos;s name and size here, not its records: to work in a team, be a member of it.
        </p>
      </div>
    </>
  );
}
