import type { Metadata } from "next";
import { teamPage } from "@/app/_lib/team";
import { Badge, Card, EmptyState, Table, Td, formatDateTime } from "@/app/_components/ui";
import { icons } from "@/app/_components/icons";
import { can, ROLE_LABELS } from "@/lib/auth/permissions";
import { listApiTokens } from "@/lib/auth/tokens";
import { SettingsHeader } from "../tabs";
import { CreateTokenForm, RevokeButton } from "./forms";

export const metadata: Metadata = { title: "API tokens" };

export default async function TokensPage({ params }: { params: Promise<{ team: string }> }) {
  const ctx = await teamPage(params);
  const manage = can(ctx.role, "token.manage");
  const tokens = manage ? await listApiTokens(ctx) : [];
  const now = new Date();
  return (
    <>
      <SettingsHeader team={ctx.team.slug} current="tokens" />
      {!manage ? (
        <EmptyState icon={icons.key("h-10 w-10")} title="API tokens are managed by admins">
          API tokens let CI pipelines and scripts call Bulwark&apos;s REST API. Ask a team admin for one.
        </EmptyState>
      ) : (
        <div className="space-y-6">
          {tokens.length === 0 ? (
            <EmptyState icon={icons.key("h-10 w-10")} title="No API tokens yet">
              API tokens let CI pipelines and scripts call Bulwark&apos;s REST API (<code>/api/v1</code>) with a role no higher than yours. The secret is shown once and only its hash is kept.
            </EmptyState>
          ) : (
            <Table head={["Name", "Token", "Role", "Created", "Last used", "Expires", ""]} caption="API tokens">
              {tokens.map((t) => {
                const state = t.revokedAt ? "revoked" : t.expiresAt && t.expiresAt < now ? "expired" : "active";
                return (
                  <tr key={t.id}>
                    <Td className="font-medium text-slate-900">{t.name}</Td>
                    <Td><code className="text-xs">{t.prefix}…</code></Td>
                    <Td>{ROLE_LABELS[t.role]}</Td>
                    <Td className="text-xs">{formatDateTime(t.createdAt)}</Td>
                    <Td className="text-xs">{t.lastUsedAt ? formatDateTime(t.lastUsedAt) : "never"}</Td>
                    <Td className="text-xs">{t.expiresAt ? formatDateTime(t.expiresAt) : "never"}</Td>
                    <Td>{state === "active" ? <RevokeButton team={ctx.team.slug} id={t.id} name={t.name} /> : <Badge tone={state === "revoked" ? "red" : "amber"}>{state}</Badge>}</Td>
                  </tr>
                );
              })}
            </Table>
          )}
          <Card title="Create an API token">
            <CreateTokenForm team={ctx.team.slug} />
          </Card>
        </div>
      )}
    </>
  );
}
