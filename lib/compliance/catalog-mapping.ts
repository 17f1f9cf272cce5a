import { createHash } from "node:crypto";
import { z } from "zod";
import { db } from "../db/client";
import { appendAudit } from "../audit/log";
import { assertCan, type TeamContext } from "../teams/access";
import type { TeamScope } from "../teams/context";
import { NotFoundError, ValidationError } from "../errors";
import { CUSTOM_FRAMEWORK_RE, type Framework } from "./catalog";
import { EVIDENCE_KINDS } from "./crosswalk";
import { teamCrosswalk } from "./policies";
import { catalogForTeam } from "./team-catalogs";

// The evidence mapping of one of the team's own catalogs as a JSON file: downloaded from the current mapping,
// edited elsewhere (a GRC tool, a spreadsheet, a review), uploaded back. An upload replaces the catalog's whole
// mapping in one transaction (rows not in the file are removed), so the file is the mapping; a refused file
// changes nothing. Rows are the team's crosswalk overrides, as when mapping control by control.

export const MAPPING_FORMAT = "bulwark-catalog-mapping/1" as const;
const MAX_MAPPING_BYTES = 2 * 1024 * 1024;
export const MAX_MAPPING_ENTRIES = 5000;
const DEFAULT_REASON = "Set by a mapping file upload.";

const EntrySchema = z.object({
  /** The control's id in the catalog (its label, as the controls page shows it). */
  control: z.string({ error: "give the control's id" }).trim().min(1, { error: "give the control's id" }).max(120),
  evidence: z.string({ error: "give an evidence kind (E1…E15)" }).refine((v) => (EVIDENCE_KINDS as readonly string[]).includes(v), { error: (i) => `unknown evidence kind ${JSON.stringify(String(i.input).slice(0, 20))} (one of E1…E15)` }),
  relation: z.string({ error: "give the relation: direct or supporting" }).refine((v) => v === "direct" || v === "supporting", { error: (i) => `relation ${JSON.stringify(String(i.input).slice(0, 20))} is not direct or supporting` }),
  scope: z.string().trim().max(300, { error: "the scope is at most 300 characters" }).nullish().transform((v) => v || null),
  reason: z.string().trim().max(1000, { error: "the reason is at most 1000 characters" }).nullish().transform((v) => v || null),
}, { error: "each entry is an object with control, evidence and relation" });

export const MappingFileSchema = z.object({
  format: z.literal(MAPPING_FORMAT, { error: `the file's "format" is "${MAPPING_FORMAT}"` }),
  framework: z.string({ error: "name the catalog in \"framework\" (custom-…)" }).refine((v) => CUSTOM_FRAMEWORK_RE.test(v), { error: "\"framework\" is one of the team's own catalogs (custom-…)" }),
  /** The catalog version the file was downloaded from: informational (the upload maps the current version). */
  catalogVersion: z.number().int().positive().optional(),
  entries: z.array(EntrySchema, { error: "\"entries\" is a list" }).max(MAX_MAPPING_ENTRIES, { error: `at most ${MAX_MAPPING_ENTRIES} entries` }),
}, { error: "the file is a JSON object with format, framework and entries" });
export type MappingFile = z.input<typeof MappingFileSchema>;

export interface MappingEntry { control: string; evidence: string; relation: "direct" | "supporting"; scope: string | null; reason: string | null }

async function ownFramework(scope: TeamScope, framework: string): Promise<{ fw: Framework; version: number }> {
  const fw = CUSTOM_FRAMEWORK_RE.test(framework) ? (await catalogForTeam(scope)).frameworks.find((f) => f.id === framework) : undefined;
  if (!fw) throw new NotFoundError(`The catalog "${framework.slice(0, 40)}"`);
  return { fw, version: fw.revision ?? 1 };
}

const order = (a: MappingEntry, b: MappingEntry) => a.control.localeCompare(b.control) || a.evidence.localeCompare(b.evidence, "en", { numeric: true });

/** The catalog's current mapping, as the file an upload takes (sorted: the same mapping gives the same bytes). */
export async function exportCatalogMapping(scope: TeamScope, framework: string) {
  // A bundled framework's mapping (with the team's overrides) downloads too, as a template to start a catalog's
  // mapping from; an upload takes only the team's own catalogs.
  const bundled = CUSTOM_FRAMEWORK_RE.test(framework) ? undefined : (await catalogForTeam(scope)).frameworks.find((f) => f.id === framework);
  const { fw, version } = bundled ? { fw: bundled, version: bundled.revision ?? 1 } : await ownFramework(scope, framework);
  const ids = new Map(fw.controls.map((c) => [c.key, c.id]));
  const entries: MappingEntry[] = (await teamCrosswalk(scope))
    .filter((e) => ids.has(e.control) && (e.mark === "direct" || e.mark === "supporting"))
    .map((e) => ({ control: ids.get(e.control)!, evidence: e.evidence, relation: e.mark as "direct" | "supporting", scope: e.scope, reason: e.basis }))
    .sort(order);
  return { format: MAPPING_FORMAT, framework: fw.id, catalogVersion: version, title: fw.name, entries };
}

