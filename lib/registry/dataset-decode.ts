import { createReadStream } from "node:fs";
import { open, readFile } from "node:fs/promises";
import { isUtf8 } from "node:buffer";
import { crc32, gunzipSync } from "node:zlib";
import { parse as parseCsv } from "csv-parse";
import jpeg from "jpeg-js";
import { PNG } from "pngjs";
import { stripCommonRoot } from "./archive";
import { detailOf, formatBytes, refuseAll, shown, UploadRefused } from "./limits";
import type { Problem } from "./model-files";
import type { StagedFile } from "./staging";
import type { DatasetUploadOptions } from "./dataset-card";

// Decoders from the three upload formats to one normalised form: float32 samples (N, …shape) and
// int32 labels indexing classLabels. Each refusal names the file (and line, for CSV).

export interface DecodedDataset {
  sampleShape: number[];
  x: Float32Array;
  labels: Int32Array;
  classLabels: string[];
  featureNames?: string[];
  valueMin: number;
  valueMax: number;
  warnings: string[];
  /** First rows (CSV) for the preview. */
  rows?: { columns: string[]; rows: string[][] };
}

/** Decodes an upload (already expanded: an archive's entries and folders) in the format its options name. */
export async function decodeDataset(opts: DatasetUploadOptions, files: StagedFile[], dirs: string[], archived: boolean, maxBytes: number): Promise<DecodedDataset> {
  const { format } = opts;
  if (format === "image-zip") {
    if (!archived) throw new UploadRefused("files", "Upload the images as one .zip with a folder per class (e.g. cat/001.png, dog/002.jpg).");
    return decodeImageFolders(files, dirs, opts.classLabels);
  }
  if (format === "idx") return decodeIdx(files, opts.classLabels, maxBytes);
  if (files.length !== 1) throw new UploadRefused("files", `Upload one CSV file (got ${files.length} files).`);
  return decodeCsv(files[0], opts.labelColumn, opts.classLabels);
}

/** Largest normalised tensor accepted (float32 bytes). */
export const MAX_TENSOR_BYTES = 1024 * 1024 * 1024;
const MAX_PIXELS = 4096 * 4096;

const naturalCompare = new Intl.Collator("en", { numeric: true, sensitivity: "base" }).compare;

function orderClasses(found: string[], given: string[] | undefined, what: string): string[] {
  const sorted = [...found].sort(naturalCompare);
  if (!given) return sorted;
  const missing = found.filter((c) => !given.includes(c));
  if (missing.length) {
    throw new UploadRefused("classLabels", `The ${what} has classes that are not in the class labels you gave: ${someOf(missing)}.`);
  }
  return given;
}

/** Up to 10 quoted names, then how many more: a message stays short whatever the upload holds. */
function someOf(names: string[]): string {
  const head = names.slice(0, 10).map((n) => `"${shown(n, 40)}"`).join(", ");
  return names.length > 10 ? `${head} and ${(names.length - 10).toLocaleString("en")} more` : head;
}

function checkEmptyClasses(classLabels: string[], labels: Int32Array, field = "files", what = "class") {
  const counts = new Array<number>(classLabels.length).fill(0);
  for (const l of labels) counts[l]++;
  const empty = classLabels.filter((_, i) => counts[i] === 0);
  if (empty.length) {
    throw new UploadRefused(field, `${empty.length === 1 ? `The ${what} "${shown(empty[0], 40)}" has` : `The ${what}es ${someOf(empty)} have`} no samples; remove ${empty.length === 1 ? "it" : "them"} from the class labels or add samples.`);
  }
  return counts;
}

function range(x: Float32Array): { min: number; max: number } {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return { min, max };
}

// --- (a) images: a zip of class-named folders of PNG/JPEG ----------------------------------------

interface Image {
  w: number;
  h: number;
  rgba: Uint8Array;
}

