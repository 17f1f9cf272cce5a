import { createHash } from "node:crypto";
import { z } from "zod";
import { db, type Prisma } from "../db/client";
import { appendAudit } from "../audit/log";
import { assertCan, type TeamContext } from "../teams/access";
import type { TeamScope } from "../teams/context";
import { ConflictError, fieldErrorsFromZod, NotFoundError, ValidationError } from "../errors";
import { reportLabel } from "../reports/format";
import { controlKey, CUSTOM_FRAMEWORK_RE, getCatalog, withFrameworks, type Catalog, type Control, type CustomFrameworkId, type Framework } from "./catalog";
import { CatalogImportError, MAX_CATALOG_BYTES, parseOscalCatalog, type ImportedCatalog } from "./oscal/catalog";

// A team's own control catalogs: uploaded as OSCAL Catalog JSON, stored per team and versioned (a new upload
// under the same framework id is the next version; the newest is assessed). catalogForTeam() is the one place
// that turns them into frameworks: every consumer that asks it (posture, controls, attestations, policy and
// crosswalk checks, reports, OSCAL exports) then treats a team's catalog like a bundled one. Evidence maps to
// its controls through the team's crosswalk (lib/compliance/policies.ts), as for the bundled frameworks.

/** Frameworks of its own a team may keep (each with any number of versions). */
export const MAX_TEAM_CATALOGS = 20;

const slug = (s: string) => s.toLowerCase().normalize("NFKD").replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 30).replace(/-+$/, "");

export const ImportCatalogSchema = z.object({
  /** The OSCAL Catalog JSON text. */
  json: z.string({ error: "attach the catalog's JSON file" }).min(1, { error: "the file is empty" }),
  /** "custom-<slug>": a new version of that catalog; absent: derived from the catalog's title. */
  framework: z.string().trim().max(40).optional().transform((v) => v || undefined)
    .refine((v) => v === undefined || CUSTOM_FRAMEWORK_RE.test(v), { error: "a framework id of your own is custom- and lower-case letters, digits or dashes, e.g. custom-acme-ai" }),
  /** Name shown in lists and charts; absent: the catalog's title (cut to 40 characters). */
  shortName: z.string().trim().max(40, { error: "at most 40 characters" }).optional().transform((v) => v || undefined),
});
export type ImportCatalogInput = z.input<typeof ImportCatalogSchema>;

/** A stored catalog as a framework of the catalog (pure). */
export function customFramework(row: { frameworkId: string; version: number; title: string; shortName: string; catalogVersion: string; data: unknown }): Framework {
  const data = row.data as ImportedCatalog;
  const id = row.frameworkId as CustomFrameworkId;
  const controls = data.controls.map((c): Control => ({
    key: controlKey(id, c.id), framework: id, id: c.id, title: c.title, text: c.text, textIsVerbatim: true,
    group: c.group, topGroup: c.topGroup, kind: c.kind, order: c.order, parent: c.parent,
  }));
  return {
    id, name: row.title, shortName: row.shortName, version: row.catalogVersion, revision: row.version, source: `Uploaded by the team (version ${row.version})`,
    note: `The team's own catalog, version ${row.version} of ${id}; its evidence mapping is the team's crosswalk.`,
    groups: data.groups, controls,
  };
}

// Parsed frameworks by row id: a stored row never changes, so one parse per process is enough.
const parsed = new Map<string, Framework>();

/** The bundled catalog plus the team's own frameworks (the newest version of each). */
export async function catalogForTeam(scope: TeamScope): Promise<Catalog> {
  const heads = await db.$queryRaw<{ id: string }[]>`
    SELECT DISTINCT ON ("frameworkId") id FROM "TeamCatalog" WHERE "teamId" = ${scope.team.id} ORDER BY "frameworkId", version DESC`;
  if (!heads.length) return getCatalog();
  const missing = heads.filter((h) => !parsed.has(h.id)).map((h) => h.id);
  if (missing.length) {
    const rows = await db.teamCatalog.findMany({ where: { teamId: scope.team.id, id: { in: missing } } });
    for (const r of rows) parsed.set(r.id, customFramework(r));
  }
  const extra = heads.map((h) => parsed.get(h.id)!).filter(Boolean).sort((a, b) => a.id.localeCompare(b.id));
  return withFrameworks(getCatalog(), extra);
}

