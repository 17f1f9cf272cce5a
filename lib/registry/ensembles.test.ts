import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { db } from "../db/client";
import { makeTeam } from "../../test/fixtures";
import { ConflictError, NotFoundError } from "../errors";
import { ensembleModel } from "../engine/ensemble";
import { loadModelFromFiles } from "../engine/model";
import { asLayersFiles } from "../engine/formats";
import { addOutboundHost } from "../teams/outbound-hosts";
import { createEnsembleVersionApi } from "../api/write";
import { ApiCreateEnsembleSchema } from "../api/operations";
import { markVersionsEvaluated } from "./commit";
import { createIntegrityEvaluation } from "../evaluations/integrity";
import { CreateIntegrityEvaluationSchema } from "../evaluations/schemas";
import { registerEndpointVersion } from "./endpoints";
import { ensembleMismatches, loadEngineModel, registerEnsembleVersion, sumTrainingCost } from "./ensembles";
import { deleteModelVersion, getModel, loadModelVersionForEngine, registerModelVersion, setModelVersionArchived, updateModelCard } from "./models";
import { ModelCardSchema } from "./model-card";
import { cardFields, makeTfjsModel, stage, useTempStore } from "./test-helpers";
import { systemContext } from "../teams/context";

// Ensemble versions in the registry: what is accepted, every mismatch refused by name, another team's
// versions refused, and what membership does to the members' lifecycle.

useTempStore();
let team: Awaited<ReturnType<typeof makeTeam>>;
let other: Awaited<ReturnType<typeof makeTeam>>;

async function upload(ctx: Parameters<typeof registerModelVersion>[0], name: string, fields: Record<string, string> = {}, model: { inputShape?: number[]; classes?: number; seed?: number } = {}, modelId?: string) {
  const tfm = await makeTfjsModel(model);
  const { staging, files } = await stage([{ name: "model.json", data: tfm.modelJson }, { name: tfm.weightsName, data: tfm.weights }]);
  try {
    return await registerModelVersion(ctx, { modelId, name: modelId ? undefined : name, card: cardFields(fields), files }, staging);
  } finally {
    await staging.dispose();
  }
}

let v1: Awaited<ReturnType<typeof upload>>;
let v2: Awaited<ReturnType<typeof upload>>;

beforeAll(async () => {
  team = await makeTeam("ens");
  other = await makeTeam("ens-other");
  const eng = team.ctx("ENGINEER");
  v1 = await upload(eng, "tiny", { "trainingCost.epochs": "6", "trainingCost.wallTimeHours": "0.5", "trainingCost.hardware": "2 vCPU" }, { seed: 1 });
  v2 = await upload(eng, "tiny", { "trainingMethod.kind": "adversarial", "trainingMethod.attack": "PGD", "trainingMethod.norm": "linf", "trainingMethod.epsilon": "0.3", "trainingCost.epochs": "14", "trainingCost.wallTimeHours": "2", "trainingCost.hardware": "2 vCPU", riskTier: "high" }, { seed: 2 }, v1.modelId);
}, 600_000);

const versionCount = () => db.modelVersion.count({ where: { teamId: team.team.id } });

async function expectRefused(ids: string[], message: RegExp) {
  const before = await versionCount();
  const err = await registerEnsembleVersion(team.ctx("ENGINEER"), { modelId: v1.modelId, memberVersionIds: ids, combine: "mean-probability" }).then(() => null, (e: unknown) => e);
  expect(err, "the ensemble should have been refused").toBeInstanceOf(Error);
  expect((err as Error).message).toMatch(message);
  expect((err as { fieldErrors?: Record<string, string> }).fieldErrors?.memberVersionIds ?? "").toMatch(message);
  expect(await versionCount()).toBe(before);
}

