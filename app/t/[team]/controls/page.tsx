import type { Metadata } from "next";
import { teamPage } from "@/app/_lib/team";
import { EmptyState, PageHeader } from "@/app/_components/ui";
import { icons } from "@/app/_components/icons";

export const metadata: Metadata = { title: "Controls" };

export default async function Page({ params }: { params: Promise<{ team: string }> }) {
  await teamPage(params);
  return (
    <>
      <PageHeader title="Controls" description="Control status for NIST AI RMF 1.0 and ISO/IEC 42001, from evidence and attestations." />
      <EmptyState icon={icons.controls("h-10 w-10")} title="No control evidence yet">
        Evaluations produce evidence for robustness controls; reviewers attest the controls no measurement can show. Their status will appear here per framework.
      </EmptyState>
    </>
  );
}
