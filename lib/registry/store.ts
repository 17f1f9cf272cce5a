import { createHash, randomBytes } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { chmod, link, mkdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
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
}

/** An S3-compatible bucket (AWS S3, MinIO, Ceph RGW, …) through the official AWS SDK v3 client. */
export class S3ArtifactStore implements ArtifactStore {
  readonly kind = "s3" as const;
  private clientPromise: Promise<{ client: import("@aws-sdk/client-s3").S3Client; sdk: typeof import("@aws-sdk/client-s3") }> | null = null;
  constructor(readonly opts: S3StoreOptions) {}
  get location() {
    return `s3://${this.opts.bucket}/${this.opts.prefix ?? ""}${this.opts.endpoint ? ` at ${this.opts.endpoint}` : ""}`;
  }
  private async s3() {
    this.clientPromise ??= import("@aws-sdk/client-s3").then((sdk) => ({
      sdk,
      client: new sdk.S3Client({
        region: this.opts.region,
        endpoint: this.opts.endpoint,
        forcePathStyle: Boolean(this.opts.endpoint),
        credentials:
          this.opts.accessKeyId && this.opts.secretAccessKey
            ? { accessKeyId: this.opts.accessKeyId, secretAccessKey: this.opts.secretAccessKey }
            : undefined,
      }),
    }));
    return this.clientPromise;
  }
  private key(sha256: string) {
    return `${this.opts.prefix ?? ""}${blobKey(sha256)}`;
  }
  async has(sha256: string): Promise<boolean> {
    const { client, sdk } = await this.s3();
    try {
      await client.send(new sdk.HeadObjectCommand({ Bucket: this.opts.bucket, Key: this.key(sha256) }));
      return true;
    } catch (e) {
      const status = (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      if (status === 404 || (e as Error).name === "NotFound") return false;
      throw e;
    }
  }
  async put(sha256: string, sourcePath: string): Promise<{ created: boolean }> {
    if (await this.has(sha256)) return { created: false };
    const check = await sha256File(sourcePath);
    if (check.sha256 !== sha256) throw new Error(`content of ${sourcePath} hashes to ${check.sha256}, not ${sha256}`);
    const { client, sdk } = await this.s3();
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
    return { created: true };
  }
  async read(sha256: string): Promise<Buffer> {
    const chunks: Buffer[] = [];
    for await (const c of await this.stream(sha256)) chunks.push(c as Buffer);
    return Buffer.concat(chunks);
  }
  async stream(sha256: string): Promise<Readable> {
    const { client, sdk } = await this.s3();
    const res = await client.send(new sdk.GetObjectCommand({ Bucket: this.opts.bucket, Key: this.key(sha256) }));
    return res.Body as Readable;
  }
  async assertWritable(): Promise<void> {
    // A bucket that refuses writes shows at the first PUT; that failure is handled like a full disk.
  }
  async remove(sha256: string): Promise<void> {
    const { client, sdk } = await this.s3();
    await client.send(new sdk.DeleteObjectCommand({ Bucket: this.opts.bucket, Key: this.key(sha256) }));
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
      })
    : new LocalArtifactStore(join(e.dataDir, "artifacts"));
  return cached;
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

