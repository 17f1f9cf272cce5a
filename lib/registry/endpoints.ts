import { createHash } from "node:crypto";
import { z } from "zod";
import { db } from "../db/client";
import type { Prisma } from "../db/generated/client";
import { appendAudit } from "../audit/log";
import { assertCan, type TeamContext } from "../teams/access";
import { NotFoundError, ValidationError, fieldErrorsFromZod } from "../errors";
import { secretKey } from "../env";
import { decryptSecret, encryptSecret, redactSecrets } from "../security/secrets";
import { EndpointAnswerError, EndpointModel, RequestTemplateSchema, ResponseMappingSchema, type EndpointModelSpec } from "../engine/endpoint";
import { OutboundClient } from "../outbound/client";
import { matchAllowlist, OutboundError, parseOutboundUrl, portOf, type Resolver } from "../outbound/policy";
import { createVersion, filelessModelVersion, resolveVersionTarget, type ModelVersionIdentity } from "./versions";
import { cardInputFromFields, ModelCardSchema, type ModelCard } from "./model-card";
import { loadDatasetForEngine } from "./datasets";
import { liveTeamAllowlist, loadTeamAllowlist } from "../teams/outbound-hosts";
import { controlCharacterMessage, findControlCharacter } from "../security/control-chars";
import { env } from "../env";
import type { TeamScope } from "../teams/context";

// Model versions served over HTTP: Bulwark never sees their weights, only queries them (black-box).
// The credential is stored only as ciphertext bound to its team and version; it is decrypted in the
// process that makes the call, put in one request header, and never logged, audited or returned.

export const ENDPOINT_FORMAT = "http-endpoint";

const jsonText = (what: string) =>
  z.union([
    z.string().transform((s, c) => {
      let v: unknown;
      try {
        v = JSON.parse(s) as unknown;
      } catch {
        c.addIssue({ code: "custom", message: `${what} is not valid JSON` });
        return z.NEVER;
      }
      // A JSON escape such as \u0000 decodes to a character the raw text was checked for.
      const hit = findControlCharacter(v);
      if (hit) {
        c.addIssue({ code: "custom", message: `${what} ${controlCharacterMessage(hit.char)}` });
        return z.NEVER;
      }
      return v;
    }),
    z.record(z.string(), z.unknown()),
    z.array(z.unknown()),
  ]);

// Headers that belong to the connection or the message framing (RFC 9110 §7.6.1 hop-by-hop, and those the
// client sets itself): a credential there would be dropped, mangled or change how the request is sent.
const EXCHANGE_HEADERS = new Set([
  "host", "connection", "keep-alive", "proxy-connection", "proxy-authorization", "proxy-authenticate", "te", "trailer",
  "transfer-encoding", "upgrade", "expect", "http2-settings", "content-length", "content-type", "content-encoding", "accept",
]);

