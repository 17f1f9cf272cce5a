// The normalised dataset file every format is converted to ("BWDS", one file, one digest):
//   8 bytes  "BWDSET1\n"
//   4 bytes  header length H (uint32 little-endian)
//   H bytes  JSON header (TensorFileHeader), padded with spaces so the data starts at a multiple of 4
//   count × prod(sampleShape) float32 little-endian  — the samples, row-major (N, …sampleShape)
//   count int32 little-endian                         — the label of each sample (index into classLabels)

const MAGIC = Buffer.from("BWDSET1\n", "latin1");

export interface TensorFileHeader {
  format: "bwds";
  version: 1;
  count: number;
  sampleShape: number[];
  dtype: "float32";
  labelDtype: "int32";
  classLabels: string[];
  valueMin: number;
  valueMax: number;
  featureNames?: string[];
}

export interface DatasetTensors {
  header: TensorFileHeader;
  /** All samples, row-major: sample i occupies [i*size, (i+1)*size) with size = prod(sampleShape). */
  x: Float32Array;
  labels: Int32Array;
}

export function encodeTensorFile(header: Omit<TensorFileHeader, "format" | "version" | "dtype" | "labelDtype">, x: Float32Array, labels: Int32Array): Buffer {
  const full: TensorFileHeader = { format: "bwds", version: 1, dtype: "float32", labelDtype: "int32", ...header };
  const size = full.sampleShape.reduce((a, b) => a * b, 1);
  if (x.length !== full.count * size) throw new Error(`tensor has ${x.length} values, expected ${full.count} × ${size}`);
  if (labels.length !== full.count) throw new Error(`${labels.length} labels for ${full.count} samples`);
  let json = Buffer.from(JSON.stringify(full), "utf8");
  const pad = (4 - ((MAGIC.length + 4 + json.length) % 4)) % 4;
  if (pad) json = Buffer.concat([json, Buffer.alloc(pad, 0x20)]);
  const len = Buffer.alloc(4);
  len.writeUInt32LE(json.length);
  const xb = Buffer.from(x.buffer, x.byteOffset, x.byteLength);
  const lb = Buffer.from(labels.buffer, labels.byteOffset, labels.byteLength);
  return Buffer.concat([MAGIC, len, json, xb, lb]);
}

export function decodeTensorFile(buf: Uint8Array): DatasetTensors {
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  if (b.length < 12 || !b.subarray(0, 8).equals(MAGIC)) throw new Error("not a Bulwark dataset tensor file (bad magic)");
  const h = b.readUInt32LE(8);
  const header = JSON.parse(b.subarray(12, 12 + h).toString("utf8")) as TensorFileHeader;
  const size = header.sampleShape.reduce((a, c) => a * c, 1);
  const start = 12 + h;
  const xBytes = header.count * size * 4;
  if (b.length !== start + xBytes + header.count * 4) throw new Error("dataset tensor file has the wrong length for its header");
  // Copy into aligned, owned arrays (Node's Buffers may start at any offset).
  const x = new Float32Array(header.count * size);
  Buffer.from(x.buffer).set(b.subarray(start, start + xBytes));
  const labels = new Int32Array(header.count);
  Buffer.from(labels.buffer).set(b.subarray(start + xBytes));
  return { header, x, labels };
}