/** Width and height from a PNG's IHDR chunk or a JPEG's start-of-frame marker, without decoding pixels. */
export function imageHeaderSize(bytes: Buffer): { w: number; h: number } | null {
  if (bytes.length >= 24 && bytes.readUInt32BE(0) === 0x89504e47 && bytes.toString("latin1", 12, 16) === "IHDR") {
    return { w: bytes.readUInt32BE(16), h: bytes.readUInt32BE(20) };
  }
  if (bytes.length >= 4 && bytes[0] === 0xff && bytes[1] === 0xd8) {
    let i = 2;
    while (i + 4 <= bytes.length) {
      if (bytes[i] !== 0xff) return null;
      const marker = bytes[i + 1];
      if (marker === 0xff) {
        i++;
        continue;
      }
      if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
        i += 2;
        continue;
      }
      const len = bytes.readUInt16BE(i + 2);
      // SOF0–SOF15 except DHT (C4), JPG (C8) and DAC (CC) carry height then width.
      if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
        if (i + 9 > bytes.length) return null;
        return { h: bytes.readUInt16BE(i + 5), w: bytes.readUInt16BE(i + 7) };
      }
      i += 2 + len;
    }
  }
  return null;
}

/**
 * Walks a PNG's chunks and checks each one's CRC-32 before decoding (pngjs reports a bad CRC as
 * "unrecognised content at end of stream"): the problem in words, or null.
 */
function pngChunkProblem(bytes: Buffer): string | null {
  let pos = 8;
  while (pos + 12 <= bytes.length) {
    const len = bytes.readUInt32BE(pos);
    const type = bytes.toString("latin1", pos + 4, pos + 8);
    if (pos + 12 + len > bytes.length) return `the file is truncated (its ${shown(type, 8)} chunk needs ${len.toLocaleString("en")} bytes, ${(bytes.length - pos - 12).toLocaleString("en")} are left)`;
    const stored = bytes.readUInt32BE(pos + 8 + len);
    if ((crc32(bytes.subarray(pos + 4, pos + 8 + len)) >>> 0) !== stored) return `the checksum (CRC) of its ${shown(type, 8)} chunk does not match its data: the file is corrupt`;
    if (type === "IEND") return null;
    pos += 12 + len;
  }
  return "the file is truncated (it ends before its IEND chunk)";
}

/** What pngjs's own error means, in words for the person who uploaded the file. */
function pngProblem(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  if (/crc/i.test(m)) return "a chunk's checksum (CRC) does not match its data: the file is corrupt";
  if (/unexpected end|end of|truncat|not enough|premature|unfinished|read requests|finished stream/i.test(m)) return "the file is truncated (it ends before the image data does)";
  if (/invalid file signature|signature/i.test(m)) return "it does not start like a PNG file";
  if (/zlib|inflate|invalid (?:distance|code|block|stored)|incorrect header check|data error/i.test(m)) return "its compressed image data is damaged";
  return `the file is damaged (${detailOf(e)})`;
}

export function decodeImage(name: string, bytes: Buffer): Image {
  const label = shown(name);
  if (bytes.length === 0) throw new UploadRefused("files", `${label}: the file is empty (0 bytes), not an image.`);
  const isPng = bytes.length >= 8 && bytes.readUInt32BE(0) === 0x89504e47;
  const isJpeg = bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;
  if (isPng || isJpeg) {
    // The size is read from the header first: a 30000×30000 image is refused before any pixel is decoded.
    const size = imageHeaderSize(bytes);
    if (!size) throw new UploadRefused("files", `${label}: not a valid ${isPng ? "PNG" : "JPEG"} image (${isPng ? "its header chunk is missing or truncated" : "no image size found in its header"}).`);
    if (size.w === 0 || size.h === 0) throw new UploadRefused("files", `${label}: the image header says ${size.w}×${size.h} pixels; an image needs at least one pixel.`);
    if (size.w * size.h > MAX_PIXELS) {
      throw new UploadRefused("files", `${label}: ${size.w.toLocaleString("en")}×${size.h.toLocaleString("en")} pixels is above the limit of ${MAX_PIXELS.toLocaleString("en")} pixels (4096×4096) per image; resize the images.`);
    }
  }
  if (isPng) {
    const chunkProblem = pngChunkProblem(bytes);
    if (chunkProblem) throw new UploadRefused("files", `${label}: not a valid PNG image: ${chunkProblem}.`);
    try {
      const png = PNG.sync.read(bytes);
      return { w: png.width, h: png.height, rgba: png.data };
    } catch (e) {
      throw new UploadRefused("files", `${label}: not a valid PNG image: ${pngProblem(e)}.`);
    }
  }
  if (isJpeg) {
    try {
      const j = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxResolutionInMP: 16, maxMemoryUsageInMB: 256 });
      return { w: j.width, h: j.height, rgba: j.data };
    } catch (e) {
      const m = e instanceof Error ? e.message : String(e);
      throw new UploadRefused("files", `${label}: not a valid JPEG image: ${/marker|eof|end|offset|out of range|undefined/i.test(m) ? "the file is truncated or damaged" : `the file is damaged (${detailOf(e)})`}.`);
    }
  }
  const ext = name.split(".").pop()?.toLowerCase();
  if (ext === "png" || ext === "jpg" || ext === "jpeg") throw new UploadRefused("files", `${label}: the file is named like an image but is not a valid ${ext === "png" ? "PNG" : "JPEG"} image (its first bytes are wrong).`);
  throw new UploadRefused("files", `${label}: only PNG and JPEG images are accepted in class folders.`);
}

