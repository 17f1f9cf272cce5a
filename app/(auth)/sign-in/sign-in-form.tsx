"use client";

import { signIn } from "next-auth/react";
import { useRouter, useSearchParams } from "next/navigation";
import { useState } from "react";
import { buttonClass, inputClass } from "@/app/_components/ui";
import { safeReturnPath } from "@/lib/auth/return-to";

/** `sso`: the single sign-on button's label when configured; `passwords`: whether the password form is offered. */
export function SignInForm({ sso, passwords }: { sso: string | null; passwords: boolean }) {
  const router = useRouter();
  const params = useSearchParams();
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);

  async function onSubmit(e: React.FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    setPending(true);
    setError(null);
    const res = await signIn("credentials", { redirect: false, email: form.get("email"), password: form.get("password") });
    if (!res || res.error) {
      setPending(false);
      setError(res?.error && res.error !== "CredentialsSignin" ? res.error : "Wrong e-mail address or password.");
      return;
    }
    // A deep link opened while signed out (same-origin paths only).
    router.replace(safeReturnPath(params.get("callbackUrl")) ?? "/");
    router.refresh();
  }

  const returnTo = safeReturnPath(params.get("callbackUrl")) ?? "/";
  const ssoButton = sso ? (
    <button type="button" onClick={() => void signIn("oidc", { callbackUrl: returnTo })} className={`${passwords ? buttonClass.secondary : buttonClass.primary} w-full`}>
      Continue with {sso}
    </button>
  ) : null;
  if (!passwords) return ssoButton;

  // POST, so that credentials never end up in a URL even if the script has not loaded yet.
  return (
    <>
    {ssoButton ? (
      <div className="mb-5 space-y-4">
        {ssoButton}
        <p className="text-center text-xs uppercase tracking-wide text-slate-500">or with your password</p>
      </div>
    ) : null}
    <form onSubmit={onSubmit} method="post" className="space-y-4" noValidate>
      {error ? (
        <div role="alert" className="rounded-lg border border-rose-200 bg-rose-50 px-3 py-2 text-sm text-rose-800">
          {error}
        </div>
      ) : null}
      <div>
        <label htmlFor="email" className="mb-1 block text-sm font-medium text-slate-700">
          E-mail
        </label>
        <input id="email" name="email" type="email" autoComplete="username" required className={inputClass} />
      </div>
      <div>
        <label htmlFor="password" className="mb-1 block text-sm font-medium text-slate-700">
          Password
        </label>
        <input id="password" name="password" type="password" autoComplete="current-password" required className={inputClass} />
      </div>
      <button type="submit" disabled={pending} className={`${buttonClass.primary} w-full`}>
        {pending ? "Signing in…" : "Sign in"}
      </button>
    </form>
    </>
  );
}
