import type { ReactNode } from "react";
import { icons } from "@/app/_components/icons";

/** The signed-out pages' frame: the brand above one card. */
export function AuthFrame({ children, footer }: { children: ReactNode; footer?: ReactNode }) {
  return (
    <main className="flex min-h-screen items-center justify-center bg-gradient-to-br from-slate-50 via-white to-brand-50 px-4">
      <div className="w-full max-w-sm">
        <div className="mb-8 flex items-center justify-center gap-2 text-brand-700">
          {icons.shield("h-8 w-8")}
          <span className="text-2xl font-semibold tracking-tight text-slate-900">Bulwark</span>
        </div>
        {children}
        {footer}
      </div>
    </main>
  );
}
