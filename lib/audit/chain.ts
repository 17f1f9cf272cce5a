import { createHash } from "node:crypto";

// Pure hash-chain rules for the audit log. An event's hash covers every field that states what
// happened plus the previous event's hash, so editing, deleting or reordering any event breaks
// the chain from that point on.

export const GENESIS_HASH = "0".repeat(64);

export interface ChainedEventFields {
  teamId: string;
  seq: number;
  actorId: string | null;
  actorLabel: string;
  action: string;
  subjectType: string;
  subjectId: string | null;
  details: unknown;
  createdAt: Date;
  prevHash: string;
}

/** JSON with object keys sorted at every level: the same value always gives the same bytes. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") {
    if (typeof value === "number" && !Number.isFinite(value)) throw new Error("canonicalJson: non-finite number");
    return JSON.stringify(value) ?? "null";
  }
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
}

export function sha256Hex(data: string | Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

export function eventHash(e: ChainedEventFields): string {
  return sha256Hex(
    canonicalJson({
      teamId: e.teamId,
      seq: e.seq,
      actorId: e.actorId,
      actorLabel: e.actorLabel,
      action: e.action,
      subjectType: e.subjectType,
      subjectId: e.subjectId,
      details: e.details,
      createdAt: e.createdAt.toISOString(),
      prevHash: e.prevHash,
    }),
  );
}

export type ChainVerdict =
  | { intact: true; count: number; head: string }
  | { intact: false; count: number; brokenAt: { seq: number; id?: string; reason: string } };

/**
 * Recomputes a team's chain (events in seq order) and names the first broken link. `from` continues a
 * chain already verified up to event `seq - 1` whose hash is `prevHash` (default: the whole chain).
 */
export function verifyChain(events: (ChainedEventFields & { id?: string; hash: string })[], from: { seq: number; prevHash: string } = { seq: 1, prevHash: GENESIS_HASH }): ChainVerdict {
  let prev = from.prevHash;
  let expectedSeq = from.seq;
  for (const e of events) {
    const at = (reason: string): ChainVerdict => ({ intact: false, count: events.length, brokenAt: { seq: e.seq, id: e.id, reason } });
    if (e.seq !== expectedSeq) return at(`event #${expectedSeq} is missing (found #${e.seq} next)`);
    if (e.prevHash !== prev) return at(`event #${e.seq} does not point to the hash of event #${e.seq - 1}`);
    if (eventHash(e) !== e.hash) return at(`event #${e.seq} was changed after it was written (its hash does not match its content)`);
    prev = e.hash;
    expectedSeq++;
  }
  return { intact: true, count: events.length, head: prev };
}
