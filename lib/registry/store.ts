import { createHash, randomBytes } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { chmod, link, mkdir, mkdtemp, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { env } from "../env";

// The artifact store: immutable blobs addressed by their SHA-256, under keys `sha256/ab/cdef…`.
// Identical bytes are stored once, whoever uploads them; database rows (Artifact) say which team
// references which blob. Stored blobs never change: `put` of an existing digest is a no-op.

export const DIGEST_RE = /^[0-9a-f]{64}$/;

export function blobKey(sha256: string): string {
  if (!DIGEST_RE.test(sha256)) throw new Error(`not a SHA-256 digest: ${sha256}`);
  return `sha256/${sha256.slice(0, 2)}/${sha256.slice(2)}`;
}

export interface ArtifactStore {
  readonly kind: "local" | "s3";
  /** Human-readable location for the admin (folder or bucket). */
  readonly location: string;
  has(sha256: string): Promise<boolean>;
  /**
   * Stores the file at `sourcePath` under its digest. The bytes are hashed again while they are
   * written and refused if they do not match. Returns created=false when the blob was already there.
   */
  put(sha256: string, sourcePath: string): Promise<{ created: boolean }>;
  read(sha256: string): Promise<Buffer>;
  stream(sha256: string): Promise<Readable>;
  /** Only for removing a blob that no row references (compensation after a failed commit). */
  remove(sha256: string): Promise<void>;
  /** Throws when new blobs cannot be written (read-only or missing folder); checked before an upload is recorded. */
  assertWritable(): Promise<void>;
}

export async function sha256File(path: string): Promise<{ sha256: string; size: number }> {
  const h = createHash("sha256");
  let size = 0;
  for await (const chunk of createReadStream(path)) {
    h.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { sha256: h.digest("hex"), size };
}

export function sha256Bytes(bytes: Uint8Array | string): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** A folder on local disk (default: <data folder>/artifacts). */
export class LocalArtifactStore implements ArtifactStore {
  readonly kind = "local" as const;
  constructor(readonly root: string) {}
  get location() {
    return this.root;
  }
  pathOf(sha256: string): string {
    return join(this.root, blobKey(sha256));
  }
  async has(sha256: string): Promise<boolean> {
    try {
      await stat(this.pathOf(sha256));
      return true;
    } catch {
      return false;
    }
  }
  async put(sha256: string, sourcePath: string): Promise<{ created: boolean }> {
    const dest = this.pathOf(sha256);
    if (await this.has(sha256)) return { created: false };
    await mkdir(dirname(dest), { recursive: true });
    // Copy to a temporary name in the same folder while hashing, then rename: readers never see a
    // partial blob, and a concurrent writer of the same digest simply wins or loses the rename.
    const tmp = `${dest}.tmp-${randomBytes(6).toString("hex")}`;
    const h = createHash("sha256");
    try {
      await pipeline(
        createReadStream(sourcePath),
        async function* (source: AsyncIterable<Buffer>) {
          for await (const chunk of source) {
            h.update(chunk);
            yield chunk;
          }
        },
        createWriteStream(tmp, { mode: 0o444, flush: true }),
      );
      const actual = h.digest("hex");
      if (actual !== sha256) throw new Error(`content of ${sourcePath} hashes to ${actual}, not ${sha256}`);
      await chmod(tmp, 0o444);
      if (await this.has(sha256)) {
        await rm(tmp, { force: true });
        return { created: false };
      }
      await rename(tmp, dest);
      return { created: true };
    } catch (e) {
      await rm(tmp, { force: true });
      throw e;
    }
  }
  async read(sha256: string): Promise<Buffer> {
    return readFile(this.pathOf(sha256));
  }
  async stream(sha256: string): Promise<Readable> {
    await stat(this.pathOf(sha256));
    return createReadStream(this.pathOf(sha256));
  }
  async remove(sha256: string): Promise<void> {
    await rm(this.pathOf(sha256), { force: true });
  }
  async assertWritable(): Promise<void> {
    // Write and remove a small probe file where blobs go: catches a read-only, missing or foreign folder.
    const dir = join(this.root, "sha256");
    await mkdir(dir, { recursive: true });
    const probe = join(dir, `.probe-${randomBytes(6).toString("hex")}`);
    await writeFile(probe, "probe");
    await rm(probe, { force: true });
  }
  /** Hard-links when possible (same disk), for tests and tools. */
  async linkInto(sha256: string, target: string): Promise<void> {
    await link(this.pathOf(sha256), target);
  }
}

export interface S3StoreOptions {
  endpoint?: string;
  bucket: string;
  region: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  prefix?: string;
  /** Files larger than this go up in parts of this size (bytes; S3 wants at least 5 MiB per part but the last). */
  partSize?: number;
}

/** The store cannot be used as configured (bucket missing, access refused, endpoint unreachable): one line, no secrets. */
export class ArtifactStoreError extends Error {}

type S3Sdk = typeof import("@aws-sdk/client-s3");
const DEFAULT_PART_SIZE = 16 * 1024 * 1024;

/** An S3-compatible bucket (AWS S3, MinIO, Ceph RGW, …) through the official AWS SDK v3 client. */
export class S3ArtifactStore implements ArtifactStore {
  readonly kind = "s3" as const;
  readonly opts: Omit<S3StoreOptions, "accessKeyId" | "secretAccessKey">;
  // Private fields: a logged or inspected store object never shows the credentials.
  readonly #credentials?: { accessKeyId: string; secretAccessKey: string };
  #clientPromise: Promise<{ client: import("@aws-sdk/client-s3").S3Client; sdk: S3Sdk }> | null = null;
  constructor(opts: S3StoreOptions) {
    const { accessKeyId, secretAccessKey, ...rest } = opts;
    this.opts = rest;
    if (accessKeyId && secretAccessKey) this.#credentials = { accessKeyId, secretAccessKey };
  }
  get location() {
    return `s3://${this.opts.bucket}/${this.opts.prefix ?? ""}${this.opts.endpoint ? ` at ${this.opts.endpoint}` : ""}`;
  }
  get partSize() {
    return this.opts.partSize ?? DEFAULT_PART_SIZE;
  }
  private async s3() {
    this.#clientPromise ??= import("@aws-sdk/client-s3").then((sdk) => ({
      sdk,
      client: new sdk.S3Client({
        region: this.opts.region,
        endpoint: this.opts.endpoint,
        forcePathStyle: Boolean(this.opts.endpoint),
        credentials: this.#credentials,
        // Checksums only where S3 requires them; we send our own SHA-256 on single-part uploads.
        requestChecksumCalculation: "WHEN_REQUIRED",
        responseChecksumValidation: "WHEN_REQUIRED",
      }),
    }));
    return this.#clientPromise;
  }
  private key(sha256: string) {
    return `${this.opts.prefix ?? ""}${blobKey(sha256)}`;
  }
  /** The SDK's error as one line an operator can act on (status, S3 code, bucket); never a credential. */
  private explain(e: unknown, doing: string): Error {
    const err = e as Error & { $metadata?: { httpStatusCode?: number }; Code?: string; code?: string };
    const status = err.$metadata?.httpStatusCode;
    const code = err.Code ?? (err.name && err.name !== "Error" && err.name !== "UnknownError" ? err.name : undefined) ?? err.code;
    const where = this.location;
    if (code === "NoSuchBucket" || (doing === "check the bucket" && status === 404))
      return new ArtifactStoreError(`S3 bucket "${this.opts.bucket}" does not exist (${where}): create it, or set BULWARK_S3_BUCKET to an existing bucket.`);
    if (status === 403 || code === "InvalidAccessKeyId" || code === "SignatureDoesNotMatch" || code === "AccessDenied")
      return new ArtifactStoreError(`S3 refused to ${doing} in ${where} (${status ?? "403"} ${code ?? "AccessDenied"}): check BULWARK_S3_ACCESS_KEY_ID, BULWARK_S3_SECRET_ACCESS_KEY and the bucket's policy.`);
    if (!status)
      return new ArtifactStoreError(`cannot reach the S3 store ${where} to ${doing}: ${code ?? "no answer"}${err.message ? ` (${err.message.split("\n")[0]})` : ""}. Check BULWARK_S3_ENDPOINT and the network.`);
    return new ArtifactStoreError(`S3 could not ${doing} in ${where}: ${status} ${code ?? ""} ${err.message?.split("\n")[0] ?? ""}`.trim());
  }
  /** Startup check: the bucket exists and these credentials may read it. */
  async check(): Promise<void> {
    const { client, sdk } = await this.s3();
    try {
      await client.send(new sdk.HeadBucketCommand({ Bucket: this.opts.bucket }));
    } catch (e) {
      throw this.explain(e, "check the bucket");
    }
  }
  async has(sha256: string): Promise<boolean> {
    const { client, sdk } = await this.s3();
    try {
      await client.send(new sdk.HeadObjectCommand({ Bucket: this.opts.bucket, Key: this.key(sha256) }));
      return true;
    } catch (e) {
      const status = (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      if (status === 404 || (e as Error).name === "NotFound") return false;
      throw this.explain(e, "look up an artifact");
    }
  }
  async put(sha256: string, sourcePath: string): Promise<{ created: boolean }> {
    if (await this.has(sha256)) return { created: false };
    const check = await sha256File(sourcePath);
    if (check.sha256 !== sha256) throw new Error(`content of ${sourcePath} hashes to ${check.sha256}, not ${sha256}`);
    const { client, sdk } = await this.s3();
    try {
      if (check.size > this.partSize) await this.putInParts(client, sdk, this.key(sha256), sourcePath, check.size);
      else
        await client.send(
          new sdk.PutObjectCommand({
            Bucket: this.opts.bucket,
            Key: this.key(sha256),
            Body: createReadStream(sourcePath),
            ContentLength: check.size,
            ContentType: "application/octet-stream",
            // The server verifies the bytes it received against this checksum.
            ChecksumSHA256: Buffer.from(sha256, "hex").toString("base64"),
          }),
        );
    } catch (e) {
      throw e instanceof ArtifactStoreError ? e : this.explain(e, "store an artifact");
    }
    return { created: true };
  }
  /**
   * Multipart upload, one part at a time read straight from the file (memory stays at one part's
   * stream buffer). Each part carries its MD5 for the server to check; a failure aborts the upload so no
   * orphaned parts stay billed in the bucket.
   */
  private async putInParts(client: import("@aws-sdk/client-s3").S3Client, sdk: S3Sdk, key: string, sourcePath: string, size: number) {
    const { UploadId } = await client.send(new sdk.CreateMultipartUploadCommand({ Bucket: this.opts.bucket, Key: key, ContentType: "application/octet-stream" }));
    try {
      const parts: { ETag: string; PartNumber: number }[] = [];
      for (let start = 0, n = 1; start < size; start += this.partSize, n++) {
        const end = Math.min(size, start + this.partSize) - 1;
        const md5 = createHash("md5");
        for await (const c of createReadStream(sourcePath, { start, end })) md5.update(c as Buffer);
        const r = await client.send(
          new sdk.UploadPartCommand({
            Bucket: this.opts.bucket,
            Key: key,
            UploadId,
            PartNumber: n,
            Body: createReadStream(sourcePath, { start, end }),
            ContentLength: end - start + 1,
            ContentMD5: md5.digest("base64"),
          }),
        );
        parts.push({ ETag: r.ETag!, PartNumber: n });
      }
      await client.send(new sdk.CompleteMultipartUploadCommand({ Bucket: this.opts.bucket, Key: key, UploadId, MultipartUpload: { Parts: parts } }));
    } catch (e) {
      await client.send(new sdk.AbortMultipartUploadCommand({ Bucket: this.opts.bucket, Key: key, UploadId })).catch(() => {});
      throw e;
    }
  }
  async read(sha256: string): Promise<Buffer> {
    const chunks: Buffer[] = [];
    for await (const c of await this.stream(sha256)) chunks.push(c as Buffer);
    return Buffer.concat(chunks);
  }
  async stream(sha256: string): Promise<Readable> {
    const { client, sdk } = await this.s3();
    try {
      const res = await client.send(new sdk.GetObjectCommand({ Bucket: this.opts.bucket, Key: this.key(sha256) }));
      return res.Body as Readable;
    } catch (e) {
      if ((e as Error).name === "NoSuchKey") throw new ArtifactStoreError(`artifact ${sha256} is missing from the S3 store ${this.location}`);
      throw this.explain(e, "read an artifact");
    }
  }
  async assertWritable(): Promise<void> {
    // A bucket that refuses writes shows at the first PUT, as an ArtifactStoreError naming the cause.
  }
  async remove(sha256: string): Promise<void> {
    const { client, sdk } = await this.s3();
    try {
      await client.send(new sdk.DeleteObjectCommand({ Bucket: this.opts.bucket, Key: this.key(sha256) }));
    } catch (e) {
      throw this.explain(e, "remove an artifact");
    }
  }
}

