import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { Issuer, generators, type Client } from "openid-client";
import { db } from "../db/client";
import { makeTeam } from "../../test/fixtures";
import { authorizeAt, startOidcProvider } from "../../test/oidc";
import { verifyCallback, ssoFailureOf, ssoUser, SsoError, SSO_FAILURES, NO_PASSWORD, type SsoFailure, type SsoSettings } from "./oidc";
import { parseRoleMap } from "./oidc-config";
import { verifyPassword } from "./password";

// Single sign-on against real OpenID providers (oidc-provider) started by this file: the code flow as a browser
// drives it, the exchange and ID-token check by openid-client (what next-auth runs), then Bulwark's rules.
// One row per failure the error page names.

const REDIRECT = "http://127.0.0.1:3999/api/auth/callback/oidc";
const bulwark = { client_id: "bulwark", client_secret: "bulwark-client-secret-for-tests", redirect_uris: [REDIRECT] };
const otherApp = { client_id: "other-app", client_secret: "other-app-secret-for-tests", redirect_uris: [REDIRECT] };
const accounts = {
  ada: { email: "ada@acme.test", email_verified: true, name: "Ada Admin", groups: ["bulwark-admins", "everyone"] },
  eve: { email: "eve@acme.test", email_verified: true, name: "Eve Engineer", groups: ["ml-engineers"] },
  mia: { email: "mia@acme.test", email_verified: true, name: "Mia Marketing", groups: ["marketing"] },
  out: { email: "out@elsewhere.test", email_verified: true, groups: ["ml-engineers"] },
  unv: { email: "unv@acme.test", email_verified: false, groups: ["ml-engineers"] },
};

let idp: Awaited<ReturnType<typeof startOidcProvider>>;
let otherIdp: Awaited<ReturnType<typeof startOidcProvider>>;
let team: Awaited<ReturnType<typeof makeTeam>>;
let settings: SsoSettings;

const clientAt = async (issuerUrl: string, reg: typeof bulwark): Promise<Client> => new (await Issuer.discover(issuerUrl)).Client({ ...reg, redirect_uris: reg.redirect_uris });

/** The code flow at `issuerUrl` for client `reg`, signed in as `login`: the callback parameters and the checks. */
async function authorize(issuerUrl: string, reg: typeof bulwark, login: string, opts: { abort?: boolean } = {}) {
  const client = await clientAt(issuerUrl, reg);
  const checks = { state: generators.state(), nonce: generators.nonce(), code_verifier: generators.codeVerifier() };
  const url = client.authorizationUrl({ scope: "openid email profile groups", state: checks.state, nonce: checks.nonce, code_challenge: generators.codeChallenge(checks.code_verifier), code_challenge_method: "S256" });
  return { params: Object.fromEntries(await authorizeAt(url, login, opts)), checks, client };
}

/**
 * A real ID token (from a completed flow `a`, whoever it was issued to) handed to `client` as an authorization
 * response carrying it (response_type id_token), checked at time `now`.
 */
async function presentIdToken(client: Client, a: Awaited<ReturnType<typeof authorize>>, now?: number) {
  const { id_token } = await a.client.callback(REDIRECT, a.params, a.checks);
  if (now) vi.useFakeTimers({ toFake: ["Date"], now });
  try {
    return await verifyCallback(client, REDIRECT, { id_token }, { nonce: a.checks.nonce, response_type: "id_token" });
  } finally {
    vi.useRealTimers();
  }
}

/** Bulwark's whole sign-in for `login`: exchange at the trusted issuer, then the account rules. */
async function signIn(login: string) {
  const { params, checks, client } = await authorize(idp.issuer, bulwark, login);
  return ssoUser((await verifyCallback(client, REDIRECT, params, checks)).claims(), settings);
}

beforeAll(async () => {
  [idp, otherIdp] = await Promise.all([startOidcProvider([bulwark, otherApp], accounts), startOidcProvider([bulwark], accounts)]);
  team = await makeTeam("sso");
  settings = { allowedDomains: ["acme.test"], groupsClaim: "groups", roleMap: parseRoleMap(`bulwark-admins=${team.team.slug}:ADMIN; ml-engineers=${team.team.slug}:ENGINEER; everyone=${team.team.slug}:VIEWER`) };
});
afterAll(async () => {
  vi.useRealTimers();
  await Promise.all([idp?.stop(), otherIdp?.stop()]);
});

