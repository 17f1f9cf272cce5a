import fc from "fast-check";
import { z } from "zod";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db } from "../db/client";
import { stopQueue } from "../jobs/queue";
import { AppError, fieldErrorsFromZod } from "../errors";
import { verifyTeamChain } from "../audit/log";
import type { TeamContext } from "../teams/access";
import { AttestSchema, RevokeSchema, createAttestation, revokeAttestation } from "../compliance/attestations";
import { CrosswalkOverrideSchema } from "../compliance/crosswalk";
import { clearCrosswalkOverride, savePolicy, setCrosswalkOverride } from "../compliance/policies";
import { policyFromForm } from "../compliance/policy-form";
import { AddMemberSchema, ChangeRoleSchema, CreateTeamSchema, RemoveMemberSchema } from "../teams/schemas";
import { createTeamWithAdmin, setInstanceAdmin } from "../teams/instance";
import { addMember, changeMemberRole, removeMember } from "../teams/members";
import { signOutEverywhere, SignOutEverywhereSchema } from "../auth/sessions";
import { CreateTokenSchema, RevokeTokenSchema, createApiToken, revokeApiToken } from "../auth/tokens";
import { AcknowledgeAlertSchema, TeamAlertSettingsSchema, acknowledgeAlert, updateTeamAlertSettings } from "../evaluations/webhook";
import { CancelEvaluationSchema, CreateEvaluationSchema } from "../evaluations/schemas";
import { createEvaluation } from "../evaluations/create";
import { cancelEvaluation } from "../evaluations/manage";
import { createSchedule, deleteSchedule, ScheduleInputSchema, setSchedulePaused, updateSchedule } from "../evaluations/schedules";
import { deleteModelVersion, setModelArchived, setModelVersionArchived, updateModelCard } from "../registry/models";
import { deleteDatasetVersion, setDatasetArchived, setDatasetVersionArchived, updateDatasetCard } from "../registry/datasets";
import { ApproveReportSchema, CreateReportFormSchema, approveReport, createReport, verifyPdf } from "../reports";
import { useTempStore } from "../registry/test-helpers";
import { seedDemoRegistry, DEMO_DATASETS } from "../seed/registry";
import { makeTeam } from "../../test/fixtures";
import { addOutboundHost, RemoveOutboundHostSchema, removeOutboundHost } from "../teams/outbound-hosts";
import { registerEndpointVersion } from "../registry/endpoints";
import { controlStringsFor, FUZZ_SEED, junkForm, junkString, rowCounts } from "../../test/fuzz";
import { controlCharacterIn, formControlCharacterErrors } from "../security/control-chars";
import { systemContext } from "../teams/context";

// Bad input at every form action (the server actions under app/t/[team]/**/actions.ts): the same zod
// schema and the same lib call as the action, with a real team context and database. A form answer is
// either field errors (the schema refused it) or a known AppError turned into a message; anything else
// would be "Something went wrong on our side" — an internal error. Refusals must change no row, and the
// audit chain must verify at the end.

useTempStore();
let admin: TeamContext;
let teamId: string;
const ids = { modelId: "", mv1: "", mv2: "", datasetId: "", dv: "", evaluationId: "", scheduleId: "", alertId: "", reportId: "", membershipId: "", tokenId: "", attestationId: "" };

beforeAll(async () => {
  const team = await makeTeam("forms");
  teamId = team.team.id;
  admin = team.ctx("ADMIN");
  // The /admin form (app/admin/actions.ts) runs as an instance administrator.
  await setInstanceAdmin(team.users.ADMIN.email, true);
  await seedDemoRegistry(systemContext(teamId, "seed"));
  const [mv1, mv2] = await db.modelVersion.findMany({ where: { teamId }, orderBy: { version: "asc" } });
  const dv = await db.datasetVersion.findFirstOrThrow({ where: { teamId, dataset: { name: DEMO_DATASETS.eval } } });
  const ev = await createEvaluation(admin, { modelVersionId: mv1!.id, datasetVersionId: dv.id, preset: "quick", sampleCount: 20, seed: 1, shardSize: 20, linfEpsilons: undefined, customSuite: undefined });
  const schedule = await createSchedule(admin, ScheduleInputSchema.parse({ name: "nightly", modelId: mv1!.modelId, datasetVersionId: dv.id, preset: "quick", sampleCount: 20, cron: "daily" }));
  const alert = await db.regressionAlert.create({ data: { teamId, modelId: mv1!.modelId, evaluationId: ev.id, previousEvaluationId: ev.id, summary: "fuzz alert", details: { regressions: [] } } });
  const report = await createReport(admin, { title: "Fuzz report", frameworks: ["nist-ai-rmf"] });
  const attestation = await createAttestation(admin, { control: "nist-ai-rmf:GOVERN 1.1", statement: "Checked the governance records in the wiki page.", expiresOn: new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10) });
  const membership = await db.membership.findFirstOrThrow({ where: { teamId, role: "VIEWER" } });
  const token = await db.apiToken.findFirst({ where: { teamId } }) ?? (await createApiToken(admin, { name: "fuzz", role: "VIEWER", expiresInDays: 7 }));
  Object.assign(ids, {
    modelId: mv1!.modelId, mv1: mv1!.id, mv2: mv2!.id, datasetId: dv.datasetId, dv: dv.id, evaluationId: ev.id, scheduleId: schedule.id,
    alertId: alert.id, reportId: report.id, membershipId: membership.id, tokenId: token.id, attestationId: attestation.id,
  });
}, 600_000);

