import { beforeAll, describe, expect, it } from "vitest";
import { db } from "../db/client";
import { makeTeam } from "../../test/fixtures";
import { useDemoModelServer } from "../../test/model-server";
import { DIGIT_LABELS } from "../demo/mnist";
import { seedDemoRegistry, DEMO_DATASETS } from "../seed/registry";
import { addOutboundHost, listOutboundHosts, removeOutboundHost } from "../teams/outbound-hosts";
import { verifyTeamChain } from "../audit/log";
import { loadEndpointForEngine, openEndpointModel, registerEndpointVersion, testEndpointConnection } from "./endpoints";
import { loadDatasetForEngine } from "./datasets";
import { OutboundError } from "../outbound/policy";
import { resetEnvCache } from "../env";
import { useTempStore } from "./test-helpers";
import { systemContext } from "../teams/context";

// Endpoint model versions against a real HTTP server serving the demo CNN, on a real database.

const TOKEN = "tok_live_7Hq9ZxV2mN4pR8sW";
useTempStore();
let team: Awaited<ReturnType<typeof makeTeam>>;
const server = useDemoModelServer(TOKEN);
let datasetVersionId: string;

const card = {
  task: "image-classification",
  inputShape: [28, 28, 1],
  inputRange: { min: 0, max: 1 },
  classLabels: DIGIT_LABELS,
  intendedUse: "Demo digits behind an API",
  outOfScopeUse: "Anything real",
  riskTier: "limited",
  owner: "ML platform",
  trainingMethod: { kind: "standard" },
};
const endpoint = (path: string, over: Record<string, unknown> = {}) => ({
  url: `${server.url}${path}`,
  authKind: "bearer",
  authSecret: TOKEN,
  requestTemplate: '{"instances": "{{inputs}}"}',
  responseMapping: { kind: path.includes("label") ? "label" : "scores", path: path.includes("label") ? "labels" : "predictions" },
  batchSize: 4,
  timeoutMs: 2000,
  requestsPerSecond: 200,
  concurrency: 2,
  ...over,
});

beforeAll(async () => {
  team = await makeTeam("endpoints");
  await seedDemoRegistry(systemContext(team.team.id, "seed"));
  datasetVersionId = (await db.datasetVersion.findFirstOrThrow({ where: { teamId: team.team.id, dataset: { name: DEMO_DATASETS.eval } } })).id;
}, 600_000);

describe("outbound allowlist", () => {
  it("is managed by admins only, audited, and refuses private wildcards", async () => {
    await expect(addOutboundHost(team.ctx("ENGINEER"), { host: "api.vendor.example" })).rejects.toThrow(/role/);
    await expect(addOutboundHost(team.ctx("VIEWER"), { host: "api.vendor.example" })).rejects.toThrow(/role/);
    await expect(addOutboundHost(team.ctx("ADMIN"), { host: "*.corp.internal", allowPrivate: true })).rejects.toMatchObject({ fieldErrors: { allowPrivate: expect.stringMatching(/one named host/) } });
    await expect(addOutboundHost(team.ctx("ADMIN"), { host: "https://x.example/path" })).rejects.toMatchObject({ fieldErrors: { host: expect.stringMatching(/no scheme/) } });
    const row = await addOutboundHost(team.ctx("ADMIN"), { host: "API.Vendor.Example" });
    await expect(addOutboundHost(team.ctx("ADMIN"), { host: "api.vendor.example" })).rejects.toThrow(/already on the allowlist/);
    expect((await listOutboundHosts(team.ctx("VIEWER"))).map((h) => h.host)).toEqual(["api.vendor.example"]);
    await expect(removeOutboundHost(team.ctx("ENGINEER"), { id: row.id })).rejects.toThrow(/role/);
    const other = await makeTeam("other");
    await expect(removeOutboundHost(other.ctx("ADMIN"), { id: row.id })).rejects.toThrow(/not found/);
    await removeOutboundHost(team.ctx("ADMIN"), { id: row.id });
    const events = await db.auditEvent.findMany({ where: { teamId: team.team.id, action: { startsWith: "outbound.host" } }, orderBy: { seq: "asc" } });
    expect(events.map((e) => e.action)).toEqual(["outbound.host.add", "outbound.host.remove"]);
  });
});

