import { db } from "../db/client";
import { appendAudit } from "../audit/log";
import { env } from "../env";
import { EmailSchema } from "../teams/schemas";
import { SSO_ROLES, type RoleMapping, type SsoRole } from "./oidc-config";

// Single sign-on through an OpenID Connect provider, beside passwords. next-auth runs the code flow
// (lib/auth/options.ts); openid-client checks the ID token (signature, issuer, audience, expiry, nonce).
// Here: what each failure tells the person, and who the verified claims make them in Bulwark (just-in-time
// account, team roles from the provider's group claim).

/** Every way a single sign-on can fail, with the words the error page shows (app/(auth)/sign-in/error). */
export const SSO_FAILURES = {
  unknown_issuer: { title: "The sign-in came from an identity provider Bulwark does not trust", detail: "The token was issued by another issuer than the one this instance is set up for (BULWARK_OIDC_ISSUER). Ask your administrator to check that setting." },
  wrong_audience: { title: "The sign-in was issued for another application", detail: "The identity provider made the token out to another client than Bulwark's (BULWARK_OIDC_CLIENT_ID). Ask your administrator to check the client registration." },
  expired: { title: "The sign-in expired before it reached Bulwark", detail: "The identity provider's token was no longer valid. Sign in again; if it keeps happening, the clocks of the provider and this server disagree." },
  invalid_token: { title: "The identity provider's answer could not be verified", detail: "Bulwark could not check the token it received (signature, nonce or format). Nothing was signed in. Ask your administrator." },
  provider_unreachable: { title: "The identity provider could not be reached", detail: "Bulwark could not talk to the identity provider set in BULWARK_OIDC_ISSUER (down, wrong address, or not an OpenID provider). Try again later or ask your administrator." },
  provider_refused: { title: "The identity provider refused the sign-in", detail: "The provider answered with an error (you cancelled, or it does not allow you to use Bulwark). Sign in again, or ask your administrator." },
  email_missing: { title: "Your identity provider sent no verified e-mail address", detail: "Bulwark needs a verified e-mail address to know who you are. Ask your administrator to release the email claim to Bulwark." },
  domain_not_allowed: { title: "Your e-mail domain is not allowed here", detail: "This instance only accepts single sign-on from the e-mail domains in BULWARK_OIDC_ALLOWED_DOMAINS." },
  group_not_mapped: { title: "None of your groups gives you a role in Bulwark", detail: "Your identity provider's groups are not mapped to any team (BULWARK_OIDC_ROLE_MAP), and no team admin has added you. Ask a team admin or your identity administrator." },
  passwords_off: { title: "Passwords are turned off on this instance", detail: "Sign in with single sign-on." },
} as const satisfies Record<string, { title: string; detail: string }>;
export type SsoFailure = keyof typeof SSO_FAILURES;

export class SsoError extends Error {
  constructor(
    readonly code: SsoFailure,
    detail?: string,
  ) {
    super(detail ? `${SSO_FAILURES[code].title}: ${detail}` : SSO_FAILURES[code].title);
  }
}

/** What the sign-in page offers: the single sign-on button (its label) and/or the password form. */
export function signInMethods(): { sso: string | null; passwords: boolean } {
  const e = env();
  return { sso: e.BULWARK_OIDC_ISSUER ? e.BULWARK_OIDC_NAME : null, passwords: e.BULWARK_PASSWORD_SIGN_IN };
}

/** next-auth's own error codes (redirects to the error page with ?error=…) in the same words. */
export function ssoFailureOf(query: { code?: string; error?: string }): SsoFailure | null {
  if (query.code && query.code in SSO_FAILURES) return query.code as SsoFailure;
  if (query.error === "OAuthSignin") return "provider_unreachable";
  if (query.error === "OAuthCallback" || query.error === "AccessDenied" || query.error === "Callback") return "provider_refused";
  return null;
}

/** An error from checking the provider's answer (openid-client, the token endpoint, the network) as a failure. */
export function tokenFailure(e: unknown): SsoError {
  const err = e as Error & { error?: string; code?: string; cause?: { code?: string } };
  const m = err?.message ?? String(e);
  if (/unexpected iss value|iss mismatch/.test(m)) return new SsoError("unknown_issuer");
  if (/aud mismatch|aud is missing|azp (mismatch|must be)|missing required JWT property azp/.test(m)) return new SsoError("wrong_audience");
  if (/JWT expired|issued too far in the past|JWT not active yet|iat is in the future/.test(m)) return new SsoError("expired");
  if (/ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|outgoing request timed out|socket hang up/.test(`${m} ${err?.code ?? ""} ${err?.cause?.code ?? ""}`)) return new SsoError("provider_unreachable");
  if (typeof err?.error === "string") return new SsoError("provider_refused", err.error);
  return new SsoError("invalid_token");
}

/** The part of openid-client's Client that the sign-in uses (next-auth hands us one). */
export interface OidcClient {
  callback(redirectUri: string, params: Record<string, unknown>, checks: Record<string, unknown>): Promise<{ claims(): Record<string, unknown> }>;
}

/**
 * The provider's answer at the redirect URI, checked by openid-client: state, issuer, the code exchange (when
 * a code came) and the ID token (signature, issuer, audience, expiry, nonce). A failure is named as an SsoError.
 */
