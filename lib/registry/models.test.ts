import { createHash, randomBytes } from "node:crypto";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { db } from "../db/client";
import { resetEnvCache } from "../env";
import { NotFoundError, ForbiddenError, ConflictError } from "../errors";
import { loadModelFromFiles } from "../engine/model";
import { asLayersFiles } from "../engine/formats";
import { makeTeam } from "../../test/fixtures";
import {
  deleteModelVersion,
  getModel,
  listModels,
  loadModelVersionForEngine,
  registerModelVersion,
  setModelVersionArchived,
  updateModelCard,
  type ModelUploadInput,
} from "./models";
import { markVersionsEvaluated } from "./commit";
import { openVersionFile } from "./download";
import { cardFields, expectUploadRefused, makeTfjsModel, makeZip, makeZipWithRawNames, registryRowCounts, stage, storedBlobs, useTempStore, type TfjsFiles } from "./test-helpers";
import type { LocalArtifactStore } from "./store";
import { systemContext } from "../teams/context";

const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");
let store: LocalArtifactStore;
let tfm: TfjsFiles;

beforeAll(async () => {
  store = useTempStore().store;
  tfm = await makeTfjsModel();
});
beforeEach(() => {
  delete process.env.BULWARK_MAX_UPLOAD_MB;
  resetEnvCache();
});

async function upload(ctx: Parameters<typeof registerModelVersion>[0], files: { name: string; data: Buffer }[], over: Partial<ModelUploadInput> & { fields?: Record<string, string> } = {}) {
  const { staging, files: staged } = await stage(files);
  try {
    return await registerModelVersion(ctx, { name: over.modelId ? undefined : (over.name ?? "Digits CNN"), modelId: over.modelId, card: cardFields(over.fields), files: staged, confirmInputScale: over.confirmInputScale }, staging);
  } finally {
    await staging.dispose();
  }
}
const plainFiles = () => [
  { name: "model.json", data: tfm.modelJson },
  { name: tfm.weightsName, data: tfm.weights },
];

/** Expects the upload to be refused with `message`, and nothing stored anywhere. */
const expectRefused = (p: Promise<unknown>, message: RegExp, teamId: string, field?: string) => expectUploadRefused(store, p, message, teamId, field);

