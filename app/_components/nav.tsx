"use client";

import Link from "@/app/_components/link";
import { usePathname } from "next/navigation";
import { useEffect, useRef, useState } from "react";
import { icons } from "./icons";

const ITEMS = [
  ["dashboard", "Dashboard"],
  ["models", "Models"],
  ["datasets", "Datasets"],
  ["evaluations", "Evaluations"],
  ["operations", "Operations"],
  ["controls", "Controls"],
  ["risk", "Risk register"],
  ["reports", "Reports"],
  ["audit", "Audit log"],
  ["settings", "Settings"],
] as const;

/**
 * Unread notices of the signed-in member: the layout's count, then asked again after each navigation
 * (the team layout is not re-rendered when moving between its pages, and opening a report reads its notices).
 */
function useUnreadNotices(team: string, initial: number): number {
  const path = usePathname();
  const [fetched, setFetched] = useState<{ initial: number; n: number } | null>(null);
  const mounted = useRef(false);
  useEffect(() => {
    // The first render already has the layout's count.
    if (!mounted.current) { mounted.current = true; return; }
    let live = true;
    fetch(`/t/${team}/notifications/unread`, { cache: "no-store" })
      .then((r) => (r.ok ? r.json() : null))
      .then((j: { unread?: unknown } | null) => { if (live && typeof j?.unread === "number") setFetched({ initial, n: j.unread }); })
      .catch(() => {}); // offline or signed out: keep the last count
    return () => { live = false; };
  }, [team, path, initial]);
  // A fresh count from the layout (after a server action) wins over an older fetched one.
  return fetched && fetched.initial === initial ? fetched.n : initial;
}

export function Nav({ team, unread = 0 }: { team: string; unread?: number }) {
  const path = usePathname();
  const notices = useUnreadNotices(team, unread);
  return (
    <nav aria-label="Main" className="flex flex-col gap-0.5">
      {ITEMS.map(([seg, label]) => {
        const href = `/t/${team}/${seg}`;
        const active = path === href || path.startsWith(`${href}/`);
        // The dashboard lists the notices (reviews asked of you, changes requested): its badge counts the unread ones.
        const badge = seg === "dashboard" && notices > 0 ? notices : 0;
        return (
          <Link
            key={seg}
            href={href}
            aria-current={active ? "page" : undefined}
            className={`flex items-center gap-3 rounded-lg px-3 py-2 text-sm font-medium transition-colors ${
              active ? "bg-white/10 text-white" : "text-slate-300 hover:bg-white/5 hover:text-white"
            }`}
          >
            {icons[seg]("h-4.5 w-4.5")}
            {label}
            {badge ? (
              <>
                {/* The link's accessible name reads "Dashboard (2 unread notices)". Not an aria-label: one that differs
                    from the visible text ("Dashboard 2") fails axe's label-content-name-mismatch. */}
                <span className="sr-only"> ({badge} unread notice{badge === 1 ? "" : "s"})</span>
                <span aria-hidden data-testid="notice-badge" className="ml-auto min-w-5 rounded-full bg-amber-400 px-1.5 text-center text-xs font-semibold leading-5 text-slate-900">
                  {badge > 99 ? "99+" : badge}
                </span>
              </>
            ) : null}
          </Link>
        );
      })}
    </nav>
  );
}
