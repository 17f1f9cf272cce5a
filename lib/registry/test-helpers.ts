import { mkdtempSync } from "node:fs";
import { readdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import yazl from "yazl";
import { expect } from "vitest";
import { crc32 } from "node:zlib";
import { db } from "../db/client";
import { resetEnvCache } from "../env";
import { LocalArtifactStore, setArtifactStore } from "./store";
import { Staging } from "./staging";
import { removeAfterFile } from "../../test/between-files";

// Test data built by the tests themselves: small real TF.js models, archives (honest and hostile).

/**
 * Points the data folder (staging) and the artifact store at a fresh temporary folder, removed after the file
 * by test/db-per-file.ts (each holds stored models and datasets: left behind, a run of the suite leaves
 * gigabytes in the temporary folder), which also restores BULWARK_DATA_DIR and the configured store.
 */
export function useTempStore() {
  const dir = mkdtempSync(join(tmpdir(), "bulwark-registry-"));
  removeAfterFile(dir);
  // Test-only: point the data folder at a temporary directory for this test file's worker.
  process.env.BULWARK_DATA_DIR = dir;
  resetEnvCache();
  const store = new LocalArtifactStore(join(dir, "artifacts"));
  setArtifactStore(store);
  return { dir, store };
}

/** All blob files in a local store (recursively). */
export async function storedBlobs(store: LocalArtifactStore): Promise<string[]> {
  try {
    const entries = await readdir(store.root, { recursive: true, withFileTypes: true });
    return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
  } catch {
    return [];
  }
}

/**
 * Awaits an upload that must be refused: the error names the problem in its message and on `field`, and
 * nothing of it was kept (no new blob in `store`, no registry row of the team).
 */
export async function expectUploadRefused(store: LocalArtifactStore, p: Promise<unknown>, message: RegExp, teamId: string, field = "files") {
  const before = (await storedBlobs(store)).length;
  const e = (await p.then(() => null, (x: unknown) => x)) as (Error & { fieldErrors?: Record<string, string> }) | null;
  expect(e, "the upload should have been refused").toBeInstanceOf(Error);
  expect(e!.message).toMatch(message);
  expect(e!.fieldErrors?.[field] ?? "", JSON.stringify(e!.fieldErrors)).toMatch(message);
  expect((await storedBlobs(store)).length).toBe(before);
  expect(await registryRowCounts(teamId)).toEqual({ models: 0, modelVersions: 0, datasets: 0, datasetVersions: 0, artifacts: 0, files: 0 });
}

export async function registryRowCounts(teamId: string) {
  const [models, modelVersions, datasets, datasetVersions, artifacts, files] = await Promise.all([
    db.model.count({ where: { teamId } }),
    db.modelVersion.count({ where: { teamId } }),
    db.dataset.count({ where: { teamId } }),
    db.datasetVersion.count({ where: { teamId } }),
    db.artifact.count({ where: { teamId } }),
    db.modelVersionFile.count({ where: { teamId } }),
  ]);
  return { models, modelVersions, datasets, datasetVersions, artifacts, files };
}

export interface TfjsFiles {
  modelJson: Buffer;
  weights: Buffer;
  weightsName: string;
}

/** A small dense classifier over `inputShape` with `classes` outputs, saved as TF.js LayersModel files. */
export async function makeTfjsModel(opts: { inputShape?: number[]; classes?: number; seed?: number; rescaling?: { scale: number; offset?: number } } = {}): Promise<TfjsFiles> {
  const inputShape = opts.inputShape ?? [4, 4, 1];
  const classes = opts.classes ?? 3;
  const model = tf.sequential();
  // Optionally a Keras-style Rescaling first layer (e.g. 1/255: the model divides its own input).
  if (opts.rescaling) model.add(tf.layers.rescaling({ scale: opts.rescaling.scale, offset: opts.rescaling.offset ?? 0, inputShape }));
  const first = !opts.rescaling;
  if (inputShape.length > 1) model.add(tf.layers.flatten(first ? { inputShape } : {}));
  model.add(tf.layers.dense({ units: classes, activation: "softmax", inputShape: first && inputShape.length === 1 ? inputShape : undefined, kernelInitializer: tf.initializers.glorotUniform({ seed: opts.seed ?? 1 }) }));
  let artifacts: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: "JSON" } };
    }),
  );
  model.dispose();
  const a = artifacts!;
  const weightsName = "group1-shard1of1.bin";
  const json = {
    format: "layers-model",
    generatedBy: "bulwark tests",
    convertedBy: null,
    modelTopology: a.modelTopology,
    weightsManifest: [{ paths: [weightsName], weights: a.weightSpecs }],
  };
  const data = a.weightData as ArrayBuffer;
  return { modelJson: Buffer.from(JSON.stringify(json)), weights: Buffer.from(new Uint8Array(data)), weightsName };
}

export interface ZipItem {
  name: string;
  data?: Buffer;
  /** Unix mode to record (e.g. 0o120777 for a symlink). */
  mode?: number;
  compress?: boolean;
}

