// Errors that carry what the user should be told. Anything else is reported as an internal error.

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
