import { randomUUID } from "node:crypto";
import { z } from "zod";
import { db } from "../db/client";
import { appendAudit } from "../audit/log";
import { assertCan, type TeamContext } from "../teams/access";
import { ForbiddenError, NotFoundError, ValidationError, fieldErrorsFromZod } from "../errors";
import { putBytes, readVerified } from "../registry/store";
import type { Catalog } from "./catalog";
import { catalogForTeam } from "./team-catalogs";
import { activePolicy } from "./policies";

// Reviewer attestations: a statement that a control holds, for the team or one model, with an expiry and
// optional files (stored content-addressed). Revoked with a reason; never edited or deleted.

export const MAX_ATTESTATION_FILE_BYTES = 20 * 1024 * 1024;
export const MAX_ATTESTATION_FILES = 5;

const dateOnly = z.string().trim().regex(/^\d{4}-\d{2}-\d{2}$/, { error: "Use a date like 2027-01-31" });

const statement = z.string().trim().min(20, { error: "Say what you checked and where the evidence is (at least 20 characters)" }).max(4000, { error: "at most 4000 characters" });
const modelId = z.string().trim().max(40).nullish().transform((v) => v || null);
/** A link to the evidence held elsewhere (document system, ticket); http(s) only, so it is never a script. */
export const evidenceUrl = z.string().trim().max(2000, { error: "at most 2000 characters" }).nullish()
  .transform((v) => v || null)
  .refine((v) => v === null || (URL.canParse(v) && /^https?:$/.test(new URL(v).protocol)), { error: "Give a full http:// or https:// address" });

export const AttestSchema = z.object({
  control: z.string().trim().min(3).max(120),
  modelId,
  statement,
  expiresOn: dateOnly,
  evidenceUrl,
});

/** One statement for many controls at once (bulk attestation). */
export const BulkAttestSchema = z.object({
  controls: z.array(z.string().trim().min(3).max(120)).min(1, { error: "Select at least one control" }).max(500, { error: "At most 500 controls at once" }),
  modelId,
  statement,
  expiresOn: dateOnly,
  evidenceUrl,
});
export type BulkAttestInput = z.input<typeof BulkAttestSchema>;
export type AttestInput = z.input<typeof AttestSchema>;

export const RevokeSchema = z.object({
  attestationId: z.string().trim().min(1).max(40),
  reason: z.string().trim().min(5, { error: "Give the reason for revoking (at least 5 characters)" }).max(1000),
});

export interface AttestationFileInput {
  name: string;
  contentType: string;
  bytes: Uint8Array;
}

const safeName = (n: string) => n.replace(/[^\w.\- ()]+/g, "_").slice(0, 120) || "file";

/**
 * The checks every attestation passes, alone or in bulk: the expiry within the policy, the model in the
 * team, and segregation of duties (the model's owner never attests its controls).
 */
async function checkAttestation(ctx: TeamContext, a: { modelId: string | null; expiresOn: string }, now: Date) {
  const expiresAt = new Date(`${a.expiresOn}T23:59:59.999Z`);
  const { policy } = await activePolicy(ctx);
  if (expiresAt.getTime() <= now.getTime()) throw new ValidationError("The expiry date must be in the future.", { expiresOn: "choose a date after today" });
  const maxDays = policy.maxAttestationDays;
  if (expiresAt.getTime() - now.getTime() > (maxDays + 1) * 86_400_000) throw new ValidationError(`The team's policy allows attestations of at most ${maxDays} days.`, { expiresOn: `at most ${maxDays} days from today` });
  let model: { id: string; name: string; owner: string } | null = null;
  if (a.modelId) {
    const m = await db.model.findFirst({ where: { id: a.modelId, teamId: ctx.team.id }, include: { versions: { where: { status: "ACTIVE" }, orderBy: { version: "desc" }, take: 1 } } });
    if (!m) throw new NotFoundError("This model");
    model = { id: m.id, name: m.name, owner: m.versions[0]?.owner ?? "" };
    if (policy.segregationOfDuties) {
      const me = await db.user.findUnique({ where: { id: ctx.userId }, select: { email: true, name: true } });
      const owner = model.owner.trim().toLowerCase();
      if (owner && [me?.email, me?.name, ctx.actor.label].some((x) => x?.trim().toLowerCase() === owner)) {
        throw new ForbiddenError(`You are the owner of ${m.name}; the team requires that someone else attests its controls (segregation of duties).`);
      }
    }
  }
  return { expiresAt, model };
}