export async function makeZip(items: ZipItem[]): Promise<Buffer> {
  const z = new yazl.ZipFile();
  for (const it of items) {
    if (it.name.endsWith("/")) {
      z.addEmptyDirectory(it.name.slice(0, -1));
      continue;
    }
    z.addBuffer(it.data ?? Buffer.alloc(0), it.name, { mode: it.mode, compress: it.compress ?? true });
  }
  z.end();
  const chunks: Buffer[] = [];
  for await (const c of z.outputStream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** Builds a zip and then rewrites entry names in the bytes (yazl itself refuses unsafe names). */
export async function makeZipWithRawNames(items: ZipItem[], rename: Record<string, string>): Promise<Buffer> {
  const buf = await makeZip(items);
  for (const [from, to] of Object.entries(rename)) {
    if (from.length !== to.length) throw new Error("raw renames must keep the length");
    const a = Buffer.from(from);
    const b = Buffer.from(to);
    let i = buf.indexOf(a);
    while (i >= 0) {
      b.copy(buf, i);
      i = buf.indexOf(a, i + 1);
    }
  }
  return buf;
}

export async function stage(files: { name: string; data: Buffer }[], maxBytes = 200 * 1024 * 1024) {
  const s = await Staging.create(maxBytes);
  const staged = [];
  for (const f of files) staged.push(await s.addBytes(f.name, f.data));
  return { staging: s, files: staged };
}

/** Flat form fields of a valid model card for `makeTfjsModel` defaults. */
export function cardFields(over: Record<string, string> = {}): Record<string, string> {
  return {
    task: "image-classification",
    inputShape: "4,4,1",
    "inputRange.min": "0",
    "inputRange.max": "1",
    classLabels: "a,b,c",
    intendedUse: "Unit tests",
    outOfScopeUse: "Anything real",
    riskTier: "limited",
    owner: "Test Owner",
    "trainingMethod.kind": "standard",
    knownLimitations: "",
    ...over,
  };
}

export interface RawZipEntry {
  name: string | Buffer;
  data: Buffer;
  /** The CRC-32 to record (default: the true one). */
  crc?: number;
  /** Sets the UTF-8 name flag (default true). */
  utf8?: boolean;
}

/**
 * A zip of stored (uncompressed) entries written byte by byte, for archives no honest writer makes:
 * a wrong CRC, a name without the UTF-8 flag, an end record that caps the entry count at 65,535 with
 * no ZIP64 record (`zip64: false`), or a real ZIP64 end record (`zip64: true`). Fast enough for
 * 100,000 entries (one concatenation at the end).
 */
export function makeRawZip(entries: RawZipEntry[], opts: { zip64?: boolean } = {}): Buffer {
  const local: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = typeof e.name === "string" ? Buffer.from(e.name) : e.name;
    const crc = e.crc ?? crc32(e.data);
    const flags = e.utf8 === false ? 0 : 0x800;
    // Both headers carry the same fields from "version needed" to "name length", at `at` (method 0: stored).
    const entryFields = (h: Buffer, at: number) => {
      h.writeUInt16LE(20, at);
      h.writeUInt16LE(flags, at + 2);
      h.writeUInt32LE(crc >>> 0, at + 10);
      h.writeUInt32LE(e.data.length, at + 14);
      h.writeUInt32LE(e.data.length, at + 18);
      h.writeUInt16LE(name.length, at + 22);
    };
    const lh = Buffer.alloc(30);
    lh.writeUInt32LE(0x04034b50, 0);
    entryFields(lh, 4);
    local.push(lh, name, e.data);
    const ch = Buffer.alloc(46);
    ch.writeUInt32LE(0x02014b50, 0);
    ch.writeUInt16LE((3 << 8) | 20, 4);
    entryFields(ch, 6);
    ch.writeUInt32LE((0o100644 << 16) >>> 0, 38);
    ch.writeUInt32LE(offset, 42);
    central.push(ch, name);
    offset += 30 + name.length + e.data.length;
  }
  const cdSize = central.reduce((s, b) => s + b.length, 0);
  const tail: Buffer[] = [];
  const many = entries.length > 0xffff;
  if (opts.zip64) {
    const rec = Buffer.alloc(56);
    rec.writeUInt32LE(0x06064b50, 0);
    rec.writeBigUInt64LE(44n, 4);
    rec.writeUInt16LE(45, 12);
    rec.writeUInt16LE(45, 14);
    rec.writeBigUInt64LE(BigInt(entries.length), 24);
    rec.writeBigUInt64LE(BigInt(entries.length), 32);
    rec.writeBigUInt64LE(BigInt(cdSize), 40);
    rec.writeBigUInt64LE(BigInt(offset), 48);
    const loc = Buffer.alloc(20);
    loc.writeUInt32LE(0x07064b50, 0);
    loc.writeBigUInt64LE(BigInt(offset + cdSize), 8);
    loc.writeUInt32LE(1, 16);
    tail.push(rec, loc);
  }
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  const count = many ? 0xffff : entries.length;
  end.writeUInt16LE(count, 8);
  end.writeUInt16LE(count, 10);
  end.writeUInt32LE(cdSize, 12);
  end.writeUInt32LE(offset, 16);
  tail.push(end);
  return Buffer.concat([...local, ...central, ...tail]);
}