export async function decodeImageFolders(files: StagedFile[], dirs: string[], given: string[] | undefined): Promise<DecodedDataset> {
  let { prefix } = stripCommonRoot([...files.map((f) => f.name), ...dirs.filter((d) => d.split("/").length > 2)]);
  // One folder holding all the images is a single class folder, not a wrapping folder to strip.
  if (prefix && files.every((f) => !f.name.slice(prefix.length).includes("/"))) prefix = "";
  const warnings: string[] = [];
  const byClass = new Map<string, StagedFile[]>();
  for (const f of files) {
    const rel = f.name.slice(prefix.length);
    const parts = rel.split("/");
    if (parts.length < 2) {
      if (/\.(png|jpe?g)$/i.test(rel)) throw new UploadRefused("files", `${shown(f.name)}: images must be inside a folder named after their class (e.g. cat/${shown(rel)}).`);
      warnings.push(`${shown(f.name)} is not in a class folder and was ignored.`);
      continue;
    }
    if (parts[parts.length - 1].startsWith(".")) {
      warnings.push(`${shown(f.name)} (a hidden file) was ignored.`);
      continue;
    }
    // Refused rather than counted in the class of its top folder: a sub-folder usually means a
    // different layout (train/cat/…) that would give wrong labels without anyone noticing.
    if (parts.length > 2) {
      throw new UploadRefused(
        "files",
        `${shown(f.name)}: files must sit directly in their class folder (e.g. ${shown(parts[0], 40)}/${shown(parts[parts.length - 1], 40)}); sub-folders inside a class folder ("${shown(parts.slice(0, -1).join("/"), 60)}/") are not accepted.`,
      );
    }
    const cls = parts[0];
    if (!byClass.has(cls)) byClass.set(cls, []);
    byClass.get(cls)!.push(f);
  }
  for (const d of dirs) {
    const rel = d.slice(prefix.length).replace(/\/$/, "");
    if (rel && !rel.includes("/") && !byClass.has(rel)) throw new UploadRefused("files", `The class folder "${shown(d)}" is empty: every class needs at least one image.`);
  }
  if (byClass.size === 0) throw new UploadRefused("files", "The archive holds no images in class folders (expected e.g. cat/001.png, dog/002.jpg).");
  if (byClass.size < 2) throw new UploadRefused("files", `The archive has only one class folder ("${shown([...byClass.keys()][0])}"); a classification dataset needs at least two (e.g. cat/ and dog/).`);
  const classLabels = orderClasses([...byClass.keys()], given, "archive");
  const items: { name: string; cls: number }[] = [];
  for (const [cls, list] of byClass) for (const f of list.sort((a, b) => naturalCompare(a.name, b.name))) items.push({ name: f.name, cls: classLabels.indexOf(cls) });
  items.sort((a, b) => a.cls - b.cls || naturalCompare(a.name, b.name));
  const pathOf = new Map(files.map((f) => [f.name, f.path]));

  let w = 0;
  let h = 0;
  let gray = true;
  const transparent: string[] = [];
  const pixels: Uint8Array[] = [];
  for (const it of items) {
    const img = decodeImage(it.name, await readFile(pathOf.get(it.name)!));
    if (pixels.length === 0) {
      w = img.w;
      h = img.h;
      if (items.length * w * h * 3 * 4 > MAX_TENSOR_BYTES && items.length * w * h * 4 > MAX_TENSOR_BYTES) {
        throw new UploadRefused("files", `${items.length} images of ${w}×${h} pixels make a tensor above ${formatBytes(MAX_TENSOR_BYTES)}; resize or split the dataset.`);
      }
    } else if (img.w !== w || img.h !== h) {
      throw new UploadRefused("files", `${shown(it.name)} is ${img.w}×${img.h} pixels but ${shown(items[0].name)} is ${w}×${h}; all images must have the same size.`);
    }
    for (let p = 3; p < img.rgba.length; p += 4) {
      if (img.rgba[p] !== 255) {
        transparent.push(it.name);
        break;
      }
    }
    // Keep RGB only; note whether every image is grey.
    const rgb = new Uint8Array(w * h * 3);
    for (let p = 0, q = 0; p < img.rgba.length; p += 4, q += 3) {
      rgb[q] = img.rgba[p];
      rgb[q + 1] = img.rgba[p + 1];
      rgb[q + 2] = img.rgba[p + 2];
      if (gray && (rgb[q] !== rgb[q + 1] || rgb[q] !== rgb[q + 2])) gray = false;
    }
    pixels.push(rgb);
  }
  const c = gray ? 1 : 3;
  const size = w * h * c;
  if (items.length * size * 4 > MAX_TENSOR_BYTES) throw new UploadRefused("files", `${items.length} images of ${w}×${h}×${c} make a tensor above ${formatBytes(MAX_TENSOR_BYTES)}.`);
  const x = new Float32Array(items.length * size);
  pixels.forEach((rgb, i) => {
    const off = i * size;
    if (gray) for (let p = 0; p < w * h; p++) x[off + p] = rgb[p * 3] / 255;
    else for (let p = 0; p < size; p++) x[off + p] = rgb[p] / 255;
  });
  const labels = Int32Array.from(items.map((it) => it.cls));
  checkEmptyClasses(classLabels, labels);
  if (transparent.length) {
    warnings.push(
      `${transparent.length === 1 ? `${shown(transparent[0])} has` : `${transparent.length.toLocaleString("en")} images (e.g. ${shown(transparent[0])}) have`} transparent pixels: ` +
        `the alpha channel was dropped and only the colour values are used (a transparent pixel counts as its stored colour, not as the background).`,
    );
  }
  const r = range(x);
  return { sampleShape: [h, w, c], x, labels, classLabels, valueMin: r.min, valueMax: r.max, warnings };
}

