import type { Prisma } from "../db/generated/client";
import { db, type Tx } from "../db/client";
import { eventHash, GENESIS_HASH, verifyChain, type ChainVerdict } from "./chain";
import type { TeamScope } from "../teams/context";
import type { Actor } from "./actor";

export { SYSTEM_ACTOR, type Actor } from "./actor";

export interface AuditInput {
  teamId: string;
  actor: Actor;
  action: string; // e.g. "member.add", "model.version.create"
  subjectType: string;
  subjectId?: string | null;
  details?: Record<string, unknown>;
}

/**
 * Appends an event to the team's chain inside the caller's transaction, so the change and its record
 * commit together. Locking the team row serialises writers per team: the chain never forks.
 */
export async function appendAudit(tx: Tx, input: AuditInput) {
  await tx.$queryRaw`SELECT id FROM "Team" WHERE id = ${input.teamId} FOR UPDATE`;
  const last = await tx.auditEvent.findFirst({
    where: { teamId: input.teamId },
    orderBy: { seq: "desc" },
    select: { seq: true, hash: true },
  });
  const fields = {
    teamId: input.teamId,
    seq: (last?.seq ?? 0) + 1,
    actorId: input.actor.userId,
    actorLabel: input.actor.label,
    action: input.action,
    subjectType: input.subjectType,
    subjectId: input.subjectId ?? null,
    // Round-trip through JSON so the hashed value is exactly what the database stores and returns.
    details: JSON.parse(JSON.stringify(input.details ?? {})) as Prisma.InputJsonValue,
    createdAt: new Date(),
    prevHash: last?.hash ?? GENESIS_HASH,
  };
  return tx.auditEvent.create({ data: { ...fields, hash: eventHash(fields) } });
}

/** Shorthand for a change that is only the audit event itself. */
export async function recordAudit(input: AuditInput) {
  return db.$transaction((tx) => appendAudit(tx, input));
}

export async function verifyTeamChain(scope: TeamScope): Promise<ChainVerdict> {
  const teamId = scope.team.id;
  const events = await db.auditEvent.findMany({ where: { teamId }, orderBy: { seq: "asc" } });
  return verifyChain(events);
}

// Pages show on every view whether the chain verifies. Re-hashing the whole log each time grows with it
// (tens of thousands of events: hundreds of milliseconds per view under load, npm run bench:web). So, per
// team and process, remember the last verified link and hash only the events appended since; re-verify
// everything when the last full check is older than FULL_RECHECK_MS, or when the remembered link changed.
// The audit page, the API's verify endpoint and reports always check the whole chain (verifyTeamChain).
const FULL_RECHECK_MS = 5 * 60_000;
const CHAIN_SLICE = 1000;
const verifiedUpTo = new Map<string, { seq: number; hash: string; fullAt: number }>();
const fullChecks = new Map<string, Promise<ChainVerdict>>();

/**
 * verifyTeamChain for page views: the whole chain at most every 5 minutes, the new events in between.
 * `slice`: events read and hashed per turn of the event loop in a full check (tests use a small one).
 */
export async function verifyTeamChainRecent(scope: TeamScope, now = Date.now(), slice = CHAIN_SLICE): Promise<ChainVerdict> {
  const teamId = scope.team.id;
  const known = verifiedUpTo.get(teamId);
  if (known && now - known.fullAt < FULL_RECHECK_MS) {
    const [anchor, ...appended] = await db.auditEvent.findMany({ where: { teamId, seq: { gte: known.seq } }, orderBy: { seq: "asc" } });
    if (anchor && anchor.seq === known.seq && anchor.hash === known.hash && eventHash(anchor) === anchor.hash) {
      const verdict = verifyChain(appended, { seq: known.seq + 1, prevHash: known.hash });
      if (verdict.intact) {
        verifiedUpTo.set(teamId, { seq: known.seq + appended.length, hash: verdict.head, fullAt: known.fullAt });
        return { intact: true, count: known.seq + appended.length, head: verdict.head };
      }
    }
    // Something changed at or after the remembered link: the full check names the first broken link.
  }
  // Page views arriving while a full check runs wait for that one instead of each re-hashing the log.
  let pending = fullChecks.get(teamId);
  if (!pending) {
    pending = verifyTeamChainInSlices(scope, slice).then((full) => {
      if (full.intact && full.count > 0) verifiedUpTo.set(teamId, { seq: full.count, hash: full.head, fullAt: now });
      else verifiedUpTo.delete(teamId);
      return full;
    }).finally(() => fullChecks.delete(teamId));
    fullChecks.set(teamId, pending);
  }
  return pending;
}

/**
 * verifyTeamChain read and hashed CHAIN_SLICE events at a time, so the web process's periodic full check
 * (tens of thousands of events, a second of CPU under load: npm run bench:web) never holds its event loop
 * for long. A break is named by the one-pass check, exactly as the audit page names it.
 */
async function verifyTeamChainInSlices(scope: TeamScope, slice: number): Promise<ChainVerdict> {
  let from = { seq: 1, prevHash: GENESIS_HASH };
  for (;;) {
    const events = await db.auditEvent.findMany({ where: { teamId: scope.team.id, seq: { gte: from.seq } }, orderBy: { seq: "asc" }, take: slice });
    const verdict = verifyChain(events, from);
    if (!verdict.intact) return verifyTeamChain(scope);
    if (events.length > 0) from = { seq: from.seq + events.length, prevHash: verdict.head };
    if (events.length < slice) return { intact: true, count: from.seq - 1, head: from.prevHash };
    await new Promise((r) => setImmediate(r));
  }
}
