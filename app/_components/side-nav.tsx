"use client";

import { usePathname } from "next/navigation";
import { useEffect, useRef, useState, type ReactNode } from "react";
import { icons } from "./icons";

/**
 * The sidebar: fixed at the left from the md breakpoint; below it, a top bar with a Menu button that opens
 * the same sidebar over the page (Escape or a link closes it, focus returns to the button).
 */
export function SideNav({ children }: { children: ReactNode }) {
  const [open, setOpen] = useState(false);
  const path = usePathname();
  const button = useRef<HTMLButtonElement>(null);
  const panel = useRef<HTMLElement>(null);

  // Following a link closes the menu.
  const [lastPath, setLastPath] = useState(path);
  if (path !== lastPath) { setLastPath(path); setOpen(false); }

  useEffect(() => {
    if (!open) return;
    panel.current?.querySelector<HTMLElement>("a, button, summary")?.focus();
    const onKey = (e: KeyboardEvent) => {
      if (e.key === "Escape") { setOpen(false); button.current?.focus(); }
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, [open]);

  return (
    <>
      <div className="sticky top-0 z-30 flex items-center justify-between bg-slate-900 px-4 py-2.5 md:hidden">
        <span className="flex items-center gap-2 text-white">
          <span className="text-brand-500">{icons.shield("h-5 w-5")}</span>
          <span className="font-semibold tracking-tight">Bulwark</span>
        </span>
        <button ref={button} type="button" onClick={() => setOpen((o) => !o)} aria-expanded={open} aria-controls="side-nav"
          className="rounded-md border border-white/20 px-3 py-1.5 text-sm font-medium text-white hover:bg-white/10 focus:outline-none focus-visible:ring-2 focus-visible:ring-white">
          {open ? "Close menu" : "Menu"}
        </button>
      </div>
      {open ? <div className="fixed inset-0 z-30 bg-slate-900/40 md:hidden" onClick={() => setOpen(false)} aria-hidden /> : null}
      <aside id="side-nav" ref={panel}
        className={`${open ? "fixed inset-y-0 left-0 z-40 flex overflow-y-auto" : "hidden"} h-screen w-64 shrink-0 flex-col bg-slate-900 px-3 py-4 md:sticky md:top-0 md:flex md:w-60`}>
        {children}
      </aside>
    </>
  );
}
