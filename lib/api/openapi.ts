import { z } from "zod";
import { OPERATIONS, type Operation } from "./operations";
import { COMMON_STATUSES, DEFAULT_ERRORS, errorStatuses } from "./contract";
import * as R from "./responses";
import { EXAMPLES } from "./examples";
import { EngineMetricsSchema, ExampleRecordSchema, ReliabilityReportSchema, ReplaySummarySchema } from "../engine/results-schema";
import { AttackSuiteSchema } from "../engine/suite";
import { ModelCardSchema } from "../registry/model-card";
import { ThreatModelSchema } from "../evaluations/threat-model";
import { QueryCostSchema } from "../evaluations/blackbox";

// OpenAPI 3.1 document of REST API v1, generated from the operations' zod schemas: requests from the
// schemas the handlers parse with, responses from the schemas the handlers are typed against
// (lib/api/responses.ts). Checked by Redocly and Spectral in lib/api/openapi-lint.test.ts.

type Json = Record<string, unknown>;
const INT_LIMIT = Number.MAX_SAFE_INTEGER;

/** zod's JSON Schema without what is noise in an API reference: $schema, the safe-integer bounds, the date-time regex (format says it). */
function tidy(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(tidy);
  if (!node || typeof node !== "object") return node;
  const out: Json = {};
  for (const [k, v] of Object.entries(node as Json)) {
    if (k === "$schema" || k === "$id") continue;
    if ((k === "minimum" && v === -INT_LIMIT) || (k === "maximum" && v === INT_LIMIT)) continue;
    if (k === "pattern" && (node as Json).format === "date-time") continue;
    // Answers may gain fields in a later release: clients should ignore what they do not know.
    if (k === "additionalProperties" && v === false) continue;
    out[k] = tidy(v);
  }
  return out;
}
const requestSchema = (s: z.ZodType) => tidy(z.toJSONSchema(s, { io: "input", unrepresentable: "any" })) as Json;

/** Component name of each response schema: MeResponse → Me. */
const RESPONSE_NAMES = new Map<z.ZodType, string>(
  // Sorted: a module namespace's key order differs between loaders, the document must not.
  Object.entries(R).sort(([a], [b]) => a.localeCompare(b)).map(([k, s]) => [s as z.ZodType, k.replace(/Response$/, "")]),
);
/** Shapes several answers share, declared once under components/schemas and referred to by $ref. */
const SHARED_SCHEMAS: Record<string, z.ZodType> = {
  ExampleRecord: ExampleRecordSchema, ReliabilityReport: ReliabilityReportSchema, ReplaySummary: ReplaySummarySchema, EngineMetrics: EngineMetricsSchema,
  ThreatModel: ThreatModelSchema, QueryCost: QueryCostSchema, ModelCard: ModelCardSchema, AttackSuite: AttackSuiteSchema,
};

/** components/schemas: every response schema and shared shape, with $ref where one uses another. */
function componentSchemas(): Record<string, unknown> {
  const registry = z.registry<{ id: string }>();
  for (const [s, name] of RESPONSE_NAMES) registry.add(s, { id: name });
  for (const [name, s] of Object.entries(SHARED_SCHEMAS)) registry.add(s, { id: name });
  const { schemas } = z.toJSONSchema(registry, { io: "output", unrepresentable: "any", uri: (id) => `#/components/schemas/${id}` });
  return Object.fromEntries(Object.keys(schemas).sort().map((k) => [k, tidy(schemas[k])]));
}

const FORMATS: Record<string, string> = {
  model: "A model version as `name@version`: the model's name (case-insensitive), `@`, and a version number (`v` optional) or `latest` (the newest stored version), e.g. `digits-cnn@2`.",
  dataset: "A dataset version as `name@version`, e.g. `mnist-digits-eval@1` or `mnist-digits-eval@latest`.",
  cursor: "Opaque: the `nextCursor` of the previous page, unchanged. A cursor this API did not return answers 400.",
  limit: "Items per page, 1 to 100 (default 25).",
};