describe("ensemble versions", () => {
  it("registers v1 + v2 as v3: format, members in order, rule, summed training cost, digest and audit", async () => {
    const r = await registerEnsembleVersion(team.ctx("ENGINEER"), { modelId: v1.modelId, memberVersionIds: [v1.versionId, v2.versionId], combine: "mean-probability" });
    expect(r.version).toBe(3);
    const row = await db.modelVersion.findUniqueOrThrow({ where: { id: r.versionId }, include: { ensembleMembers: { orderBy: { position: "asc" } } } });
    expect(row).toMatchObject({ format: "ensemble", totalBytes: 0, riskTier: "HIGH" });
    expect(row.ensembleMembers.map((m) => m.memberVersionId)).toEqual([v1.versionId, v2.versionId]);
    const card = ModelCardSchema.parse(row.card);
    expect(card.ensemble).toMatchObject({ combine: "mean-probability", members: [{ versionId: v1.versionId, label: "tiny v1" }, { versionId: v2.versionId, label: "tiny v2" }] });
    expect(card.ensemble!.gradient).toMatch(/through the average/);
    expect(card.trainingCost).toEqual({ epochs: 20, wallTimeHours: 2.5, hardware: "2 vCPU" });
    expect(card.trainingMethod).toMatchObject({ kind: "other", description: expect.stringMatching(/tiny v1 \(Standard training\) and tiny v2 \(Adversarial training with PGD/) });
    expect(card).toMatchObject({ inputShape: [4, 4, 1], classLabels: ["a", "b", "c"], intendedUse: "Unit tests" });
    expect(row.manifestDigest).toMatch(/^[0-9a-f]{64}$/);
    expect((row.engineInfo as { parameters: number }).parameters).toBeGreaterThan(0);
    const audit = await db.auditEvent.findFirstOrThrow({ where: { teamId: team.team.id, subjectId: r.versionId, action: "model.version.create" } });
    expect(audit.details).toMatchObject({ format: "ensemble", combine: "mean-probability", members: [{ label: "tiny v1" }, { label: "tiny v2" }] });
    const page = await getModel(team.ctx("VIEWER"), v1.modelId);
    expect(page.versions.find((v) => v.version === 3)!.ensembleMembers.map((m) => m.member.version)).toEqual([1, 2]);
    expect(page.versions.find((v) => v.version === 1)!.memberOf.map((m) => m.ensemble.version)).toEqual([3]);

    // The engine loads the whole ensemble; its output is the members' average, computed directly.
    const loaded = await loadEngineModel(systemContext(team.team.id, "job"), r.versionId);
    const direct = await Promise.all([v1, v2].map(async (v) => loadModelFromFiles(asLayersFiles((await loadModelVersionForEngine(systemContext(team.team.id, "job"), v.versionId)).files))));
    const x = tf.randomUniform([5, 4, 4, 1], 0, 1, "float32", 3);
    const a = loaded.model.predictProbs(x), b = ensembleModel(direct, "mean-probability").predictProbs(x);
    expect(Array.from(await a.data())).toEqual(Array.from(await b.data()));
    tf.dispose([x, a, b]);
    loaded.dispose();
    direct.forEach((m) => m.dispose());
    await expect(loadModelVersionForEngine(systemContext(team.team.id, "job"), r.versionId)).rejects.toThrow(/is an ensemble/);
  });

  it("refuses members that disagree, naming the mismatch, and stores nothing", async () => {
    const eng = team.ctx("ENGINEER");
    const shape = await upload(eng, "other-shape", { inputShape: "2,8,1" }, { inputShape: [2, 8, 1] });
    const range = await upload(eng, "other-range", { "inputRange.max": "255" });
    const classes = await upload(eng, "other-classes", { classLabels: "a,b,c,d" }, { classes: 4 });
    const names = await upload(eng, "other-names", { classLabels: "a,c,b" });
    const pre = await upload(eng, "other-pre", { "preprocessing.scale": "2" });
    await expectRefused([v1.versionId, shape.versionId], /other-shape v1 takes input shape 2×8×1; tiny v1 takes 4×4×1/);
    await expectRefused([v1.versionId, range.versionId], /other-range v1's input value range is 0\.\.255; tiny v1's is 0\.\.1/);
    await expectRefused([v1.versionId, classes.versionId], /other-classes v1's class labels differ from tiny v1's \(names and order must match; 4 classes against 3\)/);
    await expectRefused([v1.versionId, names.versionId], /other-names v1's class labels differ .* first difference at position 2/);
    await expectRefused([v1.versionId, pre.versionId], /other-pre v1 preprocesses its input as value × 2 \+ 0; tiny v1 as value × 1 \+ 0/);
    await expectRefused([v1.versionId], /at least two/);
    await expectRefused([v1.versionId, v1.versionId], /listed twice/);
    // the pure check reports every mismatch of a member at once
    const c = (o: object) => ModelCardSchema.parse({ ...cardShape, ...o });
    expect(ensembleMismatches([{ label: "A", card: c({}) }, { label: "B", card: c({ inputShape: [4, 4, 3], classLabels: ["x", "y", "z"] }) }])).toHaveLength(2);
  });

  it("refuses archived, HTTP-endpoint and ensemble members, and other teams' versions", async () => {
    const eng = team.ctx("ENGINEER");
    const archived = await upload(eng, "archived-one");
    await setModelVersionArchived(eng, archived.versionId, true);
    await expectRefused([v1.versionId, archived.versionId], /archived-one v1 is archived/);
    await addOutboundHost(team.ctx("ADMIN"), { host: "models.vendor.example" });
    const ep = await registerEndpointVersion(eng, { name: "vendor", card: cardFields(), endpoint: { url: "https://models.vendor.example/v1/predict", authKind: "none", requestTemplate: '{"instances": "{{inputs}}"}', responseMapping: { kind: "scores", path: "predictions" } } });
    await expectRefused([v1.versionId, ep.versionId], /vendor v1 is served over HTTP \(black-box\): an ensemble's members need their weights/);
    const ens = await db.modelVersion.findFirstOrThrow({ where: { teamId: team.team.id, format: "ensemble" } });
    await expectRefused([v1.versionId, ens.id], /tiny v3 is itself an ensemble/);

    // Another team's version is "not a model version of this team" (nothing says it exists elsewhere) ...
    const theirs = await upload(other.ctx("ENGINEER"), "theirs");
    await expectRefused([v1.versionId, theirs.versionId], /Member 2 is not a model version of this team/);
    // ... and neither can they use ours; through the API, our name@version is simply not found for them.
    await expect(registerEnsembleVersion(other.ctx("ENGINEER"), { name: "mixed", memberVersionIds: [theirs.versionId, v1.versionId], combine: "majority-vote" })).rejects.toThrow(/Member 2 is not a model version of this team/);
    await expect(createEnsembleVersionApi(other.ctx("ENGINEER"), "mixed", ApiCreateEnsembleSchema.parse({ members: ["theirs@1", "tiny@1"], combine: "mean-probability" }))).rejects.toBeInstanceOf(NotFoundError);
    expect(await db.modelVersion.count({ where: { teamId: other.team.id } })).toBe(1);
    expect(await db.ensembleMember.count({ where: { teamId: other.team.id } })).toBe(0);
    // Read-only roles cannot register one.
    await expect(registerEnsembleVersion(team.ctx("VIEWER"), { modelId: v1.modelId, memberVersionIds: [v1.versionId, v2.versionId], combine: "mean-probability" })).rejects.toThrow(/role/);
  });

  it("protects members: no delete while used, no archive while an active ensemble uses them, immutable once the ensemble is evaluated", async () => {
    const eng = team.ctx("ENGINEER");
    const a = await upload(eng, "pair");
    const b = await upload(eng, "pair", {}, { seed: 5 }, a.modelId);
    const api = await createEnsembleVersionApi(eng, "pair", ApiCreateEnsembleSchema.parse({ members: ["pair@1", "pair@2"], combine: "majority-vote", card: { owner: "Ensemble owner" }, expectedVersion: 3 }));
    expect(api).toMatchObject({ version: 3, format: "ensemble", owner: "Ensemble owner", card: { ensemble: { combine: "majority-vote", gradient: expect.stringMatching(/no gradient.*surrogate/) } } });
    await expect(deleteModelVersion(eng, a.versionId)).rejects.toThrow(/member of the ensemble pair v3: it cannot be deleted/);
    await expect(setModelVersionArchived(eng, b.versionId, true)).rejects.toBeInstanceOf(ConflictError);
    await expect(setModelVersionArchived(eng, b.versionId, true)).rejects.toThrow(/active ensemble pair v3: archive the ensemble first/);
    // Archive the ensemble, then the member; the ensemble cannot come back while its member is archived.
    await setModelVersionArchived(eng, api.id, true);
    await setModelVersionArchived(eng, b.versionId, true);
    await expect(setModelVersionArchived(eng, api.id, false)).rejects.toThrow(/member pair v2 is archived: restore it first/);
    await setModelVersionArchived(eng, b.versionId, false);
    await setModelVersionArchived(eng, api.id, false);
    // A training-data integrity scan reads one network's activations: an ensemble is refused (scan the members).
    await expect(createIntegrityEvaluation(eng, CreateIntegrityEvaluationSchema.parse({ kind: "integrity", modelVersionId: api.id }))).rejects.toThrow(/An ensemble version cannot be scanned as one model/);
    // Evaluating the ensemble makes its members immutable.
    expect((await db.modelVersion.findUniqueOrThrow({ where: { id: a.versionId } })).evaluatedAt).toBeNull();
    await db.$transaction((tx) => markVersionsEvaluated(tx, team.team.id, { modelVersionId: api.id }));
    for (const id of [a.versionId, b.versionId, api.id]) expect((await db.modelVersion.findUniqueOrThrow({ where: { id } })).evaluatedAt).not.toBeNull();
    await expect(updateModelCard(eng, a.versionId, { ...cardFields(), owner: "Someone else" })).rejects.toThrow(/immutable/);
    await expect(updateModelCard(eng, api.id, { ...cardFields(), owner: "Someone else" })).rejects.toThrow(/immutable/);
    // Below the application, the database itself refuses to drop a version an ensemble lists.
    await expect(db.modelVersion.delete({ where: { id: b.versionId } })).rejects.toThrow();
  });
});

const cardShape = { task: "image-classification", inputShape: [4, 4, 1], inputRange: { min: 0, max: 1 }, classLabels: ["a", "b", "c"], intendedUse: "x", outOfScopeUse: "y", riskTier: "limited", owner: "o", trainingMethod: { kind: "standard" } };

describe("sumTrainingCost", () => {
  it("sums the parts every member records and says which were left out", () => {
    expect(sumTrainingCost([{ epochs: 6 }, { epochs: 14, wallTimeHours: 2 }])).toEqual({ cost: { epochs: 20 }, note: expect.stringMatching(/^Summed over the members: epochs;.*Not summed \(wall time\)/) });
    expect(sumTrainingCost([undefined, { epochs: 3 }]).cost).toBeUndefined();
    expect(sumTrainingCost([{ hardware: "GPU" }, { hardware: "TPU" }]).cost).toEqual({ hardware: "GPU + TPU" });
  });
});