export const EndpointConfigSchema = z
  .object({
    url: z
      .string()
      .trim()
      .max(2000, { error: "at most 2,000 characters" })
      .superRefine((u, c) => {
        try {
          parseOutboundUrl(u);
        } catch (e) {
          c.addIssue({ code: "custom", message: (e as Error).message });
        }
      }),
    method: z.enum(["POST", "PUT"], { error: "choose POST or PUT" }).default("POST"),
    authKind: z.enum(["none", "bearer", "header"], { error: "choose no authentication, a bearer token or a header" }).default("none"),
    authHeader: z
      .string()
      .trim()
      .max(100)
      .regex(/^$|^[A-Za-z0-9-]+$/, { error: "a header name has letters, digits and dashes only" })
      .optional()
      .transform((v) => v || undefined),
    authSecret: z.string().max(4000, { error: "at most 4,000 characters" }).optional().transform((v) => v || undefined),
    requestTemplate: jsonText("The request template").pipe(RequestTemplateSchema),
    responseMapping: ResponseMappingSchema,
    batchSize: z.coerce.number({ error: "a number" }).int({ error: "a whole number" }).min(1, { error: "at least 1" }).max(256, { error: "at most 256" }).default(16),
    timeoutMs: z.coerce.number({ error: "a number" }).int().min(100, { error: "at least 100 ms" }).max(120_000, { error: "at most 120,000 ms" }).default(10_000),
    requestsPerSecond: z.coerce.number({ error: "a number" }).min(0.1, { error: "at least 0.1" }).max(1000, { error: "at most 1,000" }).default(10),
    concurrency: z.coerce.number({ error: "a number" }).int().min(1, { error: "at least 1" }).max(32, { error: "at most 32" }).default(2),
    maxRetries: z.coerce.number({ error: "a number" }).int().min(0, { error: "at least 0" }).max(10, { error: "at most 10" }).default(3),
  })
  .superRefine((e, c) => {
    if (e.authKind !== "none" && !e.authSecret) c.addIssue({ code: "custom", path: ["authSecret"], message: "enter the token or header value" });
    if (e.authKind === "header" && !e.authHeader) c.addIssue({ code: "custom", path: ["authHeader"], message: "enter the header name, e.g. X-Api-Key" });
    if (e.authHeader && EXCHANGE_HEADERS.has(e.authHeader.toLowerCase())) {
      c.addIssue({ code: "custom", path: ["authHeader"], message: `${e.authHeader} controls the HTTP exchange itself (hop-by-hop or framing): choose the header your endpoint reads the key from, e.g. X-Api-Key` });
    }
    // A credential that would never be sent is refused rather than stored.
    if (e.authKind === "none" && e.authSecret) {
      c.addIssue({ code: "custom", path: ["authSecret"], message: "a credential was given but authentication is none, so it would never be sent: choose a bearer token or a header, or leave it empty" });
    }
    if (e.authKind !== "none" && e.authSecret) {
      const bad = e.authKind === "bearer" ? /[^\x21-\x7e]/ : /[^\x20-\x7e]|^ | $/;
      if (bad.test(e.authSecret)) {
        c.addIssue({
          code: "custom",
          path: ["authSecret"],
          message: e.authKind === "bearer"
            ? "a bearer token is printable ASCII without spaces or line breaks: this one could not be sent in a header"
            : "a header value is printable ASCII without line breaks or leading/trailing spaces: this one could not be sent as it is",
        });
      }
    }
  });

export type EndpointConfig = z.infer<typeof EndpointConfigSchema>;

export interface EndpointRegistrationInput {
  modelId?: string;
  name?: string;
  description?: string;
  /** Card as flat form fields or a structured object (preprocessing is fixed to identity: the endpoint does its own). */
  card: Record<string, unknown>;
  endpoint: Record<string, unknown>;
  /**
   * The registered version (with weights) this endpoint serves, if any: its white-box evaluations become the
   * reference the black-box results are checked against.
   */
  whiteBoxReferenceVersionId?: string;
}

function secretContext(teamId: string, versionId: string) {
  return `endpoint-auth:${teamId}:${versionId}`;
}

/** Digest of what defines the endpoint version (never the credential): recorded like a weights manifest. */
export function endpointDigest(e: Omit<EndpointConfig, "authSecret">, card: Pick<ModelCard, "inputShape" | "inputRange" | "classLabels">): string {
  const canonical = JSON.stringify({
    url: e.url,
    method: e.method,
    authKind: e.authKind,
    authHeader: e.authHeader ?? null,
    requestTemplate: e.requestTemplate,
    responseMapping: e.responseMapping,
    batchSize: e.batchSize,
    inputShape: card.inputShape,
    inputRange: card.inputRange,
    classLabels: card.classLabels,
  });
  return createHash("sha256").update(canonical).digest("hex");
}

