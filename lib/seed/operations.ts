import { db } from "../db/client";
import { appendAudit, SYSTEM_ACTOR } from "../audit/log";
import type { SystemContext } from "../teams/context";

// The demo team's environments (staging, production). Idempotent. Nothing is deployed: promoting a
// version is a decision a person records (or `npm run demo:traffic` on its simulated week).

export const DEMO_ENVIRONMENTS = [
  { name: "staging", description: "Pre-release checks on recorded traffic" },
  { name: "production", description: "Reads digits on scanned forms" },
];

export async function seedOperations(scope: SystemContext): Promise<void> {
  const teamId = scope.team.id;
  for (const e of DEMO_ENVIRONMENTS) {
    await db.$transaction(async (tx) => {
      if (await tx.environment.findFirst({ where: { teamId, name: e.name } })) return;
      const env = await tx.environment.create({ data: { teamId, name: e.name, description: e.description } });
      await appendAudit(tx, { teamId, actor: SYSTEM_ACTOR, action: "environment.create", subjectType: "Environment", subjectId: env.id, details: { name: e.name, demo: true } });
    });
  }
}
