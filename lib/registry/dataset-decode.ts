import { createReadStream } from "node:fs";
import { readFile } from "node:fs/promises";
import { gunzipSync } from "node:zlib";
import { parse as parseCsv } from "csv-parse";
import jpeg from "jpeg-js";
import { PNG } from "pngjs";
import { stripCommonRoot } from "./archive";
import { formatBytes, refuseAll, UploadRefused } from "./limits";
import type { Problem } from "./model-files";
import type { StagedFile } from "./staging";

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

/** Largest normalised tensor accepted (float32 bytes). */
export const MAX_TENSOR_BYTES = 1024 * 1024 * 1024;
const MAX_PIXELS = 4096 * 4096;

const naturalCompare = new Intl.Collator("en", { numeric: true, sensitivity: "base" }).compare;

function orderClasses(found: string[], given: string[] | undefined, what: string): string[] {
  const sorted = [...found].sort(naturalCompare);
  if (!given) return sorted;
  const missing = found.filter((c) => !given.includes(c));
  if (missing.length) {
    throw new UploadRefused("classLabels", `The ${what} has classes that are not in the class labels you gave: ${missing.slice(0, 10).map((m) => `"${m}"`).join(", ")}.`);
  }
  return given;
}

function checkEmptyClasses(classLabels: string[], labels: Int32Array, field = "files", what = "class") {
  const counts = new Array<number>(classLabels.length).fill(0);
  for (const l of labels) counts[l]++;
  const empty = classLabels.filter((_, i) => counts[i] === 0);
  if (empty.length) {
    throw new UploadRefused(field, `${empty.length === 1 ? `The ${what} ${JSON.stringify(empty[0])} has` : `The ${what}es ${empty.map((e) => JSON.stringify(e)).join(", ")} have`} no samples; remove ${empty.length === 1 ? "it" : "them"} from the class labels or add samples.`);
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

export function decodeImage(name: string, bytes: Buffer): Image {
  const isPng = bytes.length >= 8 && bytes.readUInt32BE(0) === 0x89504e47;
  const isJpeg = bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;
  if (isPng) {
    try {
      const png = PNG.sync.read(bytes);
      if (png.width * png.height > MAX_PIXELS) throw new Error(`${png.width}×${png.height} pixels is above the limit of 16 megapixels`);
      return { w: png.width, h: png.height, rgba: png.data };
    } catch (e) {
      throw new UploadRefused("files", `${name}: not a valid PNG image (${(e as Error).message}).`);
    }
  }
  if (isJpeg) {
    try {
      const j = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxResolutionInMP: 16, maxMemoryUsageInMB: 256 });
      return { w: j.width, h: j.height, rgba: j.data };
    } catch (e) {
      throw new UploadRefused("files", `${name}: not a valid JPEG image (${(e as Error).message}).`);
    }
  }
  const ext = name.split(".").pop()?.toLowerCase();
  if (ext === "png" || ext === "jpg" || ext === "jpeg") throw new UploadRefused("files", `${name}: the file is named like an image but is not a valid ${ext === "png" ? "PNG" : "JPEG"} image (its first bytes are wrong).`);
  throw new UploadRefused("files", `${name}: only PNG and JPEG images are accepted in class folders.`);
}

