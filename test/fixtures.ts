import { randomBytes } from "node:crypto";
import { db } from "../lib/db/client";
import type { Role } from "../lib/db/generated/enums";
import { hashPassword } from "../lib/auth/password";
import type { TeamContext } from "../lib/teams/access";

// Test data made by the tests themselves: a team with one user per role.

let cachedHash: string | undefined;
export const TEST_PASSWORD = "correct horse battery";

export async function makeTeam(label = "team") {
  const slug = `${label}-${randomBytes(4).toString("hex")}`;
  cachedHash ??= await hashPassword(TEST_PASSWORD);
  const team = await db.team.create({ data: { slug, name: `Team ${slug}` } });
  const users = {} as Record<Role, { id: string; email: string }>;
  for (const role of ["ADMIN", "REVIEWER", "ENGINEER", "VIEWER"] as Role[]) {
    const email = `${role.toLowerCase()}-${slug}@example.test`;
    const user = await db.user.create({ data: { email, name: `${role} of ${slug}`, passwordHash: cachedHash } });
    await db.membership.create({ data: { userId: user.id, teamId: team.id, role } });
    users[role] = { id: user.id, email };
  }
  const ctx = (role: Role): TeamContext => ({ team: { id: team.id, slug, name: team.name }, role, userId: users[role].id, actor: { userId: users[role].id, label: users[role].email } });
  return { team, users, ctx };
}
