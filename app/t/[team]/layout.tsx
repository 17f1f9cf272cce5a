import Link from "next/link";
import { teamPageAccess } from "@/app/_lib/team";
import { listUserTeams } from "@/lib/teams/access";
import { ROLE_LABELS } from "@/lib/auth/permissions";
import { Nav } from "@/app/_components/nav";
import { icons } from "@/app/_components/icons";
import { SignOutButton } from "@/app/_components/sign-out-button";
import { SideNav } from "@/app/_components/side-nav";

export default async function TeamLayout({ children, params }: { children: React.ReactNode; params: Promise<{ team: string }> }) {
  const { ctx, user } = await teamPageAccess(params);
  const teams = await listUserTeams(ctx.userId);
  return (
    <div className="min-h-screen md:flex">
      {/* First in the tab order: past the navigation to the page itself. */}
      <a href="#main" className="sr-only focus:not-sr-only focus:fixed focus:left-4 focus:top-4 focus:z-50 focus:rounded-md focus:bg-white focus:px-4 focus:py-2 focus:text-sm focus:font-medium focus:text-brand-700 focus:shadow-lg focus:ring-2 focus:ring-brand-500">Skip to main content</a>
      <SideNav>
        <Link href={`/t/${ctx.team.slug}/dashboard`} className="mb-5 flex items-center gap-2 px-2 text-white">
          <span className="text-brand-500">{icons.shield("h-6 w-6")}</span>
          <span className="text-lg font-semibold tracking-tight">Bulwark</span>
        </Link>
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
        <Nav team={ctx.team.slug} />
        <div className="mt-auto border-t border-white/10 px-2 pt-4">
          <p className="truncate text-sm font-medium text-white">{user.name}</p>
          <p className="truncate text-xs text-slate-400" data-testid="user-email">{user.email}</p>
          <SignOutButton className="mt-2 text-xs font-medium text-slate-300 hover:text-white hover:underline" />
        </div>
      </SideNav>
      <main id="main" tabIndex={-1} className="min-w-0 flex-1 px-4 py-6 focus:outline-none sm:px-6 md:px-8 md:py-8">
        <div className="mx-auto max-w-6xl">{children}</div>
      </main>
    </div>
  );
}
