"use client";

import Link from "@/app/_components/link";
import { useRouter } from "next/navigation";
import { useEffect, useRef, type ReactNode } from "react";

const FOCUSABLE = 'a[href], button:not([disabled]), input:not([disabled]):not([type="hidden"]), select:not([disabled]), textarea:not([disabled]), summary, [tabindex]:not([tabindex="-1"])';

/**
 * A side panel opened by a URL (the page renders it when a search parameter names it). While open it is a
 * modal dialog: focus moves into it, Tab and Shift+Tab stay inside, Escape closes it (navigates to
 * closeHref), and on close focus goes back to the element `returnFocus` selects (the row that opened it).
 */
export function DrawerShell({ closeHref, labelledBy, returnFocus, testId, children }: { closeHref: string; labelledBy: string; returnFocus: string; testId?: string; children: ReactNode }) {
  const router = useRouter();
  const panel = useRef<HTMLElement>(null);

  useEffect(() => {
    const el = panel.current;
    if (!el) return;
    // Focus the dialog itself (its title is read first), unless something inside already has focus.
    if (!el.contains(document.activeElement)) el.focus();
    const onKey = (e: KeyboardEvent) => {
      if (e.key === "Escape") {
        e.preventDefault();
        router.push(closeHref, { scroll: false });
        return;
      }
      if (e.key !== "Tab") return;
      const items = [...el.querySelectorAll<HTMLElement>(FOCUSABLE)].filter((x) => x.offsetParent !== null || x === document.activeElement);
      if (items.length === 0) { e.preventDefault(); el.focus(); return; }
      const first = items[0], last = items[items.length - 1];
      const inside = el.contains(document.activeElement);
      if (e.shiftKey && (document.activeElement === first || document.activeElement === el || !inside)) { e.preventDefault(); last.focus(); }
      else if (!e.shiftKey && (document.activeElement === last || !inside)) { e.preventDefault(); first.focus(); }
    };
    document.addEventListener("keydown", onKey);
    // The page behind does not scroll while the panel is open.
    const overflow = document.body.style.overflow;
    document.body.style.overflow = "hidden";
    return () => {
      document.removeEventListener("keydown", onKey);
      document.body.style.overflow = overflow;
      // After the page re-renders without the panel, back to the row that opened it.
      setTimeout(() => document.querySelector<HTMLElement>(returnFocus)?.focus(), 0);
    };
  }, [closeHref, returnFocus, router]);

  return (
    <div className="fixed inset-0 z-30 flex justify-end bg-slate-900/30" data-testid={testId}>
      <Link href={closeHref} className="hidden flex-1 sm:block" aria-label="Close the panel" tabIndex={-1} scroll={false} />
      <aside ref={panel} tabIndex={-1} role="dialog" aria-modal="true" aria-labelledby={labelledBy} className="h-full w-full max-w-2xl overflow-y-auto overscroll-contain bg-white shadow-2xl focus:outline-none">
        {children}
      </aside>
    </div>
  );
}
