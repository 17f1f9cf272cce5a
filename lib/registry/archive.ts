import { createReadStream, createWriteStream, read as fsRead } from "node:fs";
import { mkdir, open as openFile, type FileHandle } from "node:fs/promises";
import { dirname, resolve, sep } from "node:path";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { crc32 } from "node:zlib";
import yauzl from "yauzl";
import { detailOf, formatBytes, shown, UploadRefused, type UploadLimits } from "./limits";
import type { StagedFile } from "./staging";

// Reads an uploaded zip safely. Every entry of the central directory is checked BEFORE any byte is
// decompressed: names (no absolute paths, no "..", no backslashes, no control characters), type (no
// symlinks or other special files), count, declared total size and per-entry compression ratio (a
// zip bomb is refused here, early). Then entries are streamed to the staging folder with live
// counters, so an archive whose headers lie about sizes is stopped as soon as it passes them, and
// every entry's CRC-32 is checked as it streams (a corrupt entry is refused by name).
//
// The entry count is read from the ZIP64 end record when there is one (yauzl does this), and the
// central directory must end exactly where the end record says: an archive with more entries than
// its 16-bit count (a writer without ZIP64 caps it at 65,535) is refused instead of silently cut.

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

/** Largest central directory read into memory (100,000 entries with 512-character names fit). */
const MAX_DIRECTORY_BYTES = 64 * 1024 * 1024;

/**
 * yauzl reads every central-directory entry with two small file reads; for 100,000 entries that took
 * 47 s on a busy 2-core machine. This reader serves the directory (and the end records after it) from
 * one buffer read up front, and entry data from the file.
 */
class DirectoryCachingReader extends yauzl.RandomAccessReader {
  constructor(
    private readonly path: string,
    private readonly fh: FileHandle,
    private readonly tailStart: number,
    private readonly tail: Buffer,
  ) {
    super();
  }
  _readStreamForRange(start: number, end: number) {
    return createReadStream(this.path, { start, end: end - 1 });
  }
  read(buffer: Buffer, offset: number, length: number, position: number, callback: (err: Error | null) => void) {
    if (position >= this.tailStart && position + length <= this.tailStart + this.tail.length) {
      this.tail.copy(buffer, offset, position - this.tailStart, position - this.tailStart + length);
      // Asynchronous on purpose: yauzl asks for the next entry from this callback (no deep recursion,
      // and other requests get their turn between entries).
      setImmediate(callback, null);
      return;
    }
    fsRead(this.fh.fd, buffer, offset, length, position, (err, n) => callback(err ?? (n < length ? new Error("unexpected end of file") : null)));
  }
  close(callback: (err: Error | null) => void) {
    callback(null);
  }
}

/** Walks the central directory in memory: how many entries it really holds and where it really ends. */
function walkDirectory(tail: Buffer): { count: number; bytes: number; next: number | null } {
  let pos = 0;
  let count = 0;
  while (pos + 46 <= tail.length && tail.readUInt32LE(pos) === SIG_CENTRAL) {
    pos += 46 + tail.readUInt16LE(pos + 28) + tail.readUInt16LE(pos + 30) + tail.readUInt16LE(pos + 32);
    count++;
  }
  return { count, bytes: pos, next: pos + 4 <= tail.length ? tail.readUInt32LE(pos) : null };
}

interface OpenedZip {
  zf: yauzl.ZipFile;
  declared: { size: number; offset: number } | null;
  walked: { count: number; bytes: number; next: number | null };
}