// --- (b) IDX (the MNIST format) ------------------------------------------------------------------

const IDX_TYPES: Record<number, { name: string; bytes: number }> = {
  0x08: { name: "unsigned byte", bytes: 1 },
  0x09: { name: "signed byte", bytes: 1 },
  0x0b: { name: "short", bytes: 2 },
  0x0c: { name: "int", bytes: 4 },
  0x0d: { name: "float", bytes: 4 },
  0x0e: { name: "double", bytes: 8 },
};

interface IdxFile {
  name: string;
  type: number;
  dims: number[];
  data: Buffer;
}

const hex = (n: number) => (n >>> 0).toString(16).padStart(8, "0");

function idxDims(buf: Buffer, nd: number): number[] {
  const dims: number[] = [];
  for (let i = 0; i < nd; i++) dims.push(buf.readUInt32BE(4 + i * 4));
  return dims;
}

/** Every (type, number of dimensions) whose header would describe exactly this file's length. */
function idxReadingsThatFit(buf: Buffer): { type: number; nd: number; dims: number[] }[] {
  const out: { type: number; nd: number; dims: number[] }[] = [];
  for (const nd of [1, 3, 4, 2]) {
    if (buf.length < 4 + nd * 4) continue;
    const dims = idxDims(buf, nd);
    if (dims.includes(0)) continue;
    for (const t of [0x08, 0x0d, 0x09, 0x0b, 0x0c, 0x0e]) {
      if (4 + nd * 4 + dims.reduce((a, b) => a * b, 1) * IDX_TYPES[t].bytes === buf.length) out.push({ type: t, nd, dims });
    }
  }
  return out;
}

