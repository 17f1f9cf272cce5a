import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/db/client";
import { stopQueue } from "@/lib/jobs/queue";
import { createApiToken } from "@/lib/auth/tokens";
import { OPS, type Operation } from "@/lib/api/operations";
import { useTempStore } from "@/lib/registry/test-helpers";
import { measure, registerDemoEvalSet, registerDemoModel } from "@/lib/operations/test-helpers";
import { initEngineBackend } from "@/lib/engine/backend";
import { makeTeam } from "@/test/fixtures";
import { callOperation, contractLog, ownedPairs } from "@/test/contract-pairs";

// The deployment operations of REST API v1 through their route handlers: roles per token, a blocked
// promotion as 409 problem+json, a reviewer's override, status and history, a refused rollback.

const log = contractLog();

useTempStore();
const tokens: Record<string, string> = {};

async function call(o: Operation, token: string, c: { query?: Record<string, string>; body?: unknown; params?: Record<string, string> } = {}) {
  const res = await callOperation(o, { token, ...c });
  // A documented status, and the declared body (lib/api/contract.ts).
  await log.check(o, res);
  expect(log.violations, `${o.id} ${res.status}`).toEqual([]);
  return { status: res.status, body: (await res.json()) as Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any -- each assertion checks the fields it reads
}

beforeAll(async () => {
  const t = await makeTeam("deploy-api");
  const admin = t.ctx("ADMIN");
  for (const role of ["ADMIN", "REVIEWER", "ENGINEER", "VIEWER"] as const) tokens[role] = (await createApiToken(admin, { name: role.toLowerCase(), role, expiresInDays: 7 })).secret;
  const v1 = await registerDemoModel(t.ctx("ENGINEER"), "v1", undefined, t.users.ENGINEER.email);
  // v2 (PGD-trained) measured by the real engine passes the high-risk gate: promotions, a rollback to it, its monitoring reference.
  const v2 = await registerDemoModel(t.ctx("ENGINEER"), "v2", v1.modelId, t.users.ENGINEER.email);
  await initEngineBackend("auto");
  await measure(t.ctx("ENGINEER"), v1.modelId, v2.versionId, (await registerDemoEvalSet(t.ctx("ENGINEER"))).versionId);
}, 600_000);

afterAll(() => stopQueue());

describe("REST API v1 deployments", () => {
  it("environments: admin creates, others may not, names are checked", async () => {
    expect((await call(OPS.createEnvironment, tokens.ENGINEER!, { body: { name: "production" } })).status).toBe(403);
    const bad = await call(OPS.createEnvironment, tokens.ADMIN!, { body: { name: "Prod!" } });
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toHaveProperty("name");
    expect((await call(OPS.createEnvironment, tokens.ADMIN!, { body: { name: "production", description: "serving" } })).status).toBe(201);
    expect((await call(OPS.createEnvironment, tokens.ADMIN!, { body: { name: "production" } })).status).toBe(409);
    expect((await call(OPS.listEnvironments, tokens.VIEWER!)).body.data.map((e: { name: string }) => e.name)).toEqual(["production"]);
  });

  it("a version without passing evidence is refused (409) until a reviewer's override, which is then named", async () => {
    const blocked = await call(OPS.promoteDeployment, tokens.ENGINEER!, { body: { model: "digits-cnn@1", environment: "production" } });
    expect(blocked.status).toBe(409);
    expect(blocked.body.detail).toMatch(/The gate fails for digits-cnn v1.*No completed evaluation of this version/);
    expect((await call(OPS.createGateOverride, tokens.ENGINEER!, { body: { model: "digits-cnn@1", environment: "production", reason: "Pilot under human review", expiresInDays: 7 } })).status).toBe(403);
    const tooLong = await call(OPS.createGateOverride, tokens.REVIEWER!, { body: { model: "digits-cnn@1", environment: "production", reason: "Pilot under human review", expiresInDays: 400 } });
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.errors).toHaveProperty("expiresInDays");
    const o = await call(OPS.createGateOverride, tokens.REVIEWER!, { body: { model: "digits-cnn@1", environment: "production", reason: "Pilot under human review", expiresInDays: 7 } });
    expect(o.status).toBe(201);
    expect(o.body).toMatchObject({ model: "digits-cnn@1", environment: "production", reason: "Pilot under human review", evidenceHash: expect.stringMatching(/^[0-9a-f]{64}$/) });
    const p = await call(OPS.promoteDeployment, tokens.ENGINEER!, { body: { model: "digits-cnn@1", environment: "production", note: "pilot" } });
    expect(p.status).toBe(201);
    expect(p.body).toMatchObject({ kind: "promote", version: 1, gatePassed: false, override: o.body.id, evidenceHash: o.body.evidenceHash });
    const gate = await call(OPS.getGate, tokens.VIEWER!, { query: { model: "digits-cnn@1" } });
    expect(gate.body.evidenceHash).toBe(o.body.evidenceHash);

    const s = await call(OPS.getDeployments, tokens.VIEWER!, { query: { model: "digits-cnn" } });
    expect(s.body.environments).toEqual([expect.objectContaining({ environment: "production", version: 1, gatePassed: false })]);
    expect(s.body.history).toHaveLength(1);
    const rb = await call(OPS.rollbackDeployment, tokens.ENGINEER!, { body: { model: "digits-cnn", environment: "production" } });
    expect(rb.status).toBe(409);
    expect(rb.body.detail).toMatch(/No earlier version of digits-cnn passed the gate in production/);
    expect((await call(OPS.rollbackDeployment, tokens.VIEWER!, { body: { model: "digits-cnn", environment: "production" } })).status).toBe(403);
    expect((await call(OPS.getDeployments, tokens.VIEWER!, { query: { model: "no-such-model" } })).status).toBe(404);
    expect(await db.deployment.count()).toBe(1);
    // Names in the body that do not exist in the team: 404 naming them.
    const nowhere = await call(OPS.promoteDeployment, tokens.ENGINEER!, { body: { model: "digits-cnn@2", environment: "nowhere" } });
    expect([nowhere.status, nowhere.body.detail]).toEqual([404, expect.stringMatching(/nowhere/)]);
    expect((await call(OPS.createGateOverride, tokens.REVIEWER!, { body: { model: "no-such-model@1", environment: "production", reason: "Pilot under human review", expiresInDays: 7 } })).status).toBe(404);
    expect((await call(OPS.rollbackDeployment, tokens.ENGINEER!, { body: { model: "no-such-model", environment: "production" } })).status).toBe(404);
  });

  it("rolls an environment back to the last version that passed the gate (201)", async () => {
    expect((await call(OPS.createEnvironment, tokens.ADMIN!, { body: { name: "staging" } })).status).toBe(201);
    const passed = await call(OPS.promoteDeployment, tokens.ENGINEER!, { body: { model: "digits-cnn@2", environment: "staging" } });
    expect([passed.status, passed.body.gatePassed]).toEqual([201, true]);
    expect((await call(OPS.createGateOverride, tokens.REVIEWER!, { body: { model: "digits-cnn@1", environment: "staging", reason: "Pilot under human review", expiresInDays: 7 } })).status).toBe(201);
    expect((await call(OPS.promoteDeployment, tokens.ENGINEER!, { body: { model: "digits-cnn@1", environment: "staging" } })).status).toBe(201);
    const rb = await call(OPS.rollbackDeployment, tokens.ENGINEER!, { body: { model: "digits-cnn", environment: "staging", note: "back to the robust version" } });
    expect([rb.status, rb.body.fromVersion, rb.body.toVersion]).toEqual([201, 1, 2]);
  });

  it("monitoring: ingest is for builders' tokens, checked field by field, and needs an evaluated deployed version", async () => {
    const body = { environment: "production", model: "digits-cnn", count: 2, predictions: { counts: [1, 1, 0, 0, 0, 0, 0, 0, 0, 0] } };
    expect((await call(OPS.postMonitoringBatch, tokens.VIEWER!, { body })).status).toBe(403);
    const unknown = await call(OPS.postMonitoringBatch, tokens.ENGINEER!, { body: { ...body, rawImages: [[0.1, 0.2]] } });
    expect(unknown.status).toBe(400);
    expect(unknown.body.detail).toMatch(/rawImages/);
    const tooMany = await call(OPS.postMonitoringBatch, tokens.ENGINEER!, { body: { ...body, samples: Array.from({ length: 65 }, () => [0.1]) } });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.errors).toHaveProperty("samples");
    const noRef = await call(OPS.postMonitoringBatch, tokens.ENGINEER!, { body });
    expect(noRef.status).toBe(400);
    expect(noRef.body.detail).toMatch(/v1 has no completed evaluation, so there is no reference/);
    expect((await call(OPS.getMonitoringReference, tokens.VIEWER!, { query: { model: "digits-cnn", environment: "nowhere" } })).status).toBe(404);
    expect((await call(OPS.listMonitoringAlerts, tokens.VIEWER!)).body).toEqual({ data: [] });
    expect(await db.monitoringBatch.count()).toBe(0);
    expect((await call(OPS.getMonitoringReference, tokens.VIEWER!, { query: { model: "digits-cnn", environment: "production" } })).status).toBe(400);
    expect((await call(OPS.postMonitoringBatch, tokens.ENGINEER!, { body: { ...body, environment: "nowhere" } })).status).toBe(404);
    expect((await call(OPS.listMonitoringAlerts, tokens.VIEWER!, { query: { model: "no-such-model" } })).status).toBe(404);
  });

  it("monitoring of the evaluated version staging runs: its reference, a batch whose predictions all say 0 opens an alert, a reviewer acknowledges it", async () => {
    const ref = await call(OPS.getMonitoringReference, tokens.VIEWER!, { query: { model: "digits-cnn", environment: "staging" } });
    expect([ref.status, ref.body.version, ref.body.classLabels]).toEqual([200, 2, ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"]]);
    const skewed = await call(OPS.postMonitoringBatch, tokens.ENGINEER!, { body: { environment: "staging", model: "digits-cnn", count: 500, predictions: { counts: [500, 0, 0, 0, 0, 0, 0, 0, 0, 0] } } });
    expect(skewed.status).toBe(201);
    expect(skewed.body.alerts.opened.length).toBeGreaterThanOrEqual(1);
    const open = await call(OPS.listMonitoringAlerts, tokens.VIEWER!, { query: { model: "digits-cnn", environment: "staging" } });
    const ack = await call(OPS.acknowledgeMonitoringAlert, tokens.REVIEWER!, { params: { id: open.body.data[0].id }, body: { note: "A broken camera feed; fixed upstream" } });
    expect([ack.status, ack.body.acknowledged.note]).toEqual([200, "A broken camera feed; fixed upstream"]);
  });

  it("produced every success and operation-specific answer of the operations it owns (test/contract-pairs.ts)", () => {
    expect(log.violations).toEqual([]);
    expect(log.missing(ownedPairs("deployments"), "deployments.test.ts")).toEqual([]);
  });
});