let override: ArtifactStore | null = null;
let cached: ArtifactStore | null = null;

/** The configured store: S3 when BULWARK_S3_BUCKET is set, else the local folder under the data folder. */
export function artifactStore(): ArtifactStore {
  if (override) return override;
  if (cached) return cached;
  const e = env();
  cached = e.BULWARK_S3_BUCKET
    ? new S3ArtifactStore({
        endpoint: e.BULWARK_S3_ENDPOINT,
        bucket: e.BULWARK_S3_BUCKET,
        region: e.BULWARK_S3_REGION,
        accessKeyId: e.BULWARK_S3_ACCESS_KEY_ID,
        secretAccessKey: e.BULWARK_S3_SECRET_ACCESS_KEY,
        prefix: e.BULWARK_S3_PREFIX,
        partSize: e.BULWARK_S3_PART_MB * 1024 * 1024,
      })
    : new LocalArtifactStore(join(e.dataDir, "artifacts"));
  return cached;
}

/**
 * Checked at start by the web and every worker: an S3 bucket that is missing or refuses these
 * credentials stops the process with one line (ArtifactStoreError) instead of failing each upload later.
 */
export async function checkArtifactStore(store: ArtifactStore = artifactStore()): Promise<void> {
  if (store instanceof S3ArtifactStore) await store.check();
}

/** Tests and tools: use this store instead of the configured one (null restores it). */
export function setArtifactStore(store: ArtifactStore | null): void {
  override = store;
}

/** Reads a blob fully and checks its digest: a store that returns other bytes is an error, not data. */
export async function readVerified(sha256: string, store: ArtifactStore = artifactStore()): Promise<Buffer> {
  const bytes = await store.read(sha256);
  const actual = sha256Bytes(bytes);
  if (actual !== sha256) throw new Error(`artifact ${sha256} is corrupt in the store (its bytes hash to ${actual})`);
  return bytes;
}


/** Stores bytes in the artifact store under their digest (a no-op when the blob already exists); returns the digest. */
export async function putBytes(bytes: Uint8Array, store: ArtifactStore = artifactStore()): Promise<string> {
  const sha256 = sha256Bytes(bytes);
  const dir = await mkdtemp(join(tmpdir(), "bulwark-blob-"));
  try {
    const p = join(dir, "blob");
    await writeFile(p, bytes);
    await store.put(sha256, p);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return sha256;
}
