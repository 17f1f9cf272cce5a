import { redirect } from "next/navigation";
import { requireUser } from "@/lib/auth/session";
import { listUserTeams } from "@/lib/teams/access";
import { EmptyState } from "@/app/_components/ui";
import { SignOutButton } from "@/app/_components/sign-out-button";

export const dynamic = "force-dynamic";

export default async function Home() {
  const user = await requireUser();
  const teams = await listUserTeams(user.id);
  if (teams[0]) redirect(`/t/${teams[0].slug}/dashboard`);
  return (
    <main className="mx-auto max-w-xl px-4 py-24">
      <EmptyState title="You are not a member of any team yet" action={<SignOutButton />}>
        Ask an admin of your team to add <strong>{user.email}</strong> under Settings → Members. Teams hold the models, datasets and evidence you work on.
      </EmptyState>
    </main>
  );
}