function parameters(o: Operation) {
  const out: Json[] = [];
  for (const [where, schema] of [["path", o.params], ["query", o.query]] as const) {
    if (!schema) continue;
    const js = requestSchema(schema) as { properties?: Record<string, Json>; required?: string[] };
    for (const [name, prop] of Object.entries(js.properties ?? {})) {
      const description = (prop.description as string | undefined) ?? PARAMETER_TEXT[name] ?? FORMATS[name];
      out.push({ name, in: where, required: where === "path" || (js.required ?? []).includes(name), ...(description ? { description } : {}), schema: prop });
    }
  }
  return out;
}

const PARAMETER_TEXT: Record<string, string> = {
  name: "The model's or dataset's name (case-insensitive; up to 80 characters).",
  version: "A version number (`v` optional) or `latest`.",
  number: "The evaluation's number in the team (as in #12).",
  id: "The record's id as the API answered it.",
  q: "Only names containing this text (case-insensitive).",
};

function requestBody(o: Operation) {
  const example = EXAMPLES[o.id]?.request;
  if (o.bodyKind === "json" && o.body) {
    let schema = requestSchema(o.body);
    // The evaluation kinds: `kind` is optional (default robustness), so no discriminator can be declared; the
    // options still exclude each other by kind's const, which linters cannot see through oneOf: anyOf says the same.
    if (Array.isArray(schema.oneOf)) {
      const { oneOf, ...rest } = schema;
      schema = { ...rest, anyOf: oneOf };
    }
    return { required: true, content: { "application/json": { schema, ...(example ? { example } : {}) } } };
  }
  if (o.bodyKind === "multipart") {
    // "files": one or more uploaded files; "file": exactly one; any other field is text.
    const fields = Object.entries(o.multipartFields ?? {});
    const properties = Object.fromEntries(fields.map(([k, d]) => [k, k === "files" ? { type: "array", items: { type: "string", format: "binary" }, description: d } : k === "file" ? { type: "string", format: "binary", description: d } : { type: "string", description: d }]));
    const required = fields.map(([k]) => k).filter((k) => k === "files" || k === "file");
    return { required: true, content: { "multipart/form-data": { schema: { type: "object", properties, required } } } };
  }
  if (o.bodyKind === "pdf-or-json" && o.body) {
    return { required: true, content: { "application/pdf": { schema: { type: "string", format: "binary" } }, "application/json": { schema: requestSchema(o.body), ...(example ? { example } : {}) } } };
  }
  return undefined;
}

const RATE_HEADERS = {
  "RateLimit-Limit": { $ref: "#/components/headers/RateLimit-Limit" },
  "RateLimit-Remaining": { $ref: "#/components/headers/RateLimit-Remaining" },
  "RateLimit-Reset": { $ref: "#/components/headers/RateLimit-Reset" },
};
const problem = (description: string, headers: Json = RATE_HEADERS) => ({ description, headers, content: { "application/problem+json": { schema: { $ref: "#/components/schemas/Problem" } } } });