afterAll(async () => {
  await stopQueue();
});

type Form = Record<string, string>;
interface Case {
  name: string;
  schema: z.ZodType;
  /** Field names the form has; the fuzzer fills them (and extra fields) with junk. */
  fields: string[];
  /** A valid submission, mutated one field at a time so that checks past the schema are reached. */
  valid?: () => Form;
  /** Values of the action's bound arguments (ids from the URL), real or junk. */
  run: (ctx: TeamContext, input: never, arg: string, form: Form) => Promise<unknown>;
  arg?: () => string[];
}

const CARD_FIELDS = ["intendedUse", "outOfScopeUse", "riskTier", "owner", "trainingDatasetVersionId", "trainingMethod", "knownLimitations", "preprocessingNote", "description", "source", "collectedBy", "collectedWhen", "licence", "personalData", "legalBasis", "split", "knownIssues"];
const POLICY_FIELDS = ["segregationOfDuties", "maxAttestationDays", "note", ...["minimal", "limited", "high", "unacceptable"].flatMap((t) => ["minAttacks", "requireIterative", "minSampleCount", "thresholds", "minCleanAccuracy", "maxEvidenceAgeDays", "requiredVerdict", "regressionTolerancePp", "requireSchedule", "attestationRequired"].map((k) => `${t}.${k}`))];
// The schemas some actions define in their own file (app/t/[team]/**/actions.ts), repeated here.
const Fields = z.record(z.string(), z.unknown());
const IdForm = z.object({ id: z.string().min(1).max(40) });
const VersionOp = z.object({ versionId: z.string().min(1).max(40), op: z.enum(["archive", "restore", "delete"]) });
const ArchiveOp = z.object({ op: z.enum(["archive", "restore"]) });
const ScheduleId = z.object({ scheduleId: z.string().min(1) });
const OutboundAddForm = z.object({ host: z.string().max(300), ports: z.string().max(200).default(""), allowPrivate: z.string().optional() });

