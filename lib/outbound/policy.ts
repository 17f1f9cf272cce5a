import { isIP } from "node:net";
import { z } from "zod";
import { classifyAddress } from "./address";

// Where outbound calls may go. Endpoint models: only hosts on the team's allowlist, each entry naming a host
// (exact, or `*.example.com` for subdomains of a DNS name) and the port(s) it may be reached on. Webhooks:
// any public host. Private, loopback and shared addresses are refused unless the instance operator allows
// private targets at all (BULWARK_OUTBOUND_ALLOW_PRIVATE) and a team ADMIN allowed them for that one exact
// host and port. Link-local, cloud metadata, multicast and reserved addresses are refused always.

const HOST_RE = /^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;
// A host whose last label is a number (decimal, or 0x hex) is read as an IPv4 address by URL parsers
// (`2130706433`, `127.1`, `0x7f.1`): it must be written as a dotted IPv4 address, and cannot be a wildcard.
const NUMERIC_LABEL_RE = /(^|\.)(\d+|0x[0-9a-f]*)$/;

/** The default port of a URL's scheme when it names none. */
export function portOf(url: URL): number {
  return url.port ? Number(url.port) : url.protocol === "https:" ? 443 : 80;
}

/** Port given when an entry names none: HTTPS. */
export const DEFAULT_PORTS = [443];
const MAX_PORTS = 16;

const isPort = (p: unknown) => /^\d{1,5}$/.test(String(p)) && Number(p) >= 1 && Number(p) <= 65535;

/** Ports as a list or as text ("443, 8443"): sorted, without duplicates. Errors name the list, not an index. */
export const PortList = z
  .preprocess(
    (v) => (typeof v === "string" ? v.split(/[\s,]+/).filter(Boolean) : v),
    z
      .array(z.union([z.number(), z.string()]), { error: "expected a list of ports such as 443, 8443" })
      .min(1, { error: "name at least one port, e.g. 443" })
      .max(MAX_PORTS, { error: `at most ${MAX_PORTS} ports per host` }),
  )
  .superRefine((ps, c) => {
    const bad = ps.find((p) => !isPort(p));
    if (bad !== undefined) c.addIssue({ code: "custom", message: `${String(bad)} is not a port: a port is a whole number between 1 and 65535` });
  })
  .transform((ps) => [...new Set(ps.map(Number))].sort((a, b) => a - b));

function hostProblem(h: string): string | null {
  const bare = h.replace(/^\[|\]$/g, "");
  if (isIP(bare)) {
    const v = classifyAddress(bare);
    return v.never ? `${bare} is ${v.blockedRange}: no setting can allow it` : null;
  }
  if (!HOST_RE.test(h)) return "expected a host name such as models.example.com, *.example.com, or an IP address (no scheme, port or path)";
  if (NUMERIC_LABEL_RE.test(h)) {
    return h.startsWith("*.")
      ? "a wildcard applies to DNS names only, not to IP addresses: name each address on its own"
      : "this reads as an IP address: write it in dotted form such as 10.0.0.5";
  }
  return null;
}

export const AllowedHost = z
  .object({
    host: z
      .string()
      .trim()
      .toLowerCase()
      .min(1, { error: "enter a host name" })
      .max(253, { error: "a host name has at most 253 characters" })
      .superRefine((h, c) => {
        const problem = hostProblem(h);
        if (problem) c.addIssue({ code: "custom", message: problem });
      })
      .transform((h) => h.replace(/^\[|\]$/g, "")),
    allowPrivate: z.boolean().default(false),
    ports: PortList.default(DEFAULT_PORTS),
  })
  .refine((e) => !(e.allowPrivate && e.host.startsWith("*.")), {
    error: "private addresses can only be allowed for one named host, not a wildcard",
    path: ["allowPrivate"],
  });
export type AllowedHost = z.output<typeof AllowedHost>;

export const OutboundAllowlist = z.array(AllowedHost).max(100, { error: "at most 100 hosts" });

export type OutboundErrorCode =
  | "bad_url"
  | "host_not_allowed"
  | "port_not_allowed"
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

/**
 * The allowlist entry for `host`, if any (ports are checked by the caller). An exact entry wins over a
 * wildcard; wildcards match subdomains of DNS names only, never an IP address.
 */
export function matchAllowlist(host: string, allowlist: AllowedHost[]): AllowedHost | null {
  const h = normalHost(host);
  const exact = allowlist.find((e) => !e.host.startsWith("*.") && normalHost(e.host) === h);
  if (exact) return exact;
  if (isIP(h) || NUMERIC_LABEL_RE.test(h)) return null;
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
  port: number;
  /** The address the connection must use: the one that was checked. */
  address: string;
  family: 4 | 6;
}

/** What a call may reach, read again for every request and every redirect hop. */
export interface TargetRules {
  /** The team's allowlist. */
  allowlist: AllowedHost[];
  /** Hosts off the allowlist may be reached when every address is public (webhooks); the allowlist then only grants private access. */
  anyPublicHost?: boolean;
  /** Instance-level (BULWARK_OUTBOUND_ALLOW_PRIVATE): without it no allowlist entry opens a private address. */
  instanceAllowsPrivate: boolean;
}

const ADMIN_HINT = "A team admin can add it under Settings → Outbound hosts.";

/**
 * Checks one URL against the rules and the address rules, after DNS resolution. Every address the
 * name resolves to must pass (an attacker's DNS can return a public and a private one); the connection
 * is then pinned to the first, so a second lookup cannot swap in another (DNS rebinding).
 */
export async function checkTarget(url: URL, rules: TargetRules, resolve: Resolver): Promise<CheckedTarget> {
  const host = url.hostname.replace(/^\[|\]$/g, "");
  const port = portOf(url);
  const entry = matchAllowlist(host, rules.allowlist);
  const portListed = entry?.ports.includes(port) ?? false;
  if (!rules.anyPublicHost) {
    if (!entry) throw new OutboundError("host_not_allowed", `The host ${host} is not on this team's outbound allowlist. ${ADMIN_HINT}`);
    if (!portListed) {
      throw new OutboundError("port_not_allowed", `Port ${port} is not allowed for ${host} (allowed: ${entry.ports.join(", ")}). ${ADMIN_HINT}`);
    }
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
  const via = (v: { address: string }) => (isIP(host) ? "" : ` (${host} resolves to ${v.address})`);
  const never = verdicts.find((v) => v.never);
  if (never) {
    throw new OutboundError("private_address", `Refused: the address${via(never)} is ${never.blockedRange}, which outbound calls may never reach.`);
  }
  const blocked = verdicts.find((v) => v.blockedRange);
  if (blocked) {
    const exactEntry = entry && !entry.host.startsWith("*.") ? entry : null;
    const why = !rules.instanceAllowsPrivate
      ? "This instance does not allow calls to private addresses (the operator's setting BULWARK_OUTBOUND_ALLOW_PRIVATE)."
      : !exactEntry?.allowPrivate
        ? `A team admin may allow private addresses for this one named host under Settings → Outbound hosts.`
        : !portListed
          ? `Private addresses are allowed for ${host} on port${exactEntry.ports.length > 1 ? "s" : ""} ${exactEntry.ports.join(", ")} only.`
          : null;
    if (why) throw new OutboundError("private_address", `Refused: the address${via(blocked)} is ${blocked.blockedRange}, which outbound calls may not reach. ${why}`);
  }
  return { url, host, port, address: addresses[0].address, family: verdicts[0].family };
}
