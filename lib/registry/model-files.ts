import { readFile } from "node:fs/promises";
import { z } from "zod";
import { unsafeEntryName } from "./archive";
import { formatBytes, inputSizeProblem, shown, type UploadLimits } from "./limits";
import type { StagedFile } from "./staging";

// Checks of a TensorFlow.js LayersModel's files that need no TensorFlow: model.json's schema, the
// weights manifest against the files (names and byte sizes) and finite float weights. Each problem
// names the file and says what is wrong.

export interface Problem {
  field: string;
  message: string;
}

const DTYPE_BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, uint8: 1 };

const WeightSpecSchema = z.object({
  name: z.string().min(1),
  shape: z.array(z.number().int().nonnegative()),
  dtype: z.enum(["float32", "int32", "bool"], { error: "dtype must be float32, int32 or bool" }),
  quantization: z
    .object({ dtype: z.enum(["uint8", "uint16", "float16"]), scale: z.number().optional(), min: z.number().optional() })
    .optional(),
});

export const ModelJsonSchema = z.object({
  format: z.string().optional(),
  generatedBy: z.string().optional(),
  convertedBy: z.string().nullable().optional(),
  modelTopology: z.record(z.string(), z.unknown(), { error: "modelTopology must be an object (the Keras model config)" }),
  weightsManifest: z
    .array(
      z.object({
        paths: z.array(z.string().min(1)).min(1, { error: "each weightsManifest group lists at least one file in paths" }),
        weights: z.array(WeightSpecSchema),
      }),
      { error: "weightsManifest must be a list of {paths, weights} groups" },
    )
    .min(1, { error: "weightsManifest is empty: the model has no weight files" }),
});
export type ModelJson = z.infer<typeof ModelJsonSchema>;
type WeightSpec = z.infer<typeof WeightSpecSchema>;

function specBytes(w: WeightSpec): number {
  const n = w.shape.reduce((a, b) => a * b, 1);
  if (w.quantization) return n * (w.quantization.dtype === "uint8" ? 1 : 2);
  return n * DTYPE_BYTES[w.dtype];
}

export interface ModelFileSet {
  /** model.json and the weight files it names, keyed by path relative to model.json. */
  modelJson: StagedFile & { rel: string };
  weights: (StagedFile & { rel: string })[];
  json: ModelJson;
  /** Files in the upload that model.json does not name (not stored). */
  unused: string[];
  parameters: number;
}

/** Input shapes a Keras topology declares (batch_input_shape / batch_shape of its layers), batch dimension dropped. */
export function declaredInputShapes(topology: unknown): { layer: string; shape: number[] }[] {
  const out: { layer: string; shape: number[] }[] = [];
  const visit = (node: unknown, layer: string, depth: number) => {
    if (depth > 64 || node === null || typeof node !== "object") return;
    if (Array.isArray(node)) {
      for (const n of node) visit(n, layer, depth + 1);
      return;
    }
    const o = node as Record<string, unknown>;
    const name = typeof o.name === "string" ? o.name : layer;
    for (const key of ["batch_input_shape", "batchInputShape", "batch_shape"]) {
      const v = o[key];
      if (Array.isArray(v) && v.length >= 2 && v.slice(1).every((d) => d === null || typeof d === "number")) {
        out.push({ layer: name, shape: v.slice(1).map((d) => (typeof d === "number" ? d : 1)) });
      }
    }
    for (const v of Object.values(o)) if (typeof v === "object") visit(v, name, depth + 1);
  };
  visit(topology, "", 0);
  return out;
}

function isGraphModel(j: Record<string, unknown>): boolean {
  const topo = j.modelTopology as Record<string, unknown> | undefined;
  return j.format === "graph-model" || (typeof topo === "object" && topo !== null && Array.isArray((topo as { node?: unknown }).node));
}

/**
 * Finds model.json among the uploaded files and checks it and its weight files. Throws nothing:
 * returns the problems (empty when fine) and, if the structure was readable, the file set.
 */
