import { randomBytes } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdir, open, rm, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { env } from "../env";
import { formatBytes, shown, UploadRefused } from "./limits";

/** A file waiting in the staging folder; `name` is the name the user gave it (relative path). */
export interface StagedFile {
  name: string;
  path: string;
  size: number;
}

export function stagingRoot(): string {
  return join(env().dataDir, "tmp", "uploads");
}

/**
 * A private temporary folder for one upload. Nothing in it is visible to anyone else; it is removed
 * (`dispose`) whatever the outcome. Files move to the artifact store only after the version's rows
 * have committed.
 */
export class Staging {
  private used = 0;
  private constructor(
    readonly dir: string,
    readonly maxBytes: number,
  ) {}

  static async create(maxBytes: number): Promise<Staging> {
    const dir = join(stagingRoot(), `${Date.now()}-${randomBytes(8).toString("hex")}`);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    return new Staging(dir, maxBytes);
  }

  /** An upload's folder made by `create` in another process (the upload check's child works inside it). */
  static open(dir: string, maxBytes: number): Staging {
    return new Staging(dir, maxBytes);
  }

  /** A new empty sub-folder (e.g. to extract an archive into). */
  async subdir(name: string): Promise<string> {
    const d = join(this.dir, `${name}-${randomBytes(4).toString("hex")}`);
    await mkdir(d, { recursive: true, mode: 0o700 });
    return d;
  }

  /** Writes an uploaded stream to the staging folder, refusing it as soon as the size limit is passed. */
  async addStream(name: string, source: Readable | ReadableStream<Uint8Array>): Promise<StagedFile> {
    // The staged file is named by its position only: the user's name (kept in `name`) may be too long
    // for the file system or hold any character.
    const path = this.nextPath();
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    const input = source instanceof Readable ? source : Readable.fromWeb(source as import("node:stream/web").ReadableStream<Uint8Array>);
    let size = 0;
    const max = this.maxBytes;
    const already = this.used;
    const counter = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        size += chunk.length;
        if (already + size > max) cb(new UploadRefused("files", `${shown(name)}: the upload is larger than the limit of ${formatBytes(max)} per version`));
        else cb(null, chunk);
      },
    });
    await pipeline(input, counter, createWriteStream(path, { mode: 0o600 }));
    this.used += size;
    return { name, path, size };
  }

  /** A file written piece by piece (the streaming multipart parser); the size limit is enforced on every write. */
  async openFile(name: string): Promise<{ write(chunk: Uint8Array): Promise<void>; close(): Promise<StagedFile>; abort(): Promise<void> }> {
    // The staged file is named by its position only: the user's name (kept in `name`) may be too long
    // for the file system or hold any character.
    const path = this.nextPath();
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    const fh = await open(path, "wx", 0o600);
    let size = 0;
    // Small network chunks are gathered into 256 KB writes.
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    const flush = async () => {
      if (pendingBytes === 0) return;
      const data = Buffer.concat(pending, pendingBytes);
      pending = [];
      pendingBytes = 0;
      await fh.write(data);
    };
    return {
      write: async (chunk) => {
        size += chunk.length;
        this.used += chunk.length;
        if (this.used > this.maxBytes) throw new UploadRefused("files", `${shown(name)}: the upload is larger than the limit of ${formatBytes(this.maxBytes)} per version`);
        pending.push(Buffer.from(chunk));
        pendingBytes += chunk.length;
        if (pendingBytes >= 256 * 1024) await flush();
      },
      close: async () => {
        await flush();
        await fh.close();
        return { name, path, size };
      },
      abort: async () => {
        await fh.close().catch(() => {});
      },
    };
  }

  async addBytes(name: string, bytes: Uint8Array): Promise<StagedFile> {
    return this.addStream(name, Readable.from([Buffer.from(bytes)]));
  }

  private count = 0;

  private nextPath(): string {
    return join(this.dir, "in", `${String(this.count++).padStart(4, "0")}.upload`);
  }

  async dispose(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }
}

export async function fileSize(path: string): Promise<number> {
  return (await stat(path)).size;
}