describe("single sign-on against a real OpenID provider", () => {
  it("creates the account just in time with the team role its groups map to, and follows group changes", async () => {
    const ada = await signIn("ada");
    const row = await db.user.findUniqueOrThrow({ where: { id: ada.id }, include: { memberships: true } });
    expect(row).toMatchObject({ email: "ada@acme.test", name: "Ada Admin", passwordHash: NO_PASSWORD });
    // The strongest role of her groups (admins and everyone → ADMIN); no password ever matches the account.
    expect(row.memberships.map((m) => [m.teamId, m.role])).toEqual([[team.team.id, "ADMIN"]]);
    expect(await verifyPassword(row.passwordHash, NO_PASSWORD)).toBe(false);
    // The same person again is the same account; losing the admin group demotes her, recorded in the audit log.
    accounts.ada.groups = ["everyone"];
    expect((await signIn("ada")).id).toBe(ada.id);
    expect((await db.membership.findFirstOrThrow({ where: { userId: ada.id } })).role).toBe("VIEWER");
    const membership = await db.membership.findFirstOrThrow({ where: { userId: ada.id } });
    const audit = await db.auditEvent.findMany({ where: { teamId: team.team.id, subjectId: membership.id }, orderBy: { seq: "asc" } });
    expect(audit.map((a) => a.action)).toEqual(["member.add", "member.role.change"]);
    expect(audit[1]!.details).toMatchObject({ from: "ADMIN", to: "VIEWER", via: "single sign-on group claim" });
  });

  it("links an existing password account with the same verified e-mail, keeping its password", async () => {
    const existing = await db.user.findUniqueOrThrow({ where: { email: team.users.ENGINEER.email } });
    const s = { ...settings, allowedDomains: [] };
    const { params, checks, client } = await authorize(idp.issuer, bulwark, "eve");
    const claims = { ...(await verifyCallback(client, REDIRECT, params, checks)).claims(), email: existing.email };
    expect((await ssoUser(claims, s)).id).toBe(existing.id);
    expect((await db.user.findUniqueOrThrow({ where: { id: existing.id } })).passwordHash).toBe(existing.passwordHash);
  });

  // Each failure the error page names, produced by the real provider(s).
  const failures: { name: string; code: SsoFailure; run: () => Promise<unknown> }[] = [
    {
      name: "unknown issuer: the answer comes from another provider (RFC 9207 iss in the response)",
      code: "unknown_issuer",
      run: async () => {
        const other = await authorize(otherIdp.issuer, bulwark, "eve");
        return verifyCallback(await clientAt(idp.issuer, bulwark), REDIRECT, other.params, other.checks);
      },
    },
    {
      name: "unknown issuer: an ID token signed by another provider",
      code: "unknown_issuer",
      run: async () => {
        const other = await authorize(otherIdp.issuer, bulwark, "eve");
        return presentIdToken(await clientAt(idp.issuer, bulwark), other);
      },
    },
    {
      name: "wrong audience: an ID token the provider issued to another application",
      code: "wrong_audience",
      run: async () => {
        const other = await authorize(idp.issuer, otherApp, "eve");
        return presentIdToken(await clientAt(idp.issuer, bulwark), other);
      },
    },
    {
      name: "expired: the ID token checked after its lifetime",
      code: "expired",
      run: async () => {
        const a = await authorize(idp.issuer, bulwark, "eve");
        // Bulwark's clock two hours on: the token's lifetime (10 minutes here) is over when it is checked.
        return presentIdToken(a.client, a, Date.now() + 2 * 3600_000);
      },
    },
    { name: "group not mapped: none of the person's groups names a team", code: "group_not_mapped", run: () => signIn("mia") },
    { name: "domain not allowed: an e-mail outside the allowed domains", code: "domain_not_allowed", run: () => signIn("out") },
    { name: "e-mail not verified by the provider", code: "email_missing", run: () => signIn("unv") },
    {
      name: "the person cancels at the provider",
      code: "provider_refused",
      run: async () => {
        const a = await authorize(idp.issuer, bulwark, "eve", { abort: true });
        expect(a.params.error).toBe("access_denied");
        return verifyCallback(a.client, REDIRECT, a.params, a.checks);
      },
    },
    {
      name: "the provider's token endpoint cannot be reached",
      code: "provider_unreachable",
      run: async () => {
        const a = await authorize(idp.issuer, bulwark, "eve");
        const meta = (await Issuer.discover(idp.issuer)).metadata;
        const down = new new Issuer({ ...meta, token_endpoint: "http://127.0.0.1:9/token" }).Client(bulwark);
        return verifyCallback(down, REDIRECT, a.params, a.checks);
      },
    },
  ];

  it.each(failures)("refuses: $name", async ({ code, run }) => {
    const before = await db.user.count();
    const err = await run().then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(SsoError);
    expect((err as SsoError).code).toBe(code);
    expect((err as SsoError).message).toContain(SSO_FAILURES[code].title);
    // Nothing is kept of a refused sign-in.
    expect(await db.user.count()).toBe(before);
    // The error page finds the same words from the code in its address.
    expect(ssoFailureOf({ code })).toBe(code);
  });

  it("next-auth's own error codes map to a named failure; unknown ones to none", () => {
    expect(ssoFailureOf({ error: "OAuthSignin" })).toBe("provider_unreachable");
    expect(ssoFailureOf({ error: "OAuthCallback" })).toBe("provider_refused");
    expect(ssoFailureOf({ code: "<script>" })).toBeNull();
  });

  it("a group that no longer maps removes the membership and refuses; a role an admin gave keeps the door open", async () => {
    const eve = await signIn("eve");
    expect((await db.membership.findFirstOrThrow({ where: { userId: eve.id } })).role).toBe("ENGINEER");
    accounts.eve.groups = ["marketing"];
    await expect(signIn("eve")).rejects.toMatchObject({ code: "group_not_mapped" });
    expect(await db.membership.count({ where: { userId: eve.id } })).toBe(0);
    // A team the map does not name: its admin adds her by hand; single sign-on then lets her in with that role.
    const other = await makeTeam("manual");
    await db.membership.create({ data: { userId: eve.id, teamId: other.team.id, role: "REVIEWER" } });
    expect((await signIn("eve")).id).toBe(eve.id);
    expect((await db.membership.findMany({ where: { userId: eve.id } })).map((m) => m.role)).toEqual(["REVIEWER"]);
  });
});
