import { createHash, randomBytes } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { inspect } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ArtifactStoreError, S3ArtifactStore, blobKey, checkArtifactStore, setArtifactStore } from "./store";
import { cardFields, makeTfjsModel, stage, useTempStore } from "./test-helpers";
import { makeTeam } from "../../test/fixtures";
import { startS3 } from "../../test/s3";
import { loadModelVersionForEngine, registerModelVersion } from "./models";
import { asLayersFiles } from "../engine/formats";
import { systemContext } from "../teams/context";

// S3ArtifactStore (the AWS SDK v3 client, path-style) against a real S3-protocol server (s3rver) started by
// this file on a free port: objects, content addressing, multipart, streaming, and the errors an operator meets.

const MiB = 1024 * 1024;
const { dir } = useTempStore();
let s3: Awaited<ReturnType<typeof startS3>>;
let store: S3ArtifactStore;

/** Writes `data` to a file in the temp folder; returns its path and digest. */
async function file(data: Buffer) {
  const path = join(dir, `f-${randomBytes(4).toString("hex")}`);
  await writeFile(path, data);
  return { path, digest: createHash("sha256").update(data).digest("hex") };
}
const storeWith = (over: Partial<ConstructorParameters<typeof S3ArtifactStore>[0]> = {}) =>
  new S3ArtifactStore({ endpoint: s3.endpoint, bucket: "bulwark", region: "us-east-1", ...s3.credentials, prefix: "artifacts/", partSize: 5 * MiB, ...over });

beforeAll(async () => {
  s3 = await startS3(["bulwark"]);
  store = storeWith();
});
afterAll(() => s3.stop());

