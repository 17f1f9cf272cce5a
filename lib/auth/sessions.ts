import { z } from "zod";
import { db } from "../db/client";
import { appendAudit } from "../audit/log";

/**
 * "Sign out everywhere": bumps the user's session version, so every session token issued before
 * (browser sessions are JWTs, nothing stored server-side) is refused from the next request on. API
 * tokens are separate and stay valid; they are revoked under Settings → API tokens.
 * Recorded in the audit log of each team the user belongs to, in the same transaction.
 */
export async function signOutEverywhere(userId: string): Promise<{ sessionVersion: number }> {
  return db.$transaction(async (tx) => {
    const user = await tx.user.update({ where: { id: userId }, data: { sessionVersion: { increment: 1 } }, select: { email: true, sessionVersion: true } });
    const memberships = await tx.membership.findMany({ where: { userId }, select: { teamId: true }, orderBy: { teamId: "asc" } });
    for (const m of memberships) {
      await appendAudit(tx, { teamId: m.teamId, actor: { userId, label: user.email }, action: "user.sessions.revoke", subjectType: "User", subjectId: userId, details: { sessionVersion: user.sessionVersion } });
    }
    return { sessionVersion: user.sessionVersion };
  });
}

/** The form has no fields: the user is the session's own. */
export const SignOutEverywhereSchema = z.object({});
