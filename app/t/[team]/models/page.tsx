import type { Metadata } from "next";
import { teamPage } from "@/app/_lib/team";
import { EmptyState, PageHeader } from "@/app/_components/ui";
import { icons } from "@/app/_components/icons";

export const metadata: Metadata = { title: "Models" };

export default async function Page({ params }: { params: Promise<{ team: string }> }) {
  await teamPage(params);
  return (
    <>
      <PageHeader title="Models" description="Registered models, their versions and model cards." />
      <EmptyState icon={icons.models("h-10 w-10")} title="No models registered yet">
        Register a TensorFlow.js model version with its card (task, input range, class labels, risk tier). Bulwark checks it loads and runs before storing it.
      </EmptyState>
    </>
  );
}