export async function checkModelFiles(files: StagedFile[], limits: UploadLimits): Promise<{ problems: Problem[]; set?: ModelFileSet }> {
  const p = (message: string): Problem => ({ field: "files", message });
  const jsons = files.filter((f) => f.name.split("/").pop() === "model.json");
  if (jsons.length === 0) {
    const other = files.filter((f) => f.name.endsWith(".json")).map((f) => f.name);
    return {
      problems: [p(`No model.json in the upload${other.length ? ` (found ${other.join(", ")})` : ""}. A TensorFlow.js LayersModel is a model.json file plus its weight shards (*.bin).`)],
    };
  }
  if (jsons.length > 1) return { problems: [p(`The upload holds ${jsons.length} model.json files (${jsons.map((f) => f.name).join(", ")}); upload one model per version.`)] };
  const mj = jsons[0];
  const base = mj.name.includes("/") ? mj.name.slice(0, mj.name.lastIndexOf("/") + 1) : "";
  if (mj.size > 64 * 1024 * 1024) return { problems: [p(`${mj.name}: ${formatBytes(mj.size)} is too large for a model.json (limit 64 MB); weights belong in .bin shards.`)] };
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(mj.path, "utf8"));
  } catch (e) {
    return { problems: [p(`${mj.name} is not valid JSON: ${(e as Error).message}`)] };
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return { problems: [p(`${mj.name} must hold a JSON object.`)] };
  if (isGraphModel(raw as Record<string, unknown>)) {
    return {
      problems: [
        p(
          `${mj.name} is a TensorFlow.js GraphModel. GraphModels are refused: Bulwark's white-box attacks need gradients with respect to the input, ` +
            `which a frozen graph does not guarantee on every backend. Export a LayersModel (tfjs.converters.save_keras_model or tensorflowjs_converter --output_format=tfjs_layers_model).`,
        ),
      ],
    };
  }
  const parsed = ModelJsonSchema.safeParse(raw);
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    return { problems: [p(`${mj.name} does not match the TensorFlow.js LayersModel format at ${i.path.join(".") || "the top level"}: ${i.message}`)] };
  }
  const json = parsed.data;
  // Checked before TensorFlow.js ever sees the model: building it allocates for the declared input.
  for (const d of declaredInputShapes(json.modelTopology)) {
    const bad = inputSizeProblem(d.shape, limits, `${mj.name}: layer "${shown(d.layer, 60)}" declares the input shape`);
    if (bad) return { problems: [{ field: "inputShape", message: bad }] };
  }
  const byRel = new Map<string, StagedFile>();
  for (const f of files) if (f !== mj && f.name.startsWith(base)) byRel.set(f.name.slice(base.length), f);
  const problems: Problem[] = [];
  const weights: (StagedFile & { rel: string })[] = [];
  const used = new Set<string>();
  let parameters = 0;
  json.weightsManifest.forEach((group, gi) => {
    const groupFiles: (StagedFile & { rel: string })[] = [];
    for (const rel of group.paths) {
      if (/^[A-Za-z][A-Za-z0-9+.-]*:/.test(rel)) {
        problems.push(p(`${mj.name}: weightsManifest path "${shown(rel)}" is a URL; Bulwark never fetches weights. Upload the weight file with model.json and name it by its relative path (e.g. group1-shard1of1.bin).`));
        continue;
      }
      const bad = unsafeEntryName(rel);
      if (bad || rel.startsWith("./")) {
        problems.push(p(`${mj.name}: weightsManifest path "${shown(rel)}" ${bad ?? "must be a plain relative path"}.`));
        continue;
      }
      const f = byRel.get(rel);
      if (!f) {
        problems.push(p(`${mj.name} names the weight file "${shown(rel)}", which is not in the upload.`));
        continue;
      }
      if (used.has(rel)) {
        problems.push(p(`${mj.name} names the weight file "${shown(rel)}" twice.`));
        continue;
      }
      used.add(rel);
      groupFiles.push({ ...f, rel });
    }
    if (groupFiles.length !== group.paths.length) return;
    const expected = group.weights.reduce((s, w) => s + specBytes(w), 0);
    const actual = groupFiles.reduce((s, f) => s + f.size, 0);
    const names = groupFiles.map((f) => f.name).join(" + ");
    if (actual !== expected) {
      const weightNames = group.weights.map((w) => w.name);
      problems.push(
        p(
          `${names}: ${actual.toLocaleString("en")} bytes, but ${mj.name}'s weightsManifest (group ${gi + 1}: ${weightNames.slice(0, 4).join(", ")}${weightNames.length > 4 ? ", …" : ""}) ` +
            `describes ${expected.toLocaleString("en")} bytes — the file is ${actual < expected ? "truncated" : "longer than described"}.`,
        ),
      );
    }
    parameters += group.weights.reduce((s, w) => s + w.shape.reduce((a, b) => a * b, 1), 0);
    weights.push(...groupFiles);
  });
  const unused = [...byRel.keys()].filter((k) => !used.has(k));
  const outside = files.filter((f) => f !== mj && !f.name.startsWith(base)).map((f) => f.name);
  if (problems.length === 0) {
    const total = mj.size + weights.reduce((s, f) => s + f.size, 0);
    if (total > limits.maxTotalBytes) problems.push(p(`The model's files total ${formatBytes(total)}, above the limit of ${formatBytes(limits.maxTotalBytes)} per version.`));
  }
  return { problems, set: { modelJson: { ...mj, rel: "model.json" }, weights, json, unused: [...unused, ...outside], parameters } };
}