async function open(path: string, fh: FileHandle, field: string, label: string): Promise<OpenedZip> {
  const total = (await fh.stat()).size;
  if (total === 0) throw new UploadRefused(field, `${shown(label)}: the file is empty (0 bytes), not a zip archive.`);
  const dir = await declaredDirectory(path);
  let tailStart = total;
  if (dir && dir.offset < total) {
    if (total - dir.offset > MAX_DIRECTORY_BYTES) {
      throw new UploadRefused(field, `${shown(label)}: its table of contents is ${formatBytes(total - dir.offset)}, above the limit of ${formatBytes(MAX_DIRECTORY_BYTES)}.`);
    }
    tailStart = dir.offset;
  }
  const tail = Buffer.alloc(total - tailStart);
  await fh.read(tail, 0, tail.length, tailStart);
  const reader = new DirectoryCachingReader(path, fh, tailStart, tail);
  const zf = await new Promise<yauzl.ZipFile>((res, rej) =>
    yauzl.fromRandomAccessReader(reader, total, { lazyEntries: true, autoClose: false, decodeStrings: false, validateEntrySizes: true, strictFileNames: false }, (err, z) =>
      err ? rej(err) : res(z),
    ),
  );
  return { zf, declared: dir, walked: walkDirectory(dir && dir.offset < total ? tail : Buffer.alloc(0)) };
}

const SIG_CENTRAL = 0x02014b50;
const SIG_END = 0x06054b50;
const SIG_ZIP64_END = 0x06064b50;
const SIG_DIGITAL_SIGNATURE = 0x05054b50;

