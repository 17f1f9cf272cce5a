import Link from "@/app/_components/link";
import { teamPageAccess } from "@/app/_lib/team";
import { listUserTeams } from "@/lib/teams/access";
import { countUnreadNotifications } from "@/lib/teams/notifications";
import { ROLE_LABELS } from "@/lib/auth/permissions";
import { Nav } from "@/app/_components/nav";
import { icons } from "@/app/_components/icons";
import { AppShell } from "@/app/_components/app-shell";

export default async function TeamLayout({ children, params }: { children: React.ReactNode; params: Promise<{ team: string }> }) {
  const { ctx, user } = await teamPageAccess(params);
  const [teams, unread] = await Promise.all([listUserTeams(ctx.userId), countUnreadNotifications(ctx)]);
  const nav = (
    <>
      <details className="group relative mb-5">
        <summary
          className="flex cursor-pointer list-none items-center justify-between rounded-lg border border-white/10 bg-white/5 px-3 py-2 text-left text-sm text-white hover:bg-white/10"
        >
          <span className="min-w-0">
            <span className="block truncate font-medium" data-testid="current-team">{ctx.team.name}</span>
            <span className="block text-xs text-slate-400">{ROLE_LABELS[ctx.role]}</span>
            <span className="sr-only"> — switch team</span>
          </span>
          {icons.chevron("h-4 w-4 text-slate-400")}
        </summary>
        <ul className="absolute z-20 mt-1 w-full overflow-hidden rounded-lg border border-slate-200 bg-white py-1 text-sm shadow-lg">
          {teams.map((t) => (
            <li key={t.id}>
              <Link href={`/t/${t.slug}/dashboard`} className={`block px-3 py-2 hover:bg-slate-50 ${t.slug === ctx.team.slug ? "font-semibold text-brand-700" : "text-slate-700"}`}>
                {t.name}
                <span className="block text-xs font-normal text-slate-500">{ROLE_LABELS[t.role]}</span>
              </Link>
            </li>
          ))}
        </ul>
      </details>
      <Nav team={ctx.team.slug} unread={unread} />
    </>
  );
  return (
    <AppShell user={user} home={`/t/${ctx.team.slug}/dashboard`} nav={nav}>
      {children}
    </AppShell>
  );
}