export function parseIdx(name: string, raw: Buffer, maxBytes: number): IdxFile {
  let buf = raw;
  if (raw.length >= 2 && raw[0] === 0x1f && raw[1] === 0x8b) {
    try {
      buf = gunzipSync(raw, { maxOutputLength: maxBytes });
    } catch (e) {
      throw new UploadRefused("files", `${shown(name)}: the gzip data could not be unpacked (${detailOf(e)}).`);
    }
  }
  const magic = buf.length >= 4 ? buf.readUInt32BE(0) : -1;
  const type = buf[2];
  const nd = buf[3];
  if (buf.length < 4 || buf[0] !== 0 || buf[1] !== 0 || !IDX_TYPES[type] || nd < 1 || nd > 4) {
    throw new UploadRefused(
      "files",
      `${shown(name)}: wrong magic number ${magic < 0 ? "(file shorter than 4 bytes)" : "0x" + magic.toString(16).padStart(8, "0")}; an IDX file starts with 0x0000, a type byte (0x08 for unsigned bytes) and the number of dimensions, e.g. 0x00000803 for images and 0x00000801 for labels.`,
    );
  }
  const label = shown(name);
  if (buf.length < 4 + nd * 4) throw new UploadRefused("files", `${label}: the file ends inside its header (magic number 0x${hex(magic)} announces ${nd} dimension sizes).`);
  const dims = idxDims(buf, nd);
  const header = 4 + nd * 4;
  const expected = header + dims.reduce((a, b) => a * b, 1) * IDX_TYPES[type].bytes;
  if (buf.length !== expected) {
    // A magic number that announces the wrong type or number of dimensions makes the sizes absurd
    // (data bytes read as dimensions). When the declared size is far off (not a plain truncation) and
    // another reading of the header fits the file exactly, say that the magic number is wrong.
    const farOff = expected > 2 * buf.length || expected * 2 < buf.length;
    const fits = farOff ? idxReadingsThatFit(buf).filter((r) => r.type !== type || r.nd !== nd) : [];
    if (fits.length) {
      const f = fits[0];
      throw new UploadRefused(
        "files",
        `${label}: wrong magic number 0x${hex(magic)} (${nd} dimension${nd === 1 ? "" : "s"} of ${IDX_TYPES[type].name} values): the file's length fits 0x${hex((f.type << 8) | f.nd)} instead ` +
          `(${f.dims.join("×")} ${IDX_TYPES[f.type].name} values). Labels files start with 0x00000801, image files with 0x00000803.`,
      );
    }
    throw new UploadRefused("files", `${label}: ${buf.length.toLocaleString("en")} bytes, but its header describes ${dims.join("×")} ${IDX_TYPES[type].name} values (${expected.toLocaleString("en")} bytes) — the file is ${buf.length < expected ? "truncated" : "too long"}.`);
  }
  return { name, type, dims, data: buf.subarray(header) };
}

function idxValues(f: IdxFile): Float64Array {
  const n = f.dims.reduce((a, b) => a * b, 1);
  const out = new Float64Array(n);
  const d = f.data;
  for (let i = 0; i < n; i++) {
    switch (f.type) {
      case 0x08: out[i] = d[i]; break;
      case 0x09: out[i] = d.readInt8(i); break;
      case 0x0b: out[i] = d.readInt16BE(i * 2); break;
      case 0x0c: out[i] = d.readInt32BE(i * 4); break;
      case 0x0d: out[i] = d.readFloatBE(i * 4); break;
      default: out[i] = d.readDoubleBE(i * 8);
    }
  }
  return out;
}

/** Sorted integers as short ranges: 0–9, 12, 15–17 (at most 6 ranges shown). */
function describeLabels(sorted: number[]): string {
  const ranges: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j] + 1) j++;
    ranges.push(i === j ? `${sorted[i]}` : `${sorted[i]}–${sorted[j]}`);
    i = j + 1;
  }
  return ranges.length > 6 ? `${ranges.slice(0, 6).join(", ")}, …` : ranges.join(", ");
}

