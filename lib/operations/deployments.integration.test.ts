import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { beforeAll, describe, expect, it } from "vitest";
import { db } from "../db/client";
import { verifyTeamChain } from "../audit/log";
import { ConflictError, ForbiddenError } from "../errors";
import type { makeTeam } from "../../test/fixtures";
import { updateTeamAlertSettings, deliverWebhook, signWebhook } from "../evaluations/webhook";
import { WebhookJobSchema } from "../jobs/catalog";
import { addOutboundHost } from "../teams/outbound-hosts";
import { stopQueue } from "../jobs/queue";
import { activeOverride, createEnvironment, createGateOverride, currentDeployments, deploymentHistory, promoteVersion, rollbackDeployment } from "./deployments";
import { gateForVersion } from "./gate-check";
import { measure, registerDemoModel, teamWithDemoEvalSet } from "./test-helpers";
import { OverrideSchema } from "./schemas";
import { buildSnapshot } from "../reports/snapshot";
import { renderReportPdf } from "../reports/pdf";
import { pdfText } from "../reports/test-helpers";
import { systemContext } from "../teams/context";

// Deployments on a real database with gate evidence measured by the real engine: the standard demo
// model (v1) fails the high-risk gate, the PGD-trained one (v2) passes it.

const DAY = 86_400_000;

