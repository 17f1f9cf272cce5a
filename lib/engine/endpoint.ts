import { z } from "zod";

// A classifier the engine can only query (black-box): inputs go out as JSON, class scores or a label
// come back. Pure: the HTTP call is a function the caller hands in (lib/outbound's guarded client), so
// this file knows the wire format and counts queries, and nothing else.

/** Placeholder in a request template for the batch (an array of inputs, each nested to the input shape). */
export const INPUTS = "{{inputs}}";
/** Placeholder for one input (templates that send one example per request). */
export const INPUT = "{{input}}";

export const RequestTemplateSchema = z
  .unknown()
  .refine((t) => t !== undefined && t !== null, { error: "give a JSON request template" })
  .superRefine((t, c) => {
    const s = JSON.stringify(t) ?? "";
    const batch = s.split(JSON.stringify(INPUTS)).length - 1;
    const single = s.split(JSON.stringify(INPUT)).length - 1;
    if (batch + single !== 1) {
      c.addIssue({ code: "custom", message: `the template must contain exactly one "${INPUTS}" (a batch) or "${INPUT}" (one example) as a JSON string value` });
    }
  });

export const ResponseMappingSchema = z.object({
  kind: z.enum(["scores", "label"], { error: "choose scores or label" }),
  /**
   * Dotted path to the answer, e.g. "predictions" or "outputs.0.probs". For a batch template the value there
   * is an array with one entry per input; for a one-example template it is that example's entry.
   */
  path: z
    .string()
    .trim()
    .max(200, { error: "at most 200 characters" })
    .regex(/^$|^[A-Za-z0-9_$-]+(\.[A-Za-z0-9_$-]+)*$/, { error: "use a dotted path such as predictions or outputs.0.scores" }),
});
export type ResponseMapping = z.infer<typeof ResponseMappingSchema>;

export function isBatchTemplate(template: unknown): boolean {
  return JSON.stringify(template).includes(JSON.stringify(INPUTS));
}

/**
 * Nests a flat row-major example into arrays of `shape` (values start..end of `flat` at dimension `dim`).
 * Indices, not subarrays: a 28×28×1 image is 784 one-value rows, and a subarray plus Array.from per row made
 * this the black-box engine's largest cost (14 of 37 CPU-s of the engine process in the black-box evaluation
 * test); preallocated arrays build the same JSON in about a third of the time.
 */
function nest(flat: Float32Array, shape: number[], dim = 0, start = 0, end = flat.length): unknown[] {
  if (dim >= shape.length - 1) {
    const row = new Array<number>(end - start);
    for (let j = start; j < end; j++) row[j - start] = flat[j];
    return row;
  }
  const step = (end - start) / shape[dim];
  const out = new Array<unknown>(shape[dim]);
  for (let i = 0; i < shape[dim]; i++) out[i] = nest(flat, shape, dim + 1, start + i * step, start + (i + 1) * step);
  return out;
}

function fill(template: unknown, key: string, value: unknown): unknown {
  if (template === key) return value;
  if (Array.isArray(template)) return template.map((t) => fill(t, key, value));
  if (template && typeof template === "object") return Object.fromEntries(Object.entries(template).map(([k, v]) => [k, fill(v, key, value)]));
  return template;
}

/** The request body for `examples` (each a flat example of `inputShape`). */
export function buildRequestBody(template: unknown, examples: Float32Array[], inputShape: number[]): string {
  const nested = examples.map((e) => nest(e, inputShape));
  if (isBatchTemplate(template)) return JSON.stringify(fill(template, INPUTS, nested));
  if (examples.length !== 1) throw new Error("a one-example template sends one input per request");
  return JSON.stringify(fill(template, INPUT, nested[0]));
}

function at(value: unknown, path: string): unknown {
  if (!path) return value;
  let v = value;
  for (const key of path.split(".")) {
    if (Array.isArray(v) && /^\d+$/.test(key)) v = v[Number(key)];
    else if (v && typeof v === "object" && !Array.isArray(v)) v = (v as Record<string, unknown>)[key];
    else return undefined;
  }
  return v;
}

export class EndpointAnswerError extends Error {}

