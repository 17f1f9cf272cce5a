import { createServer, type Server } from "node:http";
import Provider from "oidc-provider";

// A real OpenID provider (oidc-provider, the certified Node implementation) on a free loopback port, started
// and stopped by the tests. Accounts are given by the test (claims per login name); the provider's own
// development login form takes any password; consent is granted automatically for the registered clients.

export interface OidcAccount {
  email?: string;
  email_verified?: boolean;
  name?: string;
  groups?: string[];
}
export interface OidcClientRegistration {
  client_id: string;
  client_secret: string;
  redirect_uris: string[];
}

export async function startOidcProvider(clients: OidcClientRegistration[], accounts: Record<string, OidcAccount>, opts: { port?: number } = {}) {
  const server: Server = createServer();
  await new Promise<void>((r) => server.listen(opts.port ?? 0, "127.0.0.1", () => r()));
  const issuer = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  const provider = new Provider(issuer, {
    clients: clients.map((c) => ({ ...c, grant_types: ["authorization_code"], response_types: ["code"] })),
    findAccount: (_ctx: unknown, id: string) => ({ accountId: id, claims: () => ({ sub: id, ...accounts[id] }) }),
    claims: { openid: ["sub"], email: ["email", "email_verified"], profile: ["name"], groups: ["groups"] },
    scopes: ["openid", "email", "profile", "groups"],
    // Put the scope claims into the ID token itself (Bulwark reads the ID token, not the userinfo endpoint).
    conformIdTokenClaims: false,
    cookies: { keys: ["bulwark-test-oidc-cookie-key"] },
    ttl: { Interaction: 600, Session: 600, Grant: 600, AccessToken: 600, IdToken: 600 },
    features: { devInteractions: { enabled: true } },
    async loadExistingGrant(ctx: { oidc: { client: { clientId: string }; session: { accountId: string }; provider: Provider } }) {
      const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
      grant.addOIDCScope("openid email profile groups");
      grant.addOIDCClaims(["email", "email_verified", "name", "groups"]);
      await grant.save();
      return grant;
    },
  });
  server.on("request", provider.callback());
  return {
    issuer,
    accounts,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/**
 * Signs `login` in at the provider the way a browser would (authorization request, the provider's login form,
 * its redirects with their cookies) and returns the parameters the provider sends to the redirect URI.
 * `abort` presses the form's cancel instead.
 */
export async function authorizeAt(authorizationUrl: string, login: string, opts: { abort?: boolean } = {}): Promise<URLSearchParams> {
  const jar = new Map<string, string>();
  const send = async (url: string, init: RequestInit = {}) => {
    const res = await fetch(url, { ...init, redirect: "manual", headers: { ...(init.headers as Record<string, string>), cookie: [...jar].map(([k, v]) => `${k}=${v}`).join("; ") } });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(";");
      const i = pair!.indexOf("=");
      jar.set(pair!.slice(0, i), pair!.slice(i + 1));
    }
    return res;
  };
  let url = authorizationUrl;
  for (let hop = 0; hop < 10; hop++) {
    const res = await send(url);
    const location = res.headers.get("location");
    if (location) {
      const next = new URL(location, url);
      if (!next.pathname.startsWith("/interaction/") && !next.pathname.startsWith("/auth")) return next.searchParams;
      url = next.toString();
      continue;
    }
    // The login form: post it (or its abort link) like the browser would.
    const html = await res.text();
    const action = /action="([^"]+)"/.exec(html)?.[1];
    if (!action) throw new Error(`the provider showed no form at ${url}: ${html.slice(0, 300)}`);
    const target = new URL(opts.abort ? `${new URL(action, url).pathname}/abort` : action, url).toString();
    const posted = opts.abort ? await send(target) : await send(target, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams({ prompt: "login", login, password: "any" }).toString() });
    url = new URL(posted.headers.get("location")!, url).toString();
  }
  throw new Error("too many redirects at the provider");
}