export async function decodeImageFolders(files: StagedFile[], dirs: string[], given: string[] | undefined): Promise<DecodedDataset> {
  const { prefix } = stripCommonRoot([...files.map((f) => f.name), ...dirs.filter((d) => d.split("/").length > 2)]);
  const warnings: string[] = [];
  const byClass = new Map<string, StagedFile[]>();
  for (const f of files) {
    const rel = f.name.slice(prefix.length);
    const parts = rel.split("/");
    if (parts.length < 2) {
      if (/\.(png|jpe?g)$/i.test(rel)) throw new UploadRefused("files", `${f.name}: images must be inside a folder named after their class (e.g. cat/${rel}).`);
      warnings.push(`${f.name} is not in a class folder and was ignored.`);
      continue;
    }
    if (parts[parts.length - 1].startsWith(".")) {
      warnings.push(`${f.name} (a hidden file) was ignored.`);
      continue;
    }
    const cls = parts[0];
    if (!byClass.has(cls)) byClass.set(cls, []);
    byClass.get(cls)!.push(f);
  }
  for (const d of dirs) {
    const rel = d.slice(prefix.length).replace(/\/$/, "");
    if (rel && !rel.includes("/") && !byClass.has(rel)) throw new UploadRefused("files", `The class folder "${d}" is empty: every class needs at least one image.`);
  }
  if (byClass.size === 0) throw new UploadRefused("files", "The archive holds no images in class folders (expected e.g. cat/001.png, dog/002.jpg).");
  if (byClass.size < 2) throw new UploadRefused("files", `The archive has one class folder ("${[...byClass.keys()][0]}"); a classification dataset needs at least two.`);
  const classLabels = orderClasses([...byClass.keys()], given, "archive");
  const items: { name: string; cls: number }[] = [];
  for (const [cls, list] of byClass) for (const f of list.sort((a, b) => naturalCompare(a.name, b.name))) items.push({ name: f.name, cls: classLabels.indexOf(cls) });
  items.sort((a, b) => a.cls - b.cls || naturalCompare(a.name, b.name));
  const pathOf = new Map(files.map((f) => [f.name, f.path]));

  let w = 0;
  let h = 0;
  let gray = true;
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
      throw new UploadRefused("files", `${it.name} is ${img.w}×${img.h} pixels but ${items[0].name} is ${w}×${h}; all images must have the same size.`);
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

export function parseIdx(name: string, raw: Buffer, maxBytes: number): IdxFile {
  let buf = raw;
  if (raw.length >= 2 && raw[0] === 0x1f && raw[1] === 0x8b) {
    try {
      buf = gunzipSync(raw, { maxOutputLength: maxBytes });
    } catch (e) {
      throw new UploadRefused("files", `${name}: the gzip data could not be unpacked (${(e as Error).message}).`);
    }
  }
  const magic = buf.length >= 4 ? buf.readUInt32BE(0) : -1;
  const type = buf[2];
  const nd = buf[3];
  if (buf.length < 4 || buf[0] !== 0 || buf[1] !== 0 || !IDX_TYPES[type] || nd < 1 || nd > 4) {
    throw new UploadRefused(
      "files",
      `${name}: wrong magic number ${magic < 0 ? "(file shorter than 4 bytes)" : "0x" + magic.toString(16).padStart(8, "0")}; an IDX file starts with 0x0000, a type byte (0x08 for unsigned bytes) and the number of dimensions, e.g. 0x00000803 for images and 0x00000801 for labels.`,
    );
  }
  const dims: number[] = [];
  for (let i = 0; i < nd; i++) dims.push(buf.readUInt32BE(4 + i * 4));
  const header = 4 + nd * 4;
  const expected = header + dims.reduce((a, b) => a * b, 1) * IDX_TYPES[type].bytes;
  if (buf.length !== expected) {
    throw new UploadRefused("files", `${name}: ${buf.length.toLocaleString("en")} bytes, but its header describes ${dims.join("×")} ${IDX_TYPES[type].name} values (${expected.toLocaleString("en")} bytes) — the file is ${buf.length < expected ? "truncated" : "too long"}.`);
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
  if (img.dims[0] !== lab.dims[0]) throw new UploadRefused("files", `${img.name} holds ${img.dims[0]} images but ${lab.name} holds ${lab.dims[0]} labels.`);
  if (![0x08, 0x09, 0x0b, 0x0c].includes(lab.type)) throw new UploadRefused("files", `${lab.name}: labels must be integers, not ${IDX_TYPES[lab.type].name} values.`);
  const n = img.dims[0];
  if (n === 0) throw new UploadRefused("files", `${img.name} holds no images.`);
  const sampleShape = img.dims.length === 3 ? [img.dims[1], img.dims[2], 1] : img.dims.slice(1);
  const size = sampleShape.reduce((a, b) => a * b, 1);
  if (n * size * 4 > MAX_TENSOR_BYTES) throw new UploadRefused("files", `${img.name}: ${n} samples of ${sampleShape.join("×")} make a tensor above ${formatBytes(MAX_TENSOR_BYTES)}.`);
  const vals = idxValues(img);
  const x = new Float32Array(n * size);
  const scale = img.type === 0x08 ? 1 / 255 : 1;
  for (let i = 0; i < vals.length; i++) {
    const v = vals[i] * scale;
    if (!Number.isFinite(v)) throw new UploadRefused("files", `${img.name}: value ${i} of sample ${Math.floor(i / size)} is not finite.`);
    x[i] = v;
  }
  const rawLabels = idxValues(lab);
  let maxLabel = 0;
  for (let i = 0; i < n; i++) {
    if (rawLabels[i] < 0) throw new UploadRefused("files", `${lab.name}: sample ${i} has the negative label ${rawLabels[i]}.`);
    maxLabel = Math.max(maxLabel, rawLabels[i]);
  }
  const classLabels = given ?? Array.from({ length: maxLabel + 1 }, (_, i) => String(i));
  if (maxLabel >= classLabels.length) {
    const at = rawLabels.findIndex((l) => l >= classLabels.length);
    throw new UploadRefused("classLabels", `${lab.name}: sample ${at} has label ${rawLabels[at]}, but only ${classLabels.length} class labels are given (labels 0–${classLabels.length - 1}).`);
  }
  if (classLabels.length < 2) throw new UploadRefused("files", `${lab.name}: every sample has label 0; a classification dataset needs at least two classes.`);
  const labels = Int32Array.from(rawLabels);
  checkEmptyClasses(classLabels, labels, given ? "classLabels" : "files");
  const r = range(x);
  const warnings = img.type === 0x08 ? [`Pixel values were scaled from 0..255 to 0..1 (divided by 255).`] : [];
  return { sampleShape, x, labels, classLabels, valueMin: r.min, valueMax: r.max, warnings };
}

// --- (c) CSV: numeric features + a label column ---------------------------------------------------

export async function decodeCsv(file: StagedFile, labelColumn: string | undefined, given: string[] | undefined): Promise<DecodedDataset> {
  if (!labelColumn) throw new UploadRefused("labelColumn", "Name the column that holds the class label.");
  const parser = createReadStream(file.path).pipe(
    parseCsv({ bom: true, trim: true, skip_empty_lines: true, relax_column_count: true, info: true, max_record_size: 1_000_000 }),
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
        header = record;
        const dup = header.find((h, i) => header!.indexOf(h) !== i);
        if (dup !== undefined) throw new UploadRefused("files", `${file.name}, line ${info.lines}: the column name "${dup}" appears twice in the header.`);
        labelIdx = header.indexOf(labelColumn);
        if (labelIdx < 0) throw new UploadRefused("labelColumn", `${file.name} has no column "${labelColumn}"; its columns are ${header.slice(0, 20).map((h) => `"${h}"`).join(", ")}${header.length > 20 ? ", …" : ""}.`);
        if (header.length < 2) throw new UploadRefused("files", `${file.name}: the header has only the label column; at least one feature column is needed.`);
        continue;
      }
      if (record.length !== header.length) {
        problems.push({ field: "files", message: `${file.name}, line ${info.lines}: ${record.length} fields, but the header has ${header.length} (a ragged row).` });
        if (problems.length >= 5) break;
        continue;
      }
      for (let i = 0; i < record.length; i++) {
        if (i === labelIdx) continue;
        const s = record[i];
        const v = s === "" ? NaN : Number(s);
        if (!Number.isFinite(v)) {
          problems.push({ field: "files", message: `${file.name}, line ${info.lines}, column "${header[i]}": ${s === "" ? "empty" : JSON.stringify(s.slice(0, 40))} is not a number.` });
          break;
        }
        features.push(v);
      }
      if (record[labelIdx] === "") problems.push({ field: "files", message: `${file.name}, line ${info.lines}: the label column "${labelColumn}" is empty.` });
      if (problems.length >= 5) break;
      labelValues.push(record[labelIdx]);
      if (previewRows.length < 10) previewRows.push(record);
      if (features.length * 4 > MAX_TENSOR_BYTES) throw new UploadRefused("files", `${file.name}: the features make a tensor above ${formatBytes(MAX_TENSOR_BYTES)}.`);
    }
  } catch (e) {
    if (e instanceof UploadRefused) throw e;
    const line = (e as { lines?: number }).lines;
    throw new UploadRefused("files", `${file.name}${line ? `, line ${line}` : ""}: the CSV cannot be read (${(e as Error).message}).`);
  }
  if (problems.length) refuseAll(problems);
  if (!header) throw new UploadRefused("files", `${file.name} is empty.`);
  if (labelValues.length === 0) throw new UploadRefused("files", `${file.name} has a header but no data rows.`);
  const found = [...new Set(labelValues)];
  if (found.length < 2 && !given) throw new UploadRefused("files", `${file.name}: every row has the label "${found[0]}"; a classification dataset needs at least two classes.`);
  const classLabels = orderClasses(found, given, "label column");
  const index = new Map(classLabels.map((c, i) => [c, i]));
  const labels = Int32Array.from(labelValues.map((l) => index.get(l)!));
  checkEmptyClasses(classLabels, labels, given ? "classLabels" : "files");
  const x = Float32Array.from(features);
  const r = range(x);
  const featureNames = header.filter((_, i) => i !== labelIdx);
  return { sampleShape: [featureNames.length], x, labels, classLabels, featureNames, valueMin: r.min, valueMax: r.max, warnings: [], rows: { columns: header, rows: previewRows } };
}