function describeMissing(sorted: number[]): string {
  const present = new Set(sorted);
  const missing: number[] = [];
  for (let l = 0; l < sorted[sorted.length - 1]; l++) if (!present.has(l)) missing.push(l);
  return describeLabels(missing);
}

export async function decodeIdx(files: StagedFile[], given: string[] | undefined, maxBytes: number): Promise<DecodedDataset> {
  const parsed: IdxFile[] = [];
  for (const f of files) parsed.push(parseIdx(f.name, await readFile(f.path), maxBytes));
  const images = parsed.filter((p) => p.dims.length >= 3);
  const labelFiles = parsed.filter((p) => p.dims.length === 1);
  if (images.length !== 1 || labelFiles.length !== 1 || parsed.length !== 2) {
    throw new UploadRefused(
      "files",
      `Upload two IDX files: the images (3 or 4 dimensions, e.g. t10k-images-idx3-ubyte) and the labels (1 dimension, e.g. t10k-labels-idx1-ubyte); got ${parsed.map((p) => `${p.name} (${p.dims.length} dimension${p.dims.length === 1 ? "" : "s"})`).join(", ")}.`,
    );
  }
  const img = images[0];
  const lab = labelFiles[0];
  if (img.dims[0] !== lab.dims[0]) throw new UploadRefused("files", `${shown(img.name)} holds ${img.dims[0]} images but ${shown(lab.name)} holds ${lab.dims[0]} labels.`);
  if (![0x08, 0x09, 0x0b, 0x0c].includes(lab.type)) throw new UploadRefused("files", `${shown(lab.name)}: labels must be integers, not ${IDX_TYPES[lab.type].name} values.`);
  const n = img.dims[0];
  if (n === 0) throw new UploadRefused("files", `${shown(img.name)} holds no images.`);
  const sampleShape = img.dims.length === 3 ? [img.dims[1], img.dims[2], 1] : img.dims.slice(1);
  const size = sampleShape.reduce((a, b) => a * b, 1);
  if (n * size * 4 > MAX_TENSOR_BYTES) throw new UploadRefused("files", `${shown(img.name)}: ${n} samples of ${sampleShape.join("×")} make a tensor above ${formatBytes(MAX_TENSOR_BYTES)}.`);
  const vals = idxValues(img);
  const x = new Float32Array(n * size);
  const scale = img.type === 0x08 ? 1 / 255 : 1;
  for (let i = 0; i < vals.length; i++) {
    const v = vals[i] * scale;
    if (!Number.isFinite(v)) throw new UploadRefused("files", `${shown(img.name)}: value ${i} of sample ${Math.floor(i / size)} is not finite.`);
    x[i] = v;
  }
  const rawLabels = idxValues(lab);
  let maxLabel = 0;
  for (let i = 0; i < n; i++) {
    if (rawLabels[i] < 0) throw new UploadRefused("files", `${shown(lab.name)}: sample ${i} has the negative label ${rawLabels[i]}.`);
    maxLabel = Math.max(maxLabel, rawLabels[i]);
  }
  if (!given) {
    // Without class labels, the labels must be 0…K-1. A stray large label (200 among 0–9) is named
    // instead of listing 190 classes without samples.
    const present = new Set<number>();
    for (let i = 0; i < n; i++) present.add(rawLabels[i]);
    if (present.size < maxLabel + 1) {
      const sorted = [...present].sort((a, b) => a - b);
      const at = rawLabels.findIndex((l) => l === maxLabel);
      const below = sorted.filter((l) => l !== maxLabel);
      throw new UploadRefused(
        "files",
        `${shown(lab.name)}: sample ${at} has label ${maxLabel}, but ${present.size === 1 ? "it is the only label" : `the other labels are ${describeLabels(below)}`}; ` +
          `without class labels the labels must be 0 to (number of classes − 1), so labels ${describeMissing(sorted)} would be classes with no samples. Fix label ${maxLabel}, or give the class labels.`,
      );
    }
  }
  const classLabels = given ?? Array.from({ length: maxLabel + 1 }, (_, i) => String(i));
  if (maxLabel >= classLabels.length) {
    const at = rawLabels.findIndex((l) => l >= classLabels.length);
    throw new UploadRefused("classLabels", `${shown(lab.name)}: sample ${at} has label ${rawLabels[at]}, but only ${classLabels.length} class labels are given (labels 0–${classLabels.length - 1}).`);
  }
  if (classLabels.length < 2) throw new UploadRefused("files", `${shown(lab.name)}: every sample has label 0; a classification dataset needs at least two classes.`);
  const labels = Int32Array.from(rawLabels);
  checkEmptyClasses(classLabels, labels, given ? "classLabels" : "files");
  const r = range(x);
  const warnings = img.type === 0x08 ? [`Pixel values were scaled from 0..255 to 0..1 (divided by 255).`] : [];
  return { sampleShape, x, labels, classLabels, valueMin: r.min, valueMax: r.max, warnings };
}

