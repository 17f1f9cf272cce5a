import { createWriteStream } from "node:fs";
import { mkdir } from "node:fs/promises";
import { dirname, resolve, sep } from "node:path";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import yauzl from "yauzl";
import { formatBytes, UploadRefused, type UploadLimits } from "./limits";
import type { StagedFile } from "./staging";

// Reads an uploaded zip safely. Every entry of the central directory is checked BEFORE any byte is
// decompressed: names (no absolute paths, no "..", no backslashes, no control characters), type (no
// symlinks or other special files), count, declared total size and per-entry compression ratio (a
// zip bomb is refused here, early). Then entries are streamed to the staging folder with live
// counters, so an archive whose headers lie about sizes is stopped as soon as it passes them.

const ZIP_MAGIC = Buffer.from([0x50, 0x4b, 0x03, 0x04]);
const EMPTY_ZIP_MAGIC = Buffer.from([0x50, 0x4b, 0x05, 0x06]);

export function looksLikeZip(head: Uint8Array): boolean {
  const b = Buffer.from(head.subarray(0, 4));
  return b.equals(ZIP_MAGIC) || b.equals(EMPTY_ZIP_MAGIC);
}

/** Entries that archivers add on their own and that are ignored (never stored). */
export function isJunkEntry(name: string): boolean {
  return name.startsWith("__MACOSX/") || name.split("/").some((s) => s === ".DS_Store" || s === "Thumbs.db" || s === "desktop.ini");
}

const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;
const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
/** Only ratios of entries above this size count: tiny files compress absurdly well for innocent reasons. */
const RATIO_MIN_BYTES = 1024 * 1024;

export interface ArchiveEntry {
  name: string;
  size: number;
}

function open(path: string): Promise<yauzl.ZipFile> {
  return new Promise((res, rej) =>
    yauzl.open(path, { lazyEntries: true, autoClose: false, decodeStrings: false, validateEntrySizes: true, strictFileNames: false }, (err, zf) =>
      err ? rej(err) : res(zf),
    ),
  );
}

function readAllEntries(zf: yauzl.ZipFile): Promise<yauzl.Entry[]> {
  return new Promise((res, rej) => {
    const out: yauzl.Entry[] = [];
    zf.on("entry", (e: yauzl.Entry) => {
      out.push(e);
      zf.readEntry();
    });
    zf.on("end", () => res(out));
    zf.on("error", rej);
    zf.readEntry();
  });
}

function decodeName(e: yauzl.Entry): string {
  const raw = (e.fileNameRaw ?? (e.fileName as unknown as Buffer)) as Buffer;
  return yauzl.getFileNameLowLevel(e.generalPurposeBitFlag, raw, e.extraFields ?? [], false);
}

/** Why an entry name is unsafe, or null. */
export function unsafeEntryName(name: string): string | null {
  if (name.length === 0) return "has an empty name";
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return "has control characters in its name";
  }
  if (name.includes("\\")) return "uses backslashes in its path (not allowed in zip entry names)";
  if (name.startsWith("/") || /^[A-Za-z]:/.test(name)) return "has an absolute path";
  const parts = name.split("/");
  if (parts.some((p) => p === "..")) return "tries to leave the archive folder with \"..\" (path traversal)";
  if (parts.slice(0, -1).some((p) => p === "" || p === ".")) return "has an empty or \".\" path segment";
  if (name.length > 512) return "has a name longer than 512 characters";
  return null;
}

/**
 * Checks and extracts `zipPath` into `destDir`. `label` names the archive in messages.
 * Returns the extracted regular files (junk entries such as __MACOSX/ are skipped and listed in `ignored`).
 */