/** A zod issue as "entries[3] (ROB-1): unknown evidence kind …", naming the entry. */
function issueText(issue: z.core.$ZodIssue, doc: unknown): string {
  const [head, index] = issue.path;
  if (head !== "entries" || typeof index !== "number") return issue.message;
  const raw = (doc as { entries?: { control?: unknown }[] }).entries?.[index]?.control;
  return `entries[${index}]${typeof raw === "string" ? ` (${raw.slice(0, 40)})` : ""}: ${issue.message}`;
}

export interface MappingUploadResult { framework: string; catalogVersion: number; entries: number; added: number; changed: number; removed: number }

/**
 * Replaces the mapping of one of the team's own catalogs with the file's (REVIEWER or ADMIN): every entry must
 * name a control of the catalog's current version, an evidence kind and direct or supporting; a refused file
 * names each bad entry (the first five) and stores nothing. One audit event records the change.
 */
export async function importCatalogMapping(ctx: TeamContext, framework: string, file: unknown): Promise<MappingUploadResult> {
  assertCan(ctx, "policy.manage");
  const text = typeof file === "string" ? file : JSON.stringify(file);
  if (Buffer.byteLength(text, "utf8") > MAX_MAPPING_BYTES) throw new ValidationError(`The mapping file is larger than ${MAX_MAPPING_BYTES / 1024 / 1024} MB.`, { file: "too large" });
  let doc: unknown = file;
  if (typeof file === "string") {
    try {
      doc = JSON.parse(file);
    } catch (e) {
      throw new ValidationError(`The mapping file is not valid JSON${e instanceof SyntaxError ? `: ${e.message.slice(0, 160)}` : ""}.`, { file: "not valid JSON" });
    }
  }
  const p = MappingFileSchema.safeParse(doc);
  const refuse = (problems: string[]) => {
    const more = problems.length > 5 ? ` (and ${problems.length - 5} more)` : "";
    throw new ValidationError(`The mapping was refused: ${problems.slice(0, 5).join("; ")}${more}.`, { file: problems[0]! });
  };
  if (!p.success) refuse(p.error.issues.map((i) => issueText(i, doc)));
  const mapping = p.data!;
  if (mapping.framework !== framework) refuse([`the file maps ${mapping.framework}, not ${framework.slice(0, 40)}`]);
  const { fw, version } = await ownFramework(ctx, framework);
  const keys = new Map(fw.controls.filter((c) => c.kind === "control").map((c) => [c.id, c.key]));
  const problems: string[] = [];
  const seen = new Set<string>();
  mapping.entries.forEach((e, i) => {
    if (!keys.has(e.control)) problems.push(`entries[${i}] (${e.control.slice(0, 40)}): not a control of ${fw.id} version ${version}`);
    else if (seen.has(`${e.control}|${e.evidence}`)) problems.push(`entries[${i}] (${e.control.slice(0, 40)}): ${e.evidence} is mapped to it twice`);
    seen.add(`${e.control}|${e.evidence}`);
  });
  if (problems.length) refuse(problems);

  const want = new Map(mapping.entries.map((e) => [`${e.evidence}|${keys.get(e.control)}`, e]));
  const sha256 = createHash("sha256").update(text, "utf8").digest("hex");
  return db.$transaction(async (tx) => {
    await tx.$queryRaw`SELECT id FROM "Team" WHERE id = ${ctx.team.id} FOR UPDATE`;
    const rows = await tx.crosswalkOverride.findMany({ where: { teamId: ctx.team.id, control: { startsWith: `${fw.id}:` } } });
    let added = 0, changed = 0, removed = 0;
    for (const r of rows) {
      const e = want.get(`${r.evidence}|${r.control}`);
      if (!e) {
        await tx.crosswalkOverride.delete({ where: { id: r.id } });
        if (r.action === "set") removed++;
      } else if (r.action !== "set" || r.mark !== e.relation || r.scope !== e.scope || r.reason !== (e.reason ?? r.reason)) {
        await tx.crosswalkOverride.update({ where: { id: r.id }, data: { action: "set", mark: e.relation, scope: e.scope, reason: e.reason ?? r.reason, createdById: ctx.actor.userId, createdByLabel: ctx.actor.label } });
        changed++;
      }
      want.delete(`${r.evidence}|${r.control}`);
    }
    for (const [k, e] of want) {
      await tx.crosswalkOverride.create({ data: { teamId: ctx.team.id, evidence: e.evidence, control: k.slice(k.indexOf("|") + 1), action: "set", mark: e.relation, scope: e.scope, reason: e.reason ?? DEFAULT_REASON, createdById: ctx.actor.userId, createdByLabel: ctx.actor.label } });
      added++;
    }
    const result = { framework: fw.id, catalogVersion: version, entries: mapping.entries.length, added, changed, removed };
    if (added + changed + removed) {
      const head = await tx.teamCatalog.findFirst({ where: { teamId: ctx.team.id, frameworkId: fw.id }, orderBy: { version: "desc" }, select: { id: true } });
      await appendAudit(tx, { teamId: ctx.team.id, actor: ctx.actor, action: "crosswalk.import", subjectType: "TeamCatalog", subjectId: head?.id ?? fw.id, details: { ...result, sha256 } });
    }
    return result;
  });
}
