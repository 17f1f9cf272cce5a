import { createHash } from "node:crypto";
import { z } from "zod";
import { db } from "../db/client";
import { Prisma } from "../db/generated/client";
import { assertScopeCan, type TeamContext } from "../teams/access";
import { NotFoundError, ValidationError, fieldErrorsFromZod } from "../errors";
import { ensembleModel } from "../engine/ensemble";
import type { LoadedModel } from "../engine/model";
import { loadWhiteBoxModel } from "../engine/formats";
import type { EngineCard } from "../engine/card";
import { runEnsembleIsolated, type StagedMember } from "./isolated-check";
import { Staging } from "./staging";
import { ENDPOINT_FORMAT } from "./endpoints";
import { ENSEMBLE_FORMAT } from "./ensemble-guards";
import { loadModelVersionForEngine, type ModelVersionForEngine } from "./models";
import { createVersion, filelessModelVersion, resolveVersionTarget } from "./versions";
import {
  ENSEMBLE_COMBINES,
  ENSEMBLE_COMBINE_LABELS,
  ModelCardDescriptiveSchema,
  ModelCardSchema,
  RISK_TIERS,
  describeTrainingMethod,
  engineCardOf,
  type EnsembleCard,
  type EnsembleCombineValue,
  type ModelCard,
  type TrainingCost,
} from "./model-card";
import type { TeamScope } from "../teams/context";

// A model version that is an ensemble of other registered versions of the same team: no files of its own,
// its members' weights combined by mean probability or majority vote (lib/engine/ensemble.ts). Every
// attack runs against the whole ensemble. Members must be stored, active, white-box TensorFlow.js
// versions with the same task, input shape, value range, preprocessing and class labels.

export { ENSEMBLE_FORMAT };
export const MAX_ENSEMBLE_MEMBERS = 8;

/** What the threat model says of the combination rule (recorded in the card and each evaluation's provenance). */
export function ensembleGradientNote(combine: EnsembleCombineValue): string {
  return combine === "mean-probability"
    ? "Gradient attacks take input gradients through the average of the members' probabilities (the ensemble's own output), so they attack the whole ensemble."
    : "A majority vote has no gradient: gradient attacks (FGSM, PGD, APGD and the sanity check) follow the gradient of the members' mean probability as a surrogate, while the label and confidence they are scored on are the vote's (ties go to the higher mean probability). Query attacks (Square) and noise baselines use the vote itself. A surrogate gradient can overstate robustness: compare with the mean-probability ensemble.";
}

export const CreateEnsembleSchema = z.object({
  modelId: z.string().trim().max(40).optional().transform((v) => v || undefined),
  name: z.string().optional(),
  description: z.string().trim().max(2000, { error: "At most 2,000 characters" }).optional().default(""),
  memberVersionIds: z
    .array(z.string().trim().min(1).max(40))
    .min(2, { error: "Choose at least two member versions" })
    .max(MAX_ENSEMBLE_MEMBERS, { error: `At most ${MAX_ENSEMBLE_MEMBERS} members` })
    .refine((ids) => new Set(ids).size === ids.length, { error: "A version is listed twice" }),
  combine: z.enum(ENSEMBLE_COMBINES, { error: "Choose mean probability or majority vote" }),
  /** Descriptive card fields (intended use, risk tier, owner, …); missing ones are taken from the first member. */
  card: z.record(z.string(), z.unknown()).optional().default({}),
});
export type CreateEnsembleInput = z.input<typeof CreateEnsembleSchema>;

interface MemberRow {
  id: string;
  teamId: string;
  modelId: string;
  version: number;
  format: string;
  status: string;
  storedAt: Date | null;
  manifestDigest: string;
  card: unknown;
  engineInfo: unknown;
  model: { name: string };
}

