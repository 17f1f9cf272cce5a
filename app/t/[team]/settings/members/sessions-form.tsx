"use client";

import { useActionState } from "react";
import type { ActionState } from "@/app/_lib/action";
import { Alert, buttonClass } from "@/app/_components/ui";
import { signOutEverywhereAction } from "./actions";

export function SignOutEverywhereForm({ team, email }: { team: string; email: string }) {
  const [state, action, pending] = useActionState<ActionState, FormData>(signOutEverywhereAction.bind(null, team), null);
  return (
    <form action={action} className="space-y-3" aria-label="Sign out everywhere">
      {state && !state.ok ? <Alert tone="red">{state.message}</Alert> : null}
      <p className="text-sm text-slate-600">
        Signed in on a shared or lost computer? This ends every session of <strong>{email}</strong> in every browser, this one included. API tokens are not affected: revoke them under API tokens.
      </p>
      <button type="submit" disabled={pending} className={buttonClass.secondary}>{pending ? "Signing out…" : "Sign out everywhere"}</button>
    </form>
  );
}
