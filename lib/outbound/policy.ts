import { isIP } from "node:net";
import { z } from "zod";
import { classifyAddress } from "./address";

// Where a team's outbound calls may go. The allowlist is set by a team ADMIN; each entry names a host
// (exact, or `*.example.com` for its subdomains). Private, loopback and link-local addresses stay
// refused unless the entry names one exact host and the ADMIN ticked "allow private addresses" for it.

const HOST_RE = /^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;

export const AllowedHost = z
  .object({
    host: z
      .string()
      .trim()
      .toLowerCase()
      .min(1, { error: "enter a host name" })
      .max(253, { error: "a host name has at most 253 characters" })
      .refine((h) => HOST_RE.test(h) || isIP(h.replace(/^\[|\]$/g, "")) !== 0, {
        error: "expected a host name such as models.example.com, *.example.com, or an IP address (no scheme, port or path)",
      })
      .transform((h) => h.replace(/^\[|\]$/g, "")),
    allowPrivate: z.boolean().default(false),
  })
  .refine((e) => !(e.allowPrivate && e.host.startsWith("*.")), {
    error: "private addresses can only be allowed for one named host, not a wildcard",
    path: ["allowPrivate"],
  });
export type AllowedHost = z.infer<typeof AllowedHost>;

export const OutboundAllowlist = z.array(AllowedHost).max(100, { error: "at most 100 hosts" });

export type OutboundErrorCode =
  | "bad_url"
  | "host_not_allowed"
  | "private_address"
  | "dns_failed"
  | "timeout"
  | "too_large"
  | "too_many_redirects"
  | "network"
  | "http_status";

/** A refused or failed outbound call. The message never carries request headers or bodies. */
export class OutboundError extends Error {
  constructor(
    readonly code: OutboundErrorCode,
    message: string,
    /** Worth another attempt (timeouts, resets, 5xx, 429); refusals never are. */
    readonly retryable = false,
    readonly status?: number,
  ) {
    super(message);
    this.name = "OutboundError";
  }
}

/** Lower-case, no brackets or trailing dot; IP literals in one spelling (::ffff:7f00:1 = ::ffff:127.0.0.1). */
function normalHost(host: string): string {
  const h = host.toLowerCase().replace(/^\[|\]$/g, "").replace(/\.$/, "");
  return isIP(h) ? classifyAddress(h).address : h;
}

/** The allowlist entry that admits `host`, if any. An exact entry wins over a wildcard. */
export function matchAllowlist(host: string, allowlist: AllowedHost[]): AllowedHost | null {
  const h = normalHost(host);
  const exact = allowlist.find((e) => normalHost(e.host) === h);
  if (exact) return exact;
  return allowlist.find((e) => e.host.startsWith("*.") && h.endsWith(e.host.slice(1)) && h.length > e.host.length - 1) ?? null;
}

/** Parses a URL an outbound call may use: http(s) only, no user:password part. */
export function parseOutboundUrl(url: string): URL {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new OutboundError("bad_url", "The URL is not valid: expected an absolute http:// or https:// URL.");
  }
  if (u.protocol !== "http:" && u.protocol !== "https:") {
    throw new OutboundError("bad_url", `The URL scheme ${u.protocol} is not allowed: use http:// or https://.`);
  }
  if (u.username || u.password) {
    throw new OutboundError("bad_url", "The URL must not contain a user name or password: use the authentication settings instead.");
  }
  return u;
}

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Resolves a host name to all its addresses (the system resolver by default; tests inject their own). */
export type Resolver = (host: string) => Promise<ResolvedAddress[]>;

export interface CheckedTarget {
  url: URL;
  /** The host name without brackets, as sent in Host and SNI. */
  host: string;
  /** The address the connection must use: the one that was checked. */
  address: string;
  family: 4 | 6;
}

/**
 * Checks one URL against the allowlist and the address rules, after DNS resolution. Every address the
 * name resolves to must pass (an attacker's DNS can return a public and a private one); the connection
 * is then pinned to the first, so a second lookup cannot swap in another (DNS rebinding).
 */
export async function checkTarget(url: URL, allowlist: AllowedHost[], resolve: Resolver): Promise<CheckedTarget> {
  const host = url.hostname.replace(/^\[|\]$/g, "");
  const entry = matchAllowlist(host, allowlist);
  if (!entry) {
    throw new OutboundError(
      "host_not_allowed",
      `The host ${host} is not on this team's outbound allowlist. A team admin can add it under Settings → Outbound hosts.`,
    );
  }
  let addresses: ResolvedAddress[];
  if (isIP(host)) {
    addresses = [{ address: host, family: isIP(host) as 4 | 6 }];
  } else {
    try {
      addresses = await resolve(host);
    } catch (e) {
      throw new OutboundError("dns_failed", `The host ${host} could not be resolved (${(e as NodeJS.ErrnoException).code ?? "DNS error"}).`, true);
    }
    if (addresses.length === 0) throw new OutboundError("dns_failed", `The host ${host} has no addresses.`, true);
  }
  const verdicts = addresses.map((a) => classifyAddress(a.address));
  const blocked = verdicts.find((v) => v.blockedRange);
  if (blocked && !entry.allowPrivate) {
    const via = isIP(host) ? "" : ` (${host} resolves to ${blocked.address})`;
    throw new OutboundError(
      "private_address",
      `Refused: the address${via} is ${blocked.blockedRange}, which outbound calls may not reach. ` +
        `A team admin may allow it for this one named host under Settings → Outbound hosts.`,
    );
  }
  return { url, host, address: addresses[0].address, family: verdicts[0].family };
}
