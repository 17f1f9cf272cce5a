// Errors that carry what the user should be told. Anything else is reported as an internal error.
import { DATABASE_RETRY_AFTER_SECONDS, isDatabaseUnavailable } from "./db/unavailable";

export class AppError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string,
    readonly fieldErrors?: Record<string, string>,
  ) {
    super(message);
  }
}

/** Also used for records of teams the user is not a member of: their existence is not revealed. */
export class NotFoundError extends AppError {
  constructor(what = "This page") {
    super(`${what} was not found.`, 404, "not_found");
  }
}

export class ForbiddenError extends AppError {
  constructor(message = "Your role in this team does not allow this action.") {
    super(message, 403, "forbidden");
  }
}

export class ValidationError extends AppError {
  constructor(message: string, fieldErrors?: Record<string, string>) {
    super(message, 400, "invalid_input", fieldErrors);
  }
}

export class ConflictError extends AppError {
  constructor(message: string) {
    super(message, 409, "conflict");
  }
}

/** Turns zod issues into one message per field, for forms. */
export function fieldErrorsFromZod(issues: { path: PropertyKey[]; message: string }[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const i of issues) {
    const key = i.path.map(String).join(".") || "_form";
    out[key] ??= i.message;
  }
  return out;
}

/** The database is unreachable (stopped, restarting): the request changed nothing and may be retried. */
export class ServiceUnavailableError extends AppError {
  constructor(readonly retryAfterSeconds = DATABASE_RETRY_AFTER_SECONDS) {
    super(`The database is not reachable right now (it may be restarting); nothing was changed. Retry after ${retryAfterSeconds} s.`, 503, "database_unavailable");
  }
}

// ---- The one translator at the boundary --------------------------------------------------------------
// Pages, server actions, route handlers and API operations hand any caught error to toAppError: the
// product's own errors pass through; the database's known refusals become the product's errors with a
// code the UI can show; anything else is null (an internal error: logged, answered with a generic 500).

interface DriverCause {
  kind?: string;
  originalCode?: string;
  constraint?: { index?: string; fields?: string[] };
  table?: string;
}

/** The cause a Prisma error carries from the PostgreSQL adapter (unique/foreign-key violations). */
function driverCause(e: { meta?: unknown; cause?: unknown }): DriverCause | undefined {
  const meta = e.meta as { driverAdapterError?: { cause?: DriverCause } } | undefined;
  return meta?.driverAdapterError?.cause ?? (e.cause as { cause?: DriverCause } | undefined)?.cause;
}

/**
 * The fields a constraint covers, from its columns or its PostgreSQL name ("Model_teamId_name_key" →
 * ["name"]): the team column is left out, as every record's uniqueness is within its team.
 */
function constraintFields(c: DriverCause): string[] {
  const fields = c.constraint?.fields ?? (() => {
    const index = c.constraint?.index ?? "";
    const m = /^[A-Za-z]+_(.+)_(?:key|fkey|pkey|idx)$/.exec(index);
    return m ? m[1]!.split("_") : [];
  })();
  const shown = fields.map((f) => f.replace(/^"|"$/g, "")).filter((f) => f !== "teamId");
  return shown.length ? shown : fields;
}

const words = (fields: string[]) => fields.join(" and ");

export function toAppError(e: unknown): AppError | null {
  if (e instanceof AppError) return e;
  if (isDatabaseUnavailable(e)) return new ServiceUnavailableError();
  if (!e || typeof e !== "object") return null;
  const x = e as { code?: unknown; meta?: unknown; cause?: unknown };
  const cause = driverCause(x);
  const kind = cause?.kind ?? (cause?.originalCode === "23505" ? "UniqueConstraintViolation" : cause?.originalCode === "23503" ? "ForeignKeyConstraintViolation" : undefined);
  if (x.code === "P2002" || kind === "UniqueConstraintViolation") {
    const fields = cause ? constraintFields(cause) : [];
    const what = fields.length ? `this ${words(fields)}` : "these values";
    return new AppError(`A record with ${what} already exists; choose another.`, 409, "conflict", Object.fromEntries(fields.map((f) => [f, "Already taken."])));
  }
  if (x.code === "P2003" || kind === "ForeignKeyConstraintViolation") {
    const fields = (cause ? constraintFields(cause) : []).filter((f) => f !== "id");
    const what = fields.length ? `The ${words(fields)} refers to a record that does not exist (or was removed meanwhile)` : "A record this refers to does not exist (or was removed meanwhile)";
    return new AppError(`${what}; nothing was changed.`, 400, "invalid_reference", Object.fromEntries(fields.map((f) => [f, "Not found."])));
  }
  if (x.code === "P2025") return new NotFoundError("This record");
  return null;
}