describe("endpoint model versions", () => {
  it("refuses a host that is not on the allowlist, naming the field, and stores nothing", async () => {
    const before = await db.modelVersion.count({ where: { teamId: team.team.id } });
    await expect(registerEndpointVersion(team.ctx("ENGINEER"), { name: "vendor-digits", card, endpoint: endpoint("/v1/scores") })).rejects.toMatchObject({
      fieldErrors: { "endpoint.url": expect.stringMatching(/localhost is not on this team's outbound allowlist/) },
    });
    await expect(
      registerEndpointVersion(team.ctx("ENGINEER"), { name: "vendor-digits", card, endpoint: endpoint("/v1/scores", { requestTemplate: '{"x": 1}', authSecret: "" }) }),
    ).rejects.toMatchObject({ fieldErrors: { "endpoint.requestTemplate": expect.stringMatching(/\{\{inputs\}\}/), "endpoint.authSecret": expect.any(String) } });
    expect(await db.modelVersion.count({ where: { teamId: team.team.id } })).toBe(before);
  });

  it("stores the credential only encrypted: no table holds the plaintext", async () => {
    await addOutboundHost(team.ctx("ADMIN"), { host: "localhost", allowPrivate: true, ports: [server.port] });
    const reg = await registerEndpointVersion(team.ctx("ENGINEER"), { name: "vendor-digits", card, endpoint: endpoint("/v1/scores") });
    expect(reg.version).toBe(1);
    const row = await db.modelEndpoint.findUniqueOrThrow({ where: { modelVersionId: reg.versionId } });
    expect(row.authSecretEnc).toMatch(/^v1\.[0-9a-f]{8}\./);
    // Every row of every table, as JSON text: the token appears nowhere.
    const tables = await db.$queryRaw<{ table_name: string }[]>`SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`;
    for (const { table_name } of tables) {
      const hits = await db.$queryRawUnsafe<{ n: bigint }[]>(`SELECT count(*) AS n FROM "${table_name}" t WHERE row_to_json(t)::text LIKE $1`, `%${TOKEN}%`);
      expect(Number(hits[0].n), table_name).toBe(0);
    }
    // The worker side gets it back, in the one header it belongs in.
    const ep = await loadEndpointForEngine(systemContext(team.team.id, "job"), reg.versionId);
    expect(ep.headers.authorization).toBe(`Bearer ${TOKEN}`);
    await expect(loadEndpointForEngine(systemContext((await makeTeam("outsider")).team.id, "job"), reg.versionId)).rejects.toThrow(/not found/);
  });

  it("test connection: scores and label-only endpoints answer the declared classes, the credential arrives", async () => {
    const ctx = team.ctx("ENGINEER");
    const scores = await registerEndpointVersion(ctx, { name: "vendor-digits-scores", card, endpoint: endpoint("/v1/scores") });
    const r = await testEndpointConnection(ctx, scores.versionId, datasetVersionId, { examples: 8 });
    expect(r).toMatchObject({ ok: true, error: null, examples: 8, answered: 8, outputKind: "scores" });
    // The demo CNN is about 96% accurate on these digits.
    expect(r.agreeing).toBeGreaterThanOrEqual(6);
    expect(r.stats.requests).toBe(2); // 8 examples in batches of 4
    expect(server.authSeen.every((a) => a === `Bearer ${TOKEN}`)).toBe(true);

    const label = await registerEndpointVersion(ctx, { name: "vendor-digits-label", card, endpoint: endpoint("/v1/label") });
    const r2 = await testEndpointConnection(ctx, label.versionId, datasetVersionId, { examples: 8 });
    expect(r2).toMatchObject({ ok: true, answered: 8, outputKind: "label", agreeing: r.agreeing });
  });

  it("test connection reports a wrong mapping, a wrong token and a flaky server clearly, without the token", async () => {
    const ctx = team.ctx("ENGINEER");
    const wrong = await registerEndpointVersion(ctx, { name: "wrong-mapping", card, endpoint: endpoint("/v1/scores", { responseMapping: { kind: "scores", path: "outputs" } }) });
    const r = await testEndpointConnection(ctx, wrong.versionId, datasetVersionId);
    expect(r).toMatchObject({ ok: false, error: 'The response has nothing at "outputs".' });

    const denied = await registerEndpointVersion(ctx, { name: "wrong-token", card, endpoint: endpoint("/v1/scores", { authSecret: "not-the-token-123" }) });
    const r2 = await testEndpointConnection(ctx, denied.versionId, datasetVersionId);
    expect(r2).toMatchObject({ ok: false, error: "localhost answered HTTP 401." });

    // Flaky: 500, 429, a timeout, then an answer: every logical request gets through on its 4th attempt.
    const flaky = await registerEndpointVersion(ctx, { name: "flaky", card, endpoint: endpoint("/v1/flaky", { timeoutMs: 1500, batchSize: 8, concurrency: 1 }) });
    const r3 = await testEndpointConnection(ctx, flaky.versionId, datasetVersionId, { examples: 8 });
    expect(r3).toMatchObject({ ok: true, answered: 8 });
    expect(r3.stats).toMatchObject({ requests: 4, retries: 3, succeeded: 1 });

    const audit = await db.auditEvent.findMany({ where: { teamId: team.team.id } });
    expect(JSON.stringify(audit)).not.toContain(TOKEN);
    expect(JSON.stringify(audit)).not.toContain("not-the-token-123");
    expect(audit.filter((e) => e.action === "model.endpoint.test").length).toBeGreaterThanOrEqual(5);
    expect((await verifyTeamChain(systemContext(team.team.id, "job"))).intact).toBe(true);
  });

  it("refuses at call time when the allowlist no longer admits the host", async () => {
    const ctx = team.ctx("ENGINEER");
    const reg = await registerEndpointVersion(ctx, { name: "soon-private", card, endpoint: endpoint("/v1/scores") });
    const entry = (await listOutboundHosts(ctx)).find((h) => h.host === "localhost")!;
    await removeOutboundHost(team.ctx("ADMIN"), { id: entry.id });
    await addOutboundHost(team.ctx("ADMIN"), { host: "localhost", allowPrivate: false, ports: [server.port] });
    const hitsBefore = server.hits["/v1/scores"];
    const r = await testEndpointConnection(ctx, reg.versionId, datasetVersionId);
    expect(r.ok).toBe(false);
    expect(r.error).toMatch(/^Refused: the address \(localhost resolves to 127\.0\.0\.1\) is loopback/);
    expect(server.hits["/v1/scores"]).toBe(hitsBefore);
  });
});

describe("issue #34: the allowlist means what it says", () => {
  it("removing the host stops a running evaluation's calls at the next request", async () => {
    const ctx = team.ctx("ENGINEER");
    const entry = (await listOutboundHosts(ctx)).find((h) => h.host === "localhost")!;
    await removeOutboundHost(team.ctx("ADMIN"), { id: entry.id });
    const row = await addOutboundHost(team.ctx("ADMIN"), { host: "localhost", allowPrivate: true, ports: [server.port] });
    // One example per request, one request at a time, 50 per second: the shape of an attack's query loop.
    const reg = await registerEndpointVersion(ctx, { name: "removed-mid-run", card, endpoint: endpoint("/v1/scores", { batchSize: 1, concurrency: 1, requestsPerSecond: 50, maxRetries: 0 }) });
    const ep = await loadEndpointForEngine(systemContext(team.team.id, "job"), reg.versionId);
    const { model: remote, client } = openEndpointModel(systemContext(team.team.id, "job"), ep);
    const ds = await loadDatasetForEngine(systemContext(team.team.id, "job"), datasetVersionId);
    const size = 28 * 28;
    // 300 requests (6 s at 50 per second): room for the removal's transaction on a loaded machine.
    const examples = Array.from({ length: 300 }, (_, i) => ds.x.slice((i % ds.count) * size, ((i % ds.count) + 1) * size));
    const before = server.hits["/v1/scores"] ?? 0;
    const run = remote.classify(examples).then(() => null, (e: unknown) => e);
    // Remove the host once some requests have been answered, as an admin would during an evaluation.
    await expect.poll(() => (server.hits["/v1/scores"] ?? 0) - before, { timeout: 10_000, interval: 5 }).toBeGreaterThanOrEqual(5);
    await removeOutboundHost(team.ctx("ADMIN"), { id: row.id });
    const atRemoval = (server.hits["/v1/scores"] ?? 0) - before;
    const err = await run;
    client.close();
    const after = (server.hits["/v1/scores"] ?? 0) - before - atRemoval;
    console.log(`[allowlist] ${atRemoval} requests before the removal committed, ${after} after (of 300 the run would have sent)`);
    expect(err).toBeInstanceOf(OutboundError);
    expect((err as OutboundError).code).toBe("host_not_allowed");
    // At most the one request already checked and on its way when the removal committed (concurrency 1).
    expect(after).toBeLessThanOrEqual(1);
    expect(atRemoval + after).toBeLessThan(300);
  });

  it("registration names the port when it is not on the entry, and refuses credentials that could never be sent", async () => {
    const ctx = team.ctx("ENGINEER");
    await addOutboundHost(team.ctx("ADMIN"), { host: "localhost", allowPrivate: true, ports: [server.port] });
    const bad = async (over: Record<string, unknown>, url = "/v1/scores") => {
      try {
        await registerEndpointVersion(ctx, { name: "refused", card, endpoint: endpoint(url, over) });
      } catch (e) {
        return (e as { fieldErrors: Record<string, string> }).fieldErrors;
      }
      throw new Error("expected a refusal");
    };
    const before = await db.modelVersion.count({ where: { teamId: team.team.id } });
    expect((await bad({ url: `http://localhost:${server.port + 1}/v1/scores` }))["endpoint.url"]).toBe(
      `Port ${server.port + 1} is not allowed for localhost (allowed: ${server.port}): a team admin can add it under Settings → Outbound hosts.`,
    );
    for (const h of ["Expect", "Upgrade", "Connection", "Transfer-Encoding", "TE", "Trailer", "Keep-Alive", "Proxy-Authorization", "Host", "Content-Length"]) {
      expect((await bad({ authKind: "header", authHeader: h }))["endpoint.authHeader"], h).toMatch(/controls the HTTP exchange itself/);
    }
    expect((await bad({ authKind: "none" }))["endpoint.authSecret"]).toMatch(/would never be sent/);
    expect((await bad({ authSecret: "tok\r\nX-Injected: 1" }))["endpoint.authSecret"]).toMatch(/could not be sent/);
    expect((await bad({ authSecret: "two words" }))["endpoint.authSecret"]).toMatch(/without spaces/);
    expect((await bad({ authKind: "header", authHeader: "X-Api-Key", authSecret: "k\u00e9y" }))["endpoint.authSecret"]).toMatch(/printable ASCII/);
    expect(await db.modelVersion.count({ where: { teamId: team.team.id } })).toBe(before);
  });

  it("allowlist entries: ports stored and audited, no private access while the instance forbids it, no metadata, no wildcard over IPs", async () => {
    const admin = team.ctx("ADMIN");
    const row = await addOutboundHost(admin, { host: "gpu.corp.example", ports: "8443, 443" });
    expect(row.ports).toEqual([443, 8443]);
    expect((await db.auditEvent.findFirstOrThrow({ where: { teamId: team.team.id, action: "outbound.host.add", subjectId: row.id } })).details).toMatchObject({ host: "gpu.corp.example", ports: [443, 8443] });
    expect((await addOutboundHost(admin, { host: "api2.vendor.example" })).ports).toEqual([443]);
    await expect(addOutboundHost(admin, { host: "*.1" })).rejects.toMatchObject({ fieldErrors: { host: expect.stringMatching(/DNS names only/) } });
    await expect(addOutboundHost(admin, { host: "169.254.169.254", allowPrivate: true, ports: [80] })).rejects.toMatchObject({ fieldErrors: { host: expect.stringMatching(/no setting can allow it/) } });
    await expect(addOutboundHost(admin, { host: "fd00:ec2::254", allowPrivate: true, ports: [80] })).rejects.toMatchObject({ fieldErrors: { host: expect.stringMatching(/no setting can allow it/) } });
    await expect(addOutboundHost(admin, { host: "x.example", ports: "443, ssh" })).rejects.toMatchObject({ fieldErrors: { ports: expect.any(String) } });
    process.env.BULWARK_OUTBOUND_ALLOW_PRIVATE = "false";
    resetEnvCache();
    try {
      await expect(addOutboundHost(admin, { host: "models.corp.example", allowPrivate: true, ports: [8080] })).rejects.toMatchObject({ fieldErrors: { allowPrivate: expect.stringMatching(/BULWARK_OUTBOUND_ALLOW_PRIVATE/) } });
      // An entry made while it was allowed opens nothing once the operator turns it off.
      const reg = (await db.modelVersion.findFirstOrThrow({ where: { teamId: team.team.id, model: { name: "vendor-digits" } } })).id;
      const r = await testEndpointConnection(team.ctx("ENGINEER"), reg, datasetVersionId);
      expect(r.error).toMatch(/This instance does not allow calls to private addresses/);
    } finally {
      process.env.BULWARK_OUTBOUND_ALLOW_PRIVATE = "true";
      resetEnvCache();
    }
  });
});
