import { z } from "zod";
import type { Prisma } from "../db/generated/client";
import { db } from "../db/client";
import { AppError } from "../errors";
import { assertCan, type TeamContext } from "../teams/access";
import { verifyTeamChain } from "./log";
import { chainSummary, toCsvRows, toJsonLines, type ExportedEvent } from "./export";
import { describeEvent, subjectLabels, type SubjectLabel } from "./describe";

// Reading the audit log as an auditor does: filters (actor, action, subject, date range), a jump to a
// date, readable rows, and the export of exactly what the filters select. Every function is scoped to
// the caller's team and needs audit.read.

const dateParam = z
  .string()
  .trim()
  .regex(/^\d{4}-\d{2}-\d{2}$/, { error: "Use a date like 2026-01-31" })
  .optional()
  .or(z.literal("").transform(() => undefined));
const optionalText = (max: number) => z.string().trim().max(max, { error: `At most ${max} characters` }).optional();

/** The audit page's query string (and the export's): every field optional. */
export const AuditQuerySchema = z
  .object({
    actor: optionalText(200),
    /** An action ("report.approve") or a prefix ending in a dot ("report."). */
    action: optionalText(80),
    /** A subject type ("Report"), or one subject: "Report:<id>". */
    subject: optionalText(120),
    from: dateParam,
    to: dateParam,
    /** Jump to a date: the page holding the newest event on or before that day. */
    at: dateParam,
    page: z.coerce.number().int().min(1).max(100_000).optional().catch(1),
  })
  .superRefine((v, c) => {
    if (v.from && v.to && v.from > v.to) c.addIssue({ code: "custom", path: ["to"], message: "The end of the range is before its start" });
  });
export type AuditQuery = z.infer<typeof AuditQuerySchema>;

export const AUDIT_PAGE_SIZE = 50;
/** The most events one export holds; a larger selection is refused with the count (narrow the filters). */
export const MAX_EXPORT_EVENTS = 200_000;

function whereOf(teamId: string, q: AuditQuery): Prisma.AuditEventWhereInput {
  const [subjectType, subjectId] = q.subject ? q.subject.split(":", 2) : [undefined, undefined];
  return {
    teamId,
    ...(q.action ? (q.action.endsWith(".") ? { action: { startsWith: q.action } } : { action: q.action }) : {}),
    ...(q.actor ? { actorLabel: { contains: q.actor, mode: "insensitive" } } : {}),
    ...(subjectType ? { subjectType } : {}),
    ...(subjectId ? { subjectId } : {}),
    ...(q.from || q.to ? { createdAt: { ...(q.from ? { gte: new Date(`${q.from}T00:00:00Z`) } : {}), ...(q.to ? { lte: new Date(`${q.to}T23:59:59.999Z`) } : {}) } } : {}),
  };
}

/** The filters in effect, as name → value (for the export header and file names). */
export function activeFilters(q: AuditQuery): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of ["actor", "action", "subject", "from", "to"] as const) if (q[k]) out[k] = q[k]!;
  return out;
}

export interface AuditRow {
  id: string;
  seq: number;
  createdAt: Date;
  actorLabel: string;
  action: string;
  subjectType: string;
  subjectId: string | null;
  subject: SubjectLabel;
  summary: string;
  details: Record<string, unknown>;
  hash: string;
  prevHash: string;
}