/** The catalog control an attestation names, refused when it is a threat tag or a reference entry. */
function attestableControl(catalog: Catalog, key: string) {
  const control = catalog.byKey.get(key);
  if (!control) throw new NotFoundError("This control");
  if (control.kind !== "control") throw new ValidationError(`${control.id} is ${control.kind === "threat" ? "a threat tag" : "listed for reference only"}; it cannot be attested.`);
  return control;
}

export async function createAttestation(ctx: TeamContext, input: AttestInput | z.infer<typeof AttestSchema>, files: AttestationFileInput[] = [], now = new Date()) {
  assertCan(ctx, "attestation.write");
  const parsed = AttestSchema.safeParse(input);
  if (!parsed.success) throw new ValidationError("The attestation has errors.", fieldErrorsFromZod(parsed.error.issues));
  const a = parsed.data;
  const catalog = await catalogForTeam(ctx);
  const control = attestableControl(catalog, a.control);
  if (files.length > MAX_ATTESTATION_FILES) throw new ValidationError(`At most ${MAX_ATTESTATION_FILES} files.`, { files: `at most ${MAX_ATTESTATION_FILES} files` });
  for (const f of files) if (f.bytes.byteLength > MAX_ATTESTATION_FILE_BYTES) throw new ValidationError(`${f.name} is larger than 20 MB.`, { files: "each file at most 20 MB" });
  const { expiresAt, model } = await checkAttestation(ctx, a, now);

  // Blobs first (content-addressed, idempotent); the rows and the audit event commit together.
  const stored = [] as { name: string; contentType: string; sha256: string; size: number }[];
  for (const f of files) stored.push({ name: safeName(f.name), contentType: f.contentType.slice(0, 100) || "application/octet-stream", sha256: await putBytes(f.bytes), size: f.bytes.byteLength });

  return db.$transaction(async (tx) => {
    const row = await tx.attestation.create({
      data: {
        teamId: ctx.team.id, control: control.key, modelId: model?.id ?? null, statement: a.statement, expiresAt, evidenceUrl: a.evidenceUrl,
        attestedById: ctx.actor.userId, attestedByLabel: ctx.actor.label, attestedAt: now, catalogVersion: catalog.version,
      },
    });
    for (const f of stored) {
      const art = await tx.artifact.upsert({ where: { teamId_sha256: { teamId: ctx.team.id, sha256: f.sha256 } }, create: { teamId: ctx.team.id, sha256: f.sha256, size: f.size }, update: {} });
      await tx.attestationFile.create({ data: { teamId: ctx.team.id, attestationId: row.id, artifactId: art.id, ...f } });
    }
    await appendAudit(tx, {
      teamId: ctx.team.id, actor: ctx.actor, action: "attestation.create", subjectType: "Attestation", subjectId: row.id,
      details: { control: control.key, model: model?.name ?? null, modelId: model?.id ?? null, expiresAt: expiresAt.toISOString(), evidenceUrl: a.evidenceUrl, files: stored.map((f) => ({ name: f.name, sha256: f.sha256 })), catalogVersion: catalog.version },
    });
    return row;
  });
}

/**
 * One statement, scope, expiry and evidence link for many controls: every control is checked first (an
 * unknown or non-attestable one refuses the whole request, naming it), then all rows and one audit event
 * per attestation commit in one transaction (all or none). The same checks as a single attestation apply.
 */
