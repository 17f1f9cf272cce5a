import type { z } from "zod";
import { authenticateToken } from "@/lib/auth/tokens";
import { can } from "@/lib/auth/permissions";
import type { TeamContext } from "@/lib/teams/access";
import { AppError, fieldErrorsFromZod, toAppError } from "@/lib/errors";
import { env } from "@/lib/env";
import { takeRateLimit } from "@/lib/api/rate-limit";
import { readJsonBody } from "@/lib/api/json-body";
import { OPERATIONS, type Operation } from "@/lib/api/operations";
import { DATABASE_RETRY_AFTER_SECONDS, isDatabaseUnavailable } from "@/lib/db/unavailable";
import { controlCharacterMessage, findControlCharacter } from "@/lib/security/control-chars";

// REST API v1 glue: bearer-token auth, per-token rate limit, the role check, zod parsing with the
// operation's schemas (lib/api/operations.ts), errors as RFC 9457 problem+json.

export function problem(status: number, title: string, detail: string, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify({ type: "about:blank", title, status, detail, ...extra }), {
    status,
    headers: { "content-type": "application/problem+json", "cache-control": "no-store", ...headers },
  });
}

/**
 * Any /api/v1 request no operation takes: 405 with Allow when the address exists for other methods,
 * else 404 — as problem+json like every API answer. Route files export it for the methods they lack,
 * and the catch-all route (app/api/v1/[...path]) for unknown addresses.
 */
export async function methodNotAllowed(req: Request): Promise<Response> {
  const path = new URL(req.url).pathname.replace(/^\/api\/v1/, "");
  const matching = OPERATIONS.filter((o) => new RegExp(`^${o.path.replace(/\{\w+\}/g, "[^/]+")}$`).test(path));
  // A fixed segment wins over a parameter (/reports/verify, not /reports/{id}), as in the router.
  const params = (p: string) => p.split("{").length;
  const best = Math.min(...matching.map((o) => params(o.path)));
  const allowed = matching.filter((o) => params(o.path) === best).map((o) => o.method);
  if (allowed.length) {
    return problem(405, "Method not allowed", `${req.method} is not an operation of /api/v1${path}; it accepts ${allowed.join(", ")}. See /api/v1/openapi.json.`, {}, { allow: allowed.join(", ") });
  }
  return problem(404, "Not found", "No API operation has this address. See /api/v1/openapi.json for the operations.");
}

/** A route file's refused methods in one line, e.g. `export const { PUT, PATCH, DELETE } = NOT_ALLOWED;`. */
export const NOT_ALLOWED = { GET: methodNotAllowed, POST: methodNotAllowed, PUT: methodNotAllowed, PATCH: methodNotAllowed, DELETE: methodNotAllowed } as const;

type Out<T> = NonNullable<T> extends z.ZodType ? z.output<NonNullable<T>> : undefined;
export interface EndpointInput<O extends Operation> {
  params: Out<O["params"]>;
  query: Out<O["query"]>;
  body: Out<O["body"]>;
  req: Request;
  tokenId: string;
  tokenExpiresAt: Date | null;
}

/** JSON as a handler may hand it over: a Date where the schema says string (Response.json writes it as ISO 8601). */
type Wire<T> = T extends string ? (string extends T ? T | Date : T) : T extends readonly (infer U)[] ? Wire<U>[] : T extends object ? { [K in keyof T]: Wire<T[K]> } : T;
/** What a handler of the operation returns: its declared response body (lib/api/responses.ts), nothing for 204, or a Response. */
export type Answer<O extends Operation> = (O["status"] extends 204 ? null | void : NonNullable<O["response"]> extends z.ZodType ? Wire<z.input<NonNullable<O["response"]>>> : never) | Response;

/** The operation's success answer with extra headers (Location), its body checked against the declared response type. */
export function answerWith<O extends Operation>(o: O, body: Exclude<Answer<O>, Response>, headers: Record<string, string>): Response {
  return Response.json(body, { status: o.status, headers: { "cache-control": "no-store", ...headers } });
}
type RouteContext = { params?: Promise<Record<string, string | string[]>> };

/** endpoint() for an operation that creates something: 201 with it, and a Location header naming it. */
export function creating<O extends Operation, T extends Exclude<Answer<O>, Response>>(o: O, create: (ctx: TeamContext, input: EndpointInput<O>) => Promise<T>, location: (created: T) => string) {
  return endpoint(o, async (ctx, input) => {
    const created = await create(ctx, input);
    return answerWith(o, created, { location: location(created) });
  });
}

const TITLES: Record<number, string> = { 400: "Invalid request", 401: "Unauthorized", 403: "Forbidden", 404: "Not found", 409: "Conflict", 413: "Payload too large", 429: "Too many requests" };

/**
 * A route handler for one operation. `run` returns plain data (sent as JSON with the operation's
 * status) or a Response (files, special statuses).
 */
