import { NextResponse, type NextRequest } from "next/server";
import { env } from "@/lib/env";
import { buildCsp, isHttpsUrl, newNonce, securityHeaders } from "@/lib/security/headers";
import { PATH_HEADER } from "@/lib/auth/return-to";

// Security headers with a per-request CSP nonce. Next reads the nonce from the request's
// Content-Security-Policy header and puts it on its own scripts and inline styles.
export function proxy(req: NextRequest) {
  const https = isHttpsUrl(env().nextAuthUrl);
  const nonce = newNonce();
  const csp = buildCsp(nonce, { dev: env().NODE_ENV === "development", https });
  const requestHeaders = new Headers(req.headers);
  requestHeaders.set("content-security-policy", csp);
  requestHeaders.set("x-nonce", nonce);
  // The page asked for, so a signed-out visitor returns to it after signing in (set here, never taken from the client).
  requestHeaders.set(PATH_HEADER, `${req.nextUrl.pathname}${req.nextUrl.search}`);
  const res = NextResponse.next({ request: { headers: requestHeaders } });
  res.headers.set("content-security-policy", csp);
  for (const [k, v] of Object.entries(securityHeaders({ https }))) res.headers.set(k, v);
  return res;
}

export const config = {
  matcher: [
    {
      source: "/((?!_next/static|_next/image|favicon.ico).*)",
      // Requests with a body (uploads, server actions, API writes) skip the proxy: Next would copy
      // their body into memory for it and cut it at 10 MB. They get next.config.ts's static headers
      // (a CSP without nonce), which is all a JSON or RSC answer needs.
      missing: [
        { type: "header", key: "content-type" },
        { type: "header", key: "content-length" },
        { type: "header", key: "transfer-encoding" },
      ],
    },
  ],
};
