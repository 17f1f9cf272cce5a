import { db } from "../db/client";
import { burnPasswordCheck, verifyPassword } from "./password";
import { EmailSchema } from "../teams/schemas";

// Failed sign-ins are limited per account and per IP address over a sliding window, counted in the
// database so the limit holds across web processes and restarts.
export const SIGN_IN_LIMITS = { windowMinutes: 15, perAccount: 5, perIp: 20 } as const;

export class SignInError extends Error {}

function minutesUntilFree(oldest: Date, now: Date): number {
  return Math.max(1, Math.ceil((oldest.getTime() + SIGN_IN_LIMITS.windowMinutes * 60_000 - now.getTime()) / 60_000));
}

export async function checkSignInAllowed(email: string, ip: string, now = new Date()): Promise<void> {
  const since = new Date(now.getTime() - SIGN_IN_LIMITS.windowMinutes * 60_000);
  const [byAccount, byIp] = await Promise.all([
    db.signInFailure.findMany({ where: { email, createdAt: { gte: since } }, orderBy: { createdAt: "asc" }, select: { createdAt: true } }),
    db.signInFailure.findMany({ where: { ip, createdAt: { gte: since } }, orderBy: { createdAt: "asc" }, select: { createdAt: true } }),
  ]);
  if (byAccount.length >= SIGN_IN_LIMITS.perAccount) {
    const oldest = byAccount[byAccount.length - SIGN_IN_LIMITS.perAccount]!.createdAt;
    throw new SignInError(`Too many failed sign-ins for this account. Try again in ${minutesUntilFree(oldest, now)} minutes.`);
  }
  if (byIp.length >= SIGN_IN_LIMITS.perIp) {
    const oldest = byIp[byIp.length - SIGN_IN_LIMITS.perIp]!.createdAt;
    throw new SignInError(`Too many failed sign-ins from your network address. Try again in ${minutesUntilFree(oldest, now)} minutes.`);
  }
}

/** Checks credentials; returns the user, or throws a SignInError with the message to show. */
export async function authenticate(rawEmail: unknown, password: unknown, ip: string) {
  const parsed = EmailSchema.safeParse(rawEmail);
  if (!parsed.success || typeof password !== "string" || password.length === 0) {
    throw new SignInError("Enter your e-mail address and password.");
  }
  const email = parsed.data;
  await checkSignInAllowed(email, ip);
  const user = await db.user.findUnique({ where: { email }, select: { id: true, email: true, name: true, passwordHash: true, sessionVersion: true } });
  const ok = user ? await verifyPassword(user.passwordHash, password) : (await burnPasswordCheck(password), false);
  if (!user || !ok) {
    await db.signInFailure.create({ data: { email, ip } });
    // Old failures are useless once outside the window; keep the table small.
    await db.signInFailure.deleteMany({ where: { createdAt: { lt: new Date(Date.now() - 24 * 3600_000) } } });
    throw new SignInError("Wrong e-mail address or password.");
  }
  await db.signInFailure.deleteMany({ where: { email } });
  return { id: user.id, email: user.email, name: user.name, sessionVersion: user.sessionVersion };
}
