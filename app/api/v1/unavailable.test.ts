import { execFileSync } from "node:child_process";
import { afterAll, describe, expect, it } from "vitest";
import { configureDatabaseUrl, disconnectDb } from "@/lib/db/client";
import { testDatabaseUrl } from "@/test/db-per-file";
import { GET as health } from "@/app/api/health/route";
import { GET as getMe } from "./me/route";
import { GET as listModels } from "./models/route";

// While PostgreSQL is away (stopped, restarting: connections refused), the API answers 503 problem+json
// with Retry-After and /api/health says why; nothing answers an empty 500.

const freePort = () =>
  Number(execFileSync(process.execPath, ["-e", "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"]).toString());

afterAll(async () => {
  await disconnectDb();
  configureDatabaseUrl(testDatabaseUrl);
});

describe("database unreachable", () => {
  it("API operations answer 503 problem+json with Retry-After; health is down with the reason", async () => {
    await disconnectDb();
    configureDatabaseUrl(`postgresql://postgres:x@127.0.0.1:${freePort()}/bulwark`);
    for (const handler of [getMe, listModels]) {
      const res = await handler(new Request("http://localhost/api/v1/me", { headers: { authorization: "Bearer bwk_0123456789abcdef" } }));
      expect(res.status).toBe(503);
      expect(res.headers.get("content-type")).toBe("application/problem+json");
      expect(res.headers.get("retry-after")).toBe("5");
      expect(await res.json()).toMatchObject({ status: 503, title: "Service unavailable", detail: expect.stringContaining("database is not reachable") });
    }
    const h = await health();
    expect(h.status).toBe(503);
    expect(h.headers.get("retry-after")).toBe("5");
    const body = (await h.json()) as { status: string; database: { ok: boolean; error?: string } };
    expect(body.status).toBe("down");
    expect(body.database.ok).toBe(false);
    expect(body.database.error?.length).toBeGreaterThan(5);
  });
});
