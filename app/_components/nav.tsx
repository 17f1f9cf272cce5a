"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
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

export function Nav({ team }: { team: string }) {
  const path = usePathname();
  return (
    <nav aria-label="Main" className="flex flex-col gap-0.5">
      {ITEMS.map(([seg, label]) => {
        const href = `/t/${team}/${seg}`;
        const active = path === href || path.startsWith(`${href}/`);
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
          </Link>
        );
      })}
    </nav>
  );
}
