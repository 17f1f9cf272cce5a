import { z } from "zod";
import { db } from "../db/client";
import { appendAudit } from "../audit/log";
import { ConflictError, NotFoundError, ValidationError, fieldErrorsFromZod } from "../errors";
import { AllowedHost } from "../outbound/policy";
import { assertCan, type TeamContext } from "./access";

// The team's outbound allowlist: the only hosts model endpoints may be on. Managed by team ADMINs
// ("team.settings"); every change is in the audit log.

export const AddOutboundHostSchema = AllowedHost;
export const RemoveOutboundHostSchema = z.object({ id: z.string().min(1).max(40) });

export async function listOutboundHosts(ctx: TeamContext) {
  return db.outboundHost.findMany({ where: { teamId: ctx.team.id }, orderBy: { host: "asc" }, select: { id: true, host: true, allowPrivate: true, createdAt: true } });
}

/** The allowlist as the outbound client takes it (worker side: scoped by the job's team). */
export async function loadTeamAllowlist(teamId: string): Promise<AllowedHost[]> {
  const rows = await db.outboundHost.findMany({ where: { teamId }, select: { host: true, allowPrivate: true } });
  return rows.map((r) => ({ host: r.host, allowPrivate: r.allowPrivate }));
}

export async function addOutboundHost(ctx: TeamContext, input: unknown) {
  assertCan(ctx, "team.settings");
  const parsed = AddOutboundHostSchema.safeParse(input);
  if (!parsed.success) throw new ValidationError("Some fields need attention.", fieldErrorsFromZod(parsed.error.issues));
  const { host, allowPrivate } = parsed.data;
  return db.$transaction(async (tx) => {
    if (await tx.outboundHost.findFirst({ where: { teamId: ctx.team.id, host }, select: { id: true } })) {
      throw new ConflictError(`${host} is already on the allowlist.`);
    }
    if ((await tx.outboundHost.count({ where: { teamId: ctx.team.id } })) >= 100) throw new ValidationError("A team can allow at most 100 hosts.", { host: "at most 100 hosts" });
    const row = await tx.outboundHost.create({ data: { teamId: ctx.team.id, host, allowPrivate, createdById: ctx.userId || null } });
    await appendAudit(tx, { teamId: ctx.team.id, actor: ctx.actor, action: "outbound.host.add", subjectType: "OutboundHost", subjectId: row.id, details: { host, allowPrivate } });
    return row;
  });
}

export async function removeOutboundHost(ctx: TeamContext, input: unknown) {
  assertCan(ctx, "team.settings");
  const { id } = RemoveOutboundHostSchema.parse(input);
  await db.$transaction(async (tx) => {
    const row = await tx.outboundHost.findFirst({ where: { id, teamId: ctx.team.id } });
    if (!row) throw new NotFoundError("This allowlist entry");
    await tx.outboundHost.delete({ where: { id: row.id } });
    await appendAudit(tx, { teamId: ctx.team.id, actor: ctx.actor, action: "outbound.host.remove", subjectType: "OutboundHost", subjectId: row.id, details: { host: row.host, allowPrivate: row.allowPrivate } });
  });
}