describe("S3 artifact store against a real S3 server (s3rver)", () => {
  it("stores under bucket/prefix/sha256/ab/cdef… with its SHA-256 checksum, once however often it is put, and reads back", async () => {
    const data = Buffer.from("weights ".repeat(5000));
    const { path, digest } = await file(data);
    expect(await store.has(digest)).toBe(false);
    const before = s3.requests.length;
    expect(await store.put(digest, path)).toEqual({ created: true });
    expect(await store.put(digest, path)).toEqual({ created: false });
    const puts = s3.requests.slice(before).filter((r) => r.method === "PUT");
    expect(puts.map((r) => r.path)).toEqual([`/bulwark/artifacts/${blobKey(digest)}`]);
    expect(puts[0]!.headers["x-amz-checksum-sha256"]).toBe(Buffer.from(digest, "hex").toString("base64"));
    expect((await store.read(digest)).equals(data)).toBe(true);
    // Another store instance (another process, another machine) finds the same blob by its digest alone.
    expect(await storeWith().has(digest)).toBe(true);
    // Bytes that do not hash to the digest they are stored under are refused before anything is sent.
    await expect(store.put("0".repeat(64), path)).rejects.toThrow(/hashes to/);
    expect(await store.has("0".repeat(64))).toBe(false);
    await store.remove(digest);
    expect(await store.has(digest)).toBe(false);
  });

  it("uploads a file above the part size as a multipart upload and streams it back in chunks", async () => {
    const data = randomBytes(11 * MiB + 123);
    const { path, digest } = await file(data);
    const before = s3.requests.length;
    expect(await store.put(digest, path)).toEqual({ created: true });
    const wire = s3.requests.slice(before).filter((r) => r.method !== "HEAD");
    expect(wire.map((r) => `${r.method} ${r.query.has("uploads") ? "create" : r.query.get("partNumber") ?? (r.query.has("uploadId") ? "complete" : "single")}`)).toEqual(["POST create", "PUT 1", "PUT 2", "PUT 3", "POST complete"]);
    expect(wire.filter((r) => r.method === "PUT").map((r) => Number(r.headers["content-length"]))).toEqual([5 * MiB, 5 * MiB, MiB + 123]);

    const h = createHash("sha256");
    let chunks = 0;
    let largest = 0;
    for await (const c of await store.stream(digest)) {
      h.update(c as Buffer);
      chunks++;
      largest = Math.max(largest, (c as Buffer).length);
    }
    expect(h.digest("hex")).toBe(digest);
    // Streamed: many small chunks, never the whole object in one buffer.
    expect(chunks).toBeGreaterThan(10);
    expect(largest).toBeLessThan(MiB);
  });

  it("a missing object: has() is false, reading it names the digest and the bucket", async () => {
    const absent = "ab".repeat(32);
    expect(await store.has(absent)).toBe(false);
    await expect(store.read(absent)).rejects.toThrow(new ArtifactStoreError(`artifact ${absent} is missing from the S3 store ${store.location}`));
  });

  it("credentials the server refuses: one line naming the status, the S3 code and the settings to check", async () => {
    const refused = storeWith({ accessKeyId: "NOT-A-KEY", secretAccessKey: "whatever" });
    const { path, digest } = await file(Buffer.from("refused"));
    for (const attempt of [() => refused.check(), () => refused.has(digest), () => refused.put(digest, path), () => refused.read(digest)]) {
      const e = await attempt().then(() => null, (err: Error) => err);
      expect(e).toBeInstanceOf(ArtifactStoreError);
      expect(e!.message).toMatch(/^S3 refused to .+ in s3:\/\/bulwark\/artifacts\/ at http:\/\/127\.0\.0\.1:\d+ \(403 (InvalidAccessKeyId|\w+)\): check BULWARK_S3_ACCESS_KEY_ID, BULWARK_S3_SECRET_ACCESS_KEY and the bucket's policy\.$/);
    }
    expect(await storeWith().has(digest)).toBe(false);
  });

  it("a bucket that does not exist is one clear line at start, and on every later operation", async () => {
    const missing = storeWith({ bucket: "no-such-bucket" });
    const line = `S3 bucket "no-such-bucket" does not exist (${missing.location}): create it, or set BULWARK_S3_BUCKET to an existing bucket.`;
    await expect(checkArtifactStore(missing)).rejects.toThrow(new ArtifactStoreError(line));
    const { path, digest } = await file(Buffer.from("nowhere"));
    await expect(missing.put(digest, path)).rejects.toThrow(new ArtifactStoreError(line));
    await expect(missing.read(digest)).rejects.toThrow(new ArtifactStoreError(line));
    await checkArtifactStore(store); // the configured bucket passes
  });

  it("never shows the credentials: not in errors, output, the location or an inspected store", async () => {
    const secret = s3.credentials.secretAccessKey;
    const printed: string[] = [];
    const writes = [process.stdout, process.stderr].map((s) => [s, s.write] as const);
    for (const [s] of writes) s.write = ((chunk: string | Uint8Array) => (printed.push(String(chunk)), true)) as typeof s.write;
    const errors: string[] = [];
    try {
      const { path, digest } = await file(Buffer.from("secret-test"));
      await store.put(digest, path);
      await store.read(digest);
      for (const bad of [storeWith({ bucket: "no-such-bucket" }), storeWith({ endpoint: "http://127.0.0.1:9", secretAccessKey: secret })]) {
        await bad.check().catch((e: Error) => errors.push(`${e.message} ${inspect(e)}`));
      }
    } finally {
      for (const [s, w] of writes) s.write = w;
    }
    expect(errors).toHaveLength(2);
    expect(errors[1]).toMatch(/cannot reach the S3 store .* Check BULWARK_S3_ENDPOINT/);
    const seen = [...printed, ...errors, store.location, inspect(store, { depth: 5, showHidden: true }), JSON.stringify(store)].join("\n");
    expect(seen).not.toContain(secret);
  });

  it("registers a model version into the bucket and gives the engine the same bytes back", async () => {
    setArtifactStore(storeWith({ prefix: "" }));
    try {
      const { ctx, team } = await makeTeam();
      const m = await makeTfjsModel();
      const { staging, files } = await stage([{ name: "model.json", data: m.modelJson }, { name: m.weightsName, data: m.weights }]);
      const r = await registerModelVersion(ctx("ENGINEER"), { name: "s3-model", card: cardFields(), files }, staging);
      await staging.dispose();
      const loaded = await loadModelVersionForEngine(systemContext(team.id, "job"), r.versionId);
      expect(Buffer.from(asLayersFiles(loaded.files).weights[m.weightsName]).equals(m.weights)).toBe(true);
      const weightsKey = `/bulwark/${blobKey(createHash("sha256").update(m.weights).digest("hex"))}`;
      expect(s3.requests.some((q) => q.method === "PUT" && q.path === weightsKey)).toBe(true);
    } finally {
      setArtifactStore(null);
    }
  });
});
