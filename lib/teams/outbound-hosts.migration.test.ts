import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { db } from "../db/client";

// The data step of migration outbound_host_ports, run again on rows shaped as before it: entries opened
// every port, so each keeps 80 and 443 and the explicit ports its team's registered endpoints use on it.

const sql = readFileSync(join(process.cwd(), "prisma/migrations/20261206052033_outbound_host_ports/migration.sql"), "utf8");
const update = sql.slice(sql.indexOf('UPDATE "OutboundHost"'));

describe("migration outbound_host_ports", () => {
  it("gives existing entries 80, 443 and the ports their team's endpoints name on that host", async () => {
    const rows = [
      ["h1", "team-a", "localhost", true],
      ["h2", "team-a", "*.vendor.example", false],
      ["h3", "team-a", "::1", true],
      ["h4", "team-b", "localhost", true],
      ["h5", "team-a", "plain.example", false],
    ] as const;
    const endpoints = [
      ["e1", "team-a", "http://LocalHost:8080/v1/scores"],
      ["e2", "team-a", "https://eu.vendor.example:8443/predict?x=1"],
      ["e3", "team-a", "http://[::1]:9000/p"],
      ["e4", "team-a", "https://plain.example/p"],
      ["e5", "team-b", "http://localhost:7000/"],
      ["e6", "team-a", "http://other.example:1234/"],
    ] as const;
    await db.$transaction(async (tx) => {
      // Endpoint rows without their model versions: foreign keys are not what this test is about.
      await tx.$executeRawUnsafe("SET LOCAL session_replication_role = replica");
      for (const [id, teamId, host, allowPrivate] of rows) {
        await tx.$executeRaw`INSERT INTO "OutboundHost" (id, "teamId", host, "allowPrivate", ports) VALUES (${id}, ${teamId}, ${host}, ${allowPrivate}, ARRAY[443])`;
      }
      for (const [id, teamId, url] of endpoints) {
        await tx.$executeRaw`INSERT INTO "ModelEndpoint" (id, "teamId", "modelVersionId", url, "requestTemplate", "responseMapping", "outputKind") VALUES (${id}, ${teamId}, ${id}, ${url}, '{}', '{}', 'scores')`;
      }
      await tx.$executeRawUnsafe(update);
    });
    const got = Object.fromEntries((await db.outboundHost.findMany({ select: { id: true, ports: true } })).map((r) => [r.id, r.ports]));
    expect(got).toEqual({ h1: [80, 443, 8080], h2: [80, 443, 8443], h3: [80, 443, 9000], h4: [80, 443, 7000], h5: [80, 443] });
  });
});