describe("deployments: promotion through the gate, overrides, rollback", () => {
  let t: Awaited<ReturnType<typeof makeTeam>>;
  let modelId: string;
  const v: Record<string, string> = {};
  const t0 = new Date(Date.now() + 60_000);
  const at = (minutes: number) => new Date(t0.getTime() + minutes * 60_000);

  beforeAll(async () => {
    const demo = await teamWithDemoEvalSet("ops");
    t = demo.team;
    const v1 = await registerDemoModel(t.ctx("ENGINEER"), "v1", undefined, t.users.ENGINEER.email);
    modelId = v1.modelId;
    const v2 = await registerDemoModel(t.ctx("ENGINEER"), "v2", modelId, t.users.ENGINEER.email);
    // v3: the standard model's files again, never evaluated (its gate fails for want of evidence).
    const v3 = await registerDemoModel(t.ctx("ENGINEER"), "v1", modelId, t.users.ENGINEER.email);
    Object.assign(v, { v1: v1.versionId, v2: v2.versionId, v3: v3.versionId });
    await measure(t.ctx("ENGINEER"), modelId, v1.versionId, demo.datasetVersionId);
    await measure(t.ctx("ENGINEER"), modelId, v2.versionId, demo.datasetVersionId);
    await createEnvironment(t.ctx("ADMIN"), { name: "production", description: "" });
    await createEnvironment(t.ctx("ADMIN"), { name: "staging", description: "" });
    return () => stopQueue();
  }, 300_000);

  it("only an admin creates environments, and names are unique per team", async () => {
    await expect(createEnvironment(t.ctx("ENGINEER"), { name: "canary", description: "" })).rejects.toBeInstanceOf(ForbiddenError);
    await expect(createEnvironment(t.ctx("ADMIN"), { name: "production", description: "" })).rejects.toBeInstanceOf(ConflictError);
  });

  it("a failing gate blocks the promotion and stores nothing", async () => {
    const gate = await gateForVersion(systemContext(t.team.id, "job"), (await db.modelVersion.findUniqueOrThrow({ where: { id: v.v1 } })), t0);
    expect(gate.verdict.pass).toBe(false);
    expect(gate.verdict.checks.find((c) => c.id === "threshold:linf:0.1")!.outcome).toBe("fail");
    const before = await db.auditEvent.count({ where: { teamId: t.team.id } });
    const err = await promoteVersion(t.ctx("ENGINEER"), { environment: "production", modelVersionId: v.v1, note: "" }, at(0)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConflictError);
    expect((err as Error).message).toMatch(/The gate fails for digits-cnn v1.*Robust accuracy Linf 0\.1 — \d+\.\d% measured/);
    expect(await db.deployment.count({ where: { teamId: t.team.id } })).toBe(0);
    expect(await db.auditEvent.count({ where: { teamId: t.team.id } })).toBe(before);
    await expect(promoteVersion(t.ctx("VIEWER"), { environment: "production", modelVersionId: v.v2, note: "" })).rejects.toBeInstanceOf(ForbiddenError);
  });

  it("a reviewer's override is recorded (who, reason, expiry, evidence hash) and lets the version in until it expires", async () => {
    expect(OverrideSchema.safeParse({ environment: "staging", modelVersionId: v.v1, reason: "short", expiresInDays: "7" }).success).toBe(false);
    expect(OverrideSchema.safeParse({ environment: "staging", modelVersionId: v.v1, reason: "Needed for the pilot", expiresInDays: "365" }).success).toBe(false);
    await expect(createGateOverride(t.ctx("ENGINEER"), { environment: "staging", modelVersionId: v.v1, reason: "Pilot with a human in the loop", expiresInDays: 7 }, at(1))).rejects.toBeInstanceOf(ForbiddenError);
    const o = await createGateOverride(t.ctx("REVIEWER"), { environment: "staging", modelVersionId: v.v1, reason: "Pilot with a human in the loop", expiresInDays: 2 }, at(1));
    expect(o).toMatchObject({ createdByLabel: t.users.REVIEWER.email, reason: "Pilot with a human in the loop", expiresAt: new Date(at(1).getTime() + 2 * DAY) });
    const gate = await gateForVersion(systemContext(t.team.id, "job"), await db.modelVersion.findUniqueOrThrow({ where: { id: v.v1 } }), at(1));
    expect(o.evidenceHash).toBe(gate.evidenceHash);
    const ev = await db.auditEvent.findFirstOrThrow({ where: { teamId: t.team.id, action: "deployment.override" } });
    expect(ev.actorLabel).toBe(t.users.REVIEWER.email);
    expect(ev.details).toMatchObject({ environment: "staging", version: 1, reason: "Pilot with a human in the loop", evidenceHash: gate.evidenceHash, failedChecks: expect.arrayContaining(["threshold:linf:0.1"]) });

    // The override is for staging only; in production the gate still blocks.
    await expect(promoteVersion(t.ctx("ENGINEER"), { environment: "production", modelVersionId: v.v1, note: "" }, at(2))).rejects.toBeInstanceOf(ConflictError);
    // Three days later it has expired: staging refuses v1 again.
    expect(await activeOverride(systemContext(t.team.id, "job"), o.environmentId, v.v1, new Date(at(1).getTime() + 3 * DAY))).toBeNull();
    await expect(promoteVersion(t.ctx("ENGINEER"), { environment: "staging", modelVersionId: v.v1, note: "" }, new Date(at(1).getTime() + 3 * DAY))).rejects.toThrow(/The gate fails/);
    // Before expiry it passes, and the deployment names the override.
    const p = await promoteVersion(t.ctx("ENGINEER"), { environment: "staging", modelVersionId: v.v1, note: "pilot" }, at(3));
    expect(p.deployment).toMatchObject({ gatePassed: false, overrideId: o.id, kind: "promote", evidenceHash: gate.evidenceHash });
    // A passing gate needs no override.
    await expect(createGateOverride(t.ctx("REVIEWER"), { environment: "staging", modelVersionId: v.v2, reason: "Not needed at all here", expiresInDays: 2 }, at(3))).rejects.toThrow(/no override is needed/);
  });

  it("rollback returns production to the last version that passed the gate, recorded and signalled by webhook", async () => {
    const received: { headers: Record<string, string | string[] | undefined>; body: string }[] = [];
    const server = createServer((req, res) => {
      let body = "";
      req.on("data", (c) => (body += c));
      req.on("end", () => { received.push({ headers: req.headers, body }); res.end("ok"); });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    try {
      const port = (server.address() as AddressInfo).port;
      await addOutboundHost(t.ctx("ADMIN"), { host: "127.0.0.1", allowPrivate: true, ports: [port] });
      await updateTeamAlertSettings(t.ctx("ADMIN"), { regressionTolerancePp: 2, webhookUrl: `http://127.0.0.1:${port}/hook` });
      const prodOverride = (days: number, id: string, m: number) => createGateOverride(t.ctx("REVIEWER"), { environment: "production", modelVersionId: id, reason: "Accepted for the pilot period", expiresInDays: days }, at(m));
      // production: v1 (override), v2 (passes), v3 (override, no evidence) — then roll back.
      await prodOverride(5, v.v1, 10);
      await promoteVersion(t.ctx("ENGINEER"), { environment: "production", modelVersionId: v.v1, note: "" }, at(11));
      const p2 = await promoteVersion(t.ctx("REVIEWER"), { environment: "production", modelVersionId: v.v2, note: "robust model" }, at(12));
      expect(p2.deployment.gatePassed).toBe(true);
      expect(p2.deployment.overrideId).toBeNull();
      await expect(promoteVersion(t.ctx("ENGINEER"), { environment: "production", modelVersionId: v.v2, note: "" }, at(13))).rejects.toThrow(/already runs digits-cnn v2/);
      await prodOverride(5, v.v3, 14);
      await promoteVersion(t.ctx("ENGINEER"), { environment: "production", modelVersionId: v.v3, note: "" }, at(15));

      const rb = await rollbackDeployment(t.ctx("ENGINEER"), { environment: "production", modelId, note: "drift" }, at(16));
      expect(rb).toMatchObject({ fromVersion: 3, toVersion: 2 });
      expect(rb.deployment).toMatchObject({ kind: "rollback", modelVersionId: v.v2, gatePassed: true });
      const cur = await currentDeployments(systemContext(t.team.id, "job"), modelId);
      expect(cur.find((c) => c.environment === "production")).toMatchObject({ version: 2, kind: "rollback" });
      expect(cur.find((c) => c.environment === "staging")).toMatchObject({ version: 1 });
      // v1's promotion only went through by override: it is not a rollback target.
      await expect(rollbackDeployment(t.ctx("ENGINEER"), { environment: "production", modelId, note: "" }, at(17))).rejects.toThrow(/No earlier version of digits-cnn passed the gate in production/);
      await expect(rollbackDeployment(t.ctx("VIEWER"), { environment: "production", modelId, note: "" })).rejects.toBeInstanceOf(ForbiddenError);

      const hist = await deploymentHistory(systemContext(t.team.id, "job"), modelId);
      expect(hist.filter((h) => h.environment === "production").map((h) => `${h.kind}:v${h.version}`)).toEqual(["rollback:v2", "promote:v3", "promote:v2", "promote:v1"]);
      const audit = await db.auditEvent.findFirstOrThrow({ where: { teamId: t.team.id, action: "deployment.rollback" } });
      expect(audit.actorLabel).toBe(t.users.ENGINEER.email);
      expect(audit.details).toMatchObject({ environment: "production", model: "digits-cnn", fromVersion: 3, toVersion: 2, passingPromotion: p2.deployment.id, passingEvidenceHash: p2.deployment.evidenceHash });

      // The webhook job is queued in the rollback's transaction; delivering it posts a signed body the serving system can check.
      const rows = await db.$queryRaw<{ data: unknown }[]>`SELECT data FROM pgboss.job WHERE name = 'webhook-deliver' AND data->>'event' = 'deployment.rolled_back'`;
      expect(rows).toHaveLength(1);
      const job = WebhookJobSchema.parse(rows[0]!.data);
      expect(job.payload).toMatchObject({ environment: "production", model: "digits-cnn", modelVersion: 2, previousVersion: 3, kind: "rollback" });
      await deliverWebhook(job);
      expect(received).toHaveLength(1);
      const settings = await db.teamSettings.findUniqueOrThrow({ where: { teamId: t.team.id } });
      const [, ts] = /t=(\d+)/.exec(String(received[0]!.headers["x-bulwark-signature"]))!;
      expect(received[0]!.headers["x-bulwark-signature"]).toBe(signWebhook(settings.webhookSecret!, Number(ts), received[0]!.body));
      expect(JSON.parse(received[0]!.body)).toMatchObject({ event: "deployment.rolled_back", data: { modelVersion: 2 } });

      // An audit report freezes where the model runs and on what decision (PDF: "Deployment and monitoring").
      const snapshot = await buildSnapshot({
        teamId: t.team.id, now: new Date(), scope: { models: "all", frameworks: ["nist-ai-rmf"], period: { from: null, to: null } },
        report: { id: "r-ops", number: 1, title: "Operations", createdById: null, createdByLabel: "test" },
      });
      const envs = snapshot.models.find((m) => m.name === "digits-cnn")!.operations!.environments;
      expect(envs.find((e) => e.environment === "production")).toMatchObject({ version: 2, decision: "rollback", gatePassed: true, by: t.users.ENGINEER.email, evidenceSha256: rb.deployment.evidenceHash, batches: 0, openAlerts: [] });
      expect(envs.find((e) => e.environment === "staging")).toMatchObject({ version: 1, decision: "promote" });
      const text = pdfText(await renderReportPdf(snapshot, { status: "draft" })).replace(/\s+/g, " ");
      // (pdftotext drops a hyphen where the e-mail address wraps, and the team suffix moves the wrap)
      expect(text).toMatch(/Deployment and monitoring .* production v2 Rolled back by engineer-?ops-?\w+@example\.test, .*the release gate passed/);
      expect(text).toContain(`${rb.deployment.evidenceHash.slice(0, 12)}… no batches received`);
    } finally {
      server.close();
    }
    expect((await verifyTeamChain(systemContext(t.team.id, "job"))).intact).toBe(true);
  });
});
