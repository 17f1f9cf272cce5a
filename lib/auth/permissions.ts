import type { Role } from "../db/generated/enums";

// The one permission check: role × action. Pages, server actions, API routes and jobs all call `can`.
// Membership of the team is checked separately (and answers 404), see lib/teams/access.ts.

export const ROLES = ["ADMIN", "REVIEWER", "ENGINEER", "VIEWER"] as const satisfies readonly Role[];

export const ROLE_LABELS: Record<Role, string> = {
  ADMIN: "Admin",
  REVIEWER: "Compliance reviewer",
  ENGINEER: "ML engineer",
  VIEWER: "Auditor (read-only)",
};

const ALL: readonly Role[] = ROLES;
const BUILDERS: readonly Role[] = ["ADMIN", "ENGINEER"];
const REVIEWERS: readonly Role[] = ["ADMIN", "REVIEWER"];
const ADMINS: readonly Role[] = ["ADMIN"];

export const PERMISSIONS = {
  "team.read": ALL,
  "audit.read": ALL,
  "report.verify": ALL,
  "member.manage": ADMINS,
  "token.manage": ADMINS,
  "team.settings": ADMINS,
  "model.write": BUILDERS,
  "dataset.write": BUILDERS,
  "evaluation.run": BUILDERS,
  "evaluation.cancel": BUILDERS,
  "schedule.manage": ["ADMIN", "ENGINEER"],
  "policy.manage": REVIEWERS,
  // Rolling a team catalog back or deleting it changes what every status and report is assessed against.
  "catalog.manage": ADMINS,
  "attestation.write": REVIEWERS,
  "alert.acknowledge": REVIEWERS,
  "report.create": ["ADMIN", "REVIEWER", "ENGINEER"],
  "report.approve": REVIEWERS,
  "environment.manage": ADMINS,
  "deployment.promote": ["ADMIN", "REVIEWER", "ENGINEER"],
  "deployment.rollback": ["ADMIN", "REVIEWER", "ENGINEER"],
  "deployment.override": REVIEWERS,
  "monitoring.ingest": BUILDERS,
} as const satisfies Record<string, readonly Role[]>;

export type Action = keyof typeof PERMISSIONS;

export function can(role: Role, action: Action): boolean {
  return (PERMISSIONS[action] as readonly Role[]).includes(role);
}

/** Roles ordered by what they may do, for "at most your own role" rules (API tokens). */
const RANK: Record<Role, number> = { VIEWER: 0, ENGINEER: 1, REVIEWER: 1, ADMIN: 2 };
export function roleWithin(granted: Role, holder: Role): boolean {
  if (holder === "ADMIN") return true;
  return granted === holder || granted === "VIEWER" || RANK[granted] < RANK[holder];
}
