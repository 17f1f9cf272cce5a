import { cache } from "react";
import { db, type Tx } from "../db/client";
import { assertCan, type TeamContext } from "./access";

// In-app notices for one member of one team: a review was asked of them, their report was approved or
// sent back. Written in the transaction of the change they announce (with its audit event), so a notice
// never announces something that did not happen. Teams also get these events on their webhook.

export interface NoticeInput {
  teamId: string;
  userId: string;
  /** The event, e.g. "report.review_requested". */
  kind: string;
  message: string;
  subjectType: string;
  subjectId: string | null;
}

export async function notify(tx: Tx, n: NoticeInput): Promise<void> {
  // Only members of the team get a notice (a user may have left it since).
  const member = await tx.membership.findFirst({ where: { teamId: n.teamId, userId: n.userId }, select: { id: true } });
  if (!member) return;
  await tx.notification.create({ data: { teamId: n.teamId, userId: n.userId, kind: n.kind, message: n.message.slice(0, 600), subjectType: n.subjectType, subjectId: n.subjectId } });
}

export interface NoticeView {
  id: string;
  kind: string;
  message: string;
  subjectType: string;
  subjectId: string | null;
  createdAt: Date;
  read: boolean;
}

/** The signed-in member's notices in this team, newest first, and how many are unread. */
export async function listNotifications(ctx: TeamContext, opts: { limit?: number } = {}): Promise<{ items: NoticeView[]; unread: number }> {
  assertCan(ctx, "team.read");
  const where = { teamId: ctx.team.id, userId: ctx.userId };
  const limit = Math.min(Math.max(1, opts.limit ?? 10), 100);
  const [rows, unread] = await Promise.all([
    db.notification.findMany({ where, orderBy: { createdAt: "desc" }, take: limit }),
    countUnreadNotifications(ctx),
  ]);
  return { items: rows.map((r) => ({ id: r.id, kind: r.kind, message: r.message, subjectType: r.subjectType, subjectId: r.subjectId, createdAt: r.createdAt, read: r.readAt !== null })), unread };
}

/** Marks the member's notices in this team as read (all, or those about one subject). */
export async function markNotificationsRead(ctx: TeamContext, subject?: { type: string; id: string }): Promise<number> {
  assertCan(ctx, "team.read");
  const r = await db.notification.updateMany({
    where: { teamId: ctx.team.id, userId: ctx.userId, readAt: null, ...(subject ? { subjectType: subject.type, subjectId: subject.id } : {}) },
    data: { readAt: new Date() },
  });
  return r.count;
}

/**
 * How many of the signed-in member's notices in this team are unread (the sidebar's badge). Remembered for
 * the request (the team layout's badge and the dashboard's notices ask for the same count).
 */
export const countUnreadNotifications = cache(async (ctx: TeamContext): Promise<number> => {
  assertCan(ctx, "team.read");
  return db.notification.count({ where: { teamId: ctx.team.id, userId: ctx.userId, readAt: null } });
});
