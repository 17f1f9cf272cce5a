import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/db/client";
import { stopQueue } from "@/lib/jobs/queue";
import { createApiToken } from "@/lib/auth/tokens";
import { OPS, type Operation } from "@/lib/api/operations";
import { contractProblems } from "@/lib/api/contract";
import { useTempStore } from "@/lib/registry/test-helpers";
import { registerDemoModel } from "@/lib/operations/test-helpers";
import { makeTeam } from "@/test/fixtures";

// The deployment operations of REST API v1 through their route handlers: roles per token, a blocked
// promotion as 409 problem+json, a reviewer's override, status and history, a refused rollback.

type Handler = (req: Request, ctx?: { params?: Promise<Record<string, string>> }) => Promise<Response>;
const modules = import.meta.glob<Record<string, Handler>>("./**/route.ts", { eager: true });
const pathOf = (file: string) => file.replace(/^\.\//, "/").replace(/\/route\.ts$/, "") || "/";
const handlerOf = (o: Operation): Handler => Object.entries(modules).find(([f]) => pathOf(f) === o.path)![1][o.method]!;

useTempStore();
const tokens: Record<string, string> = {};

async function call(o: Operation, token: string, c: { query?: Record<string, string>; body?: unknown } = {}) {
  const url = new URL(`http://localhost/api/v1${o.path}`);
  for (const [k, v] of Object.entries(c.query ?? {})) url.searchParams.set(k, v);
  const headers: Record<string, string> = { authorization: `Bearer ${token}` };
  if (c.body !== undefined) headers["content-type"] = "application/json";
  const res = await handlerOf(o)(new Request(url, { method: o.method, headers, body: c.body === undefined ? undefined : JSON.stringify(c.body) }));
  // A documented status, and the declared body (lib/api/contract.ts).
  expect(await contractProblems(o, res), `${o.id} ${res.status}`).toEqual([]);
  return { status: res.status, body: (await res.json()) as Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any -- each assertion checks the fields it reads
}

beforeAll(async () => {
  const t = await makeTeam("deploy-api");
  const admin = t.ctx("ADMIN");
  for (const role of ["ADMIN", "REVIEWER", "ENGINEER", "VIEWER"] as const) tokens[role] = (await createApiToken(admin, { name: role.toLowerCase(), role, expiresInDays: 7 })).secret;
  await registerDemoModel(t.ctx("ENGINEER"), "v1", undefined, t.users.ENGINEER.email);
}, 120_000);

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
    expect((await call(OPS.getMonitoringReference, tokens.VIEWER!, { query: { model: "digits-cnn", environment: "staging" } })).status).toBe(404);
    expect((await call(OPS.listMonitoringAlerts, tokens.VIEWER!)).body).toEqual({ data: [] });
    expect(await db.monitoringBatch.count()).toBe(0);
  });
});
