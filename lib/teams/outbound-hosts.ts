import { z } from "zod";
import { db } from "../db/client";
import { appendAudit } from "../audit/log";
import { ConflictError, NotFoundError, ValidationError, fieldErrorsFromZod } from "../errors";
import { env } from "../env";
import { AllowedHost } from "../outbound/policy";
import { assertCan, type TeamContext } from "./access";
import type { TeamScope } from "./context";

// The team's outbound allowlist: the only hosts and ports model endpoints may be on, and the only private
// targets a webhook may reach. Managed by team ADMINs ("team.settings"); every change is in the audit log.
// Callers read it again for every request (loadTeamAllowlist), so a removal stops calls at once.

export const AddOutboundHostSchema = AllowedHost;
export const RemoveOutboundHostSchema = z.object({ id: z.string().min(1).max(40) });

export async function listOutboundHosts(ctx: TeamContext) {
  return db.outboundHost.findMany({ where: { teamId: ctx.team.id }, orderBy: { host: "asc" }, select: { id: true, host: true, allowPrivate: true, ports: true, createdAt: true } });
}

/** The allowlist as the outbound client takes it (worker side: scoped by the job's team). */
export async function loadTeamAllowlist(scope: TeamScope): Promise<AllowedHost[]> {
  const teamId = scope.team.id;
  const rows = await db.outboundHost.findMany({ where: { teamId }, select: { host: true, allowPrivate: true, ports: true } });
  return rows.map((r) => ({ host: r.host, allowPrivate: r.allowPrivate, ports: r.ports }));
}

/**
 * The allowlist as a loader the outbound client calls before every request and redirect hop: a host removed
 * by an admin is refused from the next request on, also in an evaluation already running. Requests that
 * ask at the same moment share one read (one small indexed query, next to an HTTP call and a DNS lookup).
 */
export function liveTeamAllowlist(scope: TeamScope): () => Promise<AllowedHost[]> {
  let inFlight: Promise<AllowedHost[]> | null = null;
  return () => {
    inFlight ??= loadTeamAllowlist(scope).finally(() => {
      inFlight = null;
    });
    return inFlight;
  };
}

export async function addOutboundHost(ctx: TeamContext, input: unknown) {
  assertCan(ctx, "team.settings");
  const parsed = AddOutboundHostSchema.safeParse(input);
  if (!parsed.success) throw new ValidationError("Some fields need attention.", fieldErrorsFromZod(parsed.error.issues));
  const { host, allowPrivate, ports } = parsed.data;
  if (allowPrivate && !env().BULWARK_OUTBOUND_ALLOW_PRIVATE) {
    throw new ValidationError("Some fields need attention.", {
      allowPrivate: "This instance does not allow calls to private addresses: its operator has to turn on BULWARK_OUTBOUND_ALLOW_PRIVATE first.",
    });
  }
  return db.$transaction(async (tx) => {
    if (await tx.outboundHost.findFirst({ where: { teamId: ctx.team.id, host }, select: { id: true } })) {
      throw new ConflictError(`${host} is already on the allowlist.`);
    }
    if ((await tx.outboundHost.count({ where: { teamId: ctx.team.id } })) >= 100) throw new ValidationError("A team can allow at most 100 hosts.", { host: "at most 100 hosts" });
    const row = await tx.outboundHost.create({ data: { teamId: ctx.team.id, host, allowPrivate, ports, createdById: ctx.userId || null } });
    await appendAudit(tx, { teamId: ctx.team.id, actor: ctx.actor, action: "outbound.host.add", subjectType: "OutboundHost", subjectId: row.id, details: { host, allowPrivate, ports } });
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
    await appendAudit(tx, { teamId: ctx.team.id, actor: ctx.actor, action: "outbound.host.remove", subjectType: "OutboundHost", subjectId: row.id, details: { host: row.host, allowPrivate: row.allowPrivate, ports: row.ports } });
  });
}
