import type { Metadata } from "next";
import { teamPage } from "@/app/_lib/team";
import { EmptyState, PageHeader } from "@/app/_components/ui";
import { icons } from "@/app/_components/icons";

export const metadata: Metadata = { title: "Reports" };

export default async function Page({ params }: { params: Promise<{ team: string }> }) {
  await teamPage(params);
  return (
    <>
      <PageHeader title="Reports" description="Signed audit reports: frozen snapshots of your posture, rendered to PDF." />
      <EmptyState icon={icons.reports("h-10 w-10")} title="No reports yet">
        A reviewer creates a report from the current posture, approves it and exports the PDF. Anyone with access can verify a PDF against its recorded digest.
      </EmptyState>
    </>
  );
}