/**
 * Reads one answer per example from a parsed response. Scores must be `classLabels.length` finite numbers;
 * a label may be the class index or its name. Messages say what was found, never the response itself.
 */
export function readAnswers(response: unknown, mapping: ResponseMapping, batch: boolean, n: number, classLabels: string[]): { scores: number[][] | null; labels: number[] } {
  const where = mapping.path ? `"${mapping.path}"` : "the top level";
  const found = at(response, mapping.path);
  if (found === undefined) throw new EndpointAnswerError(`The response has nothing at ${where}.`);
  let entries: unknown[];
  if (batch) {
    if (!Array.isArray(found)) throw new EndpointAnswerError(`Expected an array with one entry per input at ${where}, found ${typeof found}.`);
    if (found.length !== n) throw new EndpointAnswerError(`Sent ${n} inputs but the response has ${found.length} entries at ${where}.`);
    entries = found;
  } else entries = [found];
  const k = classLabels.length;
  if (mapping.kind === "scores") {
    const scores = entries.map((e, i) => {
      if (!Array.isArray(e) || e.length !== k || !e.every((v) => typeof v === "number" && Number.isFinite(v))) {
        const got = Array.isArray(e) ? `${e.length} values` : typeof e;
        throw new EndpointAnswerError(`Entry ${i} at ${where} should be ${k} finite class scores (one per declared class), found ${got}.`);
      }
      return e as number[];
    });
    return { scores, labels: scores.map(argmax) };
  }
  const labels = entries.map((e, i) => {
    if (typeof e === "number" && Number.isInteger(e) && e >= 0 && e < k) return e;
    if (typeof e === "string" && classLabels.includes(e)) return classLabels.indexOf(e);
    throw new EndpointAnswerError(`Entry ${i} at ${where} is not one of the declared classes (an index 0–${k - 1} or a class label).`);
  });
  return { scores: null, labels };
}

function argmax(v: number[]): number {
  let best = 0;
  for (let j = 1; j < v.length; j++) if (v[j] > v[best]) best = j;
  return best;
}

export interface EndpointModelSpec {
  inputShape: number[];
  classLabels: string[];
  requestTemplate: unknown;
  responseMapping: ResponseMapping;
  /** Inputs per request for a batch template (1 for a one-example template). */
  batchSize: number;
}

/** Sends a request body and returns the parsed JSON answer (the guarded outbound client in production). */
export type EndpointTransport = (body: string) => Promise<unknown>;

export interface EndpointAnswers {
  /** Class scores per example, or null for a label-only endpoint. */
  scores: number[][] | null;
  labels: number[];
}

/** A black-box classifier: counts every example it sends (queries) and every request. */
export class EndpointModel {
  /** Examples sent to the endpoint (one query = one input classified). */
  queries = 0;
  requests = 0;
  readonly numClasses: number;
  readonly outputKind: "scores" | "label";
  private readonly batch: boolean;

  constructor(
    readonly spec: EndpointModelSpec,
    private readonly transport: EndpointTransport,
  ) {
    this.numClasses = spec.classLabels.length;
    this.outputKind = spec.responseMapping.kind;
    this.batch = isBatchTemplate(spec.requestTemplate);
  }

  get exampleSize(): number {
    return this.spec.inputShape.reduce((a, b) => a * b, 1);
  }

  /** Classifies `examples` (flat, each of the input shape), in as many requests as the batch size needs. */
  async classify(examples: Float32Array[]): Promise<EndpointAnswers> {
    const per = this.batch ? Math.max(1, this.spec.batchSize) : 1;
    const chunks: Float32Array[][] = [];
    for (let i = 0; i < examples.length; i += per) chunks.push(examples.slice(i, i + per));
    const answers = await Promise.all(
      chunks.map(async (chunk) => {
        const body = buildRequestBody(this.spec.requestTemplate, chunk, this.spec.inputShape);
        this.requests++;
        this.queries += chunk.length;
        const res = await this.transport(body);
        return readAnswers(res, this.spec.responseMapping, this.batch, chunk.length, this.spec.classLabels);
      }),
    );
    return {
      scores: this.outputKind === "scores" ? answers.flatMap((a) => a.scores!) : null,
      labels: answers.flatMap((a) => a.labels),
    };
  }
}
