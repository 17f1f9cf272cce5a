import { can, type Action } from "../auth/permissions";
import type { ErrorStatus, Operation } from "./operations";
import { ProblemResponse } from "./responses";

// What each REST API v1 operation may answer (the OpenAPI document's responses are built from this),
// and the check the API tests run on every real answer: a documented status, and a body that is exactly
// the declared schema (no field missing or wrong, none undocumented) or a problem document.

/** Statuses every operation can answer: no or a bad token, the rate limit, the database restarting. */
export const COMMON_STATUSES = [401, 429, 503] as const;

export const DEFAULT_ERRORS: Record<ErrorStatus, string> = {
  400: "Invalid input; `detail` says what is wrong and `errors` names each field.",
  403: "The token's role does not allow this.",
  404: "Not found in the token's team.",
  409: "Conflict with the current state; `detail` says which.",
  413: "The body is too large.",
};

/** Whether some role lacks the action, so that a 403 can happen. */
const restricted = (a: Action) => (["ADMIN", "ENGINEER", "REVIEWER", "VIEWER"] as const).some((r) => !can(r, a));

/** Each error status the operation can answer beyond COMMON_STATUSES, with why. */
export function errorStatuses(o: Operation): Partial<Record<ErrorStatus, string>> {
  const out: Partial<Record<ErrorStatus, string>> = {};
  // Every operation checks its query string (a control character in any parameter is refused), its body and
  // a name in the address; ids, numbers and versions that are malformed name nothing (404).
  out[400] = DEFAULT_ERRORS[400];
  if (restricted(o.action)) out[403] = DEFAULT_ERRORS[403];
  // Uploads and registrations under a new name create the model or dataset: the address names nothing that must exist.
  const creates = o.bodyKind === "multipart" || o.id === "registerEndpointVersion" || o.id === "createEnsembleVersion";
  if (o.params && !creates) out[404] = DEFAULT_ERRORS[404];
  for (const [k, v] of Object.entries(o.errors ?? {})) out[Number(k) as ErrorStatus] = v;
  return out;
}

export function documentedStatuses(o: Operation): number[] {
  return [o.status, ...Object.keys(errorStatuses(o)).map(Number), ...COMMON_STATUSES].sort((a, b) => a - b);
}

/** Key-order-independent JSON equality: the parsed answer must be the answer, nothing dropped. */
function sameJson(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) || Array.isArray(b)) return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => sameJson(x, b[i]));
  if (a && b && typeof a === "object" && typeof b === "object") {
    const ka = Object.keys(a).sort();
    const kb = Object.keys(b).sort();
    return sameJson(ka, kb) && ka.every((k) => sameJson((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
  }
  return Object.is(a, b);
}

/** Field paths present in the answer but not in what the schema kept (undocumented fields). */
function extraPaths(raw: unknown, kept: unknown, at = ""): string[] {
  if (Array.isArray(raw) && Array.isArray(kept)) return raw.flatMap((x, i) => extraPaths(x, kept[i], `${at}[${i}]`));
  if (raw && kept && typeof raw === "object" && typeof kept === "object") {
    return Object.keys(raw).flatMap((k) => (k in kept ? extraPaths((raw as Record<string, unknown>)[k], (kept as Record<string, unknown>)[k], `${at}.${k}`) : [`${at}.${k}`]));
  }
  return [];
}

/** What is wrong with one real answer of the operation (empty: it keeps the contract). Reads a clone. */
export async function contractProblems(o: Operation, res: Response): Promise<string[]> {
  const where = `${o.id} ${res.status}`;
  if (!documentedStatuses(o).includes(res.status)) return [`${where}: status not documented (documented: ${documentedStatuses(o).join(", ")})`];
  const type = (res.headers.get("content-type") ?? "").split(";")[0]!.trim();
  if (res.status >= 400) {
    if (type !== "application/problem+json") return [`${where}: content-type ${type}, not application/problem+json`];
    const p = ProblemResponse.safeParse(await res.clone().json());
    return p.success ? [] : [`${where}: not a problem document: ${p.error.message}`];
  }
  if (res.status === 204) return [];
  if (o.produces) return type === o.produces ? [] : [`${where}: content-type ${type}, not ${o.produces}`];
  if (type === "text/csv" && o.id === "listEvaluationSuspects") return [];
  if (type !== "application/json") return [`${where}: content-type ${type}, not application/json`];
  const body: unknown = await res.clone().json();
  const parsed = o.response!.safeParse(body);
  if (!parsed.success) return [`${where}: the body does not match the declared schema: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`];
  if (!sameJson(parsed.data, body)) return [`${where}: undocumented fields: ${extraPaths(body, parsed.data).join(", ")}`];
  return [];
}
