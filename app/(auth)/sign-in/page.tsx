import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { Suspense } from "react";
import { getSessionUser } from "@/lib/auth/session";
import { safeReturnPath } from "@/lib/auth/return-to";
import { AuthFrame } from "../auth-frame";
import { signInMethods } from "@/lib/auth/oidc";
import { SignInForm } from "./sign-in-form";

export const metadata: Metadata = { title: "Sign in" };
export const dynamic = "force-dynamic";

export default async function SignInPage({ searchParams }: { searchParams: Promise<{ callbackUrl?: string | string[] }> }) {
  const { callbackUrl } = await searchParams;
  if (await getSessionUser()) redirect(safeReturnPath(typeof callbackUrl === "string" ? callbackUrl : null) ?? "/");
  return (
    <AuthFrame footer={<p className="mt-6 text-center text-xs text-slate-500">Self-hosted. Your models and data stay on your servers.</p>}>
      <div className="rounded-2xl border border-slate-200 bg-white p-7 shadow-sm">
        <h1 className="text-lg font-semibold text-slate-900">Sign in to your workspace</h1>
        <p className="mb-5 mt-1 text-sm text-slate-600">Robustness evidence for your AI governance.</p>
        <Suspense>
          <SignInForm {...signInMethods()} />
        </Suspense>
      </div>
    </AuthFrame>
  );
}
