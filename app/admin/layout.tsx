import type { Metadata } from "next";
import Link from "@/app/_components/link";
import { instanceAdminPage } from "@/app/_lib/team";
import { listUserTeams } from "@/lib/teams/access";
import { AppShell } from "@/app/_components/app-shell";
import { icons } from "@/app/_components/icons";

export const metadata: Metadata = { title: { template: "%s · Instance admin · Bulwark", default: "Instance admin · Bulwark" } };

// The instance administration area: outside every team, for users with User.instanceAdmin only.
export default async function AdminLayout({ children }: { children: React.ReactNode }) {
  const { user } = await instanceAdminPage();
  const teams = await listUserTeams(user.id);
  const nav = (
    <>
      <p className="mb-2 px-3 text-xs font-semibold uppercase tracking-wide text-slate-400">Instance admin</p>
      <nav aria-label="Main" className="flex flex-col gap-0.5">
        <Link href="/admin" aria-current="page" className="flex items-center gap-3 rounded-lg bg-white/10 px-3 py-2 text-sm font-medium text-white">
          {icons.users("h-4.5 w-4.5")}
          Teams
        </Link>
      </nav>
      {teams.length ? (
        <>
          <p className="mb-2 mt-6 px-3 text-xs font-semibold uppercase tracking-wide text-slate-400">Your teams</p>
          <ul className="flex flex-col gap-0.5 text-sm">
            {teams.map((t) => (
              <li key={t.id}>
                <Link href={`/t/${t.slug}/dashboard`} className="block truncate rounded-lg px-3 py-2 text-slate-300 hover:bg-white/5 hover:text-white">{t.name}</Link>
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </>
  );
  return (
    <AppShell user={user} home={teams[0] ? `/t/${teams[0].slug}/dashboard` : "/admin"} nav={nav} inAdmin>
      {children}
    </AppShell>
  );
}