const CASES: Case[] = [
  { name: "controls: attest", schema: AttestSchema, fields: ["control", "modelId", "statement", "expiresOn"], valid: () => ({ control: "nist-ai-rmf:GOVERN 1.2", modelId: "", statement: "Checked the process documents and the sign-off.", expiresOn: "2099-01-01" }), run: (ctx, input) => createAttestation(ctx, input) },
  { name: "controls: revoke", schema: RevokeSchema, fields: ["attestationId", "reason"], valid: () => ({ attestationId: ids.attestationId, reason: "Superseded by a new review" }), run: (ctx, input) => revokeAttestation(ctx, input) },
  { name: "settings/policy: save", schema: Fields, fields: POLICY_FIELDS, run: (ctx, fields: Form) => savePolicy(ctx, policyFromForm(fields), typeof fields.note === "string" ? fields.note : "") },
  { name: "settings/policy: crosswalk override", schema: CrosswalkOverrideSchema, fields: ["evidence", "control", "action", "mark", "scope", "reason"], valid: () => ({ evidence: "E1", control: "nist-ai-rmf:MEASURE 2.7", action: "set", mark: "supporting", scope: "", reason: "Our auditors asked for it" }), run: (ctx, input) => setCrosswalkOverride(ctx, input) },
  { name: "settings/policy: reset override", schema: IdForm, fields: ["id"], run: (ctx, input: { id: string }) => clearCrosswalkOverride(ctx, input.id) },
  { name: "settings/members: add", schema: AddMemberSchema, fields: ["email", "name", "role", "password"], valid: () => ({ email: "new-member@example.test", name: "New Member", role: "VIEWER", password: "a long enough password" }), run: (ctx, input) => addMember(ctx, input) },
  { name: "admin: create a team", schema: CreateTeamSchema, fields: ["slug", "name", "adminEmail", "adminName", "adminPassword"], valid: () => ({ slug: "fuzz-new-team", name: "Fuzz team", adminEmail: "fuzz-admin@example.test", adminName: "Fuzz Admin", adminPassword: "a long enough password" }), run: (ctx, input) => createTeamWithAdmin(ctx, input) },
  { name: "settings/members: change role", schema: ChangeRoleSchema, fields: ["membershipId", "role"], valid: () => ({ membershipId: ids.membershipId, role: "VIEWER" }), run: (ctx, input) => changeMemberRole(ctx, input) },
  { name: "settings/members: remove", schema: RemoveMemberSchema, fields: ["membershipId"], run: (ctx, input) => removeMember(ctx, input) },
  { name: "settings/members: sign out everywhere", schema: SignOutEverywhereSchema, fields: [], run: (ctx) => signOutEverywhere(ctx.userId) },
  { name: "settings/alerts: save", schema: TeamAlertSettingsSchema, fields: ["regressionTolerancePp", "webhookUrl"], valid: () => ({ regressionTolerancePp: "2", webhookUrl: "" }), run: (ctx, input) => updateTeamAlertSettings(ctx, input) },
  { name: "settings/tokens: create", schema: CreateTokenSchema, fields: ["name", "role", "expiresInDays"], valid: () => ({ name: "ci", role: "VIEWER", expiresInDays: "30" }), run: (ctx, input) => createApiToken(ctx, input) },
  { name: "settings/tokens: revoke", schema: RevokeTokenSchema, fields: ["tokenId"], run: (ctx, input: { tokenId: string }) => revokeApiToken(ctx, input.tokenId) },
  { name: "models: update card", schema: Fields, fields: CARD_FIELDS, arg: () => [ids.mv1, ids.mv2], run: (ctx, input: Record<string, unknown>, versionId) => updateModelCard(ctx, versionId, input) },
  { name: "models: version archive/restore/delete", schema: VersionOp, fields: ["versionId", "op"], run: (ctx, { versionId, op }: z.infer<typeof VersionOp>) => (op === "delete" ? deleteModelVersion(ctx, versionId) : setModelVersionArchived(ctx, versionId, op === "archive")) },
  { name: "models: archive/restore", schema: ArchiveOp, fields: ["op"], arg: () => [], run: (ctx, { op }: z.infer<typeof ArchiveOp>, modelId) => setModelArchived(ctx, modelId, op === "archive") },
  { name: "datasets: update card", schema: Fields, fields: CARD_FIELDS, arg: () => [ids.dv], run: (ctx, input: Record<string, unknown>, versionId) => updateDatasetCard(ctx, versionId, input) },
  { name: "datasets: version archive/restore/delete", schema: VersionOp, fields: ["versionId", "op"], run: (ctx, { versionId, op }: z.infer<typeof VersionOp>) => (op === "delete" ? deleteDatasetVersion(ctx, versionId) : setDatasetVersionArchived(ctx, versionId, op === "archive")) },
  { name: "datasets: archive/restore", schema: ArchiveOp, fields: ["op"], arg: () => [], run: (ctx, { op }: z.infer<typeof ArchiveOp>, datasetId) => setDatasetArchived(ctx, datasetId, op === "archive") },
  { name: "reports: create", schema: CreateReportFormSchema, fields: ["title", "scope", "periodFrom", "periodTo", "framework:nist-ai-rmf", "framework:iso-42001", `model:${"x"}`], valid: () => ({ title: "Quarterly", scope: "all", "framework:nist-ai-rmf": "on", periodFrom: "", periodTo: "" }), run: (ctx, input) => createReport(ctx, input) },
  { name: "reports: approve", schema: ApproveReportSchema, fields: ["reportId", "snapshotSha256"], valid: () => ({ reportId: ids.reportId, snapshotSha256: "" }), run: (ctx, input) => approveReport(ctx, input) },
  // verifyAction passes any pasted text to verifyPdf (it parsed with a .max(200) schema outside its try before: a long paste was an internal error).
  { name: "reports: verify a pasted SHA-256", schema: Fields, fields: ["sha256"], run: (ctx, form: Form) => (form.sha256?.trim() ? verifyPdf(ctx, { sha256: form.sha256.trim() }) : Promise.resolve()) },
  { name: "evaluations: create", schema: CreateEvaluationSchema, fields: ["modelVersionId", "datasetVersionId", "preset", "customSuite", "linfEpsilons", "sampleCount", "seed", "shardSize"], valid: () => ({ modelVersionId: ids.mv1, datasetVersionId: ids.dv, preset: "custom", customSuite: '{"attacks":[{"kind":"fgsm","norm":"linf"}],"epsilons":{"linf":[0.1]}}', linfEpsilons: "", sampleCount: "10", seed: "1", shardSize: "10" }), run: (ctx, input) => createEvaluation(ctx, input) },
  { name: "evaluations: cancel", schema: CancelEvaluationSchema, fields: ["evaluationId"], run: (ctx, input: { evaluationId: string }) => cancelEvaluation(ctx, input.evaluationId) },
  { name: "evaluations: acknowledge alert", schema: AcknowledgeAlertSchema, fields: ["alertId", "note"], valid: () => ({ alertId: ids.alertId, note: "Known, retraining" }), run: (ctx, input) => acknowledgeAlert(ctx, input) },
  { name: "schedules: create", schema: ScheduleInputSchema, fields: ["name", "modelId", "modelVersionId", "datasetVersionId", "preset", "sampleCount", "seed", "cron", "timezone"], valid: () => ({ name: "weekly", modelId: ids.modelId, modelVersionId: "", datasetVersionId: ids.dv, preset: "quick", sampleCount: "10", seed: "0", cron: "weekly", timezone: "Europe/Berlin" }), run: (ctx, input) => createSchedule(ctx, input) },
  { name: "schedules: update", schema: ScheduleInputSchema, fields: ["name", "modelId", "modelVersionId", "datasetVersionId", "preset", "sampleCount", "seed", "cron", "timezone"], valid: () => ({ name: "nightly", modelId: ids.modelId, modelVersionId: ids.mv2, datasetVersionId: ids.dv, preset: "quick", sampleCount: "20", seed: "0", cron: "0 4 * * *", timezone: "UTC" }), arg: () => [ids.scheduleId], run: (ctx, input, scheduleId) => updateSchedule(ctx, scheduleId, input) },
  { name: "schedules: pause/resume", schema: ScheduleId, fields: ["scheduleId"], run: (ctx, { scheduleId }: z.infer<typeof ScheduleId>) => setSchedulePaused(ctx, scheduleId, true) },
  { name: "schedules: delete", schema: ScheduleId, fields: ["scheduleId"], run: (ctx, { scheduleId }: z.infer<typeof ScheduleId>) => deleteSchedule(ctx, scheduleId) },
  { name: "settings/outbound: add host", schema: OutboundAddForm, fields: ["host", "ports", "allowPrivate"], valid: () => ({ host: "models.vendor.example", ports: "443", allowPrivate: "" }), run: (ctx, input: z.infer<typeof OutboundAddForm>) => addOutboundHost(ctx, { host: input.host, ports: input.ports, allowPrivate: input.allowPrivate === "on" }) },
  { name: "settings/outbound: remove host", schema: RemoveOutboundHostSchema, fields: ["id"], run: (ctx, input) => removeOutboundHost(ctx, input) },
  {
    name: "models: register an HTTP endpoint", schema: Fields, fields: ["name", "endpoint.url", "endpoint.authKind", "endpoint.authSecret", "endpoint.requestTemplate", "endpoint.responseKind", "endpoint.responsePath", "endpoint.batchSize", "whiteBoxReferenceVersionId", ...CARD_FIELDS, "inputShape", "classLabels", "task", "inputRange.min", "inputRange.max"],
    valid: () => ({ name: "vendor-api", "endpoint.url": "https://models.vendor.example/v1/predict", "endpoint.authKind": "bearer", "endpoint.authSecret": "tok-123456", "endpoint.requestTemplate": '{"instances": "{{inputs}}"}', "endpoint.responseKind": "scores", "endpoint.responsePath": "predictions", task: "tabular-classification", inputShape: "4", "inputRange.min": "0", "inputRange.max": "1", classLabels: "a, b", riskTier: "limited", owner: "x", intendedUse: "x", outOfScopeUse: "y" }),
    run: (ctx, f: Form) => registerEndpointVersion(ctx, { name: f.name, card: f, endpoint: { ...Object.fromEntries(Object.entries(f).filter(([k]) => k.startsWith("endpoint.")).map(([k, v]) => [k.slice(9), v])), responseMapping: { kind: f["endpoint.responseKind"], path: f["endpoint.responsePath"] ?? "" } }, whiteBoxReferenceVersionId: f.whiteBoxReferenceVersionId || undefined }),
  },
];

