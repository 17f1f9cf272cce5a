import type { z } from "zod";
import { contextFromToken } from "@/lib/auth/tokens";
import { can, type Action } from "@/lib/auth/permissions";
import type { TeamContext } from "@/lib/teams/access";
import { AppError, fieldErrorsFromZod } from "@/lib/errors";

// REST API v1 glue: bearer-token auth, zod parsing, errors as RFC 9457 problem+json.

export function problem(status: number, title: string, detail: string, extra: Record<string, unknown> = {}): Response {
  return new Response(JSON.stringify({ type: "about:blank", title, status, detail, ...extra }), {
    status,
    headers: { "content-type": "application/problem+json", "cache-control": "no-store" },
  });
}

export async function apiRoute(req: Request, action: Action, run: (ctx: TeamContext) => Promise<Response>): Promise<Response> {
  const header = req.headers.get("authorization") ?? "";
  const m = /^Bearer\s+(\S+)$/i.exec(header);
  if (!m) return problem(401, "Unauthorized", "Send an API token: Authorization: Bearer <token> (Settings → API tokens).");
  const ctx = await contextFromToken(m[1]!);
  if (!ctx) return problem(401, "Unauthorized", "This API token is unknown, revoked or expired.");
  if (!can(ctx.role, action)) return problem(403, "Forbidden", `The token's role (${ctx.role}) does not allow this.`);
  try {
    return await run(ctx);
  } catch (e) {
    if (e instanceof AppError) return problem(e.status, e.code.replace(/_/g, " "), e.message, e.fieldErrors ? { errors: e.fieldErrors } : {});
    console.error(e);
    return problem(500, "Internal error", "Something failed on the server; nothing was changed.");
  }
}

export async function parseJson<S extends z.ZodType>(req: Request, schema: S): Promise<z.infer<S>> {
  let body: unknown;
  try {
    body = await req.json();
  } catch {
    throw new AppError("The request body is not valid JSON.", 400, "invalid_json");
  }
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw new AppError("Some fields are invalid.", 400, "invalid_input", fieldErrorsFromZod(parsed.error.issues));
  return parsed.data;
}
