import { describe, expect, it } from "vitest";
import { can, PERMISSIONS, roleWithin, ROLES } from "./permissions";

describe("can", () => {
  it("lets every role read", () => {
    for (const r of ROLES) expect(can(r, "team.read")).toBe(true);
  });

  it("gives VIEWER no write action at all", () => {
    const writes = Object.keys(PERMISSIONS).filter((a) => !["team.read", "audit.read", "report.verify"].includes(a));
    for (const a of writes) expect(can("VIEWER", a as keyof typeof PERMISSIONS)).toBe(false);
  });

  it("separates engineering from compliance duties", () => {
    expect(can("ENGINEER", "model.write")).toBe(true);
    expect(can("ENGINEER", "attestation.write")).toBe(false);
    expect(can("ENGINEER", "report.approve")).toBe(false);
    expect(can("REVIEWER", "model.write")).toBe(false);
    expect(can("REVIEWER", "report.approve")).toBe(true);
    expect(can("REVIEWER", "member.manage")).toBe(false);
    expect(can("ADMIN", "member.manage")).toBe(true);
  });

  it("limits granted roles to the holder's", () => {
    expect(roleWithin("ADMIN", "ENGINEER")).toBe(false);
    expect(roleWithin("VIEWER", "ENGINEER")).toBe(true);
    expect(roleWithin("ENGINEER", "ENGINEER")).toBe(true);
    expect(roleWithin("REVIEWER", "ENGINEER")).toBe(false);
    expect(roleWithin("ADMIN", "ADMIN")).toBe(true);
  });
});