/** What teamAction does with a parsed form: field errors, a message from an AppError, or an internal error (rethrown). */
async function submit(c: Case, form: Form, arg: string): Promise<{ ok: boolean; fieldErrors?: Record<string, string> }> {
  if (controlCharacterIn(arg)) return { ok: false }; // teamAction's check of the bound ids: "not found"
  const controlErrors = formControlCharacterErrors(form);
  if (controlErrors) return { ok: false, fieldErrors: controlErrors };
  const parsed = c.schema.safeParse(form);
  if (!parsed.success) return { ok: false, fieldErrors: fieldErrorsFromZod(parsed.error.issues) };
  try {
    await c.run(admin, parsed.data as never, arg, form);
    return { ok: true };
  } catch (e) {
    if (e instanceof AppError) return { ok: false, fieldErrors: e.fieldErrors };
    throw e;
  }
}

describe("form actions under bad input", () => {
  for (const c of CASES) {
    it(`${c.name}: field errors or a message, never an internal error; refusals change nothing`, { timeout: 120_000 }, async () => {
      let counts = await rowCounts();
      const args = fc.oneof(junkString, ...(c.arg ? [fc.constantFrom(...(c.arg().length ? c.arg() : [ids.modelId, ids.datasetId]))] : []));
      const forms = fc.oneof(junkForm(c.fields), junkForm(c.fields, c.valid?.() ?? {}));
      await fc.assert(
        fc.asyncProperty(forms, args, async (form, arg) => {
          const answer = await submit(c, form, arg);
          if (answer.ok) {
            counts = await rowCounts(); // junk that is still valid input: a legitimate change
            return;
          }
          expect(await rowCounts(), `${c.name}: a refused form changed rows`).toEqual(counts);
        }),
        { numRuns: 20, seed: FUZZ_SEED, endOnFailure: true },
      );
    });
  }

  for (const c of CASES) {
    it(`${c.name}: NUL and control characters in every field (and bound id): never an internal error; NUL is refused naming the field`, { timeout: 120_000 }, async () => {
      let counts = await rowCounts();
      const base = c.valid?.() ?? Object.fromEntries(c.fields.map((f) => [f, "x"]));
      const realArg = c.arg ? (c.arg().length ? c.arg()[0]! : ids.modelId) : "";
      const fields = [...new Set([...c.fields, ...Object.keys(base)])];
      for (const [n, field] of fields.entries()) {
        for (const [k, text] of controlStringsFor(n).entries()) {
          const answer = await submit(c, { ...base, [field]: text }, realArg);
          if (k === 0) expect(answer.fieldErrors?.[field], `${c.name}: NUL in ${field}`).toMatch(/U\+0000/);
          if (answer.ok) counts = await rowCounts();
          else expect(await rowCounts(), `${c.name}: a refused form changed rows`).toEqual(counts);
        }
      }
      if (c.arg) {
        // The id bound into the action from the page's address: a forged one names nothing.
        for (const text of controlStringsFor(fields.length)) {
          const answer = await submit(c, base, `${realArg}${text}`);
          expect(answer.ok, `${c.name}: bound id with ${JSON.stringify(text)}`).toBe(false);
          expect(await rowCounts()).toEqual(counts);
        }
      }
    });
  }

  it("regression: a pasted text longer than 200 characters is refused with a message, not an internal error", async () => {
    await expect(verifyPdf(admin, { sha256: "f".repeat(201) })).rejects.toBeInstanceOf(AppError);
    expect(await submit(CASES.find((c) => c.name.startsWith("reports: verify"))!, { sha256: "x".repeat(300_000) }, "")).toMatchObject({ ok: false, fieldErrors: { sha256: expect.any(String) } });
  });

  it("leaves the audit chain intact", async () => {
    expect((await verifyTeamChain(systemContext(teamId, "job"))).intact).toBe(true);
  });
});
