import { createHmac, randomBytes } from "node:crypto";
import { z } from "zod";
import { db, type Tx } from "../db/client";
import { appendAudit } from "../audit/log";
import { env } from "../env";
import { assertCan, type TeamContext } from "../teams/access";
import { liveTeamAllowlist, loadTeamAllowlist } from "../teams/outbound-hosts";
import { send, type WebhookJob } from "../jobs/catalog";
import { NotFoundError, ValidationError } from "../errors";
import { OutboundClient, systemResolver } from "../outbound/client";
import { checkTarget, OutboundError, parseOutboundUrl, type Resolver } from "../outbound/policy";
import { systemContext, type TeamScope } from "../teams/context";

// Team alert settings, and webhook delivery: JSON signed with HMAC-SHA256 over "<timestamp>.<body>"
// (header X-Bulwark-Signature: t=<unix seconds>,v1=<hex>), retried with back-off by the queue.
// Every webhook goes out through the guarded client (lib/outbound), like calls to model endpoints: any
// public host; a private one only when the instance allows private targets and a team admin allowed that
// host and port (Settings → Outbound hosts); link-local and metadata addresses never. No redirects.

export const TeamAlertSettingsSchema = z.object({
  regressionTolerancePp: z.coerce.number({ error: "Enter a number of percentage points" }).min(0, { error: "At least 0" }).max(100, { error: "At most 100" }),
  webhookUrl: z
    .string()
    .trim()
    .max(2000, { error: "At most 2,000 characters" })
    .superRefine((v, c) => {
      if (v === "") return;
      try {
        parseOutboundUrl(v);
      } catch (e) {
        c.addIssue({ code: "custom", message: (e as Error).message });
      }
    })
    .transform((v) => v || null),
});

export async function getTeamSettings(scope: TeamScope) {
  const teamId = scope.team.id;
  return (await db.teamSettings.findUnique({ where: { teamId } })) ?? { teamId, regressionTolerancePp: 2, webhookUrl: null, webhookSecret: null, updatedAt: null };
}

/** The rules every webhook of a team is sent under: any public host; private ones per the allowlist and the instance. */
function webhookRules(scope: TeamScope) {
  return { allowlist: liveTeamAllowlist(scope), anyPublicHost: true, instanceAllowsPrivate: env().BULWARK_OUTBOUND_ALLOW_PRIVATE };
}

/**
 * Saves the alert settings. A webhook URL is checked as delivery will check it (scheme, DNS-resolved
 * addresses, the instance's and the allowlist's rules), so a URL that could never be reached is refused
 * at once with the reason. Delivery checks again: DNS and the rules may change later.
 */
export async function updateTeamAlertSettings(ctx: TeamContext, input: z.infer<typeof TeamAlertSettingsSchema>, opts: { resolve?: Resolver } = {}) {
  assertCan(ctx, "team.settings");
  if (input.webhookUrl) {
    try {
      const rules = { allowlist: await loadTeamAllowlist(ctx), anyPublicHost: true, instanceAllowsPrivate: env().BULWARK_OUTBOUND_ALLOW_PRIVATE };
      await checkTarget(parseOutboundUrl(input.webhookUrl), rules, opts.resolve ?? systemResolver);
    } catch (e) {
      if (!(e instanceof OutboundError)) throw e;
      throw new ValidationError("Some fields need attention.", { webhookUrl: e.message });
    }
  }
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

/**
 * Queues a team's webhook events in the caller's transaction (with the change they report), each bound to
 * the URL set now; nothing when no webhook is set. The one way events are queued.
 */
export async function sendWebhooks(tx: Tx, teamId: string, events: Omit<WebhookJob, "url">[]): Promise<void> {
  if (events.length === 0) return;
  const settings = await tx.teamSettings.findUnique({ where: { teamId }, select: { webhookUrl: true } });
  if (!settings?.webhookUrl) return;
  const url = settings.webhookUrl;
  await send(tx, "webhook", events.map((e) => ({ ...e, url })));
}

/** Largest webhook answer read (receivers answer with a status; the body is not used). */
const MAX_WEBHOOK_RESPONSE_BYTES = 64 * 1024;

export type WebhookDelivery = { delivered: true; status: number } | { delivered: false; reason: string };

/**
 * Delivers one webhook job to the URL it was created for. A refusal by the guard (private or metadata
 * address, bad URL, redirect) is final: nothing is sent and the job is not retried. A failed delivery
 * (no connection, timeout, non-2xx) throws, and the queue retries it with back-off.
 */
export async function deliverWebhook(job: WebhookJob, opts: { resolve?: Resolver } = {}): Promise<WebhookDelivery> {
  const settings = await db.teamSettings.findUnique({ where: { teamId: job.teamId } });
  const url = job.url ?? settings?.webhookUrl;
  if (!url) return { delivered: false, reason: "no webhook URL is set" };
  if (!settings?.webhookSecret) return { delivered: false, reason: "the webhook was removed (no signing secret)" };
  const body = JSON.stringify({ event: job.event, teamId: job.teamId, sentAt: new Date().toISOString(), data: job.payload });
  const ts = Math.floor(Date.now() / 1000);
  const client = new OutboundClient({
    ...webhookRules(systemContext(job.teamId, "job")),
    timeoutMs: 10_000,
    maxResponseBytes: MAX_WEBHOOK_RESPONSE_BYTES,
    // A receiver answers where it was asked: a redirect would re-post the signed event somewhere else.
    maxRedirects: 0,
    // The queue retries with back-off (lib/jobs/queue.ts): one attempt per job run.
    maxRetries: 0,
    concurrency: 1,
    resolve: opts.resolve,
  });
  try {
    const res = await client.request({
      url,
      method: "POST",
      headers: { "content-type": "application/json", "x-bulwark-event": job.event, "x-bulwark-signature": signWebhook(settings.webhookSecret, ts, body) },
      body,
    });
    return { delivered: true, status: res.status };
  } catch (e) {
    if (e instanceof OutboundError && !e.retryable && e.code !== "http_status") return { delivered: false, reason: e.message };
    throw e instanceof OutboundError ? new Error(`webhook delivery failed: ${e.message}`) : e;
  } finally {
    client.close();
  }
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

/** How many open alerts a page lists (the newest). */
export const OPEN_ALERTS_SHOWN = 20;

export async function openAlerts(scope: TeamScope, modelId?: string) {
  const teamId = scope.team.id;
  return db.regressionAlert.findMany({ where: { teamId, acknowledgedAt: null, ...(modelId ? { modelId } : {}) }, orderBy: { createdAt: "desc" }, take: OPEN_ALERTS_SHOWN });
}
