import { describe, expect, it } from "vitest";
import { db } from "./db/client";
import { AppError, NotFoundError, toAppError, ValidationError } from "./errors";
import { makeTeam } from "../test/fixtures";

// The one translator at the boundary, fed the database's real refusals (no hand-made Prisma errors).

async function refusal(run: () => Promise<unknown>): Promise<unknown> {
  try {
    await run();
  } catch (e) {
    return e;
  }
  throw new Error("the database accepted it");
}

describe("toAppError", () => {
  it("a unique violation is a 409 naming the field (the team column left out)", async () => {
    const { team } = await makeTeam();
    const slug = await refusal(() => db.team.create({ data: { slug: team.slug, name: "again" } }));
    expect(toAppError(slug)).toMatchObject({ status: 409, code: "conflict", message: "A record with this slug already exists; choose another.", fieldErrors: { slug: "Already taken." } });
    await db.model.create({ data: { teamId: team.id, name: "m" } });
    const name = await refusal(() => db.model.create({ data: { teamId: team.id, name: "m" } }));
    expect(toAppError(name)).toMatchObject({ status: 409, message: "A record with this name already exists; choose another.", fieldErrors: { name: "Already taken." } });
    // The same refusal through a raw query (Prisma's P2010) reads the same.
    const raw = await refusal(() => db.$executeRaw`INSERT INTO "Model" (id, "teamId", name, "updatedAt") VALUES ('raw-m', ${team.id}, 'm', now())`);
    expect(toAppError(raw)).toMatchObject({ status: 409, fieldErrors: { name: "Already taken." } });
  });

  it("a foreign-key violation is a 400 naming the reference; a missing record to update is a 404", async () => {
    const { team } = await makeTeam();
    const fk = await refusal(() => db.membership.create({ data: { teamId: team.id, userId: "no-such-user", role: "VIEWER" } }));
    expect(toAppError(fk)).toMatchObject({ status: 400, code: "invalid_reference", message: "The userId refers to a record that does not exist (or was removed meanwhile); nothing was changed." });
    const missing = await refusal(() => db.team.update({ where: { id: "no-such-team" }, data: { name: "x" } }));
    expect(toAppError(missing)).toBeInstanceOf(NotFoundError);
  });

  it("an unreachable database is a 503 with the retry time; the product's own errors pass through; anything else is unknown", () => {
    const down = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED" });
    expect(toAppError(down)).toMatchObject({ status: 503, code: "database_unavailable", retryAfterSeconds: 5 });
    const own = new ValidationError("Some fields need attention.", { name: "Required." });
    expect(toAppError(own)).toBe(own);
    expect(toAppError(new TypeError("x is undefined"))).toBeNull();
    expect(toAppError("a string")).toBeNull();
    expect(toAppError(new AppError("m", 418, "teapot"))).toMatchObject({ status: 418 });
  });
});
