import type { Metadata } from "next";
import Link from "@/app/_components/link";
import { teamPage } from "@/app/_lib/team";
import { buttonClass, Card, PageHeader } from "@/app/_components/ui";
import { assertCan } from "@/lib/teams/access";
import { VerifyForm } from "../forms";

export const metadata: Metadata = { title: "Verify a report" };

export default async function VerifyPage({ params }: { params: Promise<{ team: string }> }) {
  const ctx = await teamPage(params);
  assertCan(ctx, "report.verify");
  return (
    <>
      <PageHeader
        title="Verify a report"
        description="Upload a PDF, or paste its SHA-256: Bulwark says whether it is a recorded edition of one of this team's reports, which one, its status and approval, and whether the team's audit chain is intact. A single changed byte makes a file fail."
        actions={<Link href={`/t/${ctx.team.slug}/reports`} className={buttonClass.secondary}>All reports</Link>}
      />
      <Card>
        <VerifyForm team={ctx.team.slug} />
      </Card>
    </>
  );
}
