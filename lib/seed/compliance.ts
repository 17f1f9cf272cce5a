import { db, type Prisma } from "../db/client";
import { appendAudit, SYSTEM_ACTOR } from "../audit/log";
import { defaultPolicy } from "../compliance/policy";
import type { SystemContext } from "../teams/context";

/** Demo: the team starts with the default robustness policy saved as version 1. Idempotent. */
export async function seedCompliance(scope: SystemContext): Promise<void> {
  const teamId = scope.team.id;
  await db.$transaction(async (tx) => {
    await tx.$queryRaw`SELECT id FROM "Team" WHERE id = ${teamId} FOR UPDATE`;
    if (await tx.compliancePolicy.findFirst({ where: { teamId }, select: { id: true } })) return;
    const row = await tx.compliancePolicy.create({
      data: { teamId, version: 1, policy: defaultPolicy() as unknown as Prisma.InputJsonValue, note: "Default policy seeded with the demo team", createdById: null, createdByLabel: SYSTEM_ACTOR.label },
    });
    await appendAudit(tx, { teamId, actor: SYSTEM_ACTOR, action: "policy.save", subjectType: "CompliancePolicy", subjectId: row.id, details: { version: 1, previous: null, changed: [], note: "default policy (demo seed)" } });
  });
}
