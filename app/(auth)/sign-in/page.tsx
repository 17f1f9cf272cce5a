import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { Suspense } from "react";
import { getSessionUser } from "@/lib/auth/session";
import { safeReturnPath } from "@/lib/auth/return-to";
import { icons } from "@/app/_components/icons";
import { SignInForm } from "./sign-in-form";

export const metadata: Metadata = { title: "Sign in" };
export const dynamic = "force-dynamic";

export default async function SignInPage({ searchParams }: { searchParams: Promise<{ callbackUrl?: string | string[] }> }) {
  const { callbackUrl } = await searchParams;
  if (await getSessionUser()) redirect(safeReturnPath(typeof callbackUrl === "string" ? callbackUrl : null) ?? "/");
  return (
    <main className="flex min-h-screen items-center justify-center bg-gradient-to-br from-slate-50 via-white to-brand-50 px-4">
      <div className="w-full max-w-sm">
        <div className="mb-8 flex items-center justify-center gap-2 text-brand-700">
          {icons.shield("h-8 w-8")}
          <span className="text-2xl font-semibold tracking-tight text-slate-900">Bulwark</span>
        </div>
        <div className="rounded-2xl border border-slate-200 bg-white p-7 shadow-sm">
          <h1 className="text-lg font-semibold text-slate-900">Sign in to your workspace</h1>
          <p className="mb-5 mt-1 text-sm text-slate-600">Robustness evidence for your AI governance.</p>
          <Suspense>
            <SignInForm />
          </Suspense>
        </div>
        <p className="mt-6 text-center text-xs text-slate-500">Self-hosted. Your models and data stay on your servers.</p>
      </div>
    </main>
  );
}