// --- (c) CSV: numeric features + a label column ---------------------------------------------------

/** Columns of a CSV upload (the header included); a wider table is refused with this number. */
export const MAX_CSV_COLUMNS = 10_000;
const MAX_CSV_LINE_BYTES = 1_000_000;

function tooManyColumns(file: StagedFile, n: number | string): UploadRefused {
  return new UploadRefused("files", `${shown(file.name)}: the header has ${typeof n === "number" ? n.toLocaleString("en") : n} columns; the limit is ${MAX_CSV_COLUMNS.toLocaleString("en")} columns.`);
}

/**
 * Refuses what is not a CSV text before parsing: an empty file, binary data (a NUL byte or invalid
 * UTF-8 in the first 64 KB: echoing it back would only print garbage), and a header with more columns
 * than the limit (counted in the first line, so a 10⁶-column header is named as such).
 */
async function checkCsvText(file: StagedFile): Promise<void> {
  const label = shown(file.name);
  if (file.size === 0) throw new UploadRefused("files", `${label} is empty (0 bytes): a CSV needs a header line and at least one data row.`);
  const fh = await open(file.path, "r");
  let head: Buffer;
  try {
    head = Buffer.alloc(Math.min(file.size, 64 * 1024));
    await fh.read(head, 0, head.length, 0);
    const nul = head.indexOf(0);
    if (nul >= 0) throw new UploadRefused("files", `${label} is not a text file (it has a NUL byte at offset ${nul.toLocaleString("en")}); upload the CSV saved as UTF-8 text.`);
    // Cut at the last complete character before validating (the 64 KB may end inside one).
    let end = head.length;
    if (file.size > head.length) while (end > 0 && (head[end - 1] & 0xc0) === 0x80) end--;
    if (file.size > head.length && end > 0 && head[end - 1] >= 0xc0) end--;
    if (!isUtf8(head.subarray(0, end))) throw new UploadRefused("files", `${label} is not UTF-8 text (it holds bytes that are not valid UTF-8 near the start); upload the CSV saved as UTF-8 text.`);
    // Columns of the first line, counted outside quotes; read further if the first line is longer.
    let cols = 1;
    let quoted = false;
    let pos = 0;
    let buf = head;
    for (;;) {
      let done = false;
      for (const b of buf) {
        if (b === 0x22) quoted = !quoted;
        else if (!quoted && b === 0x2c) cols++;
        else if (!quoted && (b === 0x0a || b === 0x0d)) {
          done = true;
          break;
        }
      }
      pos += buf.length;
      if (cols > MAX_CSV_COLUMNS) throw tooManyColumns(file, done ? cols : `more than ${MAX_CSV_COLUMNS.toLocaleString("en")}`);
      if (done || pos >= file.size) break;
      buf = Buffer.alloc(Math.min(1024 * 1024, file.size - pos));
      await fh.read(buf, 0, buf.length, pos);
    }
  } finally {
    await fh.close();
  }
}

