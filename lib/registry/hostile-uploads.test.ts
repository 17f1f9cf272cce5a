import { deflateSync } from "node:zlib";
import { PNG } from "pngjs";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { resetEnvCache } from "../env";
import { checkHealth } from "../health";
import { makeTeam } from "../../test/fixtures";
import { registerDatasetVersion } from "./datasets";
import { registerModelVersion } from "./models";
import { cardFields, makeRawZip, makeTfjsModel, makeZip, registryRowCounts, stage, storedBlobs, useTempStore, type TfjsFiles } from "./test-helpers";
import type { LocalArtifactStore } from "./store";
import type { TeamContext } from "../teams/access";

// Hostile and broken uploads from issue #23, generated here: each is refused with a message naming
// the file (entry, line, weight) and the problem, nothing is stored (rows, blobs, staging folder), and
// the process keeps answering health checks within a second while it refuses them.

let store: LocalArtifactStore;
let dataDir: string;
let tfm: TfjsFiles;
beforeAll(async () => {
  ({ store, dir: dataDir } = useTempStore());
  tfm = await makeTfjsModel();
});
beforeEach(() => {
  delete process.env.BULWARK_MAX_INPUT_VALUES;
  resetEnvCache();
});

/** Runs `work` while asking for /api/health's answer every 100 ms; returns the slowest answer in ms. */
async function slowestHealthDuring<T>(work: () => Promise<T>): Promise<{ result: T | Error; slowest: number }> {
  let slowest = 0;
  let done = false;
  const pinger = (async () => {
    while (!done) {
      const t0 = performance.now();
      await checkHealth();
      slowest = Math.max(slowest, performance.now() - t0);
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  const result = await work().catch((e: Error) => e);
  done = true;
  await pinger;
  return { result, slowest };
}

async function stagingLeft(): Promise<number> {
  const { readdir } = await import("node:fs/promises");
  return (await readdir(`${dataDir}/tmp/uploads`).catch(() => [])).length;
}

async function expectRefused(teamId: string, work: () => Promise<unknown>, message: RegExp, field = "files") {
  const blobs = (await storedBlobs(store)).length;
  const { result, slowest } = await slowestHealthDuring(work);
  expect(result, "the upload should have been refused").toBeInstanceOf(Error);
  const e = result as Error & { status?: number; fieldErrors?: Record<string, string> };
  expect(e.status, e.message).toBe(400);
  expect(e.message).toMatch(message);
  expect(e.fieldErrors?.[field] ?? "").toMatch(message);
  // eslint-disable-next-line no-control-regex -- finding control characters is the point
  expect(e.message, "no raw control characters").not.toMatch(/[\u0000-\u0008\u000b-\u001f]/);
  expect(e.message, "no server paths").not.toContain(dataDir);
  expect(e.message.length, "a short message").toBeLessThan(700);
  expect((await storedBlobs(store)).length).toBe(blobs);
  expect(await registryRowCounts(teamId)).toEqual({ models: 0, modelVersions: 0, datasets: 0, datasetVersions: 0, artifacts: 0, files: 0 });
  expect(await stagingLeft()).toBe(0);
  expect(slowest, "a health check waited").toBeLessThan(1000);
  return e;
}

const datasetCard = { description: "d", source: "s", collectedBy: "c", collectedWhen: "2026", licence: "CC0-1.0", personalData: "no", split: "test" };

function dataset(ctx: TeamContext, files: { name: string; data: Buffer }[], fields: Record<string, string>) {
  return async () => {
    const { staging, files: staged } = await stage(files);
    try {
      return await registerDatasetVersion(ctx, { name: "Hostile", fields: { ...datasetCard, ...fields }, files: staged }, staging);
    } finally {
      await staging.dispose();
    }
  };
}

function model(ctx: TeamContext, files: { name: string; data: Buffer }[], fields: Record<string, string> = {}) {
  return async () => {
    const { staging, files: staged } = await stage(files);
    try {
      return await registerModelVersion(ctx, { name: "Hostile", card: cardFields(fields), files: staged }, staging);
    } finally {
      await staging.dispose();
    }
  };
}

function png(w: number, h: number, alpha = 255): Buffer {
  const p = new PNG({ width: w, height: h });
  p.data.fill(120);
  for (let i = 3; i < p.data.length; i += 4) p.data[i] = alpha;
  return PNG.sync.write(p);
}

/** A valid PNG signature and IHDR announcing w×h, with one tiny IDAT: nothing a decoder could allocate from it yet. */
function pngHeaderOnly(w: number, h: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8;
  ihdr[9] = 2;
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, "latin1"), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(zlibCrc(body) >>> 0);
    return Buffer.concat([len, body, crc]);
  };
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk("IHDR", ihdr), chunk("IDAT", deflateSync(Buffer.alloc(1000))), chunk("IEND", Buffer.alloc(0))]);
}
import { crc32 as zlibCrc } from "node:zlib";

