import type { Metadata } from "next";
import { teamPage } from "@/app/_lib/team";
import { EmptyState, PageHeader } from "@/app/_components/ui";
import { icons } from "@/app/_components/icons";

export const metadata: Metadata = { title: "Evaluations" };

export default async function Page({ params }: { params: Promise<{ team: string }> }) {
  await teamPage(params);
  return (
    <>
      <PageHeader title="Evaluations" description="Adversarial robustness evaluations run on background workers." />
      <EmptyState icon={icons.evaluations("h-10 w-10")} title="No evaluations yet">
        Once a model and a dataset are registered, launch an evaluation (FGSM, PGD, AutoAttack-style suites) and follow its progress here.
      </EmptyState>
    </>
  );
}