/** The members' facts that must agree, as one error per mismatch naming both versions. Pure. */
export function ensembleMismatches(members: { label: string; card: ModelCard }[]): string[] {
  const [first, ...rest] = members;
  if (!first) return [];
  const out: string[] = [];
  const pre = (c: ModelCard) => `× ${c.preprocessing.scale} + ${c.preprocessing.offset}`;
  for (const m of rest) {
    const a = first.card, b = m.card;
    if (a.task !== b.task) out.push(`${m.label} is a ${b.task} model; ${first.label} is a ${a.task} model.`);
    if (a.inputShape.join(",") !== b.inputShape.join(",")) out.push(`${m.label} takes input shape ${b.inputShape.join("×")}; ${first.label} takes ${a.inputShape.join("×")}.`);
    if (a.inputRange.min !== b.inputRange.min || a.inputRange.max !== b.inputRange.max) out.push(`${m.label}'s input value range is ${b.inputRange.min}..${b.inputRange.max}; ${first.label}'s is ${a.inputRange.min}..${a.inputRange.max}.`);
    if (a.preprocessing.scale !== b.preprocessing.scale || a.preprocessing.offset !== b.preprocessing.offset) out.push(`${m.label} preprocesses its input as value ${pre(b)}; ${first.label} as value ${pre(a)}.`);
    if (a.classLabels.join("\u0000") !== b.classLabels.join("\u0000")) {
      const diff = a.classLabels.length !== b.classLabels.length ? `${b.classLabels.length} classes against ${a.classLabels.length}` : `first difference at position ${a.classLabels.findIndex((l, i) => l !== b.classLabels[i]) + 1}`;
      out.push(`${m.label}'s class labels differ from ${first.label}'s (names and order must match; ${diff}).`);
    }
  }
  return out;
}

/** The sum of the members' training cost, part by part; a part some member does not record is left out. Pure. */
export function sumTrainingCost(costs: (TrainingCost | undefined)[]): { cost: TrainingCost | undefined; note: string } {
  const all = <K extends keyof TrainingCost>(k: K) => costs.every((c) => c?.[k] !== undefined);
  const cost: TrainingCost = {};
  const summed: string[] = [];
  if (costs.length && all("epochs")) { cost.epochs = costs.reduce((s, c) => s + c!.epochs!, 0); summed.push("epochs"); }
  if (costs.length && all("wallTimeHours")) { cost.wallTimeHours = +costs.reduce((s, c) => s + c!.wallTimeHours!, 0).toPrecision(6); summed.push("wall time"); }
  const hw = [...new Set(costs.map((c) => c?.hardware).filter((h): h is string => !!h))];
  if (hw.length) cost.hardware = hw.join(" + ").slice(0, 200);
  const missing = (["epochs", "wall time"] as const).filter((p) => !summed.includes(p));
  // Worded without the card's own field name ("Training cost"), which the model page shows beside it.
  const note = summed.length
    ? `Summed over the members: ${summed.join(", ")}; an ensemble has no training of its own.${missing.length ? ` Not summed (${missing.join(", ")}): not recorded for every member.` : ""}`
    : "Nothing summed: no epochs or wall time recorded for every member; an ensemble has no training of its own.";
  return { cost: Object.keys(cost).length ? cost : undefined, note };
}

/** Digest of what defines the ensemble: the rule and the members' manifest digests, in order. */
export function ensembleDigest(combine: EnsembleCombineValue, memberDigests: string[]): string {
  return createHash("sha256").update(JSON.stringify({ format: ENSEMBLE_FORMAT, combine, members: memberDigests })).digest("hex");
}

const memberLabel = (m: MemberRow) => `${m.model.name} v${m.version}`;

