import { z } from "zod";
import { db, type Prisma } from "../db/client";
import { appendAudit } from "../audit/log";
import { assertCan, type TeamContext } from "../teams/access";
import { NotFoundError, ValidationError, fieldErrorsFromZod } from "../errors";
import { catalogForTeam } from "./team-catalogs";
import { applyOverrides, CrosswalkOverrideSchema, DEFAULT_CROSSWALK, type Crosswalk, type CrosswalkOverride, type CrosswalkOverrideInput, type EvidenceKind, type Mark } from "./crosswalk";
import { defaultPolicy, PolicySchema, type Policy } from "./policy";
import type { TeamScope } from "../teams/context";

// Team policy versions and crosswalk overrides: read by everyone in the team, changed by REVIEWER/ADMIN,
// every change audited in the same transaction.

export interface ActivePolicy {
  policy: Policy;
  /** null: the team never saved one, the built-in default applies. */
  version: number | null;
  createdAt: Date | null;
  createdByLabel: string | null;
  note: string;
}

export async function activePolicy(scope: TeamScope): Promise<ActivePolicy> {
  const teamId = scope.team.id;
  const row = await db.compliancePolicy.findFirst({ where: { teamId }, orderBy: { version: "desc" } });
  if (!row) return { policy: defaultPolicy(), version: null, createdAt: null, createdByLabel: null, note: "" };
  const parsed = PolicySchema.safeParse(row.policy);
  // A stored policy is validated on write; if a later schema refuses it, fall back loudly to the default.
  if (!parsed.success) return { policy: defaultPolicy(), version: row.version, createdAt: row.createdAt, createdByLabel: row.createdByLabel, note: `Stored policy v${row.version} no longer validates; the default applies until it is saved again.` };
  return { policy: parsed.data, version: row.version, createdAt: row.createdAt, createdByLabel: row.createdByLabel, note: row.note };
}

export async function getPolicy(ctx: TeamContext): Promise<ActivePolicy> {
  return activePolicy(ctx);
}

/** Versions, newest first, with the fields each changed (from its audit record). */
export async function listPolicyVersions(ctx: TeamContext) {
  const [rows, saves] = await Promise.all([
    db.compliancePolicy.findMany({ where: { teamId: ctx.team.id }, orderBy: { version: "desc" }, select: { id: true, version: true, note: true, createdByLabel: true, createdAt: true } }),
    db.auditEvent.findMany({ where: { teamId: ctx.team.id, action: "policy.save" }, select: { subjectId: true, details: true } }),
  ]);
  const changed = new Map(saves.map((e) => [e.subjectId, (e.details as { changed?: string[] }).changed ?? []]));
  return rows.map((r) => ({ ...r, changed: changed.get(r.id) ?? [] }));
}

export async function getPolicyVersion(ctx: TeamContext, version: number) {
  const row = await db.compliancePolicy.findFirst({ where: { teamId: ctx.team.id, version } });
  if (!row) throw new NotFoundError("This policy version");
  return row;
}

/** Top-level keys whose values differ, for the audit record. */
/** JSON with sorted keys: PostgreSQL's jsonb does not keep key order. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(",")}]`;
  if (v && typeof v === "object") return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`).join(",")}}`;
  return JSON.stringify(v);
}

function changedPaths(a: unknown, b: unknown, prefix = ""): string[] {
  if (canonical(a) === canonical(b)) return [];
  if (a && b && typeof a === "object" && typeof b === "object" && !Array.isArray(a) && !Array.isArray(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    return [...keys].flatMap((k) => changedPaths((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], prefix ? `${prefix}.${k}` : k));
  }
  return [prefix || "(all)"];
}

/** Saves a new version of the team's policy. Unknown control keys in attestationRequired are refused. */
export async function savePolicy(ctx: TeamContext, input: unknown, note = ""): Promise<{ version: number }> {
  assertCan(ctx, "policy.manage");
  const parsed = PolicySchema.safeParse(input);
  if (!parsed.success) throw new ValidationError("The policy has errors.", fieldErrorsFromZod(parsed.error.issues));
  const policy = parsed.data;
  const catalog = await catalogForTeam(ctx);
  for (const [tier, tp] of Object.entries(policy.tiers)) {
    const unknown = tp.attestationRequired.filter((k) => !catalog.byKey.has(k));
    if (unknown.length) throw new ValidationError(`Unknown control(s) in ${tier}: ${unknown.join(", ")}`, { [`tiers.${tier}.attestationRequired`]: `unknown control ${unknown[0]}` });
  }
  const cleanNote = z.string().trim().max(1000).parse(note);
  return db.$transaction(async (tx) => {
    await tx.$queryRaw`SELECT id FROM "Team" WHERE id = ${ctx.team.id} FOR UPDATE`;
    const last = await tx.compliancePolicy.findFirst({ where: { teamId: ctx.team.id }, orderBy: { version: "desc" } });
    const before = last ? last.policy : defaultPolicy();
    const changes = changedPaths(before, policy);
    if (last && changes.length === 0) throw new ValidationError("Nothing changed: the policy is the same as version " + last.version + ".");
    const version = (last?.version ?? 0) + 1;
    const row = await tx.compliancePolicy.create({
      data: { teamId: ctx.team.id, version, policy: policy as unknown as Prisma.InputJsonValue, note: cleanNote, createdById: ctx.actor.userId, createdByLabel: ctx.actor.label },
    });
    await appendAudit(tx, { teamId: ctx.team.id, actor: ctx.actor, action: "policy.save", subjectType: "CompliancePolicy", subjectId: row.id, details: { version, previous: last?.version ?? null, changed: changes.slice(0, 50), note: cleanNote } });
    return { version };
  });
}

