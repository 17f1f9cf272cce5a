import type { NextAuthOptions } from "next-auth";
import type { OAuthConfig } from "next-auth/providers/oauth";
import CredentialsProvider from "next-auth/providers/credentials";
import { env } from "../env";
import { authenticate, SignInError } from "./sign-in";
import { verifyCallback, ssoUser, SsoError, type OidcClient } from "./oidc";

/** A working day by default (BULWARK_SESSION_HOURS). The app never extends a session: it ends this long after sign-in. */
export const sessionMaxAgeSeconds = () => Math.round(env().BULWARK_SESSION_HOURS * 3600);

function clientIp(headers: Record<string, unknown> | undefined): string {
  const fwd = headers?.["x-forwarded-for"];
  const first = (Array.isArray(fwd) ? fwd[0] : typeof fwd === "string" ? fwd : "").split(",")[0]?.trim();
  return first || "unknown";
}

function passwordProvider() {
  return CredentialsProvider({
    name: "E-mail and password",
    credentials: { email: { label: "E-mail", type: "email" }, password: { label: "Password", type: "password" } },
    async authorize(credentials, req) {
      try {
        return await authenticate(credentials?.email, credentials?.password, clientIp(req?.headers));
      } catch (e) {
        // next-auth passes the message of a thrown error to the sign-in page.
        if (e instanceof SignInError) throw new Error(e.message);
        throw new Error("Sign-in is unavailable right now. Try again in a minute.");
      }
    },
  });
}

/** A failed single sign-on travels to the signIn callback as this stand-in user, which is never signed in. */
type SsoOutcome = { id: string; email?: string; name?: string; sessionVersion?: number; ssoFailure?: string };

/** How long a request to the OpenID provider may take (discovery, keys, code exchange). */
const OIDC_HTTP_TIMEOUT_MS = 10_000;

/**
 * The OpenID Connect provider (when BULWARK_OIDC_ISSUER is set). The code exchange and the ID token check are
 * openid-client's; doing the exchange here lets a failure be named (issuer, audience, expiry…) on the error
 * page instead of next-auth's one generic "OAuthCallback".
 */
function oidcProvider(): OAuthConfig<Record<string, unknown>> | null {
  const e = env();
  if (!e.BULWARK_OIDC_ISSUER) return null;
  return {
    id: "oidc",
    name: e.BULWARK_OIDC_NAME,
    type: "oauth",
    wellKnown: `${e.BULWARK_OIDC_ISSUER.replace(/\/$/, "")}/.well-known/openid-configuration`,
    clientId: e.BULWARK_OIDC_CLIENT_ID,
    clientSecret: e.BULWARK_OIDC_CLIENT_SECRET,
    authorization: { params: { scope: e.BULWARK_OIDC_SCOPES } },
    checks: ["pkce", "state", "nonce"],
    // openid-client's default of 3.5 s for the discovery document, keys and code exchange refused sign-in
    // when the provider answered slowly (seen with the test provider on a loaded machine; a corporate IdP
    // behind a proxy can be as slow): a person waits a little longer instead of seeing "could not sign in".
    httpOptions: { timeout: OIDC_HTTP_TIMEOUT_MS },
    idToken: true,
    token: {
      async request({ client, params, checks, provider }) {
        try {
          const tokens = await verifyCallback(client as unknown as OidcClient, provider.callbackUrl, params as Record<string, unknown>, checks as Record<string, unknown>);
          return { tokens: tokens as never };
        } catch (err) {
          if (!(err instanceof SsoError)) throw err;
          return { tokens: { bulwark_sso_failure: err.code } as never };
        }
      },
    },
    userinfo: {
      async request({ tokens }) {
        // next-auth wraps what token.request returned in openid-client's TokenSet (claims() decodes the checked ID token).
        const set = tokens as unknown as { bulwark_sso_failure?: string; claims(): Record<string, unknown> };
        return set.bulwark_sso_failure ? { bulwark_sso_failure: set.bulwark_sso_failure } : set.claims();
      },
    },
    async profile(claims): Promise<SsoOutcome> {
      if (typeof claims.bulwark_sso_failure === "string") return { id: "sso-failure", ssoFailure: claims.bulwark_sso_failure };
      try {
        return await ssoUser(claims);
      } catch (err) {
        if (err instanceof SsoError) return { id: "sso-failure", ssoFailure: err.code };
        throw err;
      }
    },
  };
}

export function authOptions(): NextAuthOptions {
  const e = env();
  const oidc = oidcProvider();
  return {
    secret: e.nextAuthSecret,
    session: { strategy: "jwt", maxAge: sessionMaxAgeSeconds() },
    pages: { signIn: "/sign-in", error: "/sign-in/error" },
    providers: [...(oidc ? [oidc] : []), ...(e.BULWARK_PASSWORD_SIGN_IN ? [passwordProvider()] : [])],
    callbacks: {
      // A failed single sign-on goes to the error page that names the failure; no session is made.
      signIn({ user }) {
        const failure = (user as SsoOutcome).ssoFailure;
        return failure ? `/sign-in/error?code=${encodeURIComponent(failure)}` : true;
      },
      // The token carries the user's session version at sign-in; "sign out everywhere" bumps the
      // stored one, and getSessionUser refuses tokens with an older version.
      jwt({ token, user }) {
        if (user) {
          token.uid = user.id;
          token.sv = (user as { sessionVersion?: number }).sessionVersion ?? 0;
        }
        return token;
      },
      session({ session, token }) {
        if (session.user) Object.assign(session.user, { id: token.uid as string, sessionVersion: typeof token.sv === "number" ? token.sv : 0 });
        return session;
      },
    },
  };
}
