import { beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/db/client";
import { createApiToken } from "@/lib/auth/tokens";
import { OPS, type Operation } from "@/lib/api/operations";
import { seedDemoRegistry, DEMO_DATASETS } from "@/lib/seed/registry";
import { systemContext } from "@/lib/teams/context";
import { DIGIT_LABELS } from "@/lib/demo/mnist";
import { useTempStore } from "@/lib/registry/test-helpers";
import { useDemoModelServer } from "@/test/model-server";
import { makeTeam } from "@/test/fixtures";
import { callOperation, contractLog, ownedPairs } from "@/test/contract-pairs";

// Models served over HTTP through REST API v1: an admin allows the host, an engineer registers the
// endpoint and tests it against a real model server, the credential is never answered back, roles and
// other teams are refused, bad input names its field and stores nothing.

const log = contractLog();

const SECRET = "tok_live_api_Q8wE3rT6yU1i";
useTempStore();
const tokens: Record<string, string> = {};
let team: Awaited<ReturnType<typeof makeTeam>>;
const server = useDemoModelServer(SECRET);

async function call(o: Operation, token: string, c: { params?: Record<string, string>; body?: unknown } = {}) {
  const res = await callOperation(o, { token, ...c });
  // A documented status, and the declared body (lib/api/contract.ts).
  await log.check(o, res);
  expect(log.violations, `${o.id} ${res.status}`).toEqual([]);
  const text = await res.text();
  return { status: res.status, text, body: (text ? JSON.parse(text) : null) as Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any -- each assertion checks the fields it reads
}

const card = {
  task: "image-classification", inputShape: [28, 28, 1], inputRange: { min: 0, max: 1 }, classLabels: DIGIT_LABELS,
  intendedUse: "Vendor digits behind an API", outOfScopeUse: "Anything real", riskTier: "limited", owner: "ML platform", trainingMethod: { kind: "standard" },
};
const endpoint = (over: Record<string, unknown> = {}) => ({
  url: `${server.url}/v1/scores`, authKind: "bearer", authSecret: SECRET,
  requestTemplate: '{"instances": "{{inputs}}"}', responseMapping: { kind: "scores", path: "predictions" },
  batchSize: 4, timeoutMs: 2000, requestsPerSecond: 200, concurrency: 2, ...over,
});

beforeAll(async () => {
  team = await makeTeam("endpoint-api");
  await seedDemoRegistry(systemContext(team.team.id, "seed"));
  const outsider = await makeTeam("outsider");
  for (const role of ["ADMIN", "ENGINEER", "VIEWER"] as const) tokens[role] = (await createApiToken(team.ctx("ADMIN"), { name: role.toLowerCase(), role, expiresInDays: 7 })).secret;
  tokens.OUTSIDER = (await createApiToken(outsider.ctx("ADMIN"), { name: "outsider", role: "ADMIN", expiresInDays: 7 })).secret;
}, 600_000);

describe("REST API v1: endpoint models and the outbound allowlist", () => {
  it("refuses an endpoint whose host is not allowed, naming the field, and stores nothing", async () => {
    const r = await call(OPS.registerEndpointVersion, tokens.ENGINEER, { params: { name: "vendor-digits" }, body: { card, endpoint: endpoint() } });
    expect(r.status).toBe(400);
    expect(r.body.errors["endpoint.url"]).toMatch(/localhost is not on this team's outbound allowlist/);
    const bad = await call(OPS.registerEndpointVersion, tokens.ENGINEER, { params: { name: "vendor-digits" }, body: { card: { ...card, classLabels: [] }, endpoint: endpoint({ requestTemplate: '{"x": 1}' }), extra: 1 } });
    expect(bad.status).toBe(400);
    expect(await db.model.count({ where: { teamId: team.team.id, name: "vendor-digits" } })).toBe(0);
  });

  it("lets only an admin manage the allowlist; an engineer then registers and tests the endpoint; the credential never comes back", async () => {
    for (const role of ["ENGINEER", "VIEWER"]) {
      const r = await call(OPS.addOutboundHost, tokens[role], { body: { host: "localhost", allowPrivate: true, ports: [server.port] } });
      expect(r.status, role).toBe(403);
    }
    expect((await call(OPS.addOutboundHost, tokens.ADMIN, { body: { host: "localhost", allowPrivate: true, ports: [0] } })).body.errors.ports).toMatch(/between 1 and 65535/);
    const added = await call(OPS.addOutboundHost, tokens.ADMIN, { body: { host: "localhost", allowPrivate: true, ports: [server.port] } });
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({ host: "localhost", allowPrivate: true, ports: [server.port] });
    expect((await call(OPS.addOutboundHost, tokens.ADMIN, { body: { host: "localhost" } })).status).toBe(409);
    expect((await call(OPS.addOutboundHost, tokens.ADMIN, { body: { host: "https://x.example/p" } })).body.errors.host).toMatch(/no scheme/);
    expect((await call(OPS.listOutboundHosts, tokens.VIEWER)).body.hosts.map((h: { host: string }) => h.host)).toEqual(["localhost"]);

    const reg = await call(OPS.registerEndpointVersion, tokens.ENGINEER, { params: { name: "vendor-digits" }, body: { description: "Vendor API", card, endpoint: endpoint(), whiteBoxReference: "digits-cnn@1" } });
    expect(reg.status, reg.text).toBe(201);
    expect(reg.body).toMatchObject({ model: { name: "vendor-digits" }, version: 1, endpoint: { url: `${server.url}/v1/scores`, authKind: "bearer", credentialStored: true } });
    expect(reg.text).not.toContain(SECRET);
    const got = await call(OPS.getModelVersion, tokens.VIEWER, { params: { name: "vendor-digits", version: "1" } });
    expect(got.body.endpoint).toMatchObject({ method: "POST", responseMapping: { kind: "scores", path: "predictions" } });
    expect(got.text).not.toContain(SECRET);
    // A white-box reference that does not exist in the team: 404 naming it.
    const noRef = await call(OPS.registerEndpointVersion, tokens.ENGINEER, { params: { name: "vendor-digits" }, body: { card, endpoint: endpoint(), whiteBoxReference: "no-such-model@1" } });
    expect([noRef.status, noRef.body.detail]).toEqual([404, expect.stringMatching(/no-such-model/)]);
    // A second registration under the same name is the model's next version.
    expect((await call(OPS.registerEndpointVersion, tokens.ENGINEER, { params: { name: "vendor-digits" }, body: { card, endpoint: endpoint() } })).body.version).toBe(2);

    expect((await call(OPS.testEndpointConnection, tokens.VIEWER, { params: { name: "vendor-digits", version: "1" }, body: { dataset: `${DEMO_DATASETS.eval}@1` } })).status).toBe(403);
    const test = await call(OPS.testEndpointConnection, tokens.ENGINEER, { params: { name: "vendor-digits", version: "1" }, body: { dataset: `${DEMO_DATASETS.eval}@1`, examples: 8 } });
    expect(test.status, test.text).toBe(200);
    expect(test.body).toMatchObject({ ok: true, examples: 8, answered: 8, outputKind: "scores" });
    expect(server.authSeen.every((h) => h === `Bearer ${SECRET}`)).toBe(true);
    expect(test.text).not.toContain(SECRET);

    // Removing the host stops every call to it: the next test is refused before anything is sent.
    const hits = server.hits["/v1/scores"] ?? 0;
    expect((await call(OPS.removeOutboundHost, tokens.ENGINEER, { params: { id: added.body.id } })).status).toBe(403);
    expect((await call(OPS.removeOutboundHost, tokens.ADMIN, { params: { id: added.body.id } })).status).toBe(204);
    const after = await call(OPS.testEndpointConnection, tokens.ENGINEER, { params: { name: "vendor-digits", version: "1" }, body: { dataset: `${DEMO_DATASETS.eval}@1` } });
    expect(after.body).toMatchObject({ ok: false, error: expect.stringMatching(/allowlist/) });
    expect(server.hits["/v1/scores"] ?? 0).toBe(hits);

    const actions = (await db.auditEvent.findMany({ where: { teamId: team.team.id, actorLabel: { startsWith: "API token ‘" } }, orderBy: { seq: "asc" }, select: { action: true } })).map((a) => a.action);
    expect(actions).toEqual(expect.arrayContaining(["outbound.host.add", "model.version.create", "model.endpoint.test", "outbound.host.remove"]));
  });

  it("answers 404 to another team's token for this team's endpoint versions and allowlist entries", async () => {
    const host = await call(OPS.addOutboundHost, tokens.ADMIN, { body: { host: "api.vendor.example" } });
    const before = await db.auditEvent.count({ where: { teamId: team.team.id } });
    expect((await call(OPS.testEndpointConnection, tokens.OUTSIDER, { params: { name: "vendor-digits", version: "1" }, body: { dataset: `${DEMO_DATASETS.eval}@1` } })).status).toBe(404);
    expect((await call(OPS.removeOutboundHost, tokens.OUTSIDER, { params: { id: host.body.id } })).status).toBe(404);
    expect((await call(OPS.getModelVersion, tokens.OUTSIDER, { params: { name: "vendor-digits", version: "1" } })).status).toBe(404);
    expect((await call(OPS.listOutboundHosts, tokens.OUTSIDER)).body.hosts).toEqual([]);
    // Registering under our model's name from another team creates nothing of ours (its own allowlist is empty).
    expect((await call(OPS.registerEndpointVersion, tokens.OUTSIDER, { params: { name: "vendor-digits" }, body: { card, endpoint: endpoint() } })).status).toBe(400);
    expect(await db.auditEvent.count({ where: { teamId: team.team.id } })).toBe(before);
    expect(await db.outboundHost.count({ where: { teamId: team.team.id } })).toBe(1);
  });

  it("produced every success and operation-specific answer of the operations it owns (test/contract-pairs.ts)", () => {
    expect(log.violations).toEqual([]);
    expect(log.missing(ownedPairs("endpoints"), "endpoints.test.ts")).toEqual([]);
  });
});