function idx(type: number, dims: number[], data: Uint8Array, magic?: number): Buffer {
  const h = Buffer.alloc(4 + dims.length * 4);
  h.writeUInt32BE(magic ?? ((type << 8) | dims.length), 0);
  dims.forEach((d, i) => h.writeUInt32BE(d, 4 + i * 4));
  return Buffer.concat([h, Buffer.from(data)]);
}

describe("dataset uploads", () => {
  it("a zero-byte zip and an empty CSV are named as empty", async () => {
    const { ctx, team } = await makeTeam();
    await expectRefused(team.id, dataset(ctx("ENGINEER"), [{ name: "images.zip", data: Buffer.alloc(0) }], { format: "image-zip" }), /^images\.zip is empty \(0 bytes\)/);
    await expectRefused(team.id, dataset(ctx("ENGINEER"), [{ name: "rows.csv", data: Buffer.alloc(0) }], { format: "csv", labelColumn: "y" }), /^rows\.csv is empty \(0 bytes\)/);
  });

  it("a zip entry with a bad CRC-32 and a zip of 65,540 entries without ZIP64 are refused by name, through the registry", async () => {
    const { ctx, team } = await makeTeam();
    const crc = makeRawZip([{ name: "a/1.png", data: png(4, 4) }, { name: "b/2.png", data: png(4, 4), crc: 0x12345678 }]);
    await expectRefused(team.id, dataset(ctx("ENGINEER"), [{ name: "d.zip", data: crc }], { format: "image-zip" }), /^d\.zip: entry "b\/2\.png" is corrupt: its CRC-32 is 0x[0-9a-f]{8} but the archive records 0x12345678/);
    const many = makeRawZip(Array.from({ length: 65_540 }, (_, i) => ({ name: `${i % 10}/${i}.png`, data: Buffer.from("x") })), { zip64: false });
    await expectRefused(team.id, dataset(ctx("ENGINEER"), [{ name: "many.zip", data: many }], { format: "image-zip" }), /^many\.zip: its end record counts 65,535 entries, but its central directory holds 65,540/);
  }, 120_000);

  it("a single class folder is named as one class, not as 'not in a class folder'", async () => {
    const { ctx, team } = await makeTeam();
    const zip = await makeZip([{ name: "cat/1.png", data: png(4, 4) }, { name: "cat/2.png", data: png(4, 4) }]);
    await expectRefused(team.id, dataset(ctx("ENGINEER"), [{ name: "cats.zip", data: zip }], { format: "image-zip" }), /only one class folder \("cat"\); a classification dataset needs at least two/);
  });

  it("an image in a sub-folder of a class folder is refused, naming it", async () => {
    const { ctx, team } = await makeTeam();
    const zip = await makeZip([{ name: "0/000.png", data: png(4, 4) }, { name: "0/sub/000.png", data: png(4, 4) }, { name: "1/000.png", data: png(4, 4) }]);
    await expectRefused(team.id, dataset(ctx("ENGINEER"), [{ name: "d.zip", data: zip }], { format: "image-zip" }), /^0\/sub\/000\.png: files must sit directly in their class folder .*sub-folders inside a class folder \("0\/sub\/"\) are not accepted/);
  });

  it("a 30000×30000 PNG is refused from its header, before decoding, and the server keeps answering", async () => {
    const { ctx, team } = await makeTeam();
    const zip = await makeZip([{ name: "a/big.png", data: pngHeaderOnly(30000, 30000) }, { name: "b/1.png", data: png(4, 4) }]);
    await expectRefused(team.id, dataset(ctx("ENGINEER"), [{ name: "d.zip", data: zip }], { format: "image-zip" }), /^a\/big\.png: 30,000×30,000 pixels is above the limit of 16,777,216 pixels \(4096×4096\) per image/);
  });

  it("truncated, bad-CRC and zero-byte PNGs are named in plain words", async () => {
    const { ctx, team } = await makeTeam();
    const good = png(6, 6);
    const badCrc = Buffer.from(good);
    badCrc[29] ^= 0xff; // the IHDR chunk's CRC
    const cases: [Buffer, RegExp][] = [
      [good.subarray(0, good.length - 20), /^a\/x\.png: not a valid PNG image: the file is truncated \(its IDAT chunk needs \d+ bytes, \d+ are left\)\.$/],
      [badCrc, /^a\/x\.png: not a valid PNG image: the checksum \(CRC\) of its IHDR chunk does not match its data: the file is corrupt\.$/],
      [Buffer.alloc(0), /^a\/x\.png: the file is empty \(0 bytes\), not an image\.$/],
    ];
    for (const [bytes, message] of cases) {
      const zip = makeRawZip([{ name: "a/x.png", data: bytes }, { name: "b/y.png", data: good }]);
      await expectRefused(team.id, dataset(ctx("ENGINEER"), [{ name: "d.zip", data: zip }], { format: "image-zip" }), message);
    }
  });

  it("keeps the colour of an RGBA PNG and warns that its alpha channel was dropped", async () => {
    const { ctx } = await makeTeam();
    const zip = await makeZip([{ name: "a/1.png", data: png(4, 4, 100) }, { name: "b/2.png", data: png(4, 4) }]);
    const r = (await dataset(ctx("ENGINEER"), [{ name: "d.zip", data: zip }], { format: "image-zip" })()) as { warnings: string[] };
    expect(r.warnings.join(" ")).toMatch(/a\/1\.png has transparent pixels: the alpha channel was dropped/);
  });

  it("IDX: a wrong magic number is named as such, and a stray label 200 is named", async () => {
    const { ctx, team } = await makeTeam();
    const images = idx(0x08, [20, 2, 2], new Uint8Array(80).fill(9));
    const labels = Uint8Array.from({ length: 20 }, (_, i) => i % 10);
    // The labels file announces 3 dimensions: its first labels are read as sizes and nothing fits.
    await expectRefused(
      team.id,
      dataset(ctx("ENGINEER"), [{ name: "images.idx", data: images }, { name: "labels.idx", data: idx(0x08, [20], labels, 0x00000803) }], { format: "idx" }),
      /^labels\.idx: wrong magic number 0x00000803 \(3 dimensions of unsigned byte values\): the file's length fits 0x00000801 instead \(20 unsigned byte values\)/,
    );
    const stray = Uint8Array.from(labels);
    stray[7] = 200;
    const e = await expectRefused(team.id, dataset(ctx("ENGINEER"), [{ name: "images.idx", data: images }, { name: "labels.idx", data: idx(0x08, [20], stray) }], { format: "idx" }), /^labels\.idx: sample 7 has label 200, but the other labels are 0–9; .* Fix label 200, or give the class labels\.$/);
    expect(e.message.length).toBeLessThan(400);
  });

  it("CSV: binary data is not echoed, and 10⁶ columns are refused with the limit in columns", async () => {
    const { ctx, team } = await makeTeam();
    const binary = Buffer.concat([Buffer.from("y,a\n"), Buffer.from([0x1b, 0x5b, 0x32, 0x4a, 0x00, 0xff, 0xfe, 0x07])]);
    await expectRefused(team.id, dataset(ctx("ENGINEER"), [{ name: "rows.csv", data: binary }], { format: "csv", labelColumn: "y" }), /^rows\.csv is not a text file \(it has a NUL byte at offset 8\); upload the CSV saved as UTF-8 text\.$/);
    await expectRefused(team.id, dataset(ctx("ENGINEER"), [{ name: "rows.csv", data: Buffer.from([0x79, 0x2c, 0x61, 0x0a, 0xff, 0xfe, 0x2c, 0x31]) }], { format: "csv", labelColumn: "y" }), /^rows\.csv is not UTF-8 text/);
    const wide = Buffer.from(Array.from({ length: 1_000_000 }, (_, i) => `c${i}`).join(",") + "\n" + "1,".repeat(999_999) + "1\n");
    await expectRefused(team.id, dataset(ctx("ENGINEER"), [{ name: "wide.csv", data: wide }], { format: "csv", labelColumn: "c0" }), /^wide\.csv: the header has (more than 10,000|1,000,000) columns; the limit is 10,000 columns\.$/);
  });

  it("files named '.' and '..' are never stored as original/.", async () => {
    const { ctx } = await makeTeam();
    const rows = Buffer.from("y,a\n0,1\n1,2\n");
    const r = (await dataset(ctx("ENGINEER"), [{ name: "..", data: rows }], { format: "csv", labelColumn: "y" })()) as { versionId: string };
    const { db } = await import("../db/client");
    const files = await db.datasetVersionFile.findMany({ where: { datasetVersionId: r.versionId }, select: { path: true } });
    expect(files.map((f) => f.path).sort()).toEqual(["original/file-1", "tensor.bwds"]);
  });
});

