import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/db/client";
import { stopQueue } from "@/lib/jobs/queue";
import { createApiToken } from "@/lib/auth/tokens";
import { resetEnvCache } from "@/lib/env";
import { verifyTeamChain } from "@/lib/audit/log";
import { OPERATIONS, type Operation } from "@/lib/api/operations";
import { contractProblems } from "@/lib/api/contract";
import { createEvaluation } from "@/lib/evaluations/create";
import { createSchedule, ScheduleInputSchema } from "@/lib/evaluations/schedules";
import { createReport } from "@/lib/reports";
import { importTeamCatalog } from "@/lib/compliance/team-catalogs";
import { useTempStore } from "@/lib/registry/test-helpers";
import { seedDemoRegistry, DEMO_DATASETS } from "@/lib/seed/registry";
import { systemContext } from "@/lib/teams/context";
import { makeTeam } from "@/test/fixtures";
import { controlStringsFor, FUZZ_SEED, invalidJsonText, junkJson, junkString, KEY, leafName, mutated, replaceLeaf, rowCounts, stringLeaves, type LeafPath } from "@/test/fuzz";

// Bad input at every REST API v1 operation, through the real route handlers on a real database:
// random and malformed path parameters, queries and bodies (wrong types, nested junk, unicode, huge
// strings, invalid JSON, wrong content types). Every answer must be < 500, every refusal a problem
// document (RFC 9457) with its status, and a refusal must change no row; the audit chain must verify.