/** Each problem answer is declared once under components/responses; operations refer to it by status. */
const PROBLEM_RESPONSES: Record<number, { name: string; response: Json }> = {
  400: { name: "BadRequest", response: problem(DEFAULT_ERRORS[400]) },
  401: { name: "Unauthorized", response: problem("No token, or the token is unknown, revoked or expired.", {}) },
  403: { name: "Forbidden", response: problem(DEFAULT_ERRORS[403]) },
  404: { name: "NotFound", response: problem(DEFAULT_ERRORS[404]) },
  409: { name: "Conflict", response: problem(DEFAULT_ERRORS[409]) },
  413: { name: "PayloadTooLarge", response: problem(DEFAULT_ERRORS[413]) },
  429: { name: "TooManyRequests", response: problem("This token's rate limit is reached; retry after Retry-After seconds.", { ...RATE_HEADERS, "Retry-After": { $ref: "#/components/headers/Retry-After" } }) },
  503: { name: "Unavailable", response: problem("The database is not reachable right now (e.g. restarting); nothing was changed. Retry after Retry-After seconds.", { "Retry-After": { $ref: "#/components/headers/Retry-After" } }) },
};
/** A reference to the status's problem response; an operation's own reason overrides the description (OpenAPI 3.1 allows it beside $ref). */
function problemRef(status: number, why?: string): Json {
  const entry = PROBLEM_RESPONSES[status];
  if (!entry) throw new Error(`no problem response for ${status}`);
  const ref = { $ref: `#/components/responses/${entry.name}` };
  return why && why !== entry.response.description ? { ...ref, description: why } : ref;
}

function responses(o: Operation) {
  const ex = EXAMPLES[o.id]?.response;
  const headers: Json = { ...RATE_HEADERS };
  if (["createEvaluation", "createReport", "createEnsembleVersion", "reviseReport", "createHardeningRun"].includes(o.id)) headers.Location = { $ref: "#/components/headers/Location" };
  let success: Json;
  if (o.status === 204) success = { description: o.returns, headers };
  else if (o.produces) {
    const sha = { type: "string", pattern: "^[0-9a-f]{64}$" };
    Object.assign(headers, o.produces === "application/pdf" ? {
      "X-Content-SHA256": { description: "SHA-256 of the PDF, as recorded in the audit log.", schema: sha },
      "X-Report-Edition": { description: "draft or approved.", schema: { type: "string", enum: ["draft", "approved"] } },
    } : {
      "X-Content-SHA256": { description: "SHA-256 of the document's bytes.", schema: sha },
      ...(o.id === "getReportOscal" || o.id === "getOscalAssessmentResults" ? { "X-Snapshot-SHA256": { description: "SHA-256 of the snapshot the results were built from (a report's: the one its PDF prints).", schema: sha } } : {}),
    }, { "Content-Disposition": { description: "attachment; filename=\"…\"", schema: { type: "string" } } });
    success = { description: o.returns, headers, content: { [o.produces]: { schema: { type: "string", format: "binary" } } } };
  } else {
    const name = o.response ? RESPONSE_NAMES.get(o.response) : undefined;
    if (!name) throw new Error(`${o.id} has no response schema in lib/api/responses.ts`);
    const content: Json = { "application/json": { schema: { $ref: `#/components/schemas/${name}` }, ...(ex ? { example: ex } : {}) } };
    if (o.id === "listEvaluationSuspects") content["text/csv"] = { schema: { type: "string" } };
    success = { description: o.returns, headers, content };
  }
  const out: Json = { [String(o.status)]: success };
  for (const [status, why] of Object.entries(errorStatuses(o))) out[status] = problemRef(Number(status), why);
  for (const status of COMMON_STATUSES) out[String(status)] = problemRef(status);
  return out;
}

const TAGS: { name: string; description: string }[] = [
  { name: "Tokens", description: "The API token in use. Create tokens in Settings → API tokens." },
  { name: "Models", description: "Model registry: models, versions (uploaded weights, ensembles, HTTP endpoints) and their cards." },
  { name: "Datasets", description: "Dataset registry: datasets and their versions, with provenance and licence." },
  { name: "Evaluations", description: "Robustness, privacy and integrity evaluations, run by the workers." },
  { name: "Hardening", description: "Adversarial fine-tuning of a model version into a new version, with lineage and measured training cost (docs/hardening.md)." },
  { name: "Schedules", description: "Evaluations that run on a cron schedule." },
  { name: "Compliance", description: "Control status per framework and the release gate." },
  { name: "Alerts", description: "Regression alerts raised by evaluations." },
  { name: "Reports", description: "Audit reports: frozen snapshots rendered to PDF, approved and verifiable." },
  { name: "Deployments", description: "Environments, promotions behind the gate, overrides and rollbacks." },
  { name: "Monitoring", description: "Production drift monitoring of deployed versions." },
  { name: "Outbound hosts", description: "The team's allowlist of hosts model endpoints and webhooks may reach." },
  { name: "OSCAL", description: "NIST OSCAL 1.0.6 exports: assessment results, component definitions, catalogs (docs/oscal.md)." },
  { name: "Audit", description: "The team's hash-chained audit log." },
];