export interface TeamCatalogVersion {
  id: string;
  frameworkId: string;
  version: number;
  title: string;
  shortName: string;
  catalogVersion: string;
  sha256: string;
  controlCount: number;
  createdByLabel: string;
  createdAt: Date;
  current: boolean;
  /** A rollback's version: the earlier version whose content it restored. */
  restoredFrom: number | null;
}

/** Every uploaded version of the team's catalogs, newest first per framework. */
export async function listTeamCatalogs(scope: TeamScope): Promise<TeamCatalogVersion[]> {
  const rows = await db.teamCatalog.findMany({
    where: { teamId: scope.team.id }, orderBy: [{ frameworkId: "asc" }, { version: "desc" }],
    select: { id: true, frameworkId: true, version: true, title: true, shortName: true, catalogVersion: true, sha256: true, controlCount: true, createdByLabel: true, createdAt: true, restoredFrom: true },
  });
  return rows.map((r, i) => ({ ...r, current: i === 0 || rows[i - 1]!.frameworkId !== r.frameworkId }));
}

/** The uploaded bytes' digest and the parsed catalog, or a 400 naming every problem (nothing is stored). */
function parseUpload(json: string): { catalog: ImportedCatalog; sha256: string } {
  if (Buffer.byteLength(json, "utf8") > MAX_CATALOG_BYTES) throw new ValidationError(`The catalog file is larger than ${MAX_CATALOG_BYTES / 1024 / 1024} MB.`, { file: "too large" });
  let doc: unknown;
  try {
    doc = JSON.parse(json);
  } catch (e) {
    const where = e instanceof SyntaxError ? `: ${e.message.slice(0, 160)}` : "";
    throw new ValidationError(`The catalog file is not valid JSON${where}.`, { file: "not valid JSON" });
  }
  try {
    return { catalog: parseOscalCatalog(doc), sha256: createHash("sha256").update(json, "utf8").digest("hex") };
  } catch (e) {
    if (!(e instanceof CatalogImportError)) throw e;
    const shown = e.problems.slice(0, 5);
    const more = e.problems.length > shown.length ? ` (and ${e.problems.length - shown.length} more)` : "";
    throw new ValidationError(`The catalog was refused: ${shown.join("; ")}${more}.`, { file: shown[0] ?? "refused" });
  }
}

/**
 * Stores an uploaded OSCAL catalog as the next version of one of the team's frameworks (REVIEWER or ADMIN),
 * audited in the same transaction. A file that is not valid JSON or not a valid catalog, one with too many or
 * duplicate or no controls, is refused with every problem named, and nothing is stored.
 */
export async function importTeamCatalog(ctx: TeamContext, input: ImportCatalogInput): Promise<TeamCatalogVersion> {
  assertCan(ctx, "policy.manage");
  const p = ImportCatalogSchema.safeParse(input);
  if (!p.success) {
    const issue = p.error.issues[0]!;
    throw new ValidationError(`The upload has errors: ${issue.message}.`, { [String(issue.path[0] ?? "file")]: issue.message });
  }
  const { catalog, sha256 } = parseUpload(p.data.json);
  const assessable = catalog.controls.filter((c) => c.kind === "control").length;
  if (!assessable) throw new ValidationError("The catalog was refused: every control is marked as a threat or reference entry, so none would get a status.", { file: "no assessable controls" });
  const frameworkId = (p.data.framework ?? `custom-${slug(catalog.title) || "catalog"}`) as CustomFrameworkId;
  if (!CUSTOM_FRAMEWORK_RE.test(frameworkId)) throw new ValidationError(`"${frameworkId}" is not a usable framework id; give one such as custom-acme-ai.`, { framework: "choose an id" });
  const shortName = p.data.shortName ?? catalog.title.slice(0, 40);

  return db.$transaction(async (tx) => {
    await tx.$queryRaw`SELECT id FROM "Team" WHERE id = ${ctx.team.id} FOR UPDATE`;
    const last = await tx.teamCatalog.findFirst({ where: { teamId: ctx.team.id, frameworkId }, orderBy: { version: "desc" }, select: { version: true, sha256: true } });
    if (last?.sha256 === sha256) throw new ValidationError(`This file is already version ${last.version} of ${frameworkId}: nothing changed.`, { file: "same file as the current version" });
    if (!last) {
      const kept = await tx.teamCatalog.findMany({ where: { teamId: ctx.team.id }, distinct: ["frameworkId"], select: { frameworkId: true } });
      if (kept.length >= MAX_TEAM_CATALOGS) throw new ValidationError(`The team already has ${MAX_TEAM_CATALOGS} catalogs of its own; upload a new version of one of them instead.`, { framework: "too many catalogs" });
    }
    const version = (last?.version ?? 0) + 1;
    const row = await tx.teamCatalog.create({
      data: {
        teamId: ctx.team.id, frameworkId, version, title: catalog.title, shortName, catalogVersion: catalog.version, sha256, controlCount: catalog.controls.length,
        data: catalog as unknown as Prisma.InputJsonValue, createdById: ctx.actor.userId, createdByLabel: ctx.actor.label,
      },
    });
    await appendAudit(tx, {
      teamId: ctx.team.id, actor: ctx.actor, action: "catalog.import", subjectType: "TeamCatalog", subjectId: row.id,
      details: { framework: frameworkId, version, previous: last?.version ?? null, title: catalog.title, catalogVersion: catalog.version, controls: catalog.controls.length, sha256 },
    });
    return { id: row.id, frameworkId, version, title: row.title, shortName, catalogVersion: row.catalogVersion, sha256, controlCount: row.controlCount, createdByLabel: row.createdByLabel, createdAt: row.createdAt, current: true, restoredFrom: null };
  });
}

