import { isIP } from "node:net";

// Which IP addresses an outbound call may reach. Pure: a literal address in, a verdict out.
// Everything that is not ordinary public unicast is refused: loopback, private, shared (CGNAT),
// link-local (cloud metadata at 169.254.169.254), multicast, documentation and reserved ranges, and
// IPv6 forms that embed an IPv4 address (mapped, NAT64, 6to4) are judged by the embedded address.
// Some ranges are refused always (`never`): link-local and the cloud metadata services, this-network,
// multicast and reserved. No setting, instance-level or team-level, lets a call reach them.

export interface AddressVerdict {
  /** Normalised address (IPv4 dotted, IPv6 fully expanded lower-case). */
  address: string;
  family: 4 | 6;
  /** null when the address is public; otherwise the name of the range it falls in. */
  blockedRange: string | null;
  /** True when no setting may allow it (link-local, metadata, multicast, reserved, this-network). */
  never: boolean;
}

interface Range {
  bits: 32 | 128;
  base: bigint;
  prefix: number;
  name: string;
  never: boolean;
}

function v4(cidr: string, name: string, never = false): Range {
  const [ip, p] = cidr.split("/");
  return { bits: 32, base: parseV4(ip)!, prefix: Number(p), name, never };
}
function v6(cidr: string, name: string, never = false): Range {
  const [ip, p] = cidr.split("/");
  return { bits: 128, base: parseV6(ip)!, prefix: Number(p), name, never };
}
const NEVER = true;

// RFC 6890 special-purpose registries (the parts an attacker could use to reach inside).
// Specific metadata addresses come before the ranges holding them, so the message names them.
const V4_BLOCKED: Range[] = [
  v4("0.0.0.0/8", "this-network (0.0.0.0/8)", NEVER),
  v4("10.0.0.0/8", "private (10.0.0.0/8)"),
  v4("100.100.100.200/32", "cloud metadata (100.100.100.200)", NEVER),
  v4("100.64.0.0/10", "shared address space (100.64.0.0/10)"),
  v4("127.0.0.0/8", "loopback (127.0.0.0/8)"),
  v4("168.63.129.16/32", "cloud platform endpoint (168.63.129.16)", NEVER),
  v4("169.254.169.254/32", "link-local, cloud metadata (169.254.169.254)", NEVER),
  v4("169.254.0.0/16", "link-local (169.254.0.0/16)", NEVER),
  v4("172.16.0.0/12", "private (172.16.0.0/12)"),
  v4("192.0.0.0/24", "IETF protocol assignments (192.0.0.0/24)"),
  v4("192.0.2.0/24", "documentation (192.0.2.0/24)"),
  v4("192.88.99.0/24", "6to4 relay (192.88.99.0/24)"),
  v4("192.168.0.0/16", "private (192.168.0.0/16)"),
  v4("198.18.0.0/15", "benchmarking (198.18.0.0/15)"),
  v4("198.51.100.0/24", "documentation (198.51.100.0/24)"),
  v4("203.0.113.0/24", "documentation (203.0.113.0/24)"),
  v4("224.0.0.0/4", "multicast (224.0.0.0/4)", NEVER),
  v4("240.0.0.0/4", "reserved (240.0.0.0/4)", NEVER),
];

const V6_BLOCKED: Range[] = [
  v6("::/128", "unspecified (::)", NEVER),
  v6("::1/128", "loopback (::1)"),
  v6("::/96", "IPv4-compatible (::/96)"),
  v6("100::/64", "discard (100::/64)"),
  v6("2001::/32", "Teredo (2001::/32)"),
  v6("2001:db8::/32", "documentation (2001:db8::/32)"),
  v6("fd00:ec2::254/128", "cloud metadata (fd00:ec2::254)", NEVER),
  v6("fc00::/7", "unique local (fc00::/7)"),
  v6("fe80::/10", "link-local (fe80::/10)", NEVER),
  v6("fec0::/10", "site-local (fec0::/10)"),
  v6("ff00::/8", "multicast (ff00::/8)", NEVER),
];

