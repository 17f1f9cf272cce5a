import { getServerSession } from "next-auth";
import { headers } from "next/headers";
import { redirect } from "next/navigation";
import { cache } from "react";
import { db } from "../db/client";
import { authOptions } from "./options";
import { PATH_HEADER, signInPath } from "./return-to";

// The only file in lib that knows about Next: it reads the session of the current request.

export interface SessionUser {
  id: string;
  email: string;
  name: string;
  /** May create teams and invite their first admin (/admin). */
  instanceAdmin: boolean;
}

/**
 * The signed-in user, re-read from the database so a deleted account loses access at once, and a
 * session from before the user's last "sign out everywhere" (an older session version) counts as none.
 */
export const getSessionUser = cache(async (): Promise<SessionUser | null> => {
  const session = await getServerSession(authOptions());
  const claims = session?.user as { id?: string; sessionVersion?: number } | undefined;
  if (!claims?.id) return null;
  const user = await db.user.findUnique({ where: { id: claims.id }, select: { id: true, email: true, name: true, sessionVersion: true, instanceAdmin: true } });
  if (!user || user.sessionVersion !== (claims.sessionVersion ?? 0)) return null;
  return { id: user.id, email: user.email, name: user.name, instanceAdmin: user.instanceAdmin };
});

export async function requireUser(): Promise<SessionUser> {
  const user = await getSessionUser();
  // Back to the page that was asked for after signing in (proxy.ts names it; return-to.ts vets it).
  if (!user) redirect(signInPath((await headers()).get(PATH_HEADER)));
  return user;
}
