import { describe, expect, it } from "vitest";
import { OPS } from "./operations";
import { contractProblems, documentedStatuses } from "./contract";

// The checker the API tests run on every real answer: it must refuse what breaks the contract.

const me = { team: { id: "t1", slug: "demo", name: "Demo" }, role: "ENGINEER", token: "api-token:ci (bwk_1…)", tokenId: "k1", expiresAt: "2027-01-01T00:00:00.000Z" };
const json = (body: unknown, status = 200, type = "application/json") => new Response(JSON.stringify(body), { status, headers: { "content-type": type } });

describe("contractProblems", () => {
  it("accepts the declared body and a problem document at a documented status", async () => {
    expect(await contractProblems(OPS.getMe, json(me))).toEqual([]);
    expect(await contractProblems(OPS.getMe, json({ type: "about:blank", title: "Unauthorized", status: 401, detail: "Send a token." }, 401, "application/problem+json"))).toEqual([]);
  });

  it("refuses a missing or mistyped field, an undocumented field, an undocumented status and a non-problem error", async () => {
    const { expiresAt: _dropped, ...missing } = me;
    expect((await contractProblems(OPS.getMe, json(missing)))[0]).toMatch(/getMe 200: the body does not match the declared schema: expiresAt/);
    expect((await contractProblems(OPS.getMe, json({ ...me, role: "OWNER" })))[0]).toMatch(/role/);
    expect((await contractProblems(OPS.getMe, json({ ...me, team: { ...me.team, secret: "x" } })))[0]).toBe("getMe 200: undocumented fields: .team.secret");
    expect((await contractProblems(OPS.getMe, json({ title: "Conflict", status: 409, detail: "x" }, 409, "application/problem+json")))[0]).toMatch(/getMe 409: status not documented/);
    expect((await contractProblems(OPS.getGate, json({ message: "no" }, 404)))[0]).toMatch(/not application\/problem\+json/);
  });

  it("documents the statuses the issue found missing", () => {
    expect(documentedStatuses(OPS.promoteDeployment)).toContain(409);
    expect(documentedStatuses(OPS.getGate)).toContain(404);
    expect(documentedStatuses(OPS.getControls)).toContain(404);
    expect(documentedStatuses(OPS.createEvaluation)).toContain(404);
    expect(documentedStatuses(OPS.getEvaluationResults)).toContain(400);
    expect(documentedStatuses(OPS.uploadModelVersion)).toContain(409);
    expect(documentedStatuses(OPS.uploadModelVersion)).not.toContain(200);
  });
});