/** Registers a model version that lives behind an HTTP endpoint. Its host must be on the team's allowlist. */
export async function registerEndpointVersion(ctx: TeamContext, input: EndpointRegistrationInput) {
  assertCan(ctx, "model.write");
  const teamId = ctx.team.id;
  const structured = "inputRange" in input.card && typeof input.card.inputRange === "object";
  const cardInput = (structured ? input.card : cardInputFromFields(input.card)) as { preprocessing?: { scale?: unknown; offset?: unknown } };
  // The endpoint receives inputs in the declared range and preprocesses them itself: a scale or offset here
  // would silently not be applied, so it is refused.
  const pre = cardInput.preprocessing;
  const preprocessingError = pre && ((pre.scale ?? 1) !== 1 || (pre.offset ?? 0) !== 0) ? "An endpoint does its own preprocessing: leave scale 1 and offset 0 and declare the range it receives." : null;
  const cardRes = ModelCardSchema.safeParse({ ...cardInput, preprocessing: { scale: 1, offset: 0 } });
  const epRes = EndpointConfigSchema.safeParse(input.endpoint);
  const fieldErrors = {
    ...(cardRes.success ? {} : fieldErrorsFromZod(cardRes.error.issues)),
    ...(epRes.success ? {} : Object.fromEntries(Object.entries(fieldErrorsFromZod(epRes.error.issues)).map(([k, v]) => [`endpoint.${k}`, v]))),
  };
  if (preprocessingError) fieldErrors["preprocessing.scale"] = preprocessingError;
  const { target, problem } = await resolveVersionTarget("model", ctx, { id: input.modelId, name: input.name });
  if (problem) fieldErrors.name = problem.message;
  if (Object.keys(fieldErrors).length || !cardRes.success || !epRes.success) throw new ValidationError("Some fields need attention.", fieldErrors);
  const card = cardRes.data;
  const ep = epRes.data;
  const allowlist = await loadTeamAllowlist(ctx);
  const url = new URL(ep.url);
  const host = url.hostname.replace(/^\[|\]$/g, "");
  const entry = matchAllowlist(host, allowlist);
  if (!entry) {
    throw new ValidationError("Some fields need attention.", {
      "endpoint.url": `The host ${host} is not on this team's outbound allowlist: a team admin can add it under Settings → Outbound hosts.`,
    });
  }
  if (!entry.ports.includes(portOf(url))) {
    throw new ValidationError("Some fields need attention.", {
      "endpoint.url": `Port ${portOf(url)} is not allowed for ${host} (allowed: ${entry.ports.join(", ")}): a team admin can add it under Settings → Outbound hosts.`,
    });
  }
  const refId = input.whiteBoxReferenceVersionId?.trim() || null;
  if (refId) {
    const ref = await db.modelVersion.findFirst({ where: { id: refId, teamId, format: { not: ENDPOINT_FORMAT } }, select: { card: true } });
    const refCard = ref ? ModelCardSchema.safeParse(ref.card) : null;
    if (!refCard?.success) throw new ValidationError("Some fields need attention.", { whiteBoxReferenceVersionId: "Choose a model version with weights in this team." });
    if (refCard.data.classLabels.join("\u0000") !== card.classLabels.join("\u0000") || refCard.data.inputShape.join(",") !== card.inputShape.join(",")) {
      throw new ValidationError("Some fields need attention.", { whiteBoxReferenceVersionId: "The reference version has other class labels or another input shape." });
    }
  }
  const { authSecret, ...publicConfig } = ep;
  const manifestDigest = endpointDigest(publicConfig, card);
  const key = secretKey();

  const engineInfo = { kind: ENDPOINT_FORMAT, inputShape: card.inputShape, classes: card.classLabels.length, outputKind: ep.responseMapping.kind, whiteBoxReferenceVersionId: refId, warnings: [] as string[] };
  const created = await db.$transaction((tx) =>
    createVersion(tx, ctx, "model", {
      target: target!,
      description: input.description ?? "",
      create: async (modelId, version) => {
        const v = await tx.modelVersion.create({ data: filelessModelVersion(ctx, card, modelId, version, { format: ENDPOINT_FORMAT, manifestDigest, engineInfo }) });
        await tx.modelEndpoint.create({
          data: {
            teamId,
            modelVersionId: v.id,
            url: ep.url,
            method: ep.method,
            authKind: ep.authKind,
            authHeader: ep.authKind === "header" ? ep.authHeader : null,
            authSecretEnc: authSecret ? encryptSecret(authSecret, key, secretContext(teamId, v.id)) : null,
            requestTemplate: ep.requestTemplate as Prisma.InputJsonValue,
            responseMapping: ep.responseMapping as unknown as Prisma.InputJsonValue,
            outputKind: ep.responseMapping.kind,
            batchSize: ep.batchSize,
            timeoutMs: ep.timeoutMs,
            requestsPerSecond: ep.requestsPerSecond,
            concurrency: ep.concurrency,
            maxRetries: ep.maxRetries,
          },
        });
        return v;
      },
      // The credential is summarised as its kind only.
      details: { manifestDigest, format: ENDPOINT_FORMAT, host: new URL(ep.url).host, method: ep.method, authKind: ep.authKind, outputKind: ep.responseMapping.kind, riskTier: card.riskTier },
    }),
  );
  return { modelId: created.entryId, versionId: created.row.id, version: created.version, manifestDigest };
}

export interface EndpointForEngine extends ModelVersionIdentity {
  spec: EndpointModelSpec;
  url: string;
  method: "POST" | "PUT";
  /** Request headers, credential included: keep in memory only. */
  headers: Record<string, string>;
  /** The credential's header name (dropped on a redirect to another origin). */
  secretHeader: string | null;
  /** The credential itself, for redaction of anything built from outside input. */
  secret: string | null;
  teamId: string;
  limits: { timeoutMs: number; requestsPerSecond: number; concurrency: number; maxRetries: number };
}

