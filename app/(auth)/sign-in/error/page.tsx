import type { Metadata } from "next";
import Link from "@/app/_components/link";
import { AuthFrame } from "../../auth-frame";
import { buttonClass } from "@/app/_components/ui";
import { SSO_FAILURES, ssoFailureOf } from "@/lib/auth/oidc";

export const metadata: Metadata = { title: "Sign-in failed" };
export const dynamic = "force-dynamic";

// Where a failed sign-in lands (next-auth's error page, and our signIn callback for single sign-on):
// the failure named in words, never a stack trace or a raw provider message.
export default async function SignInErrorPage({ searchParams }: { searchParams: Promise<{ code?: string | string[]; error?: string | string[] }> }) {
  const q = await searchParams;
  const one = (v: string | string[] | undefined) => (typeof v === "string" ? v : undefined);
  const failure = ssoFailureOf({ code: one(q.code), error: one(q.error) });
  const { title, detail } = failure ? SSO_FAILURES[failure] : { title: "Sign-in failed", detail: "Something went wrong while signing you in. Nothing was changed. Try again, or ask your administrator." };
  return (
    <AuthFrame>
      <div role="alert" className="rounded-2xl border border-rose-200 bg-white p-7 shadow-sm">
        <h1 className="text-lg font-semibold text-slate-900">{title}</h1>
        <p className="mb-5 mt-2 text-sm text-slate-600">{detail}</p>
        {failure ? <p className="mb-5 text-xs text-slate-500">Reference for your administrator: {failure}</p> : null}
        <Link href="/sign-in" className={`${buttonClass.primary} w-full`}>
          Back to sign-in
        </Link>
      </div>
    </AuthFrame>
  );
}
