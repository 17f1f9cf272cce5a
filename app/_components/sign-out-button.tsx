"use client";

import { signOut } from "next-auth/react";

export function SignOutButton({ className }: { className?: string }) {
  return (
    <button type="button" onClick={() => signOut({ callbackUrl: "/sign-in" })} className={className ?? "text-sm font-medium text-brand-700 hover:underline"}>
      Sign out
    </button>
  );
}