/** The central directory's size and offset as the end records declare them (ZIP64 values when present). */
async function declaredDirectory(path: string): Promise<{ size: number; offset: number } | null> {
  const fh = await openFile(path, "r");
  try {
    const total = (await fh.stat()).size;
    const len = Math.min(total, 22 + 0xffff + 20);
    const buf = Buffer.alloc(len);
    await fh.read(buf, 0, len, total - len);
    for (let i = len - 22; i >= 0; i--) {
      if (buf.readUInt32LE(i) !== SIG_END) continue;
      let size = buf.readUInt32LE(i + 12);
      let offset = buf.readUInt32LE(i + 16);
      if (i >= 20 && buf.readUInt32LE(i - 20) === 0x07064b50) {
        const rec = Buffer.alloc(56);
        await fh.read(rec, 0, 56, Number(buf.readBigUInt64LE(i - 20 + 8)));
        if (rec.readUInt32LE(0) === SIG_ZIP64_END) {
          size = Number(rec.readBigUInt64LE(40));
          offset = Number(rec.readBigUInt64LE(48));
        }
      }
      return { size, offset };
    }
    return null;
  } finally {
    await fh.close();
  }
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

function rawName(e: yauzl.Entry): Buffer {
  return (e.fileNameRaw ?? (e.fileName as unknown as Buffer)) as Buffer;
}

function decodeName(e: yauzl.Entry): string {
  return yauzl.getFileNameLowLevel(e.generalPurposeBitFlag, rawName(e), e.extraFields ?? [], false);
}

/**
 * Control bytes in the stored name. Needed besides the check of the decoded name: without the UTF-8
 * flag a name is decoded as CP437, which turns bytes 0x01–0x1f into printable symbols (\n → ◙).
 */
function rawControlByte(e: yauzl.Entry): number | null {
  for (const b of rawName(e)) if (b < 0x20 || b === 0x7f) return b;
  return null;
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
  if (parts.slice(0, -1).some((p) => p === "")) return "has an empty path segment (\"//\")";
  if (parts.some((p) => p === ".")) return "has a \".\" path segment";
  if (name.length > 512) return "has a name longer than 512 characters";
  return null;
}

export interface ZipDirectory {
  zf: yauzl.ZipFile;
  /** Regular files to extract, in archive order. */
  plan: { entry: yauzl.Entry; name: string }[];
  ignored: string[];
  dirs: string[];
  close(): Promise<void>;
}

/**
 * Opens `zipPath` and checks its whole table of contents (nothing is decompressed yet). `label` names
 * the archive in messages. The caller must `close()` what it returns.
 */
export async function readZipDirectory(zipPath: string, limits: UploadLimits, label: string, field = "files"): Promise<ZipDirectory> {
  const refuse = (msg: string): never => {
    throw new UploadRefused(field, `${shown(label)}: ${msg}`);
  };
  const fh = await openFile(zipPath, "r");
  let opened: OpenedZip;
  try {
    opened = await open(zipPath, fh, field, label);
  } catch (e) {
    await fh.close();
    if (e instanceof UploadRefused) throw e;
    return refuse(`is not a readable zip archive (${detailOf(e)})`);
  }
  const { zf, declared, walked } = opened;
  const close = async () => {
    zf.close();
    await fh.close();
  };
  try {
    // The directory must hold exactly as many entries as the end record counts and end where it says,
    // followed by an end record: otherwise part of the archive would be read silently.
    if (walked.count > zf.entryCount) {
      refuse(`its end record counts ${zf.entryCount.toLocaleString("en")} entries, but its central directory holds ${walked.count.toLocaleString("en")} (an archive of more than 65,535 files written without ZIP64?). Refused rather than read in part; re-create it with a ZIP64-capable tool (zip 3, 7-Zip, Python's zipfile)`);
    }
    if (!declared || walked.count !== zf.entryCount || walked.bytes !== declared.size || (walked.next !== SIG_END && walked.next !== SIG_ZIP64_END && walked.next !== SIG_DIGITAL_SIGNATURE)) {
      refuse(
        `its end record declares ${zf.entryCount.toLocaleString("en")} entries in ${declared ? declared.size.toLocaleString("en") : "an unknown number of"} bytes, ` +
          `but its central directory holds ${walked.count.toLocaleString("en")} entries in ${walked.bytes.toLocaleString("en")} bytes: the archive is damaged or forged`,
      );
    }
    if (zf.entryCount > limits.maxFiles) {
      refuse(`has ${zf.entryCount.toLocaleString("en")} entries; the limit is ${limits.maxFiles.toLocaleString("en")} files per upload`);
    }
    let entries: yauzl.Entry[];
    try {
      entries = await readAllEntries(zf);
    } catch (e) {
      return refuse(`its table of contents is damaged (${detailOf(e)})`);
    }
    const seen = new Set<string>();
    const plan: { entry: yauzl.Entry; name: string }[] = [];
    const ignored: string[] = [];
    const dirs: string[] = [];
    let declaredBytes = 0;
    for (const entry of entries) {
      const name = decodeName(entry);
      if (rawControlByte(entry) !== null) refuse(`entry "${shown(name)}" has control characters in its name (byte 0x${rawControlByte(entry)!.toString(16).padStart(2, "0")})`);
      const bad = unsafeEntryName(name);
      if (bad) refuse(`entry "${shown(name)}" ${bad}`);
      const madeOnUnix = entry.versionMadeBy >> 8 === 3;
      const mode = (entry.externalFileAttributes >>> 16) & S_IFMT;
      if (madeOnUnix && mode === S_IFLNK) refuse(`entry "${shown(name)}" is a symbolic link; links are not accepted`);
      if (madeOnUnix && mode !== 0 && mode !== S_IFREG && mode !== S_IFDIR) refuse(`entry "${shown(name)}" is a special file (not a regular file or folder)`);
      if (entry.isEncrypted()) refuse(`entry "${shown(name)}" is encrypted`);
      if (name.endsWith("/")) {
        if (!isJunkEntry(name)) dirs.push(name);
        continue;
      }
      if (entry.compressionMethod !== 0 && entry.compressionMethod !== 8) {
        refuse(`entry "${shown(name)}" uses compression method ${entry.compressionMethod}; only stored and deflate are supported`);
      }
      const key = name.normalize("NFC").toLowerCase();
      if (seen.has(key)) refuse(`entry "${shown(name)}" appears twice`);
      seen.add(key);
      if (isJunkEntry(name)) {
        ignored.push(name);
        continue;
      }
      const size = entry.uncompressedSize;
      if (size > RATIO_MIN_BYTES && size / Math.max(1, entry.compressedSize) > limits.maxCompressionRatio) {
        refuse(
          `entry "${shown(name)}" expands ${Math.round(size / Math.max(1, entry.compressedSize)).toLocaleString("en")}× (${formatBytes(entry.compressedSize)} → ${formatBytes(size)}); ` +
            `more than ${limits.maxCompressionRatio}× is refused as a likely zip bomb`,
        );
      }
      declaredBytes += size;
      if (declaredBytes > limits.maxTotalBytes) {
        refuse(`uncompresses to more than ${formatBytes(limits.maxTotalBytes)}, the limit per version (refused before extracting)`);
      }
      plan.push({ entry, name });
    }
    return { zf, plan, ignored, dirs, close };
  } catch (e) {
    await close();
    throw e;
  }
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
    throw new UploadRefused(field, `${shown(label)}: ${msg}`);
  };
  const { zf, plan, ignored, dirs, close } = await readZipDirectory(zipPath, limits, label, field);
  try {
    const root = resolve(destDir) + sep;
    const files: StagedFile[] = [];
    let written = 0;
    for (const { entry, name } of plan) {
      const target = resolve(destDir, ...name.split("/"));
      if (!target.startsWith(root)) refuse(`entry "${shown(name)}" resolves outside the archive folder`);
      await mkdir(dirname(target), { recursive: true, mode: 0o700 });
      let stream: NodeJS.ReadableStream;
      try {
        stream = await zf.openReadStreamPromise(entry);
      } catch (e) {
        return refuse(`entry "${shown(name)}" cannot be read (${detailOf(e)})`);
      }
      let size = 0;
      let crc = 0;
      const counter = new Transform({
        transform(chunk: Buffer, _e, cb) {
          size += chunk.length;
          written += chunk.length;
          crc = crc32(chunk, crc);
          if (size > entry.uncompressedSize) cb(new UploadRefused(field, `${shown(label)}: entry "${shown(name)}" holds more data than its header declares (a forged archive)`));
          else if (written > limits.maxTotalBytes) cb(new UploadRefused(field, `${shown(label)}: uncompresses to more than ${formatBytes(limits.maxTotalBytes)}, the limit per version`));
          else cb(null, chunk);
        },
        flush(cb) {
          if (size !== entry.uncompressedSize) cb(new UploadRefused(field, `${shown(label)}: entry "${shown(name)}" holds ${size.toLocaleString("en")} bytes but its header declares ${entry.uncompressedSize.toLocaleString("en")} (a damaged or forged archive)`));
          else if (crc >>> 0 !== entry.crc32 >>> 0) {
            cb(new UploadRefused(field, `${shown(label)}: entry "${shown(name)}" is corrupt: its CRC-32 is ${hex8(crc)} but the archive records ${hex8(entry.crc32)}`));
          } else cb();
        },
      });
      try {
        await pipeline(stream, counter, createWriteStream(target, { mode: 0o600, flags: "wx" }));
      } catch (e) {
        if (e instanceof UploadRefused) throw e;
        return refuse(`entry "${shown(name)}" is damaged (${detailOf(e)})`);
      }
      files.push({ name, path: target, size });
    }
    return { files, ignored, dirs };
  } finally {
    await close();
  }
}

const hex8 = (n: number) => `0x${(n >>> 0).toString(16).padStart(8, "0")}`;

/** Strips one folder that wraps everything (zips made by "compress folder" usually have one). */
export function stripCommonRoot(names: string[]): { prefix: string } {
  if (names.length === 0) return { prefix: "" };
  const first = names[0].split("/");
  if (first.length < 2) return { prefix: "" };
  const candidate = first[0] + "/";
  return names.every((n) => n.startsWith(candidate) && n.length > candidate.length) ? { prefix: candidate } : { prefix: "" };
}

