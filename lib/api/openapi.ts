import { z } from "zod";
import { OPERATIONS, type Operation } from "./operations";

// OpenAPI 3.1 document of REST API v1, generated from the operations' zod schemas.

const jsonSchema = (s: z.ZodType) => {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(s, { io: "input", unrepresentable: "any" }) as Record<string, unknown>;
  return rest;
};

function parameters(o: Operation) {
  const out: Record<string, unknown>[] = [];
  for (const [where, schema] of [["path", o.params], ["query", o.query]] as const) {
    if (!schema) continue;
    const js = jsonSchema(schema) as { properties?: Record<string, unknown>; required?: string[] };
    for (const [name, prop] of Object.entries(js.properties ?? {})) {
      out.push({ name, in: where, required: where === "path" || (js.required ?? []).includes(name), schema: prop });
    }
  }
  return out;
}

function requestBody(o: Operation) {
  if (o.bodyKind === "json" && o.body) return { required: true, content: { "application/json": { schema: jsonSchema(o.body) } } };
  if (o.bodyKind === "multipart") {
    const properties = Object.fromEntries(Object.entries(o.multipartFields ?? {}).map(([k, d]) => [k, k === "files" ? { type: "array", items: { type: "string", format: "binary" }, description: d } : { type: "string", description: d }]));
    return { required: true, content: { "multipart/form-data": { schema: { type: "object", properties, required: ["files"] } } } };
  }
  if (o.bodyKind === "pdf-or-json" && o.body) {
    return { required: true, content: { "application/pdf": { schema: { type: "string", format: "binary" } }, "application/json": { schema: jsonSchema(o.body) } } };
  }
  return undefined;
}

const problemRef = (description: string) => ({ description, content: { "application/problem+json": { schema: { $ref: "#/components/schemas/Problem" } } } });

export function openApiDocument() {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const o of OPERATIONS) {
    const responses: Record<string, unknown> = {
      [String(o.status)]: o.status === 204 ? { description: o.returns } : { description: o.returns, content: { [o.produces ?? "application/json"]: { schema: o.produces ? { type: "string", format: "binary" } : { type: "object" } } } },
      "401": problemRef("No token, or the token is unknown, revoked or expired."),
      "403": problemRef("The token's role does not allow this."),
      "429": problemRef("Rate limit reached; see Retry-After."),
    };
    if (o.params) responses["404"] = problemRef("Not found in the token's team.");
    if (o.query || o.body || o.bodyKind) responses["400"] = problemRef("Invalid input; `errors` names each field.");
    const body = requestBody(o);
    (paths[o.path] ??= {})[o.method.toLowerCase()] = {
      operationId: o.id,
      tags: [o.tag],
      summary: o.summary,
      ...(o.description ? { description: o.description } : {}),
      "x-bulwark-permission": o.action,
      parameters: parameters(o),
      ...(body ? { requestBody: body } : {}),
      responses,
    };
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "Bulwark REST API",
      version: "1",
      description: "Robustness evaluations, compliance status and audit reports for CI/CD. Authenticate with an API token (Settings → API tokens) as `Authorization: Bearer <token>`. Errors are RFC 9457 problem details. Lists are paginated with `cursor`/`limit` and answer `nextCursor`. Each token may make a limited number of requests per minute (RateLimit-* headers; 429 with Retry-After).",
    },
    servers: [{ url: "/api/v1" }],
    security: [{ bearer: [] }],
    components: {
      securitySchemes: { bearer: { type: "http", scheme: "bearer", description: "An API token, bwk_…" } },
      schemas: {
        Problem: {
          type: "object",
          properties: { type: { type: "string" }, title: { type: "string" }, status: { type: "integer" }, detail: { type: "string" }, errors: { type: "object", additionalProperties: { type: "string" } } },
          required: ["title", "status", "detail"],
        },
      },
    },
    paths,
  };
}