describe("model registration", () => {
  it("registers a valid model from separate files, with digests equal to sha256 of the files", async () => {
    const { ctx, team } = await makeTeam();
    const r = await upload(ctx("ENGINEER"), plainFiles());
    expect(r.version).toBe(1);
    const m = await getModel(ctx("VIEWER"), r.modelId);
    const files = m.versions[0].files;
    expect(files.map((f) => [f.path, f.sha256, f.size])).toEqual([
      [tfm.weightsName, sha(tfm.weights), tfm.weights.length],
      ["model.json", sha(tfm.modelJson), tfm.modelJson.length],
    ]);
    expect(await store.has(sha(tfm.weights))).toBe(true);
    expect((await store.read(sha(tfm.modelJson))).equals(tfm.modelJson)).toBe(true);
    expect(m.versions[0].card.classLabels).toEqual(["a", "b", "c"]);
    expect(m.versions[0].storedAt).not.toBeNull();
    const actions = (await db.auditEvent.findMany({ where: { teamId: team.id }, orderBy: { seq: "asc" } })).map((e) => e.action);
    expect(actions).toEqual(["model.create", "model.version.create"]);
  });

  it("stores identical files once when the same model is uploaded twice (also as a zip)", async () => {
    const { ctx } = await makeTeam();
    const before = (await storedBlobs(store)).length;
    const r1 = await upload(ctx("ENGINEER"), plainFiles(), { name: "Twice" });
    const afterFirst = (await storedBlobs(store)).length;
    const zip = await makeZip([{ name: "export/model.json", data: tfm.modelJson }, { name: `export/${tfm.weightsName}`, data: tfm.weights }]);
    const r2 = await upload(ctx("ADMIN"), [{ name: "digits.zip", data: zip }], { modelId: r1.modelId });
    expect(r2.version).toBe(2);
    expect(r2.manifestDigest).toBe(r1.manifestDigest);
    expect((await storedBlobs(store)).length).toBe(afterFirst);
    expect(afterFirst - before).toBeLessThanOrEqual(2);
    const m = await getModel(ctx("VIEWER"), r1.modelId);
    expect(m.versions.map((v) => v.version)).toEqual([2, 1]);
  });

  it("gives the engine back exactly the stored files, which load and run", async () => {
    const { ctx, team } = await makeTeam();
    const r = await upload(ctx("ENGINEER"), plainFiles());
    const loaded = await loadModelVersionForEngine(systemContext(team.id, "job"), r.versionId);
    expect(Buffer.from(asLayersFiles(loaded.files).modelJson as Uint8Array).equals(tfm.modelJson)).toBe(true);
    expect(Buffer.from(asLayersFiles(loaded.files).weights[tfm.weightsName]).equals(tfm.weights)).toBe(true);
    const model = await loadModelFromFiles(asLayersFiles(loaded.files));
    expect(model.numClasses).toBe(3);
    model.dispose();
    expect(loaded.engineCard).toMatchObject({ inputShape: [4, 4, 1], classLabels: ["a", "b", "c"] });
  });

  it("serves a version's files for download to the team only", async () => {
    const { ctx } = await makeTeam();
    const other = await makeTeam("other");
    const r = await upload(ctx("ENGINEER"), plainFiles());
    const f = await openVersionFile(ctx("VIEWER"), "model", r.versionId, tfm.weightsName);
    const chunks: Buffer[] = [];
    for await (const c of f.stream) chunks.push(c as Buffer);
    expect(sha(Buffer.concat(chunks))).toBe(f.sha256);
    expect(f.sha256).toBe(sha(tfm.weights));
    await expect(openVersionFile(other.ctx("ADMIN"), "model", r.versionId, tfm.weightsName)).rejects.toBeInstanceOf(NotFoundError);
    await expect(openVersionFile(ctx("VIEWER"), "model", r.versionId, "../../etc/passwd")).rejects.toBeInstanceOf(NotFoundError);
    await expect(openVersionFile(ctx("VIEWER"), "dataset", r.versionId, tfm.weightsName)).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe("hostile and broken uploads are refused, leaving nothing behind", () => {
  it("zip bomb (huge compression ratio), before extracting", async () => {
    const { ctx, team } = await makeTeam();
    const zip = await makeZip([{ name: "model.json", data: tfm.modelJson }, { name: "bomb.bin", data: Buffer.alloc(30 * 1024 * 1024) }]);
    expect(zip.length).toBeLessThan(200_000);
    await expectRefused(upload(ctx("ENGINEER"), [{ name: "m.zip", data: zip }]), /"bomb\.bin" expands .*zip bomb/, team.id);
  });

  it("archive larger than the size limit once uncompressed", async () => {
    process.env.BULWARK_MAX_UPLOAD_MB = "1";
    resetEnvCache();
    const { ctx, team } = await makeTeam();
    const zip = await makeZip([{ name: "model.json", data: tfm.modelJson }, { name: "big.bin", data: Buffer.from(randomBytes(1_500_000).map((b) => b & 3)) }]);
    await expectRefused(upload(ctx("ENGINEER"), [{ name: "m.zip", data: zip }]), /uncompresses to more than 1\.0 MB/, team.id);
  });

  it("entry with ../ (path traversal)", async () => {
    const { ctx, team } = await makeTeam();
    const zip = await makeZipWithRawNames([{ name: "model.json", data: tfm.modelJson }, { name: "xx/evil.bin", data: Buffer.from("x") }], { "xx/evil.bin": "../evil.bin" });
    await expectRefused(upload(ctx("ENGINEER"), [{ name: "m.zip", data: zip }]), /"\.\.\/evil\.bin" tries to leave the archive folder/, team.id);
  });

  it("entry with an absolute path", async () => {
    const { ctx, team } = await makeTeam();
    const zip = await makeZipWithRawNames([{ name: "model.json", data: tfm.modelJson }, { name: "etc_passwd", data: Buffer.from("x") }], { etc_passwd: "/etc/pwd__" });
    await expectRefused(upload(ctx("ENGINEER"), [{ name: "m.zip", data: zip }]), /"\/etc\/pwd__" has an absolute path/, team.id);
  });

  it("symlink entry", async () => {
    const { ctx, team } = await makeTeam();
    const zip = await makeZip([
      { name: "model.json", data: tfm.modelJson },
      { name: tfm.weightsName, data: Buffer.from("/etc/passwd"), mode: 0o120777 },
    ]);
    await expectRefused(upload(ctx("ENGINEER"), [{ name: "m.zip", data: zip }]), /"group1-shard1of1\.bin" is a symbolic link/, team.id);
  });

  it("weights shorter than the manifest", async () => {
    const { ctx, team } = await makeTeam();
    await expectRefused(
      upload(ctx("ENGINEER"), [{ name: "model.json", data: tfm.modelJson }, { name: tfm.weightsName, data: tfm.weights.subarray(0, tfm.weights.length - 8) }]),
      /group1-shard1of1\.bin: 196 bytes, but model\.json's weightsManifest .* describes 204 bytes — the file is truncated/,
      team.id,
    );
  });

  it("NaN weights", async () => {
    const { ctx, team } = await makeTeam();
    const w = Buffer.from(tfm.weights);
    w.writeFloatLE(NaN, 20);
    await expectRefused(upload(ctx("ENGINEER"), [{ name: "model.json", data: tfm.modelJson }, { name: tfm.weightsName, data: w }]), /group1-shard1of1\.bin: weight ".*kernel.*" contains NaN \(element 5\)/, team.id);
  });

  it("NaN weights spanning two shards split at an odd byte", async () => {
    const { ctx, team } = await makeTeam();
    const w = Buffer.from(tfm.weights);
    w.writeFloatLE(Infinity, 40);
    const json = JSON.parse(tfm.modelJson.toString());
    json.weightsManifest[0].paths = ["a.bin", "b.bin"];
    await expectRefused(
      upload(ctx("ENGINEER"), [{ name: "model.json", data: Buffer.from(JSON.stringify(json)) }, { name: "a.bin", data: w.subarray(0, 42) }, { name: "b.bin", data: w.subarray(42) }]),
      /a\.bin: weight ".*kernel.*" contains \+Infinity \(element 10\)/,
      team.id,
    );
  });

  it("output width different from the number of class labels", async () => {
    const { ctx, team } = await makeTeam();
    await expectRefused(upload(ctx("ENGINEER"), plainFiles(), { fields: { classLabels: "a,b,c,d" } }), /the model outputs 3 scores but the card lists 4 class labels/, team.id, "classLabels");
  });

  it("declared input shape the model does not take", async () => {
    const { ctx, team } = await makeTeam();
    await expectRefused(upload(ctx("ENGINEER"), plainFiles(), { fields: { inputShape: "28,28,1" } }), /declares input shape 28x28x1 but the model expects 4x4x1/, team.id, "inputShape");
  });

  it("a weight file missing, a model.json that is not JSON, a graph model, no model.json", async () => {
    const { ctx, team } = await makeTeam();
    await expectRefused(upload(ctx("ENGINEER"), [{ name: "model.json", data: tfm.modelJson }]), /names the weight file "group1-shard1of1\.bin", which is not in the upload/, team.id);
    await expectRefused(upload(ctx("ENGINEER"), [{ name: "model.json", data: Buffer.from("{nope") }]), /model\.json is not valid JSON/, team.id);
    const graph = Buffer.from(JSON.stringify({ format: "graph-model", modelTopology: { node: [] }, weightsManifest: [] }));
    await expectRefused(upload(ctx("ENGINEER"), [{ name: "model.json", data: graph }]), /GraphModel\. GraphModels are refused: .*gradients/, team.id);
    await expectRefused(upload(ctx("ENGINEER"), [{ name: "weights.bin", data: tfm.weights }]), /No model\.json in the upload/, team.id);
  });

  it("a Rescaling(1/255) first layer with a 0..1 card: refused naming the layer, its scale and the range; registered with a 0..255 card or when confirmed", async () => {
    const { ctx, team } = await makeTeam();
    const scaled = await makeTfjsModel({ rescaling: { scale: 1 / 255 } });
    const files = [{ name: "model.json", data: scaled.modelJson }, { name: scaled.weightsName, data: scaled.weights }];
    const layer = JSON.parse(scaled.modelJson.toString()).modelTopology.config.layers[0].config.name as string;
    await expectRefused(
      upload(ctx("ENGINEER"), files),
      new RegExp(`first layer, Rescaling "${layer}" \\(scale 0\\.003922 \\(1/255\\), offset 0\\), is built for inputs in about 0\\.\\.255, but the card's input range is 0\\.\\.1.*confirmInputScale`),
      team.id,
      "inputScale",
    );
    // The card that matches the layer: no warning.
    const ok = await upload(ctx("ENGINEER"), files, { name: "scaled-255", fields: { "inputRange.max": "255" } });
    expect(ok.warnings.join(" ")).not.toMatch(/Rescaling/);
    // The uploader insists the 0..1 card is right: registered, the confirmation on the version and in the audit log.
    const forced = await upload(ctx("ENGINEER"), files, { name: "scaled-confirmed", confirmInputScale: true });
    expect(forced.warnings.join(" ")).toMatch(/Input range confirmed by .* although the model's first layer disagrees: .*Rescaling/);
    const row = await db.modelVersion.findFirstOrThrow({ where: { id: forced.versionId } });
    expect(JSON.stringify(row.engineInfo)).toMatch(/Input range confirmed by/);
    const audit = await db.auditEvent.findFirstOrThrow({ where: { teamId: team.id, action: "model.version.create", subjectId: forced.versionId } });
    expect(audit.details).toMatchObject({ inputScaleConfirmed: { layer, scale: 1 / 255, offset: 0, cardRange: [0, 1], implied: [0, 255] } });
  });

  it("card errors are reported per field, together with file errors", async () => {
    const { ctx, team } = await makeTeam();
    const p = upload(ctx("ENGINEER"), [{ name: "model.json", data: tfm.modelJson }], { fields: { riskTier: "extreme", "inputRange.max": "-1", owner: "" } });
    const e = (await p.catch((x: unknown) => x)) as Error & { fieldErrors: Record<string, string> };
    expect(Object.keys(e.fieldErrors).sort()).toEqual(["files", "inputRange", "owner", "riskTier"]);
    expect(await registryRowCounts(team.id)).toMatchObject({ models: 0, artifacts: 0 });
  });
});

describe("nothing half-stored", () => {
  it("removes the committed rows again when the artifact store fails, and records why", async () => {
    const { ctx, team } = await makeTeam();
    const { setArtifactStore } = await import("./store");
    const failing = Object.assign(Object.create(Object.getPrototypeOf(store)) as LocalArtifactStore, store, {
      put: async () => {
        throw new Error("disk full");
      },
    });
    setArtifactStore(failing);
    try {
      await expect(upload(ctx("ENGINEER"), plainFiles(), { name: "Doomed" })).rejects.toThrow(/could not be written to the artifact store \(disk full\); the version was not registered/);
    } finally {
      setArtifactStore(store);
    }
    expect(await registryRowCounts(team.id)).toEqual({ models: 0, modelVersions: 0, datasets: 0, datasetVersions: 0, artifacts: 0, files: 0 });
    const actions = (await db.auditEvent.findMany({ where: { teamId: team.id }, orderBy: { seq: "asc" } })).map((e) => e.action);
    expect(actions).toEqual(["model.create", "model.version.create", "model.version.discard"]);
  });
});

describe("access and immutability", () => {
  it("viewers and reviewers cannot upload; other teams get NotFound for every function", async () => {
    const a = await makeTeam("a");
    const b = await makeTeam("b");
    await expect(upload(a.ctx("VIEWER"), plainFiles())).rejects.toBeInstanceOf(ForbiddenError);
    await expect(upload(a.ctx("REVIEWER"), plainFiles())).rejects.toBeInstanceOf(ForbiddenError);
    const r = await upload(a.ctx("ENGINEER"), plainFiles());
    const outsider = b.ctx("ADMIN");
    await expect(getModel(outsider, r.modelId)).rejects.toBeInstanceOf(NotFoundError);
    await expect(updateModelCard(outsider, r.versionId, cardFields())).rejects.toBeInstanceOf(NotFoundError);
    await expect(setModelVersionArchived(outsider, r.versionId, true)).rejects.toBeInstanceOf(NotFoundError);
    await expect(deleteModelVersion(outsider, r.versionId)).rejects.toBeInstanceOf(NotFoundError);
    await expect(loadModelVersionForEngine(systemContext(b.team.id, "job"), r.versionId)).rejects.toBeInstanceOf(NotFoundError);
    await expect(upload(outsider, plainFiles(), { modelId: r.modelId })).rejects.toBeInstanceOf(NotFoundError);
    expect(await listModels(outsider)).toEqual([]);
    await expect(updateModelCard(a.ctx("VIEWER"), r.versionId, cardFields())).rejects.toBeInstanceOf(ForbiddenError);
  });

  it("edits the card with an audit trail until evaluated; then only archiving is allowed", async () => {
    const { ctx, team } = await makeTeam();
    const r = await upload(ctx("ENGINEER"), plainFiles());
    const res = await updateModelCard(ctx("ENGINEER"), r.versionId, cardFields({ riskTier: "high", "trainingMethod.kind": "adversarial", "trainingMethod.attack": "PGD", "trainingMethod.norm": "linf", "trainingMethod.epsilon": "0.1" }));
    expect(res.changed.sort()).toEqual(["riskTier", "trainingMethod"]);
    const v = await db.modelVersion.findUniqueOrThrow({ where: { id: r.versionId } });
    expect(v.riskTier).toBe("HIGH");
    await db.$transaction((tx) => markVersionsEvaluated(tx, team.id, { modelVersionId: r.versionId }));
    await expect(updateModelCard(ctx("ENGINEER"), r.versionId, cardFields({ riskTier: "minimal" }))).rejects.toBeInstanceOf(ConflictError);
    await expect(deleteModelVersion(ctx("ENGINEER"), r.versionId)).rejects.toBeInstanceOf(ConflictError);
    await expect(db.modelVersion.update({ where: { id: r.versionId }, data: { owner: "someone else" } })).rejects.toThrow(/immutable/);
    await expect(db.modelVersion.delete({ where: { id: r.versionId } })).rejects.toThrow(/immutable/);
    await setModelVersionArchived(ctx("ENGINEER"), r.versionId, true);
    expect((await db.modelVersion.findUniqueOrThrow({ where: { id: r.versionId } })).status).toBe("ARCHIVED");
    const actions = (await db.auditEvent.findMany({ where: { teamId: team.id }, orderBy: { seq: "asc" } })).map((e) => e.action);
    expect(actions).toEqual(["model.create", "model.version.create", "model.card.update", "model.version.archive"]);
    // The model page's history: the same events about the model and its version, newest first.
    expect((await getModel(ctx("VIEWER"), r.modelId)).history.map((e) => e.action)).toEqual([...actions].reverse());
  });

  it("deletes an unevaluated version and its team's artifact rows", async () => {
    const { ctx, team } = await makeTeam();
    const r = await upload(ctx("ENGINEER"), plainFiles());
    await deleteModelVersion(ctx("ADMIN"), r.versionId);
    expect(await registryRowCounts(team.id)).toMatchObject({ modelVersions: 0, artifacts: 0, files: 0 });
  });
});