/** Checks each listed member (team, stored, active, white-box) and their agreement. Throws ValidationError naming the problem. */
async function loadMembers(teamId: string, ids: string[]): Promise<{ row: MemberRow; card: ModelCard }[]> {
  const rows = await db.modelVersion.findMany({ where: { id: { in: ids }, teamId }, include: { model: { select: { name: true } } } });
  const byId = new Map(rows.map((r) => [r.id, r]));
  const problems: string[] = [];
  const members: { row: MemberRow; card: ModelCard }[] = [];
  ids.forEach((id, i) => {
    const r = byId.get(id);
    // Another team's version is simply not found: the answer does not say whether it exists elsewhere.
    if (!r) return problems.push(`Member ${i + 1} is not a model version of this team.`);
    const l = memberLabel(r);
    if (!r.storedAt) return problems.push(`${l} is not stored yet (its upload did not finish).`);
    if (r.status !== "ACTIVE") return problems.push(`${l} is archived: restore it or choose an active version.`);
    if (r.format === ENDPOINT_FORMAT) return problems.push(`${l} is served over HTTP (black-box): an ensemble's members need their weights (white-box TensorFlow.js models).`);
    if (r.format === ENSEMBLE_FORMAT) return problems.push(`${l} is itself an ensemble: list its members instead (ensembles of ensembles are not supported).`);
    if (r.format !== "tfjs-layers" && r.format !== "onnx") return problems.push(`${l} has format ${r.format}: members must be white-box models (TensorFlow.js or ONNX).`);
    const card = ModelCardSchema.safeParse(r.card);
    if (!card.success) return problems.push(`${l} has no valid model card.`);
    members.push({ row: r, card: card.data });
  });
  if (problems.length === 0) problems.push(...ensembleMismatches(members.map((m) => ({ label: memberLabel(m.row), card: m.card }))));
  if (problems.length) throw new ValidationError(`This ensemble cannot be registered: ${problems.join(" ")}`, { memberVersionIds: problems.join(" ") });
  return members;
}

/** model.json as the store gave it (bytes), or as text or an object. */
const asBytes = (json: unknown): Uint8Array => (json instanceof Uint8Array ? json : Buffer.from(typeof json === "string" ? json : JSON.stringify(json)));

/** Copies each member's files from the store into a private staging folder (one member in memory at a time) for the check process. */
async function withStagedMembers<T>(scope: TeamScope, ids: string[], run: (members: StagedMember[]) => Promise<T>): Promise<T> {
  const staging = await Staging.create(Number.MAX_SAFE_INTEGER);
  const stage = async (entries: Record<string, Uint8Array>) => {
    const out: { rel: string; path: string }[] = [];
    for (const [rel, bytes] of Object.entries(entries)) out.push({ rel, path: (await staging.addBytes(rel, bytes)).path });
    return out;
  };
  try {
    const members: StagedMember[] = [];
    for (const id of ids) {
      const { files, engineCard } = await loadModelVersionForEngine(scope, id);
      if (files.format === "onnx") members.push({ format: "onnx", engineCard, onnxPath: (await staging.addBytes("model.onnx", files.onnx)).path, externalData: await stage(files.externalData ?? {}) });
      else members.push({ format: "tfjs-layers", engineCard, modelJsonPath: (await staging.addBytes("model.json", asBytes(files.modelJson))).path, weights: await stage(files.weights) });
    }
    return await run(members);
  } finally {
    await staging.dispose();
  }
}

/**
 * Registers an ensemble of stored versions of this team as a new model version (format "ensemble"):
 * a version of `modelId`, or of a new model named `name`. Members are refused, with the reason, when they
 * are of another team, archived, served over HTTP, ensembles themselves, or disagree on input or classes.
 */