export async function extractZipSafely(
  zipPath: string,
  destDir: string,
  limits: UploadLimits,
  label: string,
  field = "files",
): Promise<{ files: StagedFile[]; ignored: string[]; dirs: string[] }> {
  const refuse = (msg: string): never => {
    throw new UploadRefused(field, `${label}: ${msg}`);
  };
  let zf: yauzl.ZipFile;
  try {
    zf = await open(zipPath);
  } catch (e) {
    return refuse(`is not a readable zip archive (${(e as Error).message})`);
  }
  try {
    if (zf.entryCount > limits.maxFiles) {
      refuse(`has ${zf.entryCount.toLocaleString("en")} entries; the limit is ${limits.maxFiles.toLocaleString("en")} files per upload`);
    }
    let entries: yauzl.Entry[];
    try {
      entries = await readAllEntries(zf);
    } catch (e) {
      return refuse(`its table of contents is damaged (${(e as Error).message})`);
    }
    const seen = new Set<string>();
    const plan: { entry: yauzl.Entry; name: string }[] = [];
    const ignored: string[] = [];
    const dirs: string[] = [];
    let declared = 0;
    for (const entry of entries) {
      const name = decodeName(entry);
      const bad = unsafeEntryName(name);
      if (bad) refuse(`entry "${name}" ${bad}`);
      const madeOnUnix = entry.versionMadeBy >> 8 === 3;
      const mode = (entry.externalFileAttributes >>> 16) & S_IFMT;
      if (madeOnUnix && mode === S_IFLNK) refuse(`entry "${name}" is a symbolic link; links are not accepted`);
      if (madeOnUnix && mode !== 0 && mode !== S_IFREG && mode !== S_IFDIR) refuse(`entry "${name}" is a special file (not a regular file or folder)`);
      if (entry.isEncrypted()) refuse(`entry "${name}" is encrypted`);
      if (name.endsWith("/")) {
        if (!isJunkEntry(name)) dirs.push(name);
        continue;
      }
      if (entry.compressionMethod !== 0 && entry.compressionMethod !== 8) {
        refuse(`entry "${name}" uses compression method ${entry.compressionMethod}; only stored and deflate are supported`);
      }
      const key = name.normalize("NFC").toLowerCase();
      if (seen.has(key)) refuse(`entry "${name}" appears twice`);
      seen.add(key);
      if (isJunkEntry(name)) {
        ignored.push(name);
        continue;
      }
      const size = entry.uncompressedSize;
      if (size > RATIO_MIN_BYTES && size / Math.max(1, entry.compressedSize) > limits.maxCompressionRatio) {
        refuse(
          `entry "${name}" expands ${Math.round(size / Math.max(1, entry.compressedSize)).toLocaleString("en")}× (${formatBytes(entry.compressedSize)} → ${formatBytes(size)}); ` +
            `more than ${limits.maxCompressionRatio}× is refused as a likely zip bomb`,
        );
      }
      declared += size;
      if (declared > limits.maxTotalBytes) {
        refuse(`uncompresses to more than ${formatBytes(limits.maxTotalBytes)}, the limit per version (refused before extracting)`);
      }
      plan.push({ entry, name });
    }
    const root = resolve(destDir) + sep;
    const files: StagedFile[] = [];
    let written = 0;
    for (const { entry, name } of plan) {
      const target = resolve(destDir, ...name.split("/"));
      if (!target.startsWith(root)) refuse(`entry "${name}" resolves outside the archive folder`);
      await mkdir(dirname(target), { recursive: true, mode: 0o700 });
      let stream: NodeJS.ReadableStream;
      try {
        stream = await zf.openReadStreamPromise(entry);
      } catch (e) {
        return refuse(`entry "${name}" cannot be read (${(e as Error).message})`);
      }
      let size = 0;
      const counter = new Transform({
        transform(chunk: Buffer, _e, cb) {
          size += chunk.length;
          written += chunk.length;
          if (size > entry.uncompressedSize) cb(new UploadRefused(field, `${label}: entry "${name}" holds more data than its header declares (a forged archive)`));
          else if (written > limits.maxTotalBytes) cb(new UploadRefused(field, `${label}: uncompresses to more than ${formatBytes(limits.maxTotalBytes)}, the limit per version`));
          else cb(null, chunk);
        },
      });
      try {
        await pipeline(stream, counter, createWriteStream(target, { mode: 0o600, flags: "wx" }));
      } catch (e) {
        if (e instanceof UploadRefused) throw e;
        return refuse(`entry "${name}" is damaged (${(e as Error).message})`);
      }
      files.push({ name, path: target, size });
    }
    return { files, ignored, dirs };
  } finally {
    zf.close();
  }
}

/** Strips one folder that wraps everything (zips made by "compress folder" usually have one). */
export function stripCommonRoot(names: string[]): { prefix: string } {
  if (names.length === 0) return { prefix: "" };
  const first = names[0].split("/");
  if (first.length < 2) return { prefix: "" };
  const candidate = first[0] + "/";
  return names.every((n) => n.startsWith(candidate) && n.length > candidate.length) ? { prefix: candidate } : { prefix: "" };
}

