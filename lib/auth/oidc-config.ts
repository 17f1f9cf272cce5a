// Pure parsing of the single sign-on settings (read by lib/env.ts, so nothing here imports the product).

export const SSO_ROLES = ["ADMIN", "REVIEWER", "ENGINEER", "VIEWER"] as const;
export type SsoRole = (typeof SSO_ROLES)[number];

export interface RoleMapping {
  group: string;
  team: string;
  role: SsoRole;
}

/**
 * BULWARK_OIDC_ROLE_MAP: entries separated by ";" (or new lines), each `group=team-slug:ROLE`, e.g.
 * `bulwark-admins=risk:ADMIN; ml-engineers=risk:ENGINEER; auditors=risk:VIEWER`. The group is everything
 * before the last "=", so directory names such as `cn=ml,ou=groups=risk:ENGINEER` work. Throws one message
 * naming the first bad entry.
 */
export function parseRoleMap(text: string): RoleMapping[] {
  const out: RoleMapping[] = [];
  for (const raw of text.split(/[;\n]/)) {
    const entry = raw.trim();
    if (!entry) continue;
    const eq = entry.lastIndexOf("=");
    const group = entry.slice(0, eq).trim();
    const [team, role, extra] = entry.slice(eq + 1).split(":").map((s) => s.trim());
    if (eq <= 0 || !group || !team || !role || extra !== undefined || !/^[a-z0-9][a-z0-9-]*$/.test(team))
      throw new Error(`entry "${entry}" is not group=team-slug:ROLE (e.g. ml-engineers=risk:ENGINEER)`);
    if (!(SSO_ROLES as readonly string[]).includes(role)) throw new Error(`entry "${entry}": role "${role}" is not one of ${SSO_ROLES.join(", ")}`);
    out.push({ group, team, role: role as SsoRole });
  }
  return out;
}

/** BULWARK_OIDC_ALLOWED_DOMAINS: comma-separated e-mail domains, lower-cased; throws naming a bad one. */
export function parseDomains(text: string): string[] {
  const domains = text.split(",").map((d) => d.trim().toLowerCase().replace(/^@/, "")).filter(Boolean);
  const bad = domains.find((d) => !/^([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,}$/.test(d));
  if (bad) throw new Error(`"${bad}" is not an e-mail domain (e.g. example.com)`);
  return domains;
}