export async function registerEnsembleVersion(ctx: TeamScope, raw: CreateEnsembleInput) {
  assertScopeCan(ctx, "model.write");
  const teamId = ctx.team.id;
  const parsed = CreateEnsembleSchema.safeParse(raw);
  if (!parsed.success) {
    const fe = fieldErrorsFromZod(parsed.error.issues);
    throw new ValidationError(`Some fields need attention: ${Object.values(fe).join("; ")}.`, fe);
  }
  const input = parsed.data;
  const { target, problem } = await resolveVersionTarget("model", ctx, { id: input.modelId, name: input.name });
  if (problem) throw new ValidationError("Some fields need attention.", { name: problem.message });

  const members = await loadMembers(teamId, input.memberVersionIds);
  const first = members[0].card;
  // Descriptive fields: what the form or API gave, else the first member's; the risk tier defaults to the highest.
  const highestTier = RISK_TIERS[Math.max(...members.map((m) => RISK_TIERS.indexOf(m.card.riskTier)))];
  // Only the descriptive fields a person states; method, training cost and data come from the members.
  const OWN_FIELDS = ["intendedUse", "outOfScopeUse", "riskTier", "owner", "knownLimitations", "preprocessingNote"];
  const given = Object.fromEntries(Object.entries(input.card).filter(([k, v]) => OWN_FIELDS.includes(k) && v !== undefined && v !== ""));
  const combineLabel = ENSEMBLE_COMBINE_LABELS[input.combine];
  const labels = members.map((m) => memberLabel(m.row));
  const { cost, note } = sumTrainingCost(members.map((m) => m.card.trainingCost));
  const sameTrainingData = new Set(members.map((m) => m.card.trainingDatasetVersionId ?? "")).size === 1 ? first.trainingDatasetVersionId : undefined;
  const descriptive = ModelCardDescriptiveSchema.safeParse({
    intendedUse: first.intendedUse,
    outOfScopeUse: first.outOfScopeUse,
    owner: first.owner,
    riskTier: highestTier,
    knownLimitations: `Ensemble (${combineLabel}) of ${labels.join(", ")}: it inherits its members' limitations.`,
    preprocessingNote: first.preprocessingNote,
    ...given,
    trainingDatasetVersionId: sameTrainingData,
    trainingMethod: { kind: "other", description: `Ensemble (${combineLabel}) of ${members.map((m) => `${memberLabel(m.row)} (${describeTrainingMethod(m.card.trainingMethod)})`).join(" and ")}; no training of its own.`.slice(0, 1000) },
    ...(cost ? { trainingCost: cost } : {}),
  });
  if (!descriptive.success) throw new ValidationError("Some fields need attention.", fieldErrorsFromZod(descriptive.error.issues));
  const ensemble: EnsembleCard = {
    combine: input.combine,
    members: members.map((m) => ({ versionId: m.row.id, modelId: m.row.modelId, label: memberLabel(m.row), manifestDigest: m.row.manifestDigest })),
    gradient: ensembleGradientNote(input.combine),
    trainingCostNote: note,
  };
  const card = ModelCardSchema.parse({ task: first.task, inputShape: first.inputShape, inputRange: first.inputRange, preprocessing: first.preprocessing, classLabels: first.classLabels, ensemble, ...descriptive.data });
  // Loading the members and running the ensemble once happens in the upload check's own process, under its limits.
  const trial = await withStagedMembers(ctx, input.memberVersionIds, (staged) =>
    runEnsembleIsolated({ members: staged, combine: input.combine, inputShape: card.inputShape, inputRange: card.inputRange, classCount: card.classLabels.length }),
  );
  if (!trial.run) throw new ValidationError(`The ensemble does not run: ${trial.problems.join("; ")}.`, { memberVersionIds: trial.problems.join("; ") });
  const check = trial.run;
  const manifestDigest = ensembleDigest(input.combine, members.map((m) => m.row.manifestDigest));
  const engineInfo = { kind: ENSEMBLE_FORMAT, combine: input.combine, members: ensemble.members.map((m) => m.label), backend: check.backend, parameters: check.parameters, layerTypes: check.layerTypes, warnings: [] as string[] };

  const created = await db.$transaction((tx) =>
    createVersion(tx, ctx, "model", {
      target: target!,
      description: input.description,
      // The members are re-read under the lock: an archive between the check and here would otherwise slip through.
      afterLock: async () => {
        const locked = await tx.$queryRaw<{ id: string; status: string }[]>`SELECT id, status::text AS status FROM "ModelVersion" WHERE "teamId" = ${teamId} AND id IN (${Prisma.join(input.memberVersionIds)}) FOR UPDATE`;
        if (locked.length !== input.memberVersionIds.length || locked.some((l) => l.status !== "ACTIVE")) {
          throw new ValidationError("A member was archived or removed meanwhile: choose the members again.", { memberVersionIds: "A member is no longer active" });
        }
      },
      create: (modelId, version) =>
        tx.modelVersion.create({
          data: {
            ...filelessModelVersion(ctx, card, modelId, version, { format: ENSEMBLE_FORMAT, manifestDigest, engineInfo }),
            ensembleMembers: { create: input.memberVersionIds.map((memberVersionId, position) => ({ teamId, memberVersionId, position })) },
          },
        }),
      details: { manifestDigest, format: ENSEMBLE_FORMAT, combine: input.combine, members: ensemble.members.map((m) => ({ versionId: m.versionId, label: m.label, manifestDigest: m.manifestDigest })), riskTier: card.riskTier },
    }),
  );
  return { modelId: created.entryId, versionId: created.row.id, version: created.version, manifestDigest };
}

