import { describe, expect, it } from "vitest";
import { db } from "../db/client";
import { makeTeam } from "../../test/fixtures";
import { contextFromToken, createApiToken, hashToken, listApiTokens, revokeApiToken } from "./tokens";
import { ForbiddenError, NotFoundError } from "../errors";

describe("API tokens", () => {
  it("stores only a hash, resolves to the team with the token's role, and stops working when revoked", async () => {
    const { team, ctx } = await makeTeam();
    const { id, secret } = await createApiToken(ctx("ADMIN"), { name: "ci", role: "ENGINEER", expiresInDays: 30 });
    const row = await db.apiToken.findUniqueOrThrow({ where: { id } });
    expect(row.secretHash).toBe(hashToken(secret));
    expect(JSON.stringify(row)).not.toContain(secret);
    const tctx = await contextFromToken(secret);
    expect(tctx).toMatchObject({ team: { id: team.id }, role: "ENGINEER", actor: { userId: null, label: `API token ‘ci’ (${secret.slice(0, 12)}…, acting for ADMIN of ${team.slug} <${ctx("ADMIN").actor.label}>)` } });
    expect((await listApiTokens(ctx("ADMIN")))[0]!.lastUsedAt).not.toBeNull();
    await revokeApiToken(ctx("ADMIN"), id);
    expect(await contextFromToken(secret)).toBeNull();
    const actions = (await db.auditEvent.findMany({ where: { teamId: team.id, subjectId: id }, orderBy: { seq: "asc" } })).map((e) => e.action);
    expect(actions).toEqual(["token.create", "token.revoke"]);
  });

  it("refuses expired and unknown tokens", async () => {
    const { ctx } = await makeTeam();
    const { id, secret } = await createApiToken(ctx("ADMIN"), { name: "old", role: "VIEWER", expiresInDays: 1 });
    await db.apiToken.update({ where: { id }, data: { expiresAt: new Date(Date.now() - 1000) } });
    expect(await contextFromToken(secret)).toBeNull();
    expect(await contextFromToken("bwk_nope")).toBeNull();
    expect(await contextFromToken("Bearer something")).toBeNull();
  });

  it("only admins manage tokens; other teams get not found", async () => {
    const a = await makeTeam("a");
    const b = await makeTeam("b");
    await expect(createApiToken(a.ctx("ENGINEER"), { name: "x", role: "VIEWER", expiresInDays: 1 })).rejects.toThrow(ForbiddenError);
    const { id } = await createApiToken(a.ctx("ADMIN"), { name: "x", role: "VIEWER", expiresInDays: 1 });
    await expect(revokeApiToken(b.ctx("ADMIN"), id)).rejects.toThrow(NotFoundError);
  });
});
