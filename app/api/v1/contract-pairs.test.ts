import { execFileSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { configureDatabaseUrl, disconnectDb } from "@/lib/db/client";
import { createApiToken } from "@/lib/auth/tokens";
import { resetEnvCache } from "@/lib/env";
import { OPERATIONS, type Operation } from "@/lib/api/operations";
import { documentedStatuses } from "@/lib/api/contract";
import { makeTeam } from "@/test/fixtures";
import { testDatabaseUrl } from "@/test/db-per-file";
import { callOperation, commonPairStatuses, contractLog, documentedPairs, ownedPairs, pairKey, PAIR_OWNER } from "@/test/contract-pairs";

// The (operation, status) pairs every REST API v1 operation answers the same way, produced for all
// operations by real requests to their route handlers and checked against the contract: 401 (no token),
// 400 (a control character in the query), 403 (a VIEWER token where the role may not act), 404 (an
// address that names nothing in the team), 429 (the token's rate limit) and 503 (the database away).
// The success and operation-specific pairs are produced by the owner files (test/contract-pairs.ts).

const log = contractLog();
let admin: string;
let viewer: string;

/** Address values that name nothing in the team; for operations with a JSON body, malformed ones (answered before the body is read). */
function unknownAddress(o: Operation): Record<string, string> {
  const body = o.bodyKind === "json";
  const values: Record<string, string> = { name: "no-such-record", version: body ? "x" : "7", number: body ? "abc" : "999999", id: body ? "x".repeat(41) : "no-such-record", framework: "no-such-framework" };
  return Object.fromEntries(Object.keys(o.params ? (o.params as unknown as { shape: object }).shape : {}).map((k) => [k, values[k]!]));
}
/** Well-formed address values (the request fails before they are looked up). */
function anyAddress(o: Operation): Record<string, string> {
  const values: Record<string, string> = { name: "digits-cnn", version: "1", number: "1", id: "some-id", framework: "custom-some-catalog" };
  return Object.fromEntries(Object.keys(o.params ? (o.params as unknown as { shape: object }).shape : {}).map((k) => [k, values[k]!]));
}

async function drive(o: Operation, status: number): Promise<number> {
  const res =
    status === 401 ? await callOperation(o, { token: null, params: anyAddress(o) })
    : status === 400 ? await callOperation(o, { token: admin, params: anyAddress(o), query: { q: "a\u0001b" } })
    : status === 403 ? await callOperation(o, { token: viewer, params: anyAddress(o) })
    : status === 404 ? await callOperation(o, { token: admin, params: unknownAddress(o) })
    : await callOperation(o, { token: admin, params: anyAddress(o) });
  await log.check(o, res);
  return res.status;
}

beforeAll(async () => {
  const team = await makeTeam("pairs");
  admin = (await createApiToken(team.ctx("ADMIN"), { name: "admin", role: "ADMIN", expiresInDays: 1 })).secret;
  viewer = (await createApiToken(team.ctx("ADMIN"), { name: "viewer", role: "VIEWER", expiresInDays: 1 })).secret;
}, 600_000);

afterAll(async () => {
  await disconnectDb();
  configureDatabaseUrl(testDatabaseUrl);
});

describe("REST API v1: the pairs every operation answers alike", () => {
  it("every owner's pairs and these cover the documented contract exactly", () => {
    const common = OPERATIONS.flatMap((o) => commonPairStatuses(o).map((s) => pairKey(o, s)));
    const owned = (["api", "deployments", "endpoints", "oscal"] as const).flatMap(ownedPairs);
    expect([...common, ...owned].sort()).toEqual(documentedPairs().sort());
    expect(Object.keys(PAIR_OWNER).sort()).toEqual(OPERATIONS.map((o) => o.id).sort());
    for (const o of OPERATIONS) for (const s of commonPairStatuses(o)) expect(documentedStatuses(o), pairKey(o, s)).toContain(s);
  });

  it("401, 400, 403 and 404 for every operation, each a problem document", async () => {
    for (const o of OPERATIONS) {
      for (const s of commonPairStatuses(o).filter((x) => x !== 429 && x !== 503)) expect(await drive(o, s), pairKey(o, s)).toBe(s);
    }
  });

  it("429 with Retry-After for every operation once the token's limit is spent", async () => {
    process.env.BULWARK_API_RATE_LIMIT = "1";
    resetEnvCache();
    try {
      const team = await makeTeam("pairs-limit");
      const token = (await createApiToken(team.ctx("ADMIN"), { name: "burst", role: "ADMIN", expiresInDays: 1 })).secret;
      await callOperation(OPERATIONS[0]!, { token });
      for (const o of OPERATIONS) {
        const res = await callOperation(o, { token, params: anyAddress(o) });
        await log.check(o, res);
        expect(res.status, o.id).toBe(429);
        expect(Number(res.headers.get("retry-after")), o.id).toBeGreaterThan(0);
      }
    } finally {
      delete process.env.BULWARK_API_RATE_LIMIT;
      resetEnvCache();
    }
  });

  it("503 with Retry-After for every operation while the database is unreachable", async () => {
    const port = Number(execFileSync(process.execPath, ["-e", "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"]).toString());
    await disconnectDb();
    configureDatabaseUrl(`postgresql://postgres:x@127.0.0.1:${port}/bulwark`);
    for (const o of OPERATIONS) {
      const res = await callOperation(o, { token: admin, params: anyAddress(o) });
      await log.check(o, res);
      expect(res.status, o.id).toBe(503);
      expect(res.headers.get("retry-after"), o.id).toBe("5");
    }
  });

  it("answered every common pair, each as documented", () => {
    expect(log.violations).toEqual([]);
    const want = OPERATIONS.flatMap((o) => commonPairStatuses(o).map((s) => pairKey(o, s)));
    expect(log.missing(want, "common pairs, all operations")).toEqual([]);
    console.log(`Contract: ${documentedPairs().length} documented (operation, status) pairs: ${want.length} common (this file), the rest per owner (api ${ownedPairs("api").length}, deployments ${ownedPairs("deployments").length}, endpoints ${ownedPairs("endpoints").length}, oscal ${ownedPairs("oscal").length})`);
  });
});
