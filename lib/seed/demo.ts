import { db } from "../db/client";
import { appendAudit, SYSTEM_ACTOR } from "../audit/log";
import { hashPassword } from "../auth/password";
import type { Role } from "../db/generated/enums";
import { systemContext, type SystemContext } from "../teams/context";

// The demo team a new install starts with. Idempotent: it seeds only when the team is absent.

export const DEMO_TEAM = { slug: "demo", name: "Demo AI Lab" } as const;
export const DEMO_PASSWORD = "bulwark-demo-2026";
// The demo admin also administers the instance (creates teams under /admin).
export const DEMO_USERS: { email: string; name: string; role: Role; instanceAdmin?: boolean }[] = [
  { email: "admin@demo.bulwark.local", name: "Ada Admin", role: "ADMIN", instanceAdmin: true },
  { email: "reviewer@demo.bulwark.local", name: "Rey Reviewer", role: "REVIEWER" },
  { email: "engineer@demo.bulwark.local", name: "Eli Engineer", role: "ENGINEER" },
  { email: "viewer@demo.bulwark.local", name: "Vic Auditor", role: "VIEWER" },
];

/** Extra demo content (models, datasets, …) registered by later modules. Each must be idempotent. */
export type DemoSeeder = (scope: SystemContext) => Promise<void>;

export async function seedDemo(extra: DemoSeeder[] = []): Promise<{ created: boolean }> {
  let team = await db.team.findUnique({ where: { slug: DEMO_TEAM.slug } });
  let created = false;
  if (!team) {
    const passwordHash = await hashPassword(DEMO_PASSWORD);
    team = await db.$transaction(async (tx) => {
      const t = await tx.team.create({ data: { slug: DEMO_TEAM.slug, name: DEMO_TEAM.name } });
      await appendAudit(tx, { teamId: t.id, actor: SYSTEM_ACTOR, action: "team.create", subjectType: "Team", subjectId: t.id, details: { slug: t.slug, demo: true } });
      for (const u of DEMO_USERS) {
        const user = await tx.user.upsert({ where: { email: u.email }, update: {}, create: { email: u.email, name: u.name, passwordHash, instanceAdmin: u.instanceAdmin ?? false } });
        const m = await tx.membership.create({ data: { userId: user.id, teamId: t.id, role: u.role } });
        await appendAudit(tx, { teamId: t.id, actor: SYSTEM_ACTOR, action: "member.add", subjectType: "Membership", subjectId: m.id, details: { email: u.email, role: u.role } });
      }
      return t;
    });
    created = true;
  }
  const scope = systemContext(team.id, "seed");
  for (const seed of extra) await seed(scope);
  return { created };
}