/** A model the engine runs: one version's weights, or an ensemble of its members' (dispose when done). */
export interface EngineModel {
  versionId: string;
  card: ModelCard;
  engineCard: EngineCard;
  model: LoadedModel;
  ensemble: { combine: EnsembleCombineValue; members: ModelVersionForEngine[] } | null;
  dispose(): void;
}

/** Loads a stored white-box version or ensemble for the engine (worker side: scoped by the job's teamId). */
export async function loadEngineModel(scope: TeamScope, versionId: string): Promise<EngineModel> {
  const teamId = scope.team.id;
  const v = await db.modelVersion.findFirst({ where: { id: versionId, teamId, storedAt: { not: null } }, select: { id: true, format: true, card: true, ensembleMembers: { orderBy: { position: "asc" }, select: { memberVersionId: true } } } });
  if (!v) throw new NotFoundError("This model version");
  if (v.format !== ENSEMBLE_FORMAT) {
    const mv = await loadModelVersionForEngine(scope, versionId);
    const model = await loadWhiteBoxModel(mv.files, mv.engineCard);
    return { versionId, card: mv.card, engineCard: mv.engineCard, model, ensemble: null, dispose: () => model.dispose() };
  }
  const card = ModelCardSchema.parse(v.card);
  const combine = card.ensemble?.combine ?? "mean-probability";
  const members: ModelVersionForEngine[] = [];
  const loaded: LoadedModel[] = [];
  try {
    for (const m of v.ensembleMembers) {
      const mv = await loadModelVersionForEngine(scope, m.memberVersionId);
      members.push(mv);
      loaded.push(await loadWhiteBoxModel(mv.files, mv.engineCard));
    }
  } catch (e) {
    for (const m of loaded) m.dispose();
    throw e;
  }
  return { versionId, card, engineCard: engineCardOf(card), model: ensembleModel(loaded, combine), ensemble: { combine, members }, dispose: () => loaded.forEach((m) => m.dispose()) };
}

/** Versions the ensemble form offers as members: stored, active, white-box versions of the team. */
export async function listEnsembleMemberOptions(ctx: TeamContext) {
  const vs = await db.modelVersion.findMany({
    where: { teamId: ctx.team.id, storedAt: { not: null }, status: "ACTIVE", format: { in: ["tfjs-layers", "onnx"] } },
    orderBy: [{ model: { name: "asc" } }, { version: "asc" }],
    select: { id: true, version: true, card: true, model: { select: { id: true, name: true } } },
    take: 500,
  });
  return vs.map((v) => {
    const c = ModelCardSchema.safeParse(v.card);
    return { id: v.id, modelId: v.model.id, label: `${v.model.name} v${v.version}`, detail: c.success ? `${c.data.inputShape.join("×")}, ${c.data.classLabels.length} classes, ${describeTrainingMethod(c.data.trainingMethod)}` : "" };
  });
}