describe("model uploads", () => {
  it("a weights path that is an http:// or file:// URL is named as a URL", async () => {
    const { ctx, team } = await makeTeam();
    for (const url of ["http://example.com/w.bin", "file:///etc/passwd"]) {
      const json = JSON.parse(tfm.modelJson.toString());
      json.weightsManifest[0].paths = [url];
      await expectRefused(team.id, model(ctx("ENGINEER"), [{ name: "model.json", data: Buffer.from(JSON.stringify(json)) }, { name: tfm.weightsName, data: tfm.weights }]), /weightsManifest path ".*" is a URL; Bulwark never fetches weights/);
    }
  });

  it("a weight whose manifest shape does not match the layer is named", async () => {
    const { ctx, team } = await makeTeam();
    const json = JSON.parse(tfm.modelJson.toString());
    const kernel = json.weightsManifest[0].weights[0];
    kernel.shape = [...kernel.shape].reverse();
    await expectRefused(team.id, model(ctx("ENGINEER"), [{ name: "model.json", data: Buffer.from(JSON.stringify(json)) }, { name: tfm.weightsName, data: tfm.weights }]), new RegExp(`^The model does not load and run: the weight "${kernel.name}" has shape \\[${kernel.shape.join(",")}\\] in model.json.s weightsManifest, but its layer expects \\[${[...kernel.shape].reverse().join(",")}\\]\\.$`));
  });

  it("an input shape of [100000,100000,3] or [3000,3000,3] is refused before TensorFlow.js allocates anything; the limit is configurable", async () => {
    const { ctx, team } = await makeTeam();
    for (const shape of [[100000, 100000, 3], [3000, 3000, 3]]) {
      const json = JSON.parse(tfm.modelJson.toString());
      json.modelTopology.config.layers[0].config.batch_input_shape = [null, ...shape];
      await expectRefused(
        team.id,
        model(ctx("ENGINEER"), [{ name: "model.json", data: Buffer.from(JSON.stringify(json)) }, { name: tfm.weightsName, data: tfm.weights }], { inputShape: shape.join(",") }),
        new RegExp(`input shape ${shape.join("×")} is [\\d,]+ values per example, above the limit of 3,145,728 \\(BULWARK_MAX_INPUT_VALUES`),
        "inputShape",
      );
    }
    process.env.BULWARK_MAX_INPUT_VALUES = "10";
    resetEnvCache();
    await expectRefused(team.id, model(ctx("ENGINEER"), [{ name: "model.json", data: tfm.modelJson }, { name: tfm.weightsName, data: tfm.weights }]), /The card's input shape 4×4×1 is 16 values per example, above the limit of 10/, "inputShape");
  });
});

describe("model checks run in their own process", () => {
  it("a model too slow to check is stopped at BULWARK_CHECK_TIMEOUT_S and refused, while health checks are answered", async () => {
    const { ctx, team } = await makeTeam();
    const tf = await import("@tensorflow/tfjs");
    // 1024×1024×3 is within the input limit; 64 filters over a million pixels, forward and gradient, take seconds.
    const m = tf.sequential({ layers: [tf.layers.conv2d({ inputShape: [1024, 1024, 3], filters: 64, kernelSize: 3 }), tf.layers.globalAveragePooling2d({}), tf.layers.dense({ units: 3 })] });
    let artifacts: import("@tensorflow/tfjs").io.ModelArtifacts | undefined;
    await m.save(tf.io.withSaveHandler(async (a) => ((artifacts = a), { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: "JSON" } })));
    const json = { format: "layers-model", modelTopology: artifacts!.modelTopology, weightsManifest: [{ paths: ["w.bin"], weights: artifacts!.weightSpecs }] };
    const files = [{ name: "model.json", data: Buffer.from(JSON.stringify(json)) }, { name: "w.bin", data: Buffer.from(new Uint8Array(artifacts!.weightData as ArrayBuffer)) }];
    process.env.BULWARK_CHECK_TIMEOUT_S = "1";
    resetEnvCache();
    try {
      await expectRefused(team.id, model(ctx("ENGINEER"), files, { inputShape: "1024,1024,3" }), /^The model took longer than 1 s to load and run one example and its gradient, so the check was stopped; the limit is BULWARK_CHECK_TIMEOUT_S\.$/);
    } finally {
      delete process.env.BULWARK_CHECK_TIMEOUT_S;
      resetEnvCache();
    }
  }, 120_000);
});

describe("dataset decoding runs in its own process", () => {
  it("a dataset too slow to decode is stopped at BULWARK_CHECK_TIMEOUT_S and refused, nothing stored, while health checks are answered", async () => {
    const { ctx, team } = await makeTeam();
    // 400,000 rows of 16 features (about 30 MB of text): seconds of parsing, far beyond a 1 s limit.
    const row = Array.from({ length: 16 }, (_, i) => (i / 7).toFixed(4)).join(",");
    const csv = Buffer.from(`y,${Array.from({ length: 16 }, (_, i) => `f${i}`).join(",")}\n` + `0,${row}\n1,${row}\n`.repeat(200_000));
    process.env.BULWARK_CHECK_TIMEOUT_S = "1";
    resetEnvCache();
    try {
      await expectRefused(team.id, dataset(ctx("ENGINEER"), [{ name: "rows.csv", data: csv }], { format: "csv", labelColumn: "y" }), /^The dataset took longer than 1 s to read and decode its files, so the check was stopped; the limit is BULWARK_CHECK_TIMEOUT_S\.$/);
    } finally {
      delete process.env.BULWARK_CHECK_TIMEOUT_S;
      resetEnvCache();
    }
  }, 120_000);
});