/** Scans float32 weights for NaN and ±Infinity, naming the weight and its file (no copy of the weights is made). */
export async function checkFiniteWeights(set: ModelFileSet, bytesOf: (rel: string) => Uint8Array): Promise<Problem[]> {
  const problems: Problem[] = [];
  for (const group of set.json.weightsManifest) {
    const files = group.paths.map((rel) => ({ rel, bytes: bytesOf(rel) }));
    const views = files.map((f) => new DataView(f.bytes.buffer, f.bytes.byteOffset, f.bytes.byteLength));
    const starts: number[] = [];
    let acc = 0;
    for (const f of files) {
      starts.push(acc);
      acc += f.bytes.byteLength;
    }
    // Byte at a global offset of the group (shards are consecutive pieces of one buffer).
    let fi = 0;
    const byteAt = (off: number): number => {
      while (fi < files.length - 1 && off >= starts[fi + 1]) fi++;
      while (fi > 0 && off < starts[fi]) fi--;
      return files[fi].bytes[off - starts[fi]];
    };
    const four = new DataView(new ArrayBuffer(4));
    let pos = 0;
    for (const w of group.weights) {
      const bytes = specBytes(w);
      if (w.dtype === "float32" && !w.quantization) {
        for (let i = 0; i < bytes / 4; i++) {
          const off = pos + i * 4;
          // Fast path: the value lies inside one file.
          let v: number;
          const f = files[fi];
          const local = off - starts[fi];
          if (local >= 0 && local + 4 <= f.bytes.byteLength) {
            v = views[fi].getFloat32(local, true);
          } else {
            for (let k = 0; k < 4; k++) four.setUint8(k, byteAt(off + k));
            v = four.getFloat32(0, true);
          }
          if (!Number.isFinite(v)) {
            byteAt(off);
            problems.push({ field: "files", message: `${files[fi].rel}: weight "${w.name}" contains ${Number.isNaN(v) ? "NaN" : v > 0 ? "+Infinity" : "-Infinity"} (element ${i}); a model with non-finite weights cannot be evaluated.` });
            break;
          }
        }
      }
      pos += bytes;
    }
  }
  return problems;
}
