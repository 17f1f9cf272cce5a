import type { Metadata } from "next";
import { teamPage } from "@/app/_lib/team";
import { Card } from "@/app/_components/ui";
import { can } from "@/lib/auth/permissions";
import { getTeamSettings } from "@/lib/evaluations/webhook";
import { SettingsHeader } from "../tabs";
import { AlertSettingsForm } from "./form";

export const metadata: Metadata = { title: "Alerts & webhook" };

export default async function AlertSettingsPage({ params }: { params: Promise<{ team: string }> }) {
  const ctx = await teamPage(params);
  const settings = await getTeamSettings(ctx);
  const admin = can(ctx.role, "team.settings");
  return (
    <>
      <SettingsHeader team={ctx.team.slug} current="alerts" />
      <Card title="Silent-regression alerts">
        <AlertSettingsForm team={ctx.team.slug} tolerance={settings.regressionTolerancePp} webhookUrl={settings.webhookUrl ?? ""} disabled={!admin} />
        {admin && settings.webhookSecret ? (
          <details className="mt-5 text-sm">
            <summary className="cursor-pointer font-medium text-brand-700">Verifying the signature</summary>
            <p className="mt-2 text-slate-600">Each request carries <code>X-Bulwark-Signature: t=&lt;unix seconds&gt;,v1=&lt;hex&gt;</code>, where v1 is HMAC-SHA256 of <code>&lt;t&gt;.&lt;raw body&gt;</code> with this secret:</p>
            <code className="mt-2 block break-all rounded bg-slate-100 p-2 text-xs">{settings.webhookSecret}</code>
          </details>
        ) : null}
      </Card>
    </>
  );
}