export async function decodeCsv(file: StagedFile, labelColumn: string | undefined, given: string[] | undefined): Promise<DecodedDataset> {
  if (!labelColumn) throw new UploadRefused("labelColumn", "Name the column that holds the class label.");
  await checkCsvText(file);
  const parser = createReadStream(file.path).pipe(
    parseCsv({ bom: true, trim: true, skip_empty_lines: true, relax_column_count: true, info: true, max_record_size: MAX_CSV_LINE_BYTES }),
  );
  let header: string[] | null = null;
  let labelIdx = -1;
  const features: number[] = [];
  const labelValues: string[] = [];
  const previewRows: string[][] = [];
  const problems: Problem[] = [];
  try {
    for await (const rec of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      const { record, info } = rec;
      if (!header) {
        if (record.length > MAX_CSV_COLUMNS) throw tooManyColumns(file, record.length);
        header = record;
        const dup = header.find((h, i) => header!.indexOf(h) !== i);
        if (dup !== undefined) throw new UploadRefused("files", `${shown(file.name)}, line ${info.lines}: the column name "${shown(dup, 40)}" appears twice in the header.`);
        labelIdx = header.indexOf(labelColumn);
        if (labelIdx < 0) throw new UploadRefused("labelColumn", `${shown(file.name)} has no column "${shown(labelColumn, 40)}"; its columns are ${someOf(header)}.`);
        if (header.length < 2) throw new UploadRefused("files", `${shown(file.name)}: the header has only the label column; at least one feature column is needed.`);
        continue;
      }
      if (record.length !== header.length) {
        problems.push({ field: "files", message: `${shown(file.name)}, line ${info.lines}: ${record.length} fields, but the header has ${header.length} (a ragged row).` });
        if (problems.length >= 5) break;
        continue;
      }
      for (let i = 0; i < record.length; i++) {
        if (i === labelIdx) continue;
        const s = record[i];
        const v = s === "" ? NaN : Number(s);
        if (!Number.isFinite(v)) {
          problems.push({ field: "files", message: `${shown(file.name)}, line ${info.lines}, column "${shown(header[i], 40)}": ${s === "" ? "empty" : `"${shown(s, 40)}"`} is not a number.` });
          break;
        }
        features.push(v);
      }
      if (record[labelIdx] === "") problems.push({ field: "files", message: `${shown(file.name)}, line ${info.lines}: the label column "${shown(labelColumn, 40)}" is empty.` });
      if (problems.length >= 5) break;
      labelValues.push(record[labelIdx]);
      if (previewRows.length < 10) previewRows.push(record);
      if (features.length * 4 > MAX_TENSOR_BYTES) throw new UploadRefused("files", `${shown(file.name)}: the features make a tensor above ${formatBytes(MAX_TENSOR_BYTES)}.`);
    }
  } catch (e) {
    if (e instanceof UploadRefused) throw e;
    const line = (e as { lines?: number }).lines;
    const where = `${shown(file.name)}${line ? `, line ${line}` : ""}`;
    if ((e as { code?: string }).code === "CSV_MAX_RECORD_SIZE") {
      throw new UploadRefused("files", `${where}: the line is longer than ${MAX_CSV_LINE_BYTES.toLocaleString("en")} bytes, the limit for one row (at most ${MAX_CSV_COLUMNS.toLocaleString("en")} columns).`);
    }
    throw new UploadRefused("files", `${where}: the CSV cannot be read (${detailOf(e)}).`);
  }
  if (problems.length) refuseAll(problems);
  if (!header) throw new UploadRefused("files", `${shown(file.name)} is empty.`);
  if (labelValues.length === 0) throw new UploadRefused("files", `${shown(file.name)} has a header but no data rows.`);
  const found = [...new Set(labelValues)];
  if (found.length < 2 && !given) throw new UploadRefused("files", `${shown(file.name)}: every row has the label "${shown(found[0], 40)}"; a classification dataset needs at least two classes.`);
  const classLabels = orderClasses(found, given, "label column");
  const index = new Map(classLabels.map((c, i) => [c, i]));
  const labels = Int32Array.from(labelValues.map((l) => index.get(l)!));
  checkEmptyClasses(classLabels, labels, given ? "classLabels" : "files");
  const x = Float32Array.from(features);
  const r = range(x);
  const featureNames = header.filter((_, i) => i !== labelIdx);
  return { sampleShape: [featureNames.length], x, labels, classLabels, featureNames, valueMin: r.min, valueMax: r.max, warnings: [], rows: { columns: header, rows: previewRows } };
}
