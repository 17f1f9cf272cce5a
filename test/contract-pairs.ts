import { contractProblems, documentedStatuses, errorStatuses } from "@/lib/api/contract";
import { OPERATIONS, type OPS, type Operation } from "@/lib/api/operations";

// Which (operation, status) pairs of REST API v1's contract a test has seen answered, each answer checked
// against the contract (lib/api/contract.ts). Every documented pair must be produced by a real request:
// the pairs every operation answers the same way (no token, the rate limit, the database away, bad query,
// role, a malformed or unknown address) by app/api/v1/contract-pairs.test.ts for all operations, and the
// rest (success answers, 409s, 413s, names in the body) by the test file that owns the operation below.

export type PairOwner = "api" | "deployments" | "endpoints" | "oscal";

/** The test file (app/api/v1/<owner>.test.ts) that produces each operation's success and operation-specific answers. */
export const PAIR_OWNER: Record<keyof typeof OPS, PairOwner> = {
  createHardeningRun: "api", listHardeningRuns: "api", getHardeningRun: "api", cancelHardeningRun: "api",
  getMe: "api", listModels: "api", getModel: "api", uploadModelVersion: "api", createEnsembleVersion: "api", getModelVersion: "api",
  registerEndpointVersion: "endpoints", testEndpointConnection: "endpoints",
  listDatasets: "api", getDataset: "api", uploadDatasetVersion: "api", getDatasetVersion: "api",
  listEvaluations: "api", createEvaluation: "api", getEvaluation: "api", getEvaluationResults: "api", listEvaluationSuspects: "api", cancelEvaluation: "api",
  listSchedules: "api", createSchedule: "api", getSchedule: "api", updateSchedule: "api", deleteSchedule: "api",
  getControls: "api", getGate: "api", listAlerts: "api", acknowledgeAlert: "api",
  listReports: "api", createReport: "api", getReport: "api", approveReport: "api", requestReportReview: "api", requestReportChanges: "api", reviseReport: "api", downloadReport: "api", verifyReport: "api",
  listEnvironments: "deployments", createEnvironment: "deployments", getDeployments: "deployments", promoteDeployment: "deployments", rollbackDeployment: "deployments", createGateOverride: "deployments",
  getMonitoringReference: "deployments", postMonitoringBatch: "deployments", listMonitoringAlerts: "deployments", acknowledgeMonitoringAlert: "deployments",
  listOutboundHosts: "endpoints", addOutboundHost: "endpoints", removeOutboundHost: "endpoints",
  verifyAudit: "api",
  getOscalAssessmentResults: "oscal", getReportOscal: "oscal", getModelVersionOscal: "oscal", getOscalCatalog: "oscal", listTeamCatalogs: "oscal", importTeamCatalog: "oscal",
  getCatalogMapping: "oscal", uploadCatalogMapping: "oscal", rollbackTeamCatalog: "oscal", deleteTeamCatalog: "oscal",
};

/** Uploads and registrations under a new name create the record: their address names nothing that must exist. */
const creates = (o: Operation) => o.bodyKind === "multipart" || o.id === "registerEndpointVersion" || o.id === "createEnsembleVersion";

/**
 * Its address names a model that must exist, but its JSON body (no address value is malformed) is read first:
 * the owner file produces its 404 with a valid body.
 */
const bodyBeforeAddress = (o: Operation) => o.id === "createHardeningRun";

/** Statuses the operation answers the same way as every other: driven for all operations by contract-pairs.test.ts. */
export function commonPairStatuses(o: Operation): number[] {
  const e = errorStatuses(o);
  return [400, 401, 429, 503, ...(e[403] ? [403] : []), ...(e[404] && o.params && !creates(o) && !bodyBeforeAddress(o) ? [404] : [])].sort((a, b) => a - b);
}

export const pairKey = (o: Operation, status: number) => `${o.id} ${status}`;
export const documentedPairs = (ops: readonly Operation[] = OPERATIONS) => ops.flatMap((o) => documentedStatuses(o).map((s) => pairKey(o, s)));
/** The success and operation-specific pairs an owner's test file must produce. */
export const ownedPairs = (owner: PairOwner) =>
  OPERATIONS.filter((o) => PAIR_OWNER[o.id as keyof typeof OPS] === owner).flatMap((o) => documentedStatuses(o).filter((s) => !commonPairStatuses(o).includes(s)).map((s) => pairKey(o, s)));

/** Every answer a test gets, checked against the contract; the pairs seen and the violations found. */
export function contractLog() {
  const seen = new Set<string>();
  const violations: string[] = [];
  return {
    seen,
    violations,
    async check(o: Operation, res: Response) {
      violations.push(...(await contractProblems(o, res)));
      seen.add(pairKey(o, res.status));
    },
    /** The pairs of `want` not seen, after printing the count. */
    missing(want: string[], label: string) {
      const missing = want.filter((p) => !seen.has(p));
      console.log(`Contract (${label}): ${want.length - missing.length} of ${want.length} (operation, status) pairs produced and checked; ${seen.size} pairs seen in this file`);
      return missing;
    },
  };
}

type Handler = (req: Request, ctx?: { params?: Promise<Record<string, string>> }) => Promise<Response>;
const routes = import.meta.glob<Record<string, Handler>>("../app/api/v1/**/route.ts", { eager: true });
/** ../app/api/v1/models/[name]/versions/route.ts → /models/{name}/versions */
const pathOf = (file: string) => file.replace(/^\.\.\/app\/api\/v1/, "").replace(/\/route\.ts$/, "").replace(/\[(\w+)\]/g, "{$1}") || "/";

/** The route handler Next.js calls for the operation (app/api/v1/**\/route.ts). */
export function handlerOf(o: Operation): Handler {
  const h = Object.entries(routes).find(([f]) => pathOf(f) === o.path)?.[1][o.method];
  if (!h) throw new Error(`no handler for ${o.method} ${o.path}`);
  return h;
}

export interface OperationCall { token?: string | null; params?: Record<string, string>; query?: Record<string, string>; body?: unknown; form?: FormData }

/** One request to the operation's route handler, as Next.js would hand it over. */
export function callOperation(o: Operation, c: OperationCall): Promise<Response> {
  let path = `/api/v1${o.path}`;
  for (const [k, v] of Object.entries(c.params ?? {})) path = path.replace(`{${k}}`, encodeURIComponent(v));
  const url = new URL(`http://localhost${path}`);
  for (const [k, v] of Object.entries(c.query ?? {})) url.searchParams.set(k, v);
  const headers: Record<string, string> = {};
  if (c.token) headers.authorization = `Bearer ${c.token}`;
  let body: BodyInit | undefined;
  if (c.form) body = c.form;
  else if (c.body !== undefined) {
    headers["content-type"] = "application/json";
    body = typeof c.body === "string" ? c.body : JSON.stringify(c.body);
  }
  return handlerOf(o)(new Request(url, { method: o.method, headers, body }), { params: Promise.resolve(c.params ?? {}) });
}