type Handler = (req: Request, ctx?: { params?: Promise<Record<string, string>> }) => Promise<Response>;
const modules = import.meta.glob<Record<string, Handler>>("./**/route.ts", { eager: true });
const pathOf = (file: string) => file.replace(/^\.\//, "/").replace(/\/route\.ts$/, "").replace(/\[(\w+)\]/g, "{$1}") || "/";
const handlerOf = (o: Operation): Handler => {
  const h = Object.entries(modules).find(([f]) => pathOf(f) === o.path)?.[1][o.method];
  if (!h) throw new Error(`no handler for ${o.method} ${o.path}`);
  return h;
};

useTempStore();
let token: string;
let teamId: string;
/** Real values per parameter and valid bodies per operation: junk is mixed into them, so checks past the first one are reached. */
const real: Record<string, string[]> = {};
const validBody: Record<string, Record<string, unknown>> = {};
const stringBody: Record<string, Record<string, unknown>> = {};

beforeAll(async () => {
  // Many requests from one token: the rate limit (tested in api.test.ts) must not answer in place of the handlers.
  process.env.BULWARK_API_RATE_LIMIT = "1000000";
  resetEnvCache();
  const team = await makeTeam("fuzz");
  teamId = team.team.id;
  await seedDemoRegistry(systemContext(teamId, "seed"));
  const admin = team.ctx("ADMIN");
  token = (await createApiToken(admin, { name: "fuzz", role: "ADMIN", expiresInDays: 7 })).secret;
  const mv = await db.modelVersion.findFirstOrThrow({ where: { teamId }, orderBy: { version: "asc" } });
  const dv = await db.datasetVersion.findFirstOrThrow({ where: { teamId, dataset: { name: DEMO_DATASETS.eval } } });
  const ev = await createEvaluation(admin, { modelVersionId: mv.id, datasetVersionId: dv.id, preset: "quick", sampleCount: 20, seed: 1, shardSize: 20, linfEpsilons: undefined, customSuite: undefined });
  const schedule = await createSchedule(admin, ScheduleInputSchema.parse({ name: "nightly", modelId: mv.modelId, datasetVersionId: dv.id, preset: "quick", sampleCount: 20, cron: "daily" }));
  const alert = await db.regressionAlert.create({ data: { teamId, modelId: mv.modelId, evaluationId: ev.id, previousEvaluationId: ev.id, summary: "fuzz alert", details: { regressions: [] } } });
  const report = await createReport(admin, { title: "Fuzz report", frameworks: ["nist-ai-rmf"] });
  // One catalog of the team's own: the mapping, rollback and delete operations address only those (custom-…).
  const own = await importTeamCatalog(admin, {
    framework: "custom-fuzz-controls",
    json: JSON.stringify({ catalog: { uuid: "5b0e7c1a-2d3f-4a5b-9c6d-7e8f9a0b1c2d", metadata: { title: "Fuzz controls", "last-modified": "2026-11-01T00:00:00Z", version: "1", "oscal-version": "1.0.6" }, controls: [{ id: "fz-1", title: "Test robustness", props: [{ name: "label", value: "FZ-1" }], parts: [{ id: "fz-1_smt", name: "statement", prose: "The team shall test robustness." }] }] } }),
  });
  Object.assign(real, {
    name: ["digits-cnn", DEMO_DATASETS.eval, "DIGITS-CNN"],
    version: ["1", "latest"],
    number: [String(ev.number)],
    id: [schedule.id, alert.id, report.id],
    framework: [own.frameworkId, "nist-ai-rmf", "mitre-atlas"],
  });
  Object.assign(validBody, {
    createEvaluation: { model: "digits-cnn@1", dataset: `${DEMO_DATASETS.eval}@latest`, preset: "quick", sampleCount: 10, shardSize: 10, seed: 1 },
    createSchedule: { name: "fuzzed", modelId: mv.modelId, datasetVersionId: dv.id, preset: "quick", sampleCount: 10, cron: "daily" },
    updateSchedule: { paused: true },
    acknowledgeAlert: { note: "Looked at it" },
    createReport: { title: "Fuzzed report", frameworks: ["nist-ai-rmf"], models: ["digits-cnn"] },
    approveReport: { snapshotSha256: "0".repeat(64), comment: "Looks right" },
    requestReportReview: { reviewer: "someone@example.test" },
    requestReportChanges: { reason: "Please add the v2 evaluation.", snapshotSha256: "0".repeat(64) },
    reviseReport: { title: "Revised report" },
    verifyReport: { sha256: "0".repeat(64) },
  });
  // Bodies with every string field the operation reads (not all valid): the control-character test puts its strings into each.
  Object.assign(stringBody, {
    createEnsembleVersion: { members: ["digits-cnn@1", "digits-cnn@2"], combine: "mean-probability", description: "An ensemble", card: { owner: "ml-team", intendedUse: "digits" } },
    registerEndpointVersion: {
      description: "Vendor model",
      card: { task: "tabular-classification", owner: "x", intendedUse: "x", outOfScopeUse: "y", riskTier: "limited", classLabels: ["a", "b"], inputShape: [4] },
      endpoint: { url: "https://models.vendor.example/v1/predict", authKind: "bearer", authSecret: "tok-123456", requestTemplate: { instances: "{{inputs}}" }, responseMapping: { kind: "scores", path: "predictions" } },
      whiteBoxReference: "digits-cnn@1",
    },
    testEndpointConnection: { dataset: `${DEMO_DATASETS.eval}@latest`, examples: 2 },
    createEnvironment: { name: "staging", description: "Before production" },
    promoteDeployment: { environment: "staging", model: "digits-cnn@1", note: "Ship it" },
    rollbackDeployment: { environment: "staging", model: "digits-cnn", note: "Back" },
    createGateOverride: { environment: "staging", model: "digits-cnn@1", reason: "The auditor approved this exception", expiresInDays: 7 },
    postMonitoringBatch: { environment: "staging", model: "digits-cnn", observedAt: "2026-11-26T12:00:00Z", count: 10, inputs: { pixel: { counts: [10], mean: 0, variance: 0 } }, classes: { "0": 10 } },
    acknowledgeMonitoringAlert: { note: "Looked at it" },
    addOutboundHost: { host: "models.vendor.example", allowPrivate: false },
    uploadModelVersion: { card: JSON.stringify({ owner: "x", intendedUse: "y" }), description: "Uploaded", expectedVersion: "9" },
    uploadDatasetVersion: { format: "csv", licence: "MIT", personalData: "no", split: "test", source: "ours", labelColumn: "label", expectedVersion: "9" },
    ...validBody,
  });
}, 600_000);

afterAll(async () => {
  await stopQueue();
});

interface Input { params: Record<string, string>; query: Record<string, string>; body?: BodyInit; contentType?: string }

const CONTENT_TYPES = ["application/json", "application/json; charset=utf-16", "text/plain", "application/x-www-form-urlencoded", "multipart/form-data", "multipart/form-data; boundary=xyz", "application/pdf", "application/octet-stream", "*/*", ""];

function inputFor(o: Operation): fc.Arbitrary<Input> {
  const names = [...o.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
  const param = (n: string) => fc.oneof({ arbitrary: fc.constantFrom(...(real[n] ?? ["x"])), weight: 2 }, { arbitrary: junkString, weight: 3 });
  const params = fc.record(Object.fromEntries(names.map((n) => [n, param(n)]))) as fc.Arbitrary<Record<string, string>>;
  const shape = o.query && "shape" in o.query ? Object.keys((o.query as unknown as { shape: object }).shape) : [];
  const query = o.query
    ? fc.tuple(shape.length ? fc.dictionary(fc.constantFrom(...shape), junkString, { maxKeys: shape.length }) : fc.constant({}), fc.dictionary(junkString, junkString, { maxKeys: 2 })).map(([a, b]) => ({ ...b, ...a }))
    : fc.constant({});
  if (o.method === "GET" || o.method === "DELETE" || (!o.body && o.bodyKind !== "multipart")) {
    return fc.record({ params, query, body: fc.option(junkString, { nil: undefined }), contentType: fc.constantFrom(...CONTENT_TYPES) });
  }
  const base = validBody[o.id] ?? {};
  const json = fc.oneof(
    { arbitrary: junkJson, weight: 2 },
    { arbitrary: Object.keys(base).length ? mutated(base) : junkJson, weight: 4 },
  ).map((v) => JSON.stringify(v) ?? "null");
  const multipart = fc.tuple(fc.dictionary(fc.constantFrom("files", "card", "format", "licence", "expectedVersion", "description", "split", "personalData", "labelColumn"), junkString, { maxKeys: 6 }), fc.array(fc.tuple(junkString, fc.uint8Array({ maxLength: 2048 })), { maxLength: 3 })).map(([fields, files]) => {
    const f = new FormData();
    for (const [k, v] of Object.entries(fields)) f.append(k, v);
    for (const [name, bytes] of files) f.append("files", new Blob([bytes]), name || "file");
    return f as BodyInit;
  });
  const body: fc.Arbitrary<BodyInit> = o.bodyKind === "multipart"
    ? fc.oneof({ arbitrary: multipart, weight: 4 }, { arbitrary: json, weight: 1 }, { arbitrary: invalidJsonText, weight: 1 })
    : fc.oneof({ arbitrary: json, weight: 5 }, { arbitrary: invalidJsonText, weight: 2 }, { arbitrary: fc.uint8Array({ maxLength: 4096 }) as fc.Arbitrary<BodyInit>, weight: 1 });
  return fc.record({ params, query, body, contentType: fc.constantFrom(...CONTENT_TYPES, "keep") });
}

interface ControlInput { field: string; notFound: boolean; build: (text: string) => Input }

/** One input per string the operation reads: each path parameter, each query parameter (and an unknown one), each string and key of the body, each multipart field. */
function controlInputs(o: Operation): ControlInput[] {
  const names = [...o.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
  const realParams = Object.fromEntries(names.map((n) => [n, real[n]![0]!]));
  const shape = o.query && "shape" in o.query ? Object.keys((o.query as unknown as { shape: object }).shape) : [];
  const hasBody = o.method !== "GET" && o.method !== "DELETE" && (o.body || o.bodyKind === "multipart");
  const body = stringBody[o.id] ?? {};
  const jsonBody = (b: unknown): Pick<Input, "body" | "contentType"> => {
    if (o.bodyKind !== "multipart") return { body: JSON.stringify(b), contentType: "application/json" };
    const f = new FormData();
    for (const [k, v] of Object.entries(b as Record<string, string>)) f.append(k, v);
    f.append("files", new Blob([new Uint8Array([1, 2, 3])]), "data.csv");
    return { body: f, contentType: "keep" };
  };
  const base = (): Input => ({ params: { ...realParams }, query: {}, ...(hasBody ? jsonBody(body) : {}) });
  const out: ControlInput[] = [];
  for (const n of names) out.push({ field: n, notFound: n !== "name", build: (t) => ({ ...base(), params: { ...realParams, [n]: `${realParams[n]}${t}` } }) });
  for (const q of [...shape, "unknownParameter"]) out.push({ field: q, notFound: false, build: (t) => ({ ...base(), query: { [q]: t } }) });
  if (o.query) out.push({ field: "q", notFound: false, build: (t) => ({ ...base(), query: { [`q${t}`]: "1" } }) });
  if (hasBody) {
    // Multipart fields are flat strings; a JSON body's strings and keys at any depth.
    const leaves: LeafPath[] = o.bodyKind === "multipart" ? Object.keys(body).map((k) => [k]) : stringLeaves(body);
    for (const leaf of leaves) out.push({ field: leafName(leaf), notFound: false, build: (t) => ({ ...base(), ...jsonBody(replaceLeaf(body, leaf, leaf.at(-1) === KEY ? t : `${t}`)) }) });
    // JSON escapes inside a multipart field that holds JSON (the model card).
    if (o.id === "uploadModelVersion") out.push({ field: "card", notFound: false, build: (t) => ({ ...base(), ...jsonBody({ ...body, card: JSON.stringify({ owner: t, intendedUse: "y" }) }) }) });
  }
  return out;
}

async function send(o: Operation, input: Input, authorization = `Bearer ${token}`): Promise<Response> {
  let path = `/api/v1${o.path}`;
  // A URL cannot carry a lone surrogate: Next would hand the handler U+FFFD, so the test does too.
  const params = Object.fromEntries(Object.entries(input.params).map(([k, v]) => [k, v.replace(/\p{Cs}/gu, "\uFFFD")]));
  for (const [k, v] of Object.entries(params)) path = path.replace(`{${k}}`, encodeURIComponent(v));
  const url = new URL(`http://localhost${path}`);
  for (const [k, v] of Object.entries(input.query)) url.searchParams.set(k, v);
  const headers = new Headers({ authorization });
  const hasBody = input.body !== undefined && o.method !== "GET";
  // "keep": the content type the body itself implies (FormData's boundary); anything else overrides it.
  if (hasBody && input.contentType !== "keep") headers.set("content-type", input.contentType ?? "application/json");
  const req = new Request(url, { method: o.method, headers, body: hasBody ? input.body : undefined });
  return handlerOf(o)(req, { params: Promise.resolve(params) });
}

/** The contract for every answer: no 5xx; a refusal is problem+json with its own status and changed nothing. */
async function checkAnswer(o: Operation, res: Response, before: Record<string, number>): Promise<Record<string, number>> {
  const detail = `${o.method} ${o.path} answered ${res.status}`;
  expect(res.status, detail).toBeLessThan(500);
  // A documented status, and the declared body (lib/api/contract.ts).
  expect(await contractProblems(o, res), detail).toEqual([]);
  if (res.status >= 400) {
    expect(res.headers.get("content-type"), detail).toBe("application/problem+json");
    const doc = (await res.json()) as { status: number; title: string; detail: string };
    expect(doc.status, detail).toBe(res.status);
    expect(typeof doc.title === "string" && typeof doc.detail === "string", detail).toBe(true);
    expect(await rowCounts(), `${detail}: a refused request changed rows`).toEqual(before);
    return before;
  }
  await res.arrayBuffer();
  // Junk that happened to be valid (a mutated field that is still allowed) may change rows: start over from here.
  return rowCounts();
}

describe("REST API v1 under bad input", () => {
  for (const o of OPERATIONS) {
    it(`${o.method} ${o.path} (${o.id}): NUL and control characters in every string input: never 500; NUL is refused naming the field`, { timeout: 120_000 }, async () => {
      let counts = await rowCounts();
      const inputs = controlInputs(o);
      for (const [n, input] of inputs.entries()) {
        for (const [k, text] of controlStringsFor(n).entries()) {
          const res = await send(o, input.build(text));
          const detail = `${o.method} ${o.path} with ${JSON.stringify(text)} in ${input.field} answered ${res.status}`;
          if (k === 0) {
            // NUL: 400 naming the field (404 for an id, number or version in the address, which names nothing).
            expect(res.status, detail).toBe(input.notFound ? 404 : 400);
            const doc = (await res.clone().json()) as { detail: string };
            if (!input.notFound) expect(doc.detail, detail).toContain(input.field);
          }
          counts = await checkAnswer(o, res, counts);
        }
      }
    });
  }


  for (const o of OPERATIONS) {
    it(`${o.method} ${o.path} (${o.id}): never 500, refusals are problem details and change nothing`, { timeout: 120_000 }, async () => {
      let counts = await rowCounts();
      await fc.assert(
        fc.asyncProperty(inputFor(o), async (input) => {
          counts = await checkAnswer(o, await send(o, input), counts);
        }),
        { numRuns: o.method === "GET" ? 12 : 25, seed: FUZZ_SEED, endOnFailure: true },
      );
    });
  }

  it("a name in the address over the 80-character limit is refused naming the limit (was 404)", async () => {
    for (const o of OPERATIONS.filter((x) => x.path.includes("{name}"))) {
      const res = await send(o, { params: { name: "m".repeat(81), version: "1" }, query: {}, body: o.bodyKind === "multipart" ? new FormData() : "{}", contentType: o.bodyKind === "multipart" ? "keep" : "application/json" });
      expect(res.status, `${o.method} ${o.path}`).toBe(400);
      expect(((await res.json()) as { detail: string }).detail, `${o.method} ${o.path}`).toBe("The name in the address is invalid: At most 80 characters.");
    }
  });

  it("answers junk Authorization headers with 401 problem details", async () => {
    const o = OPERATIONS.find((x) => x.id === "getMe")!;
    await fc.assert(
      fc.asyncProperty(fc.oneof(junkString, junkString.map((s) => `Bearer ${s}`), fc.constantFrom("Bearer", "Bearer ", "bearer bwk_", `Basic ${btoa("a:b")}`, `Bearer ${"b".repeat(100_000)}`)), async (auth) => {
        let res: Response;
        try {
          res = await send(o, { params: {}, query: {} }, auth);
        } catch (e) {
          // Headers refuse some byte sequences before any handler runs (fetch's own TypeError): not ours to answer.
          expect((e as Error).name).toBe("TypeError");
          return;
        }
        expect(res.status).toBe(401);
        expect(res.headers.get("content-type")).toBe("application/problem+json");
      }),
      { numRuns: 40, seed: FUZZ_SEED },
    );
  });

  it("leaves the audit chain intact", async () => {
    expect((await verifyTeamChain(systemContext(teamId, "job"))).intact).toBe(true);
  });
});
