// Who an audit event names: a user, an API token acting for one, or Bulwark itself. A leaf module, so the
// team context (lib/teams/context.ts) can carry an actor without importing the audit log.

export interface Actor {
  userId: string | null;
  label: string; // e-mail, "API token ‘<name>’ (<prefix>…, acting for <who>)" (lib/auth/tokens.ts), or "system"
}

export const SYSTEM_ACTOR: Actor = { userId: null, label: "system" };