// ---- Rollback and delete (ADMIN) -------------------------------------------------------------------

const reasonField = z.string({ error: "say why (at least 5 characters)" }).trim().min(5, { error: "say why (at least 5 characters)" }).max(1000);
const frameworkField = z.string().trim().max(40).refine((v) => CUSTOM_FRAMEWORK_RE.test(v), { error: "one of the team's own catalogs (custom-…)" });

export const RollbackCatalogSchema = z.object({
  framework: frameworkField,
  /** The earlier version whose content is assessed again. */
  version: z.coerce.number({ error: "choose a version" }).int().positive({ error: "choose a version" }),
  reason: reasonField,
});
export type RollbackCatalogInput = z.input<typeof RollbackCatalogSchema>;

export const DeleteCatalogSchema = z.object({ framework: frameworkField, reason: reasonField });
export type DeleteCatalogInput = z.input<typeof DeleteCatalogSchema>;

function validInput<T extends z.ZodType>(schema: T, input: unknown, what: string): z.output<T> {
  const p = schema.safeParse(input);
  if (!p.success) throw new ValidationError(`The ${what} has errors: ${p.error.issues[0]!.message}.`, fieldErrorsFromZod(p.error.issues));
  return p.data;
}

/**
 * Makes an earlier version of a team catalog the assessed one again (ADMIN). Versions are never rewritten:
 * the earlier content is stored as the next version (restoredFrom naming the one it copies), so statuses and
 * reports that named the versions in between stay true, and one audit event records who rolled back and why.
 */
export async function rollbackTeamCatalog(ctx: TeamContext, input: RollbackCatalogInput): Promise<TeamCatalogVersion> {
  assertCan(ctx, "catalog.manage");
  const o = validInput(RollbackCatalogSchema, input, "rollback");
  return db.$transaction(async (tx) => {
    await tx.$queryRaw`SELECT id FROM "Team" WHERE id = ${ctx.team.id} FOR UPDATE`;
    const [head, target] = await Promise.all([
      tx.teamCatalog.findFirst({ where: { teamId: ctx.team.id, frameworkId: o.framework }, orderBy: { version: "desc" } }),
      tx.teamCatalog.findFirst({ where: { teamId: ctx.team.id, frameworkId: o.framework, version: o.version } }),
    ]);
    if (!head) throw new NotFoundError(`The catalog "${o.framework}"`);
    if (!target) throw new ValidationError(`${o.framework} has no version ${o.version} (versions 1 to ${head.version}).`, { version: "no such version" });
    if (target.sha256 === head.sha256) throw new ValidationError(`Version ${o.version} is what ${o.framework} assesses now (version ${head.version}${head.version === o.version ? "" : " has the same content"}): nothing to roll back.`, { version: "already assessed" });
    const version = head.version + 1;
    const row = await tx.teamCatalog.create({
      data: {
        teamId: ctx.team.id, frameworkId: o.framework, version, title: target.title, shortName: target.shortName, catalogVersion: target.catalogVersion, sha256: target.sha256,
        controlCount: target.controlCount, data: target.data as Prisma.InputJsonValue, restoredFrom: target.version, createdById: ctx.actor.userId, createdByLabel: ctx.actor.label,
      },
    });
    await appendAudit(tx, {
      teamId: ctx.team.id, actor: ctx.actor, action: "catalog.rollback", subjectType: "TeamCatalog", subjectId: row.id,
      details: { framework: o.framework, version, restoredFrom: target.version, previous: head.version, sha256: target.sha256, reason: o.reason },
    });
    return { id: row.id, frameworkId: o.framework, version, title: row.title, shortName: row.shortName, catalogVersion: row.catalogVersion, sha256: row.sha256, controlCount: row.controlCount, createdByLabel: row.createdByLabel, createdAt: row.createdAt, current: true, restoredFrom: target.version };
  });
}