/** One page of events, newest first, with readable summaries and linked subjects. */
export async function findAuditPage(ctx: TeamContext, q: AuditQuery) {
  assertCan(ctx, "audit.read");
  const where = whereOf(ctx.team.id, q);
  const total = await db.auditEvent.count({ where });
  const pages = Math.max(1, Math.ceil(total / AUDIT_PAGE_SIZE));
  let page = Math.min(Math.max(1, q.page ?? 1), pages);
  let jumpedTo: number | null = null;
  if (q.at) {
    // Events are listed newest first: the page holding the newest event on or before that day comes after
    // every newer event.
    const newer = await db.auditEvent.count({ where: { AND: [where, { createdAt: { gt: new Date(`${q.at}T23:59:59.999Z`) } }] } });
    page = Math.min(Math.floor(newer / AUDIT_PAGE_SIZE) + 1, pages);
    const first = await db.auditEvent.findFirst({ where: { AND: [where, { createdAt: { lte: new Date(`${q.at}T23:59:59.999Z`) } }] }, orderBy: { seq: "desc" }, select: { seq: true } });
    jumpedTo = first?.seq ?? null;
  }
  const events = await db.auditEvent.findMany({ where, orderBy: { seq: "desc" }, take: AUDIT_PAGE_SIZE, skip: (page - 1) * AUDIT_PAGE_SIZE });
  const labels = await subjectLabels(ctx, events);
  const rows: AuditRow[] = events.map((e) => {
    const details = (e.details ?? {}) as Record<string, unknown>;
    const subject = labels.get(`${e.subjectType}:${e.subjectId ?? ""}`) ?? { label: e.subjectType, path: null };
    return { id: e.id, seq: e.seq, createdAt: e.createdAt, actorLabel: e.actorLabel, action: e.action, subjectType: e.subjectType, subjectId: e.subjectId, subject, summary: describeEvent(e.action, details, subject.label), details, hash: e.hash, prevHash: e.prevHash };
  });
  return { rows, total, page, pages, jumpedTo };
}

/** The actions and subject types that occur in the team's log (for the filter lists). */
export async function auditFacets(ctx: TeamContext): Promise<{ actions: string[]; subjectTypes: string[] }> {
  assertCan(ctx, "audit.read");
  const [actions, types] = await Promise.all([
    db.auditEvent.findMany({ where: { teamId: ctx.team.id }, distinct: ["action"], select: { action: true }, orderBy: { action: "asc" } }),
    db.auditEvent.findMany({ where: { teamId: ctx.team.id }, distinct: ["subjectType"], select: { subjectType: true }, orderBy: { subjectType: "asc" } }),
  ]);
  return { actions: actions.map((a) => a.action), subjectTypes: types.map((t) => t.subjectType) };
}

/**
 * The events the filters select, oldest first (chain order), as a file: JSON Lines (header + events, the
 * format `npm run audit:verify` checks) or CSV. Both carry the chain head of the whole log at export time.
 */
export async function exportAuditLog(ctx: TeamContext, q: AuditQuery, format: "jsonl" | "csv", now = new Date()): Promise<{ body: string; filename: string; contentType: string; events: number; chainHead: string | null }> {
  assertCan(ctx, "audit.read");
  const where = whereOf(ctx.team.id, q);
  const count = await db.auditEvent.count({ where });
  if (count > MAX_EXPORT_EVENTS) {
    throw new AppError(`These filters select ${count.toLocaleString("en")} events; one export holds at most ${MAX_EXPORT_EVENTS.toLocaleString("en")}. Narrow the date range and export in parts.`, 400, "too_many_events");
  }
  const [rows, verdict] = await Promise.all([db.auditEvent.findMany({ where, orderBy: { seq: "asc" } }), verifyTeamChain(ctx)]);
  const chain = chainSummary(verdict);
  const events: ExportedEvent[] = rows.map((e) => ({ teamId: e.teamId, seq: e.seq, actorId: e.actorId, actorLabel: e.actorLabel, action: e.action, subjectType: e.subjectType, subjectId: e.subjectId, details: e.details, createdAt: e.createdAt, prevHash: e.prevHash, hash: e.hash }));
  const stamp = now.toISOString().slice(0, 19).replace(/[-:]/g, "").replace("T", "-");
  const filename = `bulwark-${ctx.team.slug}-audit-${stamp}${Object.keys(activeFilters(q)).length ? "-filtered" : ""}.${format}`;
  if (format === "jsonl") {
    const body = toJsonLines({ team: ctx.team, exportedAt: now.toISOString(), exportedBy: ctx.actor.label, filters: activeFilters(q), chain }, events);
    return { body, filename, contentType: "application/x-ndjson; charset=utf-8", events: events.length, chainHead: chain.head };
  }
  const labels = await subjectLabels(ctx, rows);
  const withSummary = events.map((e) => ({ ...e, summary: describeEvent(e.action, (e.details ?? {}) as Record<string, unknown>, labels.get(`${e.subjectType}:${e.subjectId ?? ""}`)?.label ?? e.subjectType) }));
  const { toCsv } = await import("../csv");
  return { body: toCsv(toCsvRows(withSummary, chain.head)), filename, contentType: "text/csv; charset=utf-8", events: events.length, chainHead: chain.head };
}
