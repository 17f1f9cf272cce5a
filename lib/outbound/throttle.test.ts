import { describe, expect, it } from "vitest";
import { Throttle, type Clock } from "./throttle";

/** A stopped clock that records the sleeps asked of it: the throttle's schedule is checked without waiting. */
function fakeClock(): Clock & { sleeps: number[] } {
  const c = { sleeps: [] as number[], now: () => 0, sleep: async (ms: number) => void c.sleeps.push(ms) };
  return c;
}

describe("Throttle", () => {
  it("spaces starts by 1/rps", async () => {
    const clock = fakeClock();
    const t = new Throttle(10, 8, clock);
    let ran = 0;
    await Promise.all(Array.from({ length: 5 }, () => t.run(async () => void ran++)));
    // Each caller reserved its start before sleeping: the first at once, then 100, 200, 300, 400 ms later.
    expect(clock.sleeps).toEqual([100, 200, 300, 400]);
    expect(ran).toBe(5);
  });

  it("never runs more than `concurrency` calls at once, and runs them all", async () => {
    const t = new Throttle(1e6, 2);
    let running = 0;
    let peak = 0;
    let done = 0;
    await Promise.all(
      Array.from({ length: 9 }, () =>
        t.run(async () => {
          running++;
          peak = Math.max(peak, running);
          await new Promise((r) => setImmediate(r));
          running--;
          done++;
        }),
      ),
    );
    expect(peak).toBe(2);
    expect(done).toBe(9);
  });

  it("releases the slot when a call throws", async () => {
    const t = new Throttle(1e6, 1);
    await expect(t.run(async () => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    await expect(t.run(async () => 7)).resolves.toBe(7);
  });

  it("refuses nonsense settings", () => {
    expect(() => new Throttle(0, 1)).toThrow(/requestsPerSecond/);
    expect(() => new Throttle(1, 0)).toThrow(/concurrency/);
  });
});
