import { z } from "zod";
import { db } from "../db/client";
import { appendAudit } from "../audit/log";
import { assertCan, type TeamContext } from "../teams/access";
import { NotFoundError, ValidationError, fieldErrorsFromZod } from "../errors";
import { evidenceUrl } from "./attestations";
import { activePolicy } from "./policies";

// A team's attestation templates: named wording a reviewer reuses in the bulk attestation form (the
// statement, how many days it stays valid, the evidence link). Using one fills the form; the attestation
// itself is checked and recorded as any other. Created and deleted by reviewers, both audited.

export const TemplateSchema = z.object({
  name: z.string().trim().min(2, { error: "Name the template (at least 2 characters)" }).max(80, { error: "at most 80 characters" }),
  statement: z.string().trim().min(20, { error: "Say what is checked and where the evidence is (at least 20 characters)" }).max(4000, { error: "at most 4000 characters" }),
  validDays: z.coerce.number({ error: "Give a number of days" }).int({ error: "Give a whole number of days" }).min(1, { error: "at least 1 day" }),
  evidenceUrl,
});
export type TemplateInput = z.input<typeof TemplateSchema>;

export async function listAttestationTemplates(ctx: TeamContext) {
  return db.attestationTemplate.findMany({ where: { teamId: ctx.team.id }, orderBy: { name: "asc" } });
}

export async function createAttestationTemplate(ctx: TeamContext, input: TemplateInput) {
  assertCan(ctx, "attestation.write");
  const parsed = TemplateSchema.safeParse(input);
  if (!parsed.success) throw new ValidationError("The template has errors.", fieldErrorsFromZod(parsed.error.issues));
  const t = parsed.data;
  const { policy } = await activePolicy(ctx);
  if (t.validDays > policy.maxAttestationDays) throw new ValidationError(`The team's policy allows attestations of at most ${policy.maxAttestationDays} days.`, { validDays: `at most ${policy.maxAttestationDays} days` });
  return db.$transaction(async (tx) => {
    if (await tx.attestationTemplate.findFirst({ where: { teamId: ctx.team.id, name: t.name }, select: { id: true } })) {
      throw new ValidationError(`A template named "${t.name}" exists already.`, { name: "choose another name" });
    }
    const row = await tx.attestationTemplate.create({ data: { teamId: ctx.team.id, name: t.name, statement: t.statement, validDays: t.validDays, evidenceUrl: t.evidenceUrl, createdById: ctx.actor.userId, createdByLabel: ctx.actor.label } });
    await appendAudit(tx, { teamId: ctx.team.id, actor: ctx.actor, action: "attestation.template.create", subjectType: "AttestationTemplate", subjectId: row.id, details: { name: t.name, validDays: t.validDays, evidenceUrl: t.evidenceUrl } });
    return row;
  });
}

export const DeleteTemplateSchema = z.object({ templateId: z.string().trim().min(1).max(40) });

export async function deleteAttestationTemplate(ctx: TeamContext, input: z.input<typeof DeleteTemplateSchema>) {
  assertCan(ctx, "attestation.write");
  const { templateId } = DeleteTemplateSchema.parse(input);
  return db.$transaction(async (tx) => {
    const row = await tx.attestationTemplate.findFirst({ where: { id: templateId, teamId: ctx.team.id } });
    if (!row) throw new NotFoundError("This template");
    await tx.attestationTemplate.delete({ where: { id: row.id } });
    await appendAudit(tx, { teamId: ctx.team.id, actor: ctx.actor, action: "attestation.template.delete", subjectType: "AttestationTemplate", subjectId: row.id, details: { name: row.name } });
  });
}