// IPv6 ranges whose low or middle bits carry an IPv4 address: judged by that address.
const MAPPED = v6("::ffff:0:0/96", "IPv4-mapped");
const NAT64 = v6("64:ff9b::/96", "NAT64");
const SIX_TO_FOUR = v6("2002::/16", "6to4");

function inRange(value: bigint, r: Range): boolean {
  const shift = BigInt(r.bits - r.prefix);
  return value >> shift === r.base >> shift;
}

function parseV4(s: string): bigint | null {
  const parts = s.split(".");
  if (parts.length !== 4) return null;
  let out = 0n;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return null;
    out = (out << 8n) | BigInt(Number(p));
  }
  return out;
}

function parseV6(input: string): bigint | null {
  let s = input.toLowerCase();
  const zone = s.indexOf("%");
  if (zone >= 0) s = s.slice(0, zone);
  // A trailing dotted IPv4 (::ffff:1.2.3.4) becomes two hex groups.
  const lastColon = s.lastIndexOf(":");
  const tail = s.slice(lastColon + 1);
  if (tail.includes(".")) {
    const v = parseV4(tail);
    if (v === null) return null;
    s = `${s.slice(0, lastColon + 1)}${(v >> 16n).toString(16)}:${(v & 0xffffn).toString(16)}`;
  }
  const halves = s.split("::");
  if (halves.length > 2) return null;
  const head = halves[0] ? halves[0].split(":") : [];
  const rest = halves.length === 2 && halves[1] ? halves[1].split(":") : [];
  const missing = 8 - head.length - rest.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return null;
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill("0"), ...rest];
  let out = 0n;
  for (const g of groups) {
    if (!/^[0-9a-f]{1,4}$/.test(g)) return null;
    out = (out << 16n) | BigInt(parseInt(g, 16));
  }
  return out;
}

function formatV4(v: bigint): string {
  return [24n, 16n, 8n, 0n].map((s) => Number((v >> s) & 0xffn)).join(".");
}

function formatV6(v: bigint): string {
  const groups: string[] = [];
  for (let i = 7; i >= 0; i--) groups.push(((v >> BigInt(i * 16)) & 0xffffn).toString(16).padStart(4, "0"));
  return groups.join(":");
}

function judgeV4(v: bigint): Range | null {
  return V4_BLOCKED.find((r) => inRange(v, r)) ?? null;
}

/**
 * Classifies a literal IP address (v4 or v6, IPv6 may carry a zone or a dotted tail).
 * Throws on anything that is not an IP literal: callers resolve names first.
 */
export function classifyAddress(address: string): AddressVerdict {
  const raw = address.startsWith("[") && address.endsWith("]") ? address.slice(1, -1) : address;
  const kind = isIP(raw.split("%")[0]);
  if (kind === 4) {
    const v = parseV4(raw)!;
    const r = judgeV4(v);
    return { address: formatV4(v), family: 4, blockedRange: r?.name ?? null, never: r?.never ?? false };
  }
  if (kind === 6) {
    const v = parseV6(raw);
    if (v === null) throw new Error(`"${address}" is not an IP address`);
    const normal = formatV6(v);
    for (const [r, embedded] of [
      [MAPPED, v & 0xffffffffn],
      [NAT64, v & 0xffffffffn],
      [SIX_TO_FOUR, (v >> 80n) & 0xffffffffn],
    ] as const) {
      if (inRange(v, r)) {
        const inner = judgeV4(embedded);
        return { address: normal, family: 6, blockedRange: inner ? `${r.name} ${formatV4(embedded)}: ${inner.name}` : null, never: inner?.never ?? false };
      }
    }
    const r = V6_BLOCKED.find((x) => inRange(v, x));
    return { address: normal, family: 6, blockedRange: r?.name ?? null, never: r?.never ?? false };
  }
  throw new Error(`"${address}" is not an IP address`);
}
