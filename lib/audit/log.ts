import { z } from "zod";
import type { Prisma } from "../db/generated/client";
import { db, type Tx } from "../db/client";
import { eventHash, GENESIS_HASH, verifyChain, type ChainVerdict } from "./chain";

export interface Actor {
  userId: string | null;
  label: string; // e-mail, "api-token:<name>", or "system"
}

export const SYSTEM_ACTOR: Actor = { userId: null, label: "system" };

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

export async function verifyTeamChain(teamId: string): Promise<ChainVerdict> {
  const events = await db.auditEvent.findMany({ where: { teamId }, orderBy: { seq: "asc" } });
  return verifyChain(events);
}

export interface AuditFilter {
  action?: string;
  actor?: string;
  from?: Date;
  to?: Date;
  page?: number;
}

export const AUDIT_PAGE_SIZE = 50;

export async function findAuditEvents(teamId: string, f: AuditFilter) {
  const where: Prisma.AuditEventWhereInput = {
    teamId,
    ...(f.action ? { action: { startsWith: f.action } } : {}),
    ...(f.actor ? { actorLabel: { contains: f.actor, mode: "insensitive" } } : {}),
    ...(f.from || f.to ? { createdAt: { ...(f.from ? { gte: f.from } : {}), ...(f.to ? { lte: f.to } : {}) } } : {}),
  };
  const page = Math.max(1, f.page ?? 1);
  const [events, total] = await Promise.all([
    db.auditEvent.findMany({ where, orderBy: { seq: "desc" }, take: AUDIT_PAGE_SIZE, skip: (page - 1) * AUDIT_PAGE_SIZE }),
    db.auditEvent.count({ where }),
  ]);
  return { events, total, page, pages: Math.max(1, Math.ceil(total / AUDIT_PAGE_SIZE)) };
}

const dateParam = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, { error: "Use a date like 2026-01-31" })
  .optional()
  .or(z.literal("").transform(() => undefined));

/** Query-string filters of the audit page. */
export const AuditFilterSchema = z.object({
  action: z.string().trim().max(80).optional(),
  actor: z.string().trim().max(200).optional(),
  from: dateParam,
  to: dateParam,
  page: z.coerce.number().int().min(1).max(100_000).optional().catch(1),
});

export function auditFilterFromQuery(q: z.infer<typeof AuditFilterSchema>): AuditFilter {
  return {
    action: q.action || undefined,
    actor: q.actor || undefined,
    from: q.from ? new Date(`${q.from}T00:00:00Z`) : undefined,
    to: q.to ? new Date(`${q.to}T23:59:59.999Z`) : undefined,
    page: q.page,
  };
}