// Reports in these states froze (or will freeze) a snapshot that names the catalog.
const NAMING_REPORTS = ["QUEUED", "GENERATING", "DRAFT", "APPROVED"] as const;

/**
 * Deletes one of the team's own catalogs, every version, and its evidence mapping (ADMIN), in one audited
 * transaction: it leaves the posture, the controls explorer, the gate and the OSCAL exports. Refused while
 * it is depended on: the current policy requires attestations of its controls, or a report (approved, in
 * review or being generated) covers it. Reports keep their frozen snapshots; attestations stay in the record.
 */
export async function deleteTeamCatalog(ctx: TeamContext, input: DeleteCatalogInput): Promise<{ framework: string; versions: number; mappings: number }> {
  assertCan(ctx, "catalog.manage");
  const o = validInput(DeleteCatalogSchema, input, "deletion");
  return db.$transaction(async (tx) => {
    await tx.$queryRaw`SELECT id FROM "Team" WHERE id = ${ctx.team.id} FOR UPDATE`;
    const versions = await tx.teamCatalog.findMany({ where: { teamId: ctx.team.id, frameworkId: o.framework }, orderBy: { version: "asc" }, select: { id: true, version: true, sha256: true, title: true } });
    if (!versions.length) throw new NotFoundError(`The catalog "${o.framework}"`);
    const prefix = `${o.framework}:`;
    const policy = await tx.compliancePolicy.findFirst({ where: { teamId: ctx.team.id }, orderBy: { version: "desc" }, select: { version: true, policy: true } });
    const tiers = Object.entries((policy?.policy as { tiers?: Record<string, { attestationRequired?: string[] }> } | undefined)?.tiers ?? {})
      .filter(([, t]) => (t.attestationRequired ?? []).some((k) => k.startsWith(prefix))).map(([tier]) => tier);
    if (tiers.length) throw new ConflictError(`${o.framework} cannot be deleted: the team's policy (version ${policy!.version}) requires attestations of its controls for ${tiers.join(", ")}-risk models. Remove them from the policy first.`);
    const reports = await tx.report.findMany({ where: { teamId: ctx.team.id, status: { in: [...NAMING_REPORTS] }, scope: { path: ["frameworks"], array_contains: [o.framework] } }, orderBy: { number: "asc" }, select: { number: true, status: true } });
    if (reports.length) {
      const named = reports.slice(0, 5).map((r) => `${reportLabel(r.number)} (${r.status.toLowerCase()})`).join(", ");
      throw new ConflictError(`${o.framework} cannot be deleted: report${reports.length === 1 ? "" : "s"} ${named}${reports.length > 5 ? ` and ${reports.length - 5} more` : ""} cover${reports.length === 1 ? "s" : ""} it, and an audit report's catalog stays on record. Roll it back to an earlier version instead.`);
    }
    const mappings = await tx.crosswalkOverride.deleteMany({ where: { teamId: ctx.team.id, control: { startsWith: prefix } } });
    await tx.teamCatalog.deleteMany({ where: { teamId: ctx.team.id, frameworkId: o.framework } });
    await appendAudit(tx, {
      teamId: ctx.team.id, actor: ctx.actor, action: "catalog.delete", subjectType: "TeamCatalog", subjectId: versions.at(-1)!.id,
      details: { framework: o.framework, title: versions.at(-1)!.title, versions: versions.map((v) => ({ version: v.version, sha256: v.sha256 })), mappings: mappings.count, reason: o.reason },
    });
    return { framework: o.framework, versions: versions.length, mappings: mappings.count };
  });
}