/** Loads an endpoint version for querying (worker or server side, scoped by team). Decrypts the credential. */
export async function loadEndpointForEngine(scope: TeamScope, versionId: string): Promise<EndpointForEngine> {
  const teamId = scope.team.id;
  const v = await db.modelVersion.findFirst({ where: { id: versionId, teamId, format: ENDPOINT_FORMAT }, include: { endpoint: true, model: { select: { name: true } } } });
  if (!v || !v.endpoint) throw new NotFoundError("This endpoint model version");
  const e = v.endpoint;
  const card = ModelCardSchema.parse(v.card);
  const secret = e.authSecretEnc ? decryptSecret(e.authSecretEnc, secretKey(), secretContext(teamId, v.id)) : null;
  const headers: Record<string, string> = { "content-type": "application/json", accept: "application/json" };
  let secretHeader: string | null = null;
  if (e.authKind === "bearer" && secret) {
    secretHeader = "authorization";
    headers.authorization = `Bearer ${secret}`;
  } else if (e.authKind === "header" && secret && e.authHeader) {
    secretHeader = e.authHeader.toLowerCase();
    headers[secretHeader] = secret;
  }
  return {
    versionId: v.id,
    modelId: v.modelId,
    modelName: v.model.name,
    version: v.version,
    manifestDigest: v.manifestDigest,
    card,
    spec: {
      inputShape: card.inputShape,
      classLabels: card.classLabels,
      requestTemplate: e.requestTemplate,
      responseMapping: ResponseMappingSchema.parse(e.responseMapping),
      batchSize: e.batchSize,
    },
    url: e.url,
    method: e.method === "PUT" ? "PUT" : "POST",
    headers,
    secretHeader,
    secret,
    teamId,
    limits: { timeoutMs: e.timeoutMs, requestsPerSecond: e.requestsPerSecond, concurrency: e.concurrency, maxRetries: e.maxRetries },
  };
}

/** The endpoint of a version served over HTTP, or null for a version with weights. */
export async function loadEndpointIfAny(scope: TeamScope, versionId: string): Promise<EndpointForEngine | null> {
  const teamId = scope.team.id;
  const v = await db.modelVersion.findFirst({ where: { id: versionId, teamId }, select: { format: true } });
  return v?.format === ENDPOINT_FORMAT ? loadEndpointForEngine(scope, versionId) : null;
}

/** Largest answer accepted from a model endpoint (scores for a batch are small; anything huge is refused). */
const MAX_ENDPOINT_RESPONSE_BYTES = 4 * 1024 * 1024;

/** A queryable model over the guarded client. Close `client` when done. */
export function openEndpointModel(scope: TeamScope, ep: EndpointForEngine, opts: { resolve?: Resolver } = {}): { model: EndpointModel; client: OutboundClient } {
  const client = new OutboundClient({
    // Read again before every request: removing the host stops a running evaluation at its next request.
    allowlist: liveTeamAllowlist(scope),
    instanceAllowsPrivate: env().BULWARK_OUTBOUND_ALLOW_PRIVATE,
    timeoutMs: ep.limits.timeoutMs,
    maxResponseBytes: MAX_ENDPOINT_RESPONSE_BYTES,
    maxRetries: ep.limits.maxRetries,
    requestsPerSecond: ep.limits.requestsPerSecond,
    concurrency: ep.limits.concurrency,
    secretHeaders: ep.secretHeader ? [ep.secretHeader] : [],
    resolve: opts.resolve,
  });
  const model = new EndpointModel(ep.spec, async (body) => {
    const res = await client.request({ url: ep.url, method: ep.method, headers: ep.headers, body });
    try {
      return JSON.parse(res.body.toString("utf8")) as unknown;
    } catch {
      throw new OutboundError("http_status", `${new URL(ep.url).hostname} answered with something that is not JSON.`);
    }
  });
  return { model, client };
}

/** What a connection test found; the API (lib/api/responses.ts) answers it as it is. */
export const ConnectionTestResultSchema = z.object({
  ok: z.boolean(),
  // What went wrong, in one sentence (no credential, no response body).
  error: z.string().nullable(),
  examples: z.number().int(),
  // Answers that were one of the declared classes (every answer, when ok).
  answered: z.number().int(),
  // Answers equal to the dataset's label.
  agreeing: z.number().int(),
  outputKind: z.enum(["scores", "label"]),
  // The outbound client's figures (lib/outbound/client.ts OutboundStats).
  stats: z.object({ requests: z.number().int(), retries: z.number().int(), succeeded: z.number().int(), failed: z.number().int() }),
  // Wall time divided by requests sent (at the endpoint's concurrency), for the cost estimate.
  msPerRequest: z.number(),
});
export type ConnectionTestResult = z.infer<typeof ConnectionTestResultSchema>;

