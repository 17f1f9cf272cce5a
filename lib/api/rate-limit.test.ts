import { describe, expect, it } from "vitest";
import { createApiToken } from "../auth/tokens";
import { db } from "../db/client";
import { makeTeam } from "@/test/fixtures";
import { takeRateLimit } from "./rate-limit";

describe("takeRateLimit", () => {
  it("allows the limit per minute per token, refuses the next with the seconds to wait, and resets after the window", async () => {
    const t = await makeTeam("rate");
    const { id } = await createApiToken(t.ctx("ADMIN"), { name: "ci", role: "ENGINEER", expiresInDays: 1 });
    const { id: other } = await createApiToken(t.ctx("ADMIN"), { name: "other", role: "ENGINEER", expiresInDays: 1 });
    const t0 = new Date("2026-11-26T10:00:00.000Z");
    const decisions = [];
    for (let i = 0; i < 4; i++) decisions.push(await takeRateLimit(id, 3, new Date(t0.getTime() + i * 1000)));
    expect(decisions.map((d) => d.allowed)).toEqual([true, true, true, false]);
    expect(decisions.map((d) => d.remaining)).toEqual([2, 1, 0, 0]);
    expect(decisions[3].resetSeconds).toBe(57);
    // Another token has its own window.
    expect((await takeRateLimit(other, 3, t0)).allowed).toBe(true);
    // Concurrent requests are counted exactly (one atomic update each).
    const burst = await Promise.all(Array.from({ length: 10 }, () => takeRateLimit(other, 5, new Date(t0.getTime() + 500))));
    expect(burst.filter((d) => d.allowed)).toHaveLength(4);
    const row = await db.apiToken.findUniqueOrThrow({ where: { id: other } });
    expect(row.rateCount).toBe(11);
    // A new window starts 60 s after the first request of the previous one.
    expect((await takeRateLimit(id, 3, new Date(t0.getTime() + 60_000))).allowed).toBe(true);
  });
});
