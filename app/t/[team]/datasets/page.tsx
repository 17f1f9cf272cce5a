import type { Metadata } from "next";
import { teamPage } from "@/app/_lib/team";
import { EmptyState, PageHeader } from "@/app/_components/ui";
import { icons } from "@/app/_components/icons";

export const metadata: Metadata = { title: "Datasets" };

export default async function Page({ params }: { params: Promise<{ team: string }> }) {
  await teamPage(params);
  return (
    <>
      <PageHeader title="Datasets" description="Evaluation datasets with provenance, licence and personal-data facts." />
      <EmptyState icon={icons.datasets("h-10 w-10")} title="No datasets yet">
        Upload an image archive, IDX files or a CSV with its dataset card. Datasets are checked against the models they are evaluated with.
      </EmptyState>
    </>
  );
}
