import { createHmac, randomBytes } from "node:crypto";
import { z } from "zod";
import { db } from "../db/client";
import { appendAudit } from "../audit/log";
import { assertCan, type TeamContext } from "../teams/access";
import type { WebhookJob } from "../jobs/catalog";
import { NotFoundError } from "../errors";

// Team alert settings, and webhook delivery: JSON signed with HMAC-SHA256 over "<timestamp>.<body>"
// (header X-Bulwark-Signature: t=<unix seconds>,v1=<hex>), retried with back-off by the queue.

export const TeamAlertSettingsSchema = z.object({
  regressionTolerancePp: z.coerce.number({ error: "Enter a number of percentage points" }).min(0, { error: "At least 0" }).max(100, { error: "At most 100" }),
  webhookUrl: z
    .string()
    .trim()
    .max(2000)
    .refine((v) => v === "" || /^https?:\/\/[^\s]+$/.test(v), { error: "Use an http(s) URL, or leave empty" })
    .transform((v) => v || null),
});

export async function getTeamSettings(teamId: string) {
  return (await db.teamSettings.findUnique({ where: { teamId } })) ?? { teamId, regressionTolerancePp: 2, webhookUrl: null, webhookSecret: null, updatedAt: null };
}

export async function updateTeamAlertSettings(ctx: TeamContext, input: z.infer<typeof TeamAlertSettingsSchema>) {
  assertCan(ctx, "team.settings");
  return db.$transaction(async (tx) => {
    const current = await tx.teamSettings.findUnique({ where: { teamId: ctx.team.id } });
    const secret = input.webhookUrl ? (current?.webhookSecret ?? randomBytes(24).toString("base64url")) : null;
    const saved = await tx.teamSettings.upsert({
      where: { teamId: ctx.team.id },
      create: { teamId: ctx.team.id, regressionTolerancePp: input.regressionTolerancePp, webhookUrl: input.webhookUrl, webhookSecret: secret },
      update: { regressionTolerancePp: input.regressionTolerancePp, webhookUrl: input.webhookUrl, webhookSecret: secret },
    });
    await appendAudit(tx, { teamId: ctx.team.id, actor: ctx.actor, action: "team.alerts.update", subjectType: "TeamSettings", subjectId: ctx.team.id, details: { regressionTolerancePp: input.regressionTolerancePp, webhookUrl: input.webhookUrl } });
    return saved;
  });
}

export function signWebhook(secret: string, timestamp: number, body: string): string {
  return `t=${timestamp},v1=${createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex")}`;
}

export async function deliverWebhook(job: WebhookJob): Promise<void> {
  const settings = await db.teamSettings.findUnique({ where: { teamId: job.teamId } });
  if (!settings?.webhookUrl || !settings.webhookSecret) return;
  const body = JSON.stringify({ event: job.event, teamId: job.teamId, sentAt: new Date().toISOString(), data: job.payload });
  const ts = Math.floor(Date.now() / 1000);
  const res = await fetch(settings.webhookUrl, {
    method: "POST",
    headers: { "content-type": "application/json", "x-bulwark-event": job.event, "x-bulwark-signature": signWebhook(settings.webhookSecret, ts, body) },
    body,
    signal: AbortSignal.timeout(10_000),
    redirect: "error",
  });
  if (!res.ok) throw new Error(`webhook answered ${res.status}`);
}

export const AcknowledgeAlertSchema = z.object({ alertId: z.string().min(1), note: z.string().trim().min(3, { error: "Say what was decided (at least 3 characters)" }).max(2000) });

export async function acknowledgeAlert(ctx: TeamContext, input: z.infer<typeof AcknowledgeAlertSchema>) {
  assertCan(ctx, "alert.acknowledge");
  await db.$transaction(async (tx) => {
    const moved = await tx.regressionAlert.updateMany({
      where: { id: input.alertId, teamId: ctx.team.id, acknowledgedAt: null },
      data: { acknowledgedAt: new Date(), acknowledgedById: ctx.actor.userId, acknowledgedByLabel: ctx.actor.label, acknowledgementNote: input.note },
    });
    if (moved.count === 0) {
      const exists = await tx.regressionAlert.findFirst({ where: { id: input.alertId, teamId: ctx.team.id } });
      if (!exists) throw new NotFoundError("This alert");
      return;
    }
    await appendAudit(tx, { teamId: ctx.team.id, actor: ctx.actor, action: "alert.acknowledge", subjectType: "RegressionAlert", subjectId: input.alertId, details: { note: input.note } });
  });
}

export async function openAlerts(teamId: string, modelId?: string) {
  return db.regressionAlert.findMany({ where: { teamId, acknowledgedAt: null, ...(modelId ? { modelId } : {}) }, orderBy: { createdAt: "desc" }, take: 20 });
}