export async function verifyCallback(client: OidcClient, redirectUri: string, params: Record<string, unknown>, checks: Record<string, unknown>) {
  try {
    return await client.callback(redirectUri, params, checks);
  } catch (e) {
    throw tokenFailure(e);
  }
}

export interface SsoSettings {
  allowedDomains: string[];
  groupsClaim: string;
  roleMap: RoleMapping[];
}

export function ssoSettings(): SsoSettings {
  const e = env();
  return { allowedDomains: e.BULWARK_OIDC_ALLOWED_DOMAINS ?? [], groupsClaim: e.BULWARK_OIDC_GROUPS_CLAIM, roleMap: e.BULWARK_OIDC_ROLE_MAP ?? [] };
}

/** An account made by single sign-on has no password: this is not an argon2 hash, so no password ever matches it. */
export const NO_PASSWORD = "!sso-only";

const rank = (r: SsoRole) => SSO_ROLES.indexOf(r); // lower = more rights

/** The team roles the groups give: for each mapped team the strongest role of the person's groups. */
export function rolesFromGroups(groups: string[], roleMap: RoleMapping[]): Map<string, SsoRole> {
  const roles = new Map<string, SsoRole>();
  for (const m of roleMap) {
    if (!groups.includes(m.group)) continue;
    const had = roles.get(m.team);
    if (!had || rank(m.role) < rank(had)) roles.set(m.team, m.role);
  }
  return roles;
}

/**
 * The Bulwark account for verified ID-token claims: found by e-mail (an existing password account is the
 * same person: the provider verified the address) or created just in time. With a role map, the person's
 * memberships of the mapped teams follow their groups (added, changed or removed, each in the team's audit
 * log); teams the map does not name keep what their admins assigned. Throws SsoError.
 */
export async function ssoUser(claims: Record<string, unknown>, settings: SsoSettings = ssoSettings()) {
  const parsedEmail = EmailSchema.safeParse(claims.email);
  if (!parsedEmail.success || claims.email_verified === false) throw new SsoError("email_missing");
  const email = parsedEmail.data;
  const domain = email.split("@").pop()!;
  if (settings.allowedDomains.length && !settings.allowedDomains.includes(domain)) throw new SsoError("domain_not_allowed", domain);
  const rawGroups = claims[settings.groupsClaim];
  const groups = (Array.isArray(rawGroups) ? rawGroups : typeof rawGroups === "string" ? [rawGroups] : []).filter((g): g is string => typeof g === "string");
  const mappedTeams = [...new Set(settings.roleMap.map((m) => m.team))];
  const teams = await db.team.findMany({ where: { slug: { in: mappedTeams } }, select: { id: true, slug: true } });
  // A mapped team that does not exist (yet) gives no role.
  const wanted = rolesFromGroups(groups, settings.roleMap.filter((m) => teams.some((t) => t.slug === m.team)));
  const name = typeof claims.name === "string" && claims.name.trim() ? claims.name.trim().slice(0, 200) : email.split("@")[0]!;

  const result = await db.$transaction(async (tx) => {
    const existing = await tx.user.findUnique({ where: { email } });
    const user = existing ?? (await tx.user.create({ data: { email, name, passwordHash: NO_PASSWORD } }));
    const actor = { userId: user.id, label: `${email} (single sign-on)` };
    const current = await tx.membership.findMany({ where: { userId: user.id, teamId: { in: teams.map((t) => t.id) } } });
    for (const team of teams) {
      const role = wanted.get(team.slug);
      const had = current.find((m) => m.teamId === team.id);
      if (role && !had) {
        const m = await tx.membership.create({ data: { userId: user.id, teamId: team.id, role } });
        await appendAudit(tx, { teamId: team.id, actor, action: "member.add", subjectType: "Membership", subjectId: m.id, details: { email, role, via: "single sign-on group claim" } });
      } else if (role && had && had.role !== role) {
        await tx.membership.update({ where: { id: had.id }, data: { role } });
        await appendAudit(tx, { teamId: team.id, actor, action: "member.role.change", subjectType: "Membership", subjectId: had.id, details: { email, from: had.role, to: role, via: "single sign-on group claim" } });
      } else if (!role && had) {
        await tx.membership.delete({ where: { id: had.id } });
        await appendAudit(tx, { teamId: team.id, actor, action: "member.remove", subjectType: "Membership", subjectId: had.id, details: { email, role: had.role, via: "single sign-on group claim" } });
      }
    }
    return { user, created: !existing, memberships: await tx.membership.count({ where: { userId: user.id } }) };
  });
  if (settings.roleMap.length && wanted.size === 0 && result.memberships === 0) {
    // No mapped group and no role a team admin assigned: refused (memberships the groups no longer give are
    // gone), and an account made only for this attempt is not kept.
    if (result.created) await db.user.deleteMany({ where: { id: result.user.id, memberships: { none: {} } } });
    throw new SsoError("group_not_mapped", groups.length ? groups.join(", ") : "no groups");
  }
  const { user } = result;
  return { id: user.id, email: user.email, name: user.name, sessionVersion: user.sessionVersion };
}