export function openApiDocument() {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const o of OPERATIONS) {
    const body = requestBody(o);
    (paths[o.path] ??= {})[o.method.toLowerCase()] = {
      operationId: o.id,
      tags: [o.tag],
      summary: o.summary,
      description: o.description ?? o.returns,
      "x-bulwark-permission": o.action,
      parameters: parameters(o),
      ...(body ? { requestBody: body } : {}),
      responses: responses(o),
    };
  }
  const schemas = componentSchemas();
  return {
    openapi: "3.1.0",
    info: {
      title: "Bulwark REST API",
      version: "1",
      description: [
        "Robustness evaluations, compliance status and audit reports for CI/CD pipelines.",
        "",
        "**Authentication.** An API token (Settings → API tokens) as `Authorization: Bearer <token>`. The token acts for one team with one role; every record outside that team answers 404.",
        "",
        "**Errors.** RFC 9457 problem details (`application/problem+json`): `status`, `title`, `detail` and, for invalid input, `errors` by field. Invalid input answers 400, a record that does not exist in the token's team 404, a state that does not allow the change 409.",
        "",
        "**Pagination.** Lists answer `{ data, nextCursor }`, newest or alphabetical first. Pass `nextCursor` unchanged as `cursor` for the next page (`limit` 1–100, default 25); it is null on the last page. A cursor the API did not return answers 400.",
        "",
        "**Rate limit.** Each token may make a limited number of requests per minute (BULWARK_API_RATE_LIMIT). Every authenticated answer carries `RateLimit-Limit`, `RateLimit-Remaining` and `RateLimit-Reset`; over the limit, 429 with `Retry-After`.",
        "",
        "**Formats.** Model and dataset versions are named `name@version` (`digits-cnn@2`, `digits-cnn@latest`). Schedules take `daily`, `weekly` or a 5-field cron expression (minute hour day-of-month month day-of-week, e.g. `0 3 * * 1`). Times are ISO 8601 in UTC; hashes are SHA-256 in lowercase hexadecimal.",
        "",
        "The `bulwark` CLI (docs/ci.md) is built on this document.",
      ].join("\n"),
      // The instance's operators answer for it; the software carries no open-source licence (package.json: private).
      // Fixed text: lib/env.ts has no setting for an operator's own contact or licence (noted in docs/ci.md).
      contact: { name: "The administrators of this Bulwark instance" },
      license: { name: "Proprietary", identifier: "LicenseRef-Proprietary" },
    },
    servers: [{ url: "/api/v1", description: "This Bulwark instance." }],
    security: [{ bearer: [] }],
    tags: TAGS,
    components: {
      securitySchemes: { bearer: { type: "http", scheme: "bearer", description: "An API token, bwk_…" } },
      headers: {
        "RateLimit-Limit": { description: "Requests this token may make per minute.", schema: { type: "integer" } },
        "RateLimit-Remaining": { description: "Requests left in the current minute.", schema: { type: "integer" } },
        "RateLimit-Reset": { description: "Seconds until the minute's count starts again.", schema: { type: "integer" } },
        "Retry-After": { description: "Seconds to wait before retrying.", schema: { type: "integer" } },
        Location: { description: "The address of the created record.", schema: { type: "string" } },
      },
      responses: Object.fromEntries(Object.values(PROBLEM_RESPONSES).map((p) => [p.name, p.response])),
      schemas,
    },
    paths,
  };
}
