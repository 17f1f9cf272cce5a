import type { Role } from "../db/generated/enums";
import { SYSTEM_ACTOR, type Actor } from "../audit/actor";

// Who acts for a team. Every team-scoped function in lib takes one of these, never a bare team id:
// - a TeamContext: a member (signed in, or through an API token), with the role the permission table checks;
// - a SystemContext: Bulwark itself (the demo seed, a queued job, a schedule, a sweep, an operator script),
//   which has no role and says why it acts. Nothing fabricates a member for the system's work.

export interface TeamContext {
  team: { id: string; slug: string; name: string };
  role: Role;
  actor: Actor;
  userId: string;
}

/** Why Bulwark acts for a team without a member. */
export const SYSTEM_REASONS = {
  seed: "seeds the demo team",
  job: "runs a queued job (an evaluation shard or aggregate step, a report, a webhook)",
  schedule: "fires a schedule",
  sweep: "sweeps stuck or expired work",
  script: "runs an operator script (benchmarks, demo traffic)",
} as const;
export type SystemReason = keyof typeof SYSTEM_REASONS;

export interface SystemContext {
  team: { id: string };
  system: SystemReason;
  actor: Actor;
}

/** `label` names the actor in the audit log when "system" says too little (e.g. "schedule: nightly"). */
export function systemContext(teamId: string, why: SystemReason, label = SYSTEM_ACTOR.label): SystemContext {
  return { team: { id: teamId }, system: why, actor: { userId: null, label } };
}

export function isSystem(scope: TeamScope): scope is SystemContext {
  return "system" in scope;
}

/** The member behind a scope, for "created by" columns: null when the system acts. */
export function userIdOf(scope: TeamScope): string | null {
  return isSystem(scope) ? null : scope.userId;
}

/** A member or the system: what a team-scoped reader or system-side operation takes. */
export type TeamScope = TeamContext | SystemContext;