export async function createAttestations(ctx: TeamContext, input: BulkAttestInput, now = new Date()) {
  assertCan(ctx, "attestation.write");
  const parsed = BulkAttestSchema.safeParse(input);
  if (!parsed.success) throw new ValidationError("The attestation has errors.", fieldErrorsFromZod(parsed.error.issues));
  const a = parsed.data;
  const catalog = await catalogForTeam(ctx);
  const keys = [...new Set(a.controls)];
  const unknown = keys.filter((k) => !catalog.byKey.has(k));
  if (unknown.length) throw new ValidationError(`Unknown control${unknown.length > 1 ? "s" : ""}: ${unknown.slice(0, 5).map((k) => k.slice(0, 80)).join(", ")}${unknown.length > 5 ? ` and ${unknown.length - 5} more` : ""}.`, { controls: "pick controls from the list" });
  const notAttestable = keys.map((k) => catalog.byKey.get(k)!).filter((c) => c.kind !== "control");
  if (notAttestable.length) throw new ValidationError(`${notAttestable.map((c) => c.id).join(", ")} cannot be attested (threat tags and reference entries carry no status).`, { controls: "only controls can be attested" });
  const { expiresAt, model } = await checkAttestation(ctx, a, now);
  const batchId = randomUUID();

  return db.$transaction(async (tx) => {
    const rows = [];
    for (const key of keys) {
      const row = await tx.attestation.create({
        data: {
          teamId: ctx.team.id, control: key, modelId: model?.id ?? null, statement: a.statement, expiresAt, evidenceUrl: a.evidenceUrl, batchId,
          attestedById: ctx.actor.userId, attestedByLabel: ctx.actor.label, attestedAt: now, catalogVersion: catalog.version,
        },
      });
      await appendAudit(tx, {
        teamId: ctx.team.id, actor: ctx.actor, action: "attestation.create", subjectType: "Attestation", subjectId: row.id,
        details: { control: key, model: model?.name ?? null, modelId: model?.id ?? null, expiresAt: expiresAt.toISOString(), evidenceUrl: a.evidenceUrl, files: [], catalogVersion: catalog.version, batch: { id: batchId, size: keys.length } },
      });
      rows.push(row);
    }
    return rows;
  }, { timeout: 60_000 });
}

export async function revokeAttestation(ctx: TeamContext, input: z.input<typeof RevokeSchema>, now = new Date()) {
  assertCan(ctx, "attestation.write");
  const parsed = RevokeSchema.safeParse(input);
  if (!parsed.success) throw new ValidationError("Give a reason.", fieldErrorsFromZod(parsed.error.issues));
  return db.$transaction(async (tx) => {
    const row = await tx.attestation.findFirst({ where: { id: parsed.data.attestationId, teamId: ctx.team.id } });
    if (!row) throw new NotFoundError("This attestation");
    if (row.revokedAt) throw new ValidationError("This attestation was already revoked.");
    const updated = await tx.attestation.update({ where: { id: row.id }, data: { revokedAt: now, revokedById: ctx.actor.userId, revokedByLabel: ctx.actor.label, revokeReason: parsed.data.reason } });
    await appendAudit(tx, { teamId: ctx.team.id, actor: ctx.actor, action: "attestation.revoke", subjectType: "Attestation", subjectId: row.id, details: { control: row.control, modelId: row.modelId, reason: parsed.data.reason } });
    return updated;
  });
}

export async function listAttestations(ctx: TeamContext, f: { control?: string; modelId?: string } = {}) {
  return db.attestation.findMany({
    where: { teamId: ctx.team.id, ...(f.control ? { control: f.control } : {}), ...(f.modelId ? { OR: [{ modelId: f.modelId }, { modelId: null }] } : {}) },
    include: { files: true },
    orderBy: { attestedAt: "desc" },
  });
}

/** A file of an attestation, read back and checked against its digest. */
export async function readAttestationFile(ctx: TeamContext, fileId: string) {
  const f = await db.attestationFile.findFirst({ where: { id: fileId, teamId: ctx.team.id } });
  if (!f) throw new NotFoundError("This file");
  return { name: f.name, contentType: f.contentType, sha256: f.sha256, bytes: await readVerified(f.sha256) };
}
