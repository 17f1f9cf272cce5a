import type { Metadata } from "next";
import { teamPage } from "@/app/_lib/team";
import { EmptyState, PageHeader } from "@/app/_components/ui";
import { icons } from "@/app/_components/icons";
import { SettingsTabs } from "../tabs";

export const metadata: Metadata = { title: "API tokens" };

export default async function TokensPage({ params }: { params: Promise<{ team: string }> }) {
  const ctx = await teamPage(params);
  return (
    <>
      <PageHeader title="Settings" description="Team members, roles and API access." />
      <SettingsTabs team={ctx.team.slug} current="tokens" />
      <EmptyState icon={icons.key("h-10 w-10")} title="No API tokens yet">
        API tokens let CI pipelines and scripts call Bulwark&apos;s REST API with a role no higher than yours. The secret is shown once and only its hash is kept.
      </EmptyState>
    </>
  );
}
