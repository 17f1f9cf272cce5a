import Link from "@/app/_components/link";
import type { ReactNode } from "react";
import type { SessionUser } from "@/lib/auth/session";
import { icons } from "./icons";
import { SideNav } from "./side-nav";
import { SignOutButton } from "./sign-out-button";

/**
 * The signed-in frame every page shares: skip link, sidebar (logo, the area's own navigation, the
 * instance-admin link for those who hold it (outside /admin), the signed-in user) and the main column.
 */
export function AppShell({ user, home, nav, inAdmin = false, children }: { user: SessionUser; home: string; nav: ReactNode; inAdmin?: boolean; children: ReactNode }) {
  return (
    <div className="min-h-screen md:flex">
      {/* First in the tab order: past the navigation to the page itself. */}
      <a href="#main" className="sr-only focus:not-sr-only focus:fixed focus:left-4 focus:top-4 focus:z-50 focus:rounded-md focus:bg-white focus:px-4 focus:py-2 focus:text-sm focus:font-medium focus:text-brand-700 focus:shadow-lg focus:ring-2 focus:ring-brand-500">Skip to main content</a>
      <SideNav>
        <Link href={home} className="mb-5 flex items-center gap-2 px-2 text-white">
          <span className="text-brand-500">{icons.shield("h-6 w-6")}</span>
          <span className="text-lg font-semibold tracking-tight">Bulwark</span>
        </Link>
        {nav}
        {user.instanceAdmin && !inAdmin ? (
          <nav aria-label="Instance" className="mt-4 border-t border-white/10 pt-4">
            <Link href="/admin" className="flex items-center gap-3 rounded-lg px-3 py-2 text-sm font-medium text-slate-300 transition-colors hover:bg-white/5 hover:text-white">
              {icons.key("h-4.5 w-4.5")}
              Instance admin
            </Link>
          </nav>
        ) : null}
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