// ---- Crosswalk overrides ---------------------------------------------------------------------------

export async function listCrosswalkOverrides(scope: TeamScope) {
  const teamId = scope.team.id;
  return db.crosswalkOverride.findMany({ where: { teamId }, orderBy: { createdAt: "asc" } });
}

export async function teamCrosswalk(scope: TeamScope): Promise<Crosswalk> {
  const rows = await listCrosswalkOverrides(scope);
  const overrides: CrosswalkOverride[] = rows.map((r) => ({ evidence: r.evidence as EvidenceKind, control: r.control, action: r.action === "remove" ? "remove" : "set", mark: (r.mark as Mark | null) ?? null, scope: r.scope, reason: r.reason }));
  return applyOverrides(DEFAULT_CROSSWALK, overrides);
}

export async function setCrosswalkOverride(ctx: TeamContext, input: CrosswalkOverrideInput) {
  assertCan(ctx, "policy.manage");
  const parsed = CrosswalkOverrideSchema.safeParse(input);
  if (!parsed.success) throw new ValidationError("The mapping has errors.", fieldErrorsFromZod(parsed.error.issues));
  const o = parsed.data;
  if (!(await catalogForTeam(ctx)).byKey.has(o.control)) throw new ValidationError("Unknown control.", { control: "choose a control from the catalog" });
  if (o.mark === "threat") throw new ValidationError("Threat tags are not set by teams.", { mark: "choose direct or supporting" });
  return db.$transaction((tx) => writeOverride(tx, ctx, { ...o, mark: o.action === "set" ? o.mark ?? "supporting" : null }));
}

/** One override row (added or changed) and its audit event, in the caller's transaction. */
async function writeOverride(tx: Prisma.TransactionClient, ctx: TeamContext, o: { evidence: string; control: string; action: "set" | "remove"; mark: string | null; scope: string | null; reason: string; from?: string }) {
  const data = { action: o.action, mark: o.mark, scope: o.scope, reason: o.reason, createdById: ctx.actor.userId, createdByLabel: ctx.actor.label };
  const row = await tx.crosswalkOverride.upsert({
    where: { teamId_evidence_control: { teamId: ctx.team.id, evidence: o.evidence, control: o.control } },
    create: { teamId: ctx.team.id, evidence: o.evidence, control: o.control, ...data },
    update: data,
  });
  await appendAudit(tx, { teamId: ctx.team.id, actor: ctx.actor, action: "crosswalk.override", subjectType: "CrosswalkOverride", subjectId: row.id, details: { evidence: o.evidence, control: o.control, action: o.action, mark: o.mark, reason: o.reason, ...(o.from ? { from: o.from } : {}) } });
  return row;
}

/** Returns a row to the default mapping. */
export async function clearCrosswalkOverride(ctx: TeamContext, id: string) {
  assertCan(ctx, "policy.manage");
  return db.$transaction(async (tx) => {
    const row = await tx.crosswalkOverride.findFirst({ where: { id, teamId: ctx.team.id } });
    if (!row) throw new NotFoundError("This mapping change");
    await tx.crosswalkOverride.delete({ where: { id: row.id } });
    await appendAudit(tx, { teamId: ctx.team.id, actor: ctx.actor, action: "crosswalk.reset", subjectType: "CrosswalkOverride", subjectId: row.id, details: { evidence: row.evidence, control: row.control } });
  });
}

export const CopyMappingSchema = z.object({
  control: z.string().trim().min(3).max(140),
  from: z.string().trim().min(3, { error: "choose a bundled control" }).max(140),
  reason: z.string().trim().min(5, { error: "say why the mapping changes (at least 5 characters)" }).max(1000),
});
export type CopyMappingInput = z.input<typeof CopyMappingSchema>;

/**
 * A control (typically of the team's own catalog) is satisfied by the same evidence as another control: every
 * evidence row of `from` in the team's crosswalk is set for `control` with the same mark and scope, in one
 * transaction, one audited override per row. Refused when `from` has no evidence mapped.
 */
export async function copyControlMapping(ctx: TeamContext, input: CopyMappingInput): Promise<{ rows: number }> {
  assertCan(ctx, "policy.manage");
  const parsed = CopyMappingSchema.safeParse(input);
  if (!parsed.success) throw new ValidationError("The mapping has errors.", fieldErrorsFromZod(parsed.error.issues));
  const o = parsed.data;
  const catalog = await catalogForTeam(ctx);
  if (!catalog.byKey.has(o.control)) throw new ValidationError("Unknown control.", { control: "choose a control from the catalog" });
  if (!catalog.byKey.has(o.from)) throw new ValidationError(`Unknown control ${o.from.slice(0, 80)}.`, { from: "choose a control from the catalog" });
  if (o.from === o.control) throw new ValidationError("A control cannot take its evidence from itself.", { from: "choose another control" });
  const rows = (await teamCrosswalk(ctx)).filter((e) => e.control === o.from && e.mark !== "threat");
  if (!rows.length) throw new ValidationError(`No evidence is mapped to ${catalog.byKey.get(o.from)!.id}: there is nothing to copy.`, { from: "no evidence mapped to it" });
  const reason = `${o.reason} (same evidence as ${o.from})`.slice(0, 1000);
  return db.$transaction(async (tx) => {
    for (const e of rows) await writeOverride(tx, ctx, { evidence: e.evidence, control: o.control, action: "set", mark: e.mark, scope: e.scope, reason, from: o.from });
    return { rows: rows.length };
  });
}