/**
 * "Test connection": sends the dataset's first examples and checks every answer against the declared
 * classes (scores: one finite number per class; label: a declared class). Recorded in the audit log.
 */
export async function testEndpointConnection(ctx: TeamContext, versionId: string, datasetVersionId: string, opts: { examples?: number; resolve?: Resolver } = {}): Promise<ConnectionTestResult> {
  assertCan(ctx, "model.write");
  const ep = await loadEndpointForEngine(ctx, versionId);
  const ds = await loadDatasetForEngine(ctx, datasetVersionId);
  const size = ep.spec.inputShape.reduce((a, b) => a * b, 1);
  const dsSize = ds.sampleShape.reduce((a, b) => a * b, 1);
  if (dsSize !== size) {
    throw new ValidationError("Some fields need attention.", { datasetVersionId: `The dataset's samples have shape ${ds.sampleShape.join("×")}, the endpoint takes ${ep.spec.inputShape.join("×")}.` });
  }
  if (ds.classLabels.length !== ep.spec.classLabels.length || ds.classLabels.some((l, i) => l !== ep.spec.classLabels[i])) {
    throw new ValidationError("Some fields need attention.", { datasetVersionId: "The dataset's class labels differ from the ones declared for the endpoint (names and order must match)." });
  }
  const n = Math.min(opts.examples ?? 8, ds.count);
  const examples = Array.from({ length: n }, (_, i) => ds.x.slice(i * size, (i + 1) * size));
  const { model, client } = openEndpointModel(ctx, ep, { resolve: opts.resolve });
  const started = Date.now();
  let result: ConnectionTestResult;
  try {
    const answers = await model.classify(examples);
    const agreeing = answers.labels.filter((l, i) => l === ds.labels[i]).length;
    result = { ok: true, error: null, examples: n, answered: answers.labels.length, agreeing, outputKind: model.outputKind, stats: { ...client.stats }, msPerRequest: 0 };
  } catch (e) {
    const known = e instanceof OutboundError || e instanceof EndpointAnswerError;
    const message = known ? redactSecrets(e.message, [ep.secret]) : "The endpoint could not be queried.";
    result = { ok: false, error: message, examples: n, answered: 0, agreeing: 0, outputKind: model.outputKind, stats: { ...client.stats }, msPerRequest: 0 };
  } finally {
    client.close();
  }
  // Wall time per request at the configured concurrency and rate: the cost estimate multiplies by it.
  result.msPerRequest = result.stats.requests ? Math.round((Date.now() - started) / result.stats.requests) : 0;
  await db.$transaction((tx) =>
    appendAudit(tx, {
      teamId: ctx.team.id,
      actor: ctx.actor,
      action: "model.endpoint.test",
      subjectType: "ModelVersion",
      subjectId: versionId,
      details: { datasetVersionId, ok: result.ok, error: result.error, examples: n, answered: result.answered, agreeing: result.agreeing, requests: result.stats.requests },
    }),
  );
  return result;
}

/** Versions with weights in the team, for the "weights this endpoint serves" choice. */
export async function listWeightVersionOptions(ctx: TeamContext) {
  const vs = await db.modelVersion.findMany({
    where: { teamId: ctx.team.id, storedAt: { not: null }, format: { not: ENDPOINT_FORMAT } },
    orderBy: [{ model: { name: "asc" } }, { version: "desc" }],
    select: { id: true, version: true, model: { select: { name: true } } },
    take: 500,
  });
  return vs.map((v) => ({ id: v.id, label: `${v.model.name} v${v.version}` }));
}

/** What the model page shows of an endpoint version: everything but the credential (only whether one is set). */
export async function getEndpointSummary(ctx: TeamContext, versionId: string) {
  const e = await db.modelEndpoint.findFirst({ where: { modelVersionId: versionId, teamId: ctx.team.id } });
  if (!e) return null;
  return {
    url: e.url, method: e.method, authKind: e.authKind, authHeader: e.authHeader, credentialStored: e.authSecretEnc !== null,
    requestTemplate: JSON.stringify(e.requestTemplate), responseMapping: ResponseMappingSchema.parse(e.responseMapping),
    batchSize: e.batchSize, timeoutMs: e.timeoutMs, requestsPerSecond: e.requestsPerSecond, concurrency: e.concurrency, maxRetries: e.maxRetries,
  };
}
