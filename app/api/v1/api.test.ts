import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/db/client";
import { stopQueue } from "@/lib/jobs/queue";
import { createApiToken, revokeApiToken } from "@/lib/auth/tokens";
import { can } from "@/lib/auth/permissions";
import { resetEnvCache } from "@/lib/env";
import { OPERATIONS, OPS, type Operation } from "@/lib/api/operations";
import { openApiDocument } from "@/lib/api/openapi";
import { useTempStore } from "@/lib/registry/test-helpers";
import { seedDemoRegistry, DEMO_DATASETS } from "@/lib/seed/registry";
import { makeTeam } from "@/test/fixtures";
import { testDatabaseUrl } from "@/test/db-per-file";
import { waitFor, workerPool } from "@/test/workers";
import { methodNotAllowed } from "@/app/_lib/api";
import { contractProblems, documentedStatuses, errorStatuses } from "@/lib/api/contract";

// Every REST API v1 operation through its real route handler, on a real database, queue and worker:
// success, bad input → 400 problem details, revoked/expired token → 401, another team's token → 404,
// a VIEWER token cannot change anything, rate limit → 429 with Retry-After.

type Handler = (req: Request, ctx?: { params?: Promise<Record<string, string>> }) => Promise<Response>;
const modules = import.meta.glob<Record<string, Handler>>("./**/route.ts", { eager: true });
const METHODS = ["GET", "POST", "PATCH", "DELETE", "PUT"] as const;

