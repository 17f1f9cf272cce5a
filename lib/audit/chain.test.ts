import { describe, expect, it } from "vitest";
import { canonicalJson, eventHash, GENESIS_HASH, verifyChain, type ChainedEventFields } from "./chain";

function chain(n: number) {
  const events: (ChainedEventFields & { hash: string })[] = [];
  let prev = GENESIS_HASH;
  for (let i = 1; i <= n; i++) {
    const e = {
      teamId: "t1",
      seq: i,
      actorId: "u1",
      actorLabel: "a@example.com",
      action: "member.add",
      subjectType: "Membership",
      subjectId: `m${i}`,
      details: { role: "VIEWER", n: i },
      createdAt: new Date(Date.UTC(2026, 0, 1, 0, 0, i)),
      prevHash: prev,
    };
    const hash = eventHash(e);
    events.push({ ...e, hash });
    prev = hash;
  }
  return events;
}

describe("canonicalJson", () => {
  it("sorts keys at every level and drops undefined", () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { z: 1, y: 2 }], c: undefined } })).toBe('{"a":{"d":[1,{"y":2,"z":1}]},"b":1}');
  });
  it("refuses non-finite numbers rather than hashing them as null", () => {
    expect(() => canonicalJson({ x: NaN })).toThrow();
  });
});

describe("verifyChain", () => {
  it("accepts an untouched chain", () => {
    const v = verifyChain(chain(5));
    expect(v.intact).toBe(true);
  });

  it("names an edited event", () => {
    const events = chain(5);
    events[2] = { ...events[2]!, details: { role: "ADMIN", n: 3 } };
    const v = verifyChain(events);
    expect(v).toMatchObject({ intact: false, brokenAt: { seq: 3 } });
    if (!v.intact) expect(v.brokenAt.reason).toMatch(/changed after it was written/);
  });

  it("names a deleted event", () => {
    const events = chain(5);
    events.splice(1, 1);
    expect(verifyChain(events)).toMatchObject({ intact: false, brokenAt: { seq: 3, reason: expect.stringMatching(/#2 is missing/) } });
  });

  it("detects a re-hashed edit by the broken link to the next event", () => {
    const events = chain(4);
    const edited = { ...events[1]!, actorLabel: "mallory" };
    events[1] = { ...edited, hash: eventHash(edited) };
    expect(verifyChain(events)).toMatchObject({ intact: false, brokenAt: { seq: 3 } });
  });
});
