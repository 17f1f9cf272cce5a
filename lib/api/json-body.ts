import { AppError } from "../errors";
import { assertNoControlCharacters } from "../security/control-chars";

/** A request's JSON body, before its schema: not JSON, or a control character in any field, answers 400. */
export async function readJsonBody(req: Request): Promise<unknown> {
  let body: unknown;
  try {
    body = await req.json();
  } catch {
    throw new AppError("The request body is not valid JSON.", 400, "invalid_json");
  }
  assertNoControlCharacters(body, "A field of the request body is invalid");
  return body;
}