/** ./models/[name]/versions/route.ts → /models/{name}/versions */
const pathOf = (file: string) => file.replace(/^\.\//, "/").replace(/\/route\.ts$/, "").replace(/\[(\w+)\]/g, "{$1}") || "/";
const handlerOf = (o: Operation): Handler => {
  const entry = Object.entries(modules).find(([f]) => pathOf(f) === o.path);
  const h = entry?.[1][o.method];
  if (!h) throw new Error(`no handler for ${o.method} ${o.path}`);
  return h;
};

const { dir } = useTempStore();
const pool = workerPool(() => ({ DATABASE_URL: testDatabaseUrl, BULWARK_DATA_DIR: dir }));

let tokens: Record<"admin" | "engineer" | "reviewer" | "viewer" | "outsider" | "revoked" | "expired", string>;
let team: Awaited<ReturnType<typeof makeTeam>>;
const ids: { outboundHostId?: string; reportId?: string; completed?: number; queued?: number; scheduleId?: string; alertId?: string; modelId?: string; modelVersionId?: string; datasetVersionId?: string } = {};

interface Call { token?: string | null; params?: Record<string, string>; query?: Record<string, string>; body?: unknown; form?: FormData }
async function call(o: Operation, c: Call = {}): Promise<Response> {
  let path = `/api/v1${o.path}`;
  for (const [k, v] of Object.entries(c.params ?? {})) path = path.replace(`{${k}}`, encodeURIComponent(v));
  const url = new URL(`http://localhost${path}`);
  for (const [k, v] of Object.entries(c.query ?? {})) url.searchParams.set(k, v);
  const headers: Record<string, string> = {};
  if (c.token !== null) headers.authorization = `Bearer ${c.token ?? tokens.admin}`;
  let body: BodyInit | undefined;
  if (c.form) body = c.form;
  else if (c.body !== undefined) {
    headers["content-type"] = "application/json";
    body = typeof c.body === "string" ? c.body : JSON.stringify(c.body);
  }
  const req = new Request(url, { method: o.method, headers, body });
  const res = await handlerOf(o)(req, { params: Promise.resolve(c.params ?? {}) });
  // Every answer of this file is checked against the operation's declared contract (lib/api/contract.ts).
  contract.violations.push(...(await contractProblems(o, res)));
  contract.seen.add(`${o.id} ${res.status}`);
  return res;
}
const contract = { violations: [] as string[], seen: new Set<string>() };
const json = async (r: Response) => (await r.json()) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- the test reads many JSON shapes; each assertion checks the fields it uses

function modelForm(extra: Record<string, string> = {}, card?: unknown) {
  const f = new FormData();
  const folder = "demo/models/digits-cnn-v2";
  f.append("files", new Blob([readFileSync(`${folder}/model.json`)]), "model.json");
  f.append("files", new Blob([readFileSync(`${folder}/weights.bin`)]), "weights.bin");
  f.append(
    "card",
    JSON.stringify(
      card ?? {
        task: "image-classification", inputShape: [28, 28, 1], inputRange: { min: 0, max: 1 }, classLabels: ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"],
        intendedUse: "API test", outOfScopeUse: "Anything real", riskTier: "limited", owner: "CI", trainingMethod: { kind: "adversarial", attack: "pgd", norm: "linf", epsilon: 0.3 },
      },
    ),
  );
  for (const [k, v] of Object.entries(extra)) f.append(k, v);
  return f;
}

function csvForm(extra: Record<string, string> = {}) {
  const f = new FormData();
  const rows = ["a,b,label", ...Array.from({ length: 20 }, (_, i) => `${i / 20},${1 - i / 20},${i % 2 ? "yes" : "no"}`)].join("\n");
  f.append("files", new Blob([rows]), "tabular.csv");
  const fields = { format: "csv", labelColumn: "label", description: "Tabular test data", source: "generated by the test", collectedBy: "the test", collectedWhen: "2026", licence: "CC0-1.0", personalData: "no", split: "test", ...extra };
  for (const [k, v] of Object.entries(fields)) f.append(k, v);
  return f;
}

beforeAll(async () => {
  team = await makeTeam("api");
  const other = await makeTeam("api-other");
  await seedDemoRegistry(team.team.id);
  const admin = team.ctx("ADMIN");
  const mk = async (role: "ADMIN" | "ENGINEER" | "REVIEWER" | "VIEWER", name = role.toLowerCase()) => (await createApiToken(admin, { name, role, expiresInDays: 7 })).secret;
  tokens = {
    admin: await mk("ADMIN"), engineer: await mk("ENGINEER"), reviewer: await mk("REVIEWER"), viewer: await mk("VIEWER"),
    outsider: (await createApiToken(other.ctx("ADMIN"), { name: "other", role: "ADMIN", expiresInDays: 7 })).secret,
    revoked: await mk("ADMIN", "revoked"), expired: await mk("ADMIN", "expired"),
  };
  const revoked = await db.apiToken.findFirstOrThrow({ where: { teamId: team.team.id, name: "revoked" } });
  await revokeApiToken(admin, revoked.id);
  await db.apiToken.updateMany({ where: { teamId: team.team.id, name: "expired" }, data: { expiresAt: new Date(Date.now() - 1000) } });
  const mv = await db.modelVersion.findFirstOrThrow({ where: { teamId: team.team.id }, orderBy: { version: "asc" } });
  ids.modelId = mv.modelId;
  ids.modelVersionId = mv.id;
  ids.datasetVersionId = (await db.datasetVersion.findFirstOrThrow({ where: { teamId: team.team.id, dataset: { name: DEMO_DATASETS.eval } } })).id;
}, 300_000);

afterAll(async () => {
  await pool.stopWorkers();
  await stopQueue();
});

describe("REST API v1", () => {
  it("has exactly one route handler per documented operation (file system ↔ operations ↔ OpenAPI)", () => {
    // Methods an address does not take answer 405 problem+json (methodNotAllowed): not operations.
    const routed = Object.entries(modules).flatMap(([file, mod]) => METHODS.filter((m) => typeof mod[m] === "function" && mod[m] !== methodNotAllowed).map((m) => `${m} ${pathOf(file)}`));
    const documented = OPERATIONS.map((o) => `${o.method} ${o.path}`);
    expect(routed.filter((r) => r !== "GET /openapi.json").sort()).toEqual([...documented].sort());
    const doc = openApiDocument();
    expect(doc.openapi).toBe("3.1.0");
    const inDoc = Object.entries(doc.paths).flatMap(([p, ms]) => Object.keys(ms).map((m) => `${m.toUpperCase()} ${p}`));
    expect(inDoc.sort()).toEqual([...documented].sort());
    // Request schemas come from the zod schemas the handlers parse with.
    // POST /evaluations takes one schema per evaluation kind (lib/evaluations/kinds.ts), chosen by `kind`.
    const create = doc.paths["/evaluations"]!.post as { requestBody: { content: { "application/json": { schema: { anyOf: { properties: Record<string, { const?: string }> }[] } } } } };
    const options = create.requestBody.content["application/json"].schema.anyOf;
    const robustness = options.find((o) => o.properties.kind?.const === "robustness")!;
    expect(Object.keys(robustness.properties)).toEqual(expect.arrayContaining(["model", "dataset", "preset", "sampleCount", "seed"]));
    const privacy = options.find((o) => o.properties.kind?.const === "privacy")!;
    expect(Object.keys(privacy.properties)).toEqual(expect.arrayContaining(["model", "memberDataset", "nonMemberDataset", "samplesPerSet", "referenceModels", "seed"]));
  });

  it("works end to end: registry, evaluations on a real worker, results, schedules, gate, controls, alerts, audit", { timeout: 300_000 }, async () => {
    expect(await json(await call(OPS.getMe))).toMatchObject({ team: { id: team.team.id }, role: "ADMIN" });

    // Models: list (paginated), get, upload a version (with expectedVersion), get the version.
    const models = await json(await call(OPS.listModels));
    expect(models.data.map((m: { name: string }) => m.name)).toEqual(["digits-cnn"]);
    expect((await json(await call(OPS.getModel, { params: { name: "DIGITS-CNN" } }))).versions.map((v: { version: number }) => v.version)).toEqual([2, 1]);
    const conflict = await call(OPS.uploadModelVersion, { token: tokens.engineer, params: { name: "digits-cnn" }, form: modelForm({ expectedVersion: "2" }) });
    expect(conflict.status).toBe(409);
    expect((await json(conflict)).detail).toMatch(/Version 2 of the model "digits-cnn" already exists; the next upload becomes version 3/);
    const up = await call(OPS.uploadModelVersion, { token: tokens.engineer, params: { name: "api-digits" }, form: modelForm({ expectedVersion: "1", description: "pushed by CI" }) });
    expect(up.status).toBe(201);
    const uploaded = await json(up);
    expect(uploaded).toMatchObject({ model: { name: "api-digits" }, version: 1, riskTier: "limited", status: "active" });
    expect(uploaded.digest).toMatch(/^[0-9a-f]{64}$/);
    expect((await json(await call(OPS.getModelVersion, { params: { name: "api-digits", version: "1" } }))).files.map((f: { path: string }) => f.path)).toEqual(["model.json", "weights.bin"]);
    const page1 = await json(await call(OPS.listModels, { query: { limit: "1" } }));
    const page2 = await json(await call(OPS.listModels, { query: { limit: "1", cursor: page1.nextCursor } }));
    expect([page1.data[0].name, page2.data[0].name]).toEqual(["api-digits", "digits-cnn"]);
    expect(page2.nextCursor).toBeNull();

    // Datasets.
    expect((await json(await call(OPS.listDatasets))).data.map((d: { name: string }) => d.name)).toEqual([DEMO_DATASETS.eval, DEMO_DATASETS.train].sort());
    expect((await json(await call(OPS.getDataset, { params: { name: DEMO_DATASETS.eval } }))).versions).toHaveLength(1);
    expect(await json(await call(OPS.getDatasetVersion, { params: { name: DEMO_DATASETS.eval, version: "latest" } }))).toMatchObject({ version: 1, samples: 2000, format: "idx" });
    const ds = await call(OPS.uploadDatasetVersion, { token: tokens.engineer, params: { name: "tabular" }, form: csvForm() });
    expect(ds.status).toBe(201);
    expect(await json(ds)).toMatchObject({ dataset: { name: "tabular" }, version: 1, samples: 20, classLabels: ["no", "yes"] });

    // Evaluations: launch by name@version, run on a real worker, read progress and results.
    const created = await call(OPS.createEvaluation, { token: tokens.engineer, body: { model: "digits-cnn@1", dataset: `${DEMO_DATASETS.eval}@latest`, preset: "quick", sampleCount: 40, shardSize: 20, seed: 3 } });
    expect(created.status).toBe(201);
    const ev = await json(created);
    expect(ev).toMatchObject({ status: "queued", samples: 40, model: { name: "digits-cnn", version: 1 } });
    ids.completed = ev.number;
    const early = await call(OPS.getEvaluationResults, { params: { number: String(ev.number) } });
    expect(early.status).toBe(400);
    expect((await json(early)).detail).toMatch(/results exist once it has completed/);
    pool.startWorker();
    const done = await waitFor("the evaluation to complete", async () => {
      const e = await json(await call(OPS.getEvaluation, { params: { number: String(ev.number) } }));
      return e.status === "completed" ? e : null;
    });
    await pool.stopWorkers();
    expect(done.progress.fraction).toBe(1);
    const stored = await db.evaluation.findUniqueOrThrow({ where: { id: ev.id } });
    expect(done.results.cleanAccuracy).toBe(stored.cleanAccuracy);
    const results = await json(await call(OPS.getEvaluationResults, { params: { number: String(ev.number) } }));
    expect(results.records).toHaveLength(40);
    expect(results.metrics.cleanAccuracy).toBe(stored.cleanAccuracy);
    const listed = await json(await call(OPS.listEvaluations, { query: { status: "completed", model: "digits-cnn@1" } }));
    expect(listed.data.map((e: { number: number }) => e.number)).toEqual([ev.number]);

    // Cancel a second, queued one (no worker runs now); cancelling again is a conflict.
    const queued = await json(await call(OPS.createEvaluation, { token: tokens.engineer, body: { modelVersionId: ids.modelVersionId, datasetVersionId: ids.datasetVersionId, preset: "quick", sampleCount: 20 } }));
    ids.queued = queued.number;
    expect(await json(await call(OPS.cancelEvaluation, { token: tokens.engineer, params: { number: String(queued.number) } }))).toMatchObject({ status: "cancelled", cancelledBy: expect.stringMatching(/^API token ‘engineer’ \(bwk_.{8}…, acting for /) });
    expect((await call(OPS.cancelEvaluation, { token: tokens.engineer, params: { number: String(queued.number) } })).status).toBe(409);

    // Schedules.
    const sc = await call(OPS.createSchedule, { token: tokens.engineer, body: { name: "nightly", modelId: ids.modelId, datasetVersionId: ids.datasetVersionId, preset: "quick", sampleCount: 100, cron: "daily" } });
    expect(sc.status).toBe(201);
    const schedule = await json(sc);
    expect(schedule).toMatchObject({ name: "nightly", cron: "0 3 * * *", paused: false, model: "digits-cnn" });
    expect(schedule.nextRunAt).toMatch(/T03:00:00/);
    expect(await json(await call(OPS.updateSchedule, { token: tokens.engineer, params: { id: schedule.id }, body: { paused: true } }))).toMatchObject({ paused: true, nextRunAt: null });
    expect((await json(await call(OPS.getSchedule, { params: { id: schedule.id } }))).paused).toBe(true);
    expect((await json(await call(OPS.listSchedules))).data).toHaveLength(1);

    // Gate and controls: 40 samples do not meet the limited tier's required suite (200).
    const gate = await json(await call(OPS.getGate, { token: tokens.viewer, query: { model: "digits-cnn@1" } }));
    expect(gate).toMatchObject({ model: "digits-cnn@1", tier: "limited", pass: false });
    expect(gate.checks[0]).toMatchObject({ id: "suite", outcome: "fail" });
    expect(gate.checks[0].detail).toMatch(/40 samples \(needs 200\)/);
    const controls = await json(await call(OPS.getControls, { query: { model: "api-digits@latest", framework: "nist-ai-rmf" } }));
    expect(controls.controls.length).toBeGreaterThan(0);
    expect(controls.controls.every((c: { framework: string }) => c.framework === "nist-ai-rmf")).toBe(true);
    const oldVersion = await call(OPS.getControls, { query: { model: "digits-cnn@1" } });
    expect(oldVersion.status).toBe(400);
    expect((await json(oldVersion)).detail).toMatch(/current version of "digits-cnn"/);

    // Alerts: an open regression alert fails the gate until a reviewer acknowledges it.
    const alert = await db.regressionAlert.create({ data: { teamId: team.team.id, modelId: ids.modelId!, evaluationId: ev.id, previousEvaluationId: ev.id, details: { regressions: [] }, summary: "Worst-case Linf 0.1 dropped 7.0 points" } });
    ids.alertId = alert.id;
    expect((await json(await call(OPS.listAlerts))).data.map((a: { id: string }) => a.id)).toEqual([alert.id]);
    expect((await json(await call(OPS.getGate, { query: { model: "digits-cnn@1" } }))).checks.at(-1)).toMatchObject({ id: "regression", outcome: "fail" });
    expect(await json(await call(OPS.acknowledgeAlert, { token: tokens.reviewer, params: { id: alert.id }, body: { note: "Known: new augmentation; tracked in ML-42" } }))).toMatchObject({ acknowledged: { note: "Known: new augmentation; tracked in ML-42", by: expect.stringMatching(/^API token ‘reviewer’ \(bwk_.{8}…, acting for /) } });
    expect((await json(await call(OPS.listAlerts))).data).toEqual([]);
    expect((await json(await call(OPS.listAlerts, { query: { state: "all" } }))).data).toHaveLength(1);

    // Reports: generated on a worker, downloaded, verified (a changed byte does not match), approved.
    const rep = await call(OPS.createReport, { token: tokens.engineer, body: { models: ["digits-cnn"], frameworks: ["nist-ai-rmf"] } });
    expect(rep.status).toBe(201);
    const report = await json(rep);
    ids.reportId = report.id;
    expect(report).toMatchObject({ status: "queued", scope: { frameworks: ["nist-ai-rmf"] } });
    pool.startWorker();
    const draft = await waitFor("the report draft", async () => {
      const r = await json(await call(OPS.getReport, { params: { id: report.id } }));
      if (r.status === "failed") throw new Error(r.failureReason);
      return r.status === "draft" ? r : null;
    });
    await pool.stopWorkers();
    expect(draft.snapshotSha256).toMatch(/^[0-9a-f]{64}$/);
    const pdf = await call(OPS.downloadReport, { params: { id: report.id } });
    expect(pdf.headers.get("content-type")).toBe("application/pdf");
    const bytes = new Uint8Array(await pdf.arrayBuffer());
    expect(pdf.headers.get("x-content-sha256")).toBe(draft.draftPdfSha256);
    const verifyBytes = (b: Uint8Array) => handlerOf(OPS.verifyReport)(new Request("http://localhost/api/v1/reports/verify", { method: "POST", headers: { authorization: `Bearer ${tokens.viewer}`, "content-type": "application/pdf" }, body: Buffer.from(b) }));
    expect(await json(await verifyBytes(bytes))).toMatchObject({ match: true, report: { id: report.id, status: "draft" }, chain: { intact: true } });
    const tampered = bytes.slice();
    tampered[Math.floor(tampered.length / 2)] ^= 1;
    const bad = await json(await verifyBytes(tampered));
    expect(bad.match).toBe(false);
    expect(bad.message).toMatch(/does not match any report/);
    expect((await json(await call(OPS.verifyReport, { token: tokens.viewer, body: { sha256: draft.draftPdfSha256 } }))).match).toBe(true);
    // Both tokens were issued by the same admin: approving through them would be self-approval.
    const self = await call(OPS.approveReport, { token: tokens.reviewer, params: { id: report.id }, body: { snapshotSha256: draft.snapshotSha256 } });
    expect(self.status).toBe(403);
    expect((await json(self)).detail).toMatch(/segregation of duties/);
    // A reviewer token issued by a second admin approves it.
    await db.membership.updateMany({ where: { teamId: team.team.id, userId: team.users.REVIEWER.id }, data: { role: "ADMIN" } });
    const second = (await createApiToken({ ...team.ctx("REVIEWER"), role: "ADMIN" }, { name: "second-reviewer", role: "REVIEWER", expiresInDays: 1 })).secret;
    const approved = await call(OPS.approveReport, { token: second, params: { id: report.id }, body: { snapshotSha256: draft.snapshotSha256 } });
    expect([approved.status, (await json(approved)).status]).toEqual([200, "approved"]);
    expect((await call(OPS.approveReport, { token: second, params: { id: report.id }, body: {} })).status).toBe(409);
    expect((await json(await call(OPS.listReports))).data.map((r: { id: string }) => r.id)).toEqual([report.id]);

    // An ensemble of the two demo versions is a new version of the model.
    const ensemble = await call(OPS.createEnsembleVersion, { token: tokens.engineer, params: { name: "digits-ensemble" }, body: { members: ["digits-cnn@1", "digits-cnn@2"], combine: "mean-probability" } });
    expect([ensemble.status, ensemble.headers.get("location")]).toEqual([201, "/api/v1/models/digits-ensemble/versions/1"]);

    // Delete the schedule last; then the audit chain holds every change and verifies.
    expect((await call(OPS.deleteSchedule, { token: tokens.engineer, params: { id: schedule.id } })).status).toBe(204);
    expect((await call(OPS.getSchedule, { params: { id: schedule.id } })).status).toBe(404);
    ids.scheduleId = (await json(await call(OPS.createSchedule, { token: tokens.engineer, body: { name: "weekly", modelId: ids.modelId, datasetVersionId: ids.datasetVersionId, preset: "quick", sampleCount: 100, cron: "weekly" } }))).id;
    const audit = await json(await call(OPS.verifyAudit, { token: tokens.viewer }));
    expect(audit).toMatchObject({ intact: true });
    const actions = (await db.auditEvent.findMany({ where: { teamId: team.team.id, actorLabel: { startsWith: "API token ‘" } }, select: { action: true } })).map((a) => a.action);
    expect(actions).toEqual(expect.arrayContaining(["evaluation.cancel", "schedule.create", "schedule.pause", "schedule.delete", "alert.acknowledge"]));
  });

  /** A request for each operation that would succeed for the right caller (ids from the journey above). */
  const sample = (o: Operation): Call => {
    const p: Record<string, Call> = {
      getModel: { params: { name: "digits-cnn" } },
      uploadModelVersion: { params: { name: "digits-cnn" }, form: modelForm() },
      getModelVersion: { params: { name: "digits-cnn", version: "1" } },
      getDataset: { params: { name: DEMO_DATASETS.eval } },
      uploadDatasetVersion: { params: { name: "tabular" }, form: csvForm() },
      getDatasetVersion: { params: { name: DEMO_DATASETS.eval, version: "1" } },
      createEvaluation: { body: { model: "digits-cnn@1", dataset: `${DEMO_DATASETS.eval}@1`, preset: "quick", sampleCount: 10 } },
      getEvaluation: { params: { number: String(ids.completed) } },
      getEvaluationResults: { params: { number: String(ids.completed) } },
      // This team has no integrity scan: the read is allowed and answers 400 naming the evaluation's kind
      // (lib/evaluations/integrity.test.ts pages through a real scan's suspects).
      listEvaluationSuspects: { params: { number: String(ids.completed) } },
      cancelEvaluation: { params: { number: String(ids.queued) } },
      createSchedule: { body: { name: "x", modelId: ids.modelId, datasetVersionId: ids.datasetVersionId, preset: "quick", sampleCount: 10, cron: "weekly" } },
      getSchedule: { params: { id: ids.scheduleId! } },
      updateSchedule: { params: { id: ids.scheduleId! }, body: { paused: false } },
      deleteSchedule: { params: { id: ids.scheduleId! } },
      createEnsembleVersion: { params: { name: "digits-cnn" }, body: { members: ["digits-cnn@1", "digits-cnn@2"], combine: "mean-probability" } },
      getControls: { query: { model: "digits-cnn@latest" } },
      getGate: { query: { model: "digits-cnn@1" } },
      acknowledgeAlert: { params: { id: ids.alertId! }, body: { note: "seen by the test" } },
      createReport: { body: { models: ["digits-cnn"], frameworks: ["nist-ai-rmf"] } },
      getReport: { params: { id: ids.reportId! } },
      approveReport: { params: { id: ids.reportId! }, body: {} },
      requestReportReview: { params: { id: ids.reportId! }, body: { reviewer: "reviewer@example.test" } },
      requestReportChanges: { params: { id: ids.reportId! }, body: { reason: "Please add the v2 evaluation." } },
      reviseReport: { params: { id: ids.reportId! }, body: {} },
      downloadReport: { params: { id: ids.reportId! } },
      verifyReport: { body: { sha256: "0".repeat(64) } },
      getDeployments: { query: { model: "digits-cnn" } },
      // This team has no environments: the read is allowed and answers 404 naming it (app/api/v1/deployments.test.ts reads a real one).
      getMonitoringReference: { query: { model: "digits-cnn", environment: "production" } },
      registerEndpointVersion: { params: { name: "digits-cnn" }, body: { card: {}, endpoint: { url: "https://api.vendor.example/v1/scores" } } },
      testEndpointConnection: { params: { name: "digits-cnn", version: "1" }, body: { dataset: `${DEMO_DATASETS.eval}@1` } },
      addOutboundHost: { body: { host: "api.vendor.example" } },
      removeOutboundHost: { params: { id: ids.outboundHostId ?? "none" } },
    };
    return p[o.id] ?? {};
  };

  it("registers an ONNX model (the PyTorch MNIST fixture) and refuses one with an ArgMax in its path, naming it", async () => {
    const fixture = JSON.parse(readFileSync("test/fixtures/onnx/mnist-cnn.json", "utf8")) as { card: Record<string, unknown> };
    const descriptive = { intendedUse: "API test", outOfScopeUse: "Anything real", riskTier: "limited", owner: "CI", trainingMethod: { kind: "standard" } };
    const form = (file: string, card: Record<string, unknown>) => {
      const f = new FormData();
      f.append("files", new Blob([readFileSync(file)]), file.split("/").pop()!);
      f.append("card", JSON.stringify({ ...card, ...descriptive }));
      return f;
    };
    const up = await call(OPS.uploadModelVersion, { token: tokens.engineer, params: { name: "torch-digits" }, form: form("test/fixtures/onnx/mnist-cnn.onnx", fixture.card) });
    expect(up.status, JSON.stringify(await up.clone().json())).toBe(201);
    const files = (await json(await call(OPS.getModelVersion, { params: { name: "torch-digits", version: "1" } }))).files;
    expect(files.map((f: { path: string }) => f.path)).toEqual(["mnist-cnn.onnx"]);
    const argmax = JSON.parse(readFileSync("test/fixtures/onnx/refuse/argmax-in-path.json", "utf8")) as { card: Record<string, unknown> };
    const refused = await call(OPS.uploadModelVersion, { token: tokens.engineer, params: { name: "torch-argmax" }, form: form("test/fixtures/onnx/refuse/argmax-in-path.onnx", argmax.card) });
    expect(refused.status).toBe(400);
    expect(JSON.stringify(await json(refused))).toMatch(/ArgMax \(node \\"\/ArgMax\\"\).*black-box/);
  });

  it("answers 401 problem details without a token and for revoked or expired tokens, on every operation", async () => {
    for (const o of OPERATIONS) {
      for (const token of [null, tokens.revoked, tokens.expired, "bwk_not-a-real-token"]) {
        const r = await call(o, { ...sample(o), token });
        expect(r.status, `${o.id} with ${token ? "a bad token" : "no token"}`).toBe(401);
        expect(r.headers.get("content-type")).toBe("application/problem+json");
        expect((await json(r)).detail).toMatch(/API token/);
      }
    }
  });

  it("refuses every change to a VIEWER token (403) and lets it read", async () => {
    for (const o of OPERATIONS) {
      const r = await call(o, { ...sample(o), token: tokens.viewer });
      if (o.id === "getMonitoringReference") expect([r.status, (await json(r)).detail]).toEqual([404, expect.stringMatching(/environment "production"/)]);
      else if (o.id === "listEvaluationSuspects") expect([r.status, (await json(r)).detail]).toEqual([400, expect.stringMatching(/is a robustness evaluation/)]);
      else if (can("VIEWER", o.action)) expect(r.status, o.id).toBeLessThan(400);
      else {
        expect(r.status, o.id).toBe(403);
        expect((await json(r)).detail).toMatch(/role \(VIEWER\) does not allow/);
      }
    }
    // Nothing was changed by those attempts.
    expect(await db.evaluation.count({ where: { teamId: team.team.id } })).toBe(2);
    expect(await db.schedule.count({ where: { teamId: team.team.id } })).toBe(1);
    expect(await db.report.count({ where: { teamId: team.team.id } })).toBe(1);
  });

  it("answers 404 to another team's token for every record of this team, and lists only its own team", async () => {
    ids.outboundHostId = (await json(await call(OPS.addOutboundHost, { token: tokens.admin, body: { host: "models.vendor.example" } }))).id;
    const before = await db.auditEvent.count({ where: { teamId: team.team.id } });
    const versionsBefore = await db.modelVersion.count({ where: { teamId: team.team.id } });
    // Uploads last: an outsider's upload under one of our names creates its own team's model.
    const order = [...OPERATIONS].sort((a, b) => Number(a.bodyKind === "multipart") - Number(b.bodyKind === "multipart"));
    for (const o of order) {
      const s = sample(o);
      const r = await call(o, { ...s, token: tokens.outsider });
      const namesOurs = !!s.params || !!s.query?.model || ["createEvaluation", "createSchedule", "createReport"].includes(o.id);
      // Uploads and endpoint registrations under one of our names act on the caller's own team (see below).
      if (namesOurs && !["uploadModelVersion", "uploadDatasetVersion", "registerEndpointVersion"].includes(o.id)) expect(r.status, o.id).toBe(404);
      else if (o.method === "GET") {
        const body = JSON.stringify(await json(r));
        expect(body, o.id).not.toContain(team.team.id);
        expect(body, o.id).not.toContain("digits-cnn");
      }
    }
    // An outsider "uploading" to our model's name creates its own, separate model: ours is untouched.
    expect(await db.modelVersion.count({ where: { teamId: team.team.id } })).toBe(versionsBefore);
    expect(await db.auditEvent.count({ where: { teamId: team.team.id } })).toBe(before);
    expect((await call(OPS.removeOutboundHost, { token: tokens.admin, params: { id: ids.outboundHostId! } })).status).toBe(204);
  });

  it("answers 400 problem details that name the bad field", async () => {
    const cases: [Operation, Call, RegExp][] = [
      [OPS.createEvaluation, { token: tokens.engineer, body: { model: "digits-cnn", dataset: "x@1", preset: "quick" } }, /model: "digits-cnn" is not name@version/],
      [OPS.createEvaluation, { token: tokens.engineer, body: { model: "digits-cnn@1", dataset: `${DEMO_DATASETS.eval}@1`, preset: "fast", sampleCount: -1 } }, /preset: Choose quick, standard or custom/],
      [OPS.createEvaluation, { token: tokens.engineer, body: "{nope" }, /not valid JSON/],
      [OPS.createSchedule, { token: tokens.engineer, body: { name: "", cron: "sometimes" } }, /name: Name the schedule/],
      [OPS.updateSchedule, { token: tokens.engineer, params: { id: "whatever" }, body: { paused: "yes" } }, /paused is true or false/],
      [OPS.acknowledgeAlert, { token: tokens.reviewer, params: { id: "x" }, body: { note: "" } }, /note: Say what was decided/],
      [OPS.listModels, { query: { limit: "1000" } }, /limit is at most 100/],
      [OPS.listModels, { query: { cursor: "garbage" } }, /cursor is not one this API returned/],
      // Every list answers 400 to a cursor it did not return (reports take the last report's id as cursor).
      [OPS.listReports, { query: { cursor: "garbage" } }, /cursor is not one this API returned/],
      [OPS.listSchedules, { query: { cursor: "garbage" } }, /cursor is not one this API returned/],
      [OPS.listEvaluations, { query: { status: "done" } }, /status is one of/],
      [OPS.listAlerts, { query: { state: "closed" } }, /state is open, acknowledged or all/],
      [OPS.createReport, { token: tokens.engineer, body: { frameworks: ["iso-9001"] } }, /Frameworks are/],
      [OPS.verifyReport, { token: tokens.viewer, body: { sha256: "abc" } }, /64 hexadecimal/],
      [OPS.approveReport, { token: tokens.reviewer, params: { id: "x" }, body: { snapshotSha256: "nope" } }, /64 hexadecimal/],
      [OPS.getGate, { query: {} }, /model:/],
      [OPS.getControls, { query: { model: "digits-cnn@latest", framework: "iso-9001" } }, /framework is one of/],
      [OPS.uploadModelVersion, { token: tokens.engineer, params: { name: "bad-card" }, form: modelForm({}, { task: "image-classification" }) }, /fields are invalid|inputShape|required/i],
      [OPS.uploadModelVersion, { token: tokens.engineer, params: { name: "bad-card" }, body: { not: "multipart" } }, /expected a multipart\/form-data body/],
      [OPS.uploadDatasetVersion, { token: tokens.engineer, params: { name: "bad-data" }, form: csvForm({ licence: "free for all" }) }, /SPDX/],
    ];
    for (const [o, c, detail] of cases) {
      const r = await call(o, c);
      expect(r.status, `${o.id} ${JSON.stringify(c.body ?? c.query ?? "")}`).toBe(400);
      expect(r.headers.get("content-type")).toBe("application/problem+json");
      const p = await json(r);
      expect(`${p.detail} ${JSON.stringify(p.errors ?? {})}`, o.id).toMatch(detail);
    }
    // Nothing half-stored by the refused uploads.
    expect(await db.model.count({ where: { teamId: team.team.id, name: "bad-card" } })).toBe(0);
    expect(await db.dataset.count({ where: { teamId: team.team.id, name: "bad-data" } })).toBe(0);
    // Malformed ids and numbers in the path name nothing: 404.
    expect((await call(OPS.getEvaluation, { params: { number: "abc" } })).status).toBe(404);
    expect((await call(OPS.getModelVersion, { params: { name: "digits-cnn", version: "one" } })).status).toBe(404);
  });

  it("limits each token's requests per minute: 429 with Retry-After and RateLimit headers", async () => {
    process.env.BULWARK_API_RATE_LIMIT = "3";
    resetEnvCache();
    try {
      const fresh = (await createApiToken(team.ctx("ADMIN"), { name: "burst", role: "VIEWER", expiresInDays: 1 })).secret;
      const answers = [];
      for (let i = 0; i < 4; i++) answers.push(await call(OPS.getMe, { token: fresh }));
      expect(answers.map((r) => r.status)).toEqual([200, 200, 200, 429]);
      expect(answers[0].headers.get("ratelimit-remaining")).toBe("2");
      const refused = answers[3];
      expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
      expect((await json(refused)).detail).toMatch(/more than 3 requests in a minute/);
      // Other tokens are not affected.
      const other = (await createApiToken(team.ctx("ADMIN"), { name: "calm", role: "VIEWER", expiresInDays: 1 })).secret;
      expect((await call(OPS.getMe, { token: other })).status).toBe(200);
    } finally {
      delete process.env.BULWARK_API_RATE_LIMIT;
      resetEnvCache();
    }
  });

  it("answered only documented statuses, each body exactly its declared schema or a problem document", () => {
    expect(contract.violations).toEqual([]);
    // Deployments, monitoring and endpoint models have their own files (deployments.test.ts, endpoints.test.ts), which check the same way.
    const elsewhere = new Set(["listEnvironments", "createEnvironment", "getDeployments", "promoteDeployment", "rollbackDeployment", "createGateOverride", "getMonitoringReference", "postMonitoringBatch", "listMonitoringAlerts", "acknowledgeMonitoringAlert", "registerEndpointVersion", "testEndpointConnection", "listEvaluationSuspects",
      // The review operations: their flow is tested in lib/reports/review.test.ts; here they answer 401, 403 and 404, checked like the rest.
      "requestReportReview", "requestReportChanges", "reviseReport",
      // The OSCAL exports: app/api/v1/oscal.test.ts (success, 400 and 404 answers with the same contract check).
      "getOscalAssessmentResults", "getReportOscal", "getModelVersionOscal", "getOscalCatalog"]);
    const missing = OPERATIONS.filter((o) => !elsewhere.has(o.id)).flatMap((o) => {
      // The success answer and the 401 of every operation; the 403 of each restricted one (VIEWER test); the 404 of each that names a record in its address (outsider test).
      const want = [o.status, 401, ...(errorStatuses(o)[403] ? [403] : []), ...(o.params && errorStatuses(o)[404] ? [404] : [])];
      return want.filter((s) => !contract.seen.has(`${o.id} ${s}`)).map((s) => `${o.id} ${s}`);
    });
    expect(missing).toEqual([]);
    const documented = OPERATIONS.flatMap((o) => documentedStatuses(o).map((s) => `${o.id} ${s}`));
    console.log(`Contract: ${contract.seen.size} (operation, status) pairs answered and checked, of ${documented.length} documented`);
  });
});