export function endpoint<O extends Operation>(o: O, run: (ctx: TeamContext, input: EndpointInput<O>) => Promise<Answer<O>>) {
  return async (req: Request, context: RouteContext = {}): Promise<Response> => {
    try {
      return await answer(req, context);
    } catch (e) {
      // Anything that escaped (the token look-up, the rate limit): a problem document, never an empty 500.
      return internalProblem(e);
    }
  };
  async function answer(req: Request, context: RouteContext): Promise<Response> {
    const header = req.headers.get("authorization") ?? "";
    const m = /^Bearer\s+(\S+)$/i.exec(header);
    if (!m) return problem(401, "Unauthorized", "Send an API token: Authorization: Bearer <token> (Settings → API tokens).");
    const auth = await authenticateToken(m[1]!);
    if (!auth) return problem(401, "Unauthorized", "This API token is unknown, revoked or expired. Create a new one in Settings → API tokens.");
    const rate = await takeRateLimit(auth.tokenId, env().BULWARK_API_RATE_LIMIT);
    const rateHeaders = { "ratelimit-limit": String(rate.limit), "ratelimit-remaining": String(rate.remaining), "ratelimit-reset": String(rate.resetSeconds) };
    if (!rate.allowed) {
      return problem(429, "Too many requests", `This token made more than ${rate.limit} requests in a minute. Retry after ${rate.resetSeconds} s.`, {}, { ...rateHeaders, "retry-after": String(rate.resetSeconds) });
    }
    const withHeaders = (res: Response) => {
      for (const [k, v] of Object.entries(rateHeaders)) res.headers.set(k, v);
      return res;
    };
    const { ctx } = auth;
    if (!can(ctx.role, o.action)) return withHeaders(problem(403, "Forbidden", `The token's role (${ctx.role}) does not allow this: ${o.summary.toLowerCase()}.`));
    try {
      const rawParams = context.params ? await context.params : {};
      let params: unknown = undefined;
      if (o.params) {
        const p = o.params.safeParse(rawParams);
        if (!p.success) {
          // A name in the address is what the caller chose (and may be about to create): say what is wrong
          // with it. A malformed id, number or version names nothing that exists.
          const nameIssue = p.error.issues.find((i) => i.path[0] === "name");
          if (nameIssue) return withHeaders(problem(400, "Invalid request", `The name in the address is invalid: ${nameIssue.message}.`, { errors: { name: nameIssue.message } }));
          return withHeaders(problem(404, "Not found", "Nothing exists at this address."));
        }
        if (findControlCharacter(p.data)) return withHeaders(problem(404, "Not found", "Nothing exists at this address."));
        params = p.data;
      }
      const rawQuery = Object.fromEntries(new URL(req.url).searchParams);
      // Every string from outside is checked once here, before any schema or query sees it (PostgreSQL
      // refuses U+0000 with an error; the other control characters are refused for all text alike).
      const badQuery = findControlCharacter(rawQuery);
      if (badQuery) throw new AppError(`The query parameter ${badQuery.field} ${controlCharacterMessage(badQuery.char)}.`, 400, "invalid_query", { [badQuery.field]: controlCharacterMessage(badQuery.char) });
      let query: unknown = undefined;
      if (o.query) {
        const q = o.query.safeParse(rawQuery);
        if (!q.success) throw new AppError(`Some query parameters are invalid: ${describe(q.error.issues)}.`, 400, "invalid_query", fieldErrorsFromZod(q.error.issues));
        query = q.data;
      }
      let body: unknown = undefined;
      if (o.body && o.bodyKind === "json") body = await parseJson(req, o.body);
      const out = await run(ctx, { params, query, body, req, tokenId: auth.tokenId, tokenExpiresAt: auth.expiresAt } as EndpointInput<O>);
      if (out instanceof Response) return withHeaders(out);
      if (o.status === 204) return withHeaders(new Response(null, { status: 204 }));
      return withHeaders(Response.json(out, { status: o.status, headers: { "cache-control": "no-store" } }));
    } catch (e) {
      // The product's errors and the database's known refusals (unique → 409, foreign key → 400, missing → 404); 503 below.
      const known = toAppError(e);
      if (known && known.status !== 503) return withHeaders(problem(known.status, TITLES[known.status] ?? known.code.replace(/_/g, " "), known.message, known.fieldErrors ? { errors: known.fieldErrors } : {}));
      return withHeaders(internalProblem(e));
    }
  }
}

/** 503 with Retry-After while the database is unreachable (e.g. PostgreSQL restarting); otherwise a generic 500. */
function internalProblem(e: unknown): Response {
  if (isDatabaseUnavailable(e)) {
    return problem(503, "Service unavailable", `The database is not reachable right now (it may be restarting); nothing was changed. Retry after ${DATABASE_RETRY_AFTER_SECONDS} s.`, {}, { "retry-after": String(DATABASE_RETRY_AFTER_SECONDS) });
  }
  console.error(e);
  return problem(500, "Internal error", "Something failed on the server; nothing was changed. Try again, and report it if it persists.");
}

function describe(issues: { path: PropertyKey[]; message: string }[]): string {
  return Object.entries(fieldErrorsFromZod(issues)).map(([k, v]) => `${k}: ${v}`).join("; ");
}

export async function parseJson<S extends z.ZodType>(req: Request, schema: S): Promise<z.infer<S>> {
  const parsed = schema.safeParse(await readJsonBody(req));
  if (!parsed.success) throw new AppError(`Some fields are invalid: ${describe(parsed.error.issues)}.`, 400, "invalid_input", fieldErrorsFromZod(parsed.error.issues));
  return parsed.data;
}
