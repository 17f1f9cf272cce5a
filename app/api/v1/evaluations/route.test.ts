import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/db/client";
import { stopQueue } from "@/lib/jobs/queue";
import { createApiToken } from "@/lib/auth/tokens";
import { useTempStore } from "@/lib/registry/test-helpers";
import { seedDemoRegistry, DEMO_DATASETS } from "@/lib/seed/registry";
import { makeTeam } from "@/test/fixtures";
import { POST } from "./route";
import { GET } from "./[number]/route";

useTempStore();
let tokens: { engineer: string; viewer: string; outsider: string };
let body: Record<string, unknown>;

beforeAll(async () => {
  const t = await makeTeam("api");
  const other = await makeTeam("api-other");
  await seedDemoRegistry(t.team.id);
  const mv = await db.modelVersion.findFirstOrThrow({ where: { teamId: t.team.id } });
  const dv = await db.datasetVersion.findFirstOrThrow({ where: { teamId: t.team.id, dataset: { name: DEMO_DATASETS.eval } } });
  body = { modelVersionId: mv.id, datasetVersionId: dv.id, preset: "quick", sampleCount: 10, seed: 1, shardSize: 10 };
  tokens = {
    engineer: (await createApiToken(t.ctx("ADMIN"), { name: "ci", role: "ENGINEER", expiresInDays: 7 })).secret,
    viewer: (await createApiToken(t.ctx("ADMIN"), { name: "read", role: "VIEWER", expiresInDays: 7 })).secret,
    outsider: (await createApiToken(other.ctx("ADMIN"), { name: "other", role: "ADMIN", expiresInDays: 7 })).secret,
  };
}, 300_000);
afterAll(() => stopQueue());

const req = (method: string, token: string | null, payload?: unknown) =>
  new Request("http://localhost/api/v1/evaluations", { method, headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), "content-type": "application/json" }, body: payload === undefined ? undefined : typeof payload === "string" ? payload : JSON.stringify(payload) });
const params = (n: number | string) => ({ params: Promise.resolve({ number: String(n) }) });

describe("REST API v1: evaluations", () => {
  it("launches and reads an evaluation with an engineer token; the audit names the token", async () => {
    const res = await POST(req("POST", tokens.engineer, body));
    expect(res.status).toBe(201);
    const created = await res.json();
    expect(created).toMatchObject({ status: "queued", samples: 10, preset: "quick", model: { name: "digits-cnn" } });
    const got = await GET(req("GET", tokens.viewer), params(created.number));
    expect(got.status).toBe(200);
    expect((await got.json()).id).toBe(created.id);
    const ev = await db.evaluation.findUniqueOrThrow({ where: { id: created.id } });
    expect(ev.createdByLabel).toMatch(/^api-token:ci/);
  });

  it("answers problem+json: 401 without a token, 403 for a viewer launching, 400 for bad input, 404 across teams", async () => {
    const none = await POST(req("POST", null, body));
    expect(none.status).toBe(401);
    expect(none.headers.get("content-type")).toBe("application/problem+json");
    expect((await POST(req("POST", tokens.viewer, body))).status).toBe(403);
    const bad = await POST(req("POST", tokens.engineer, { ...body, sampleCount: -3 }));
    expect(bad.status).toBe(400);
    expect((await bad.json()).errors.sampleCount).toBeDefined();
    expect((await POST(req("POST", tokens.engineer, "{not json"))).status).toBe(400);
    expect((await POST(req("POST", tokens.outsider, body))).status).toBe(404);
    expect((await GET(req("GET", tokens.outsider), params(1))).status).toBe(404);
    expect((await GET(req("GET", tokens.viewer), params("abc"))).status).toBe(404);
  });
});
