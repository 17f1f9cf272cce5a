import { hkdfSync, randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { dirname, join, resolve } from "node:path";
import { z } from "zod";
import { parseDomains, parseRoleMap } from "./auth/oidc-config";

// The one place that reads process.env. Everything else asks `env()`.

const boolish = z
  .enum(["1", "0", "true", "false", "yes", "no", "on", "off"], {
    error: "expected one of true/false, 1/0, yes/no, on/off",
  })
  .transform((v) => ["1", "true", "yes", "on"].includes(v));

/** A number from the environment; the errors say what was expected and the bounds (with their unit). */
function envNumber(what: string, o: { whole?: boolean; min: number; max?: number; unit?: string }) {
  const u = o.unit ? ` ${o.unit}` : "";
  let n = z.coerce.number({ error: `expected ${what}` });
  if (o.whole) n = n.int();
  n = n.min(o.min, { error: `expected at least ${o.min}${u}` });
  return o.max === undefined ? n : n.max(o.max, { error: `expected at most ${o.max}${u}` });
}

/** A TCP port from the environment (the app's and the embedded PostgreSQL's). */
function portNumber() {
  const range = { error: "expected a port between 1 and 65535" };
  return z.coerce.number({ error: "expected a port number" }).int({ error: "expected a whole port number" }).min(1, range).max(65535, range);
}

const EnvSchema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("production"),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, { error: "expected a postgres:// or postgresql:// URL" })
    .optional(),
  PORT: portNumber().default(3000),
  BULWARK_DATA_DIR: z.string().min(1, { error: "expected a folder path" }).default("./.bulwark"),
  BULWARK_PG_PORT: portNumber().default(54329),
  NEXTAUTH_URL: z.url({ error: "expected an absolute URL such as http://localhost:3000" }).optional(),
  NEXTAUTH_SECRET: z.string().min(32, { error: "expected at least 32 characters" }).optional(),
  BULWARK_DEMO: boolish.default(true),
  /**
   * Which demo models get a training-data integrity scan on first start. Each scan trains cross-validation
   * folds (minutes of CPU on two cores); "poisoned" scans only the model with the planted backdoor.
   */
  BULWARK_DEMO_SCANS: z.enum(["all", "poisoned", "none"], { error: "expected all, poisoned or none" }).default("all"),
  /**
   * Whether the first start queues the demo's evaluations and scans for the worker (minutes of CPU), or
   * only seeds the records (the dashboards show their empty states until someone runs an evaluation).
   */
  BULWARK_DEMO_EVALUATIONS: boolish.default(true),
  /** How many evaluation digits each demo evaluation measures (the journeys use fewer: the same checks, half the CPU). */
  BULWARK_DEMO_EVALUATION_SAMPLES: z.coerce
    .number({ error: "expected a whole number of samples" })
    .int({ error: "expected a whole number of samples" })
    .min(50, { error: "expected at least 50 samples" })
    .max(2000, { error: "expected at most 2000 samples (the size of the evaluation split)" })
    .default(400),
  /** How long a browser session lasts after sign-in. */
  BULWARK_SESSION_HOURS: envNumber("a number of hours", { min: 0.25, max: 24 * 30, unit: "hours" }).default(8),
  // Set by `npm start` on its children so they exit if the supervisor disappears.
  BULWARK_SUPERVISED: boolish.default(false),
  BULWARK_WORKER_CONCURRENCY: envNumber("a number", { whole: true, min: 1, max: 16 }).default(1),
  /**
   * Node processes serving the web app (scripts/web.ts; more than 1: a cluster sharing the port). One renders
   * on one core and saturates at 22–33 pages a second (docs/benchmarks.md). Default: 2, or 1 on a single core:
   * the web processes share the cores with PostgreSQL and the worker, and each holds its own caches (0.6–1.2 GB
   * resident at 10,000 evaluations), so more than the cores adds memory and switching, not throughput.
   */
  BULWARK_WEB_PROCESSES: envNumber("a whole number of processes", { whole: true, min: 1, max: 64 }).default(() => Math.min(2, availableParallelism())),
  BULWARK_TF_BACKEND: z
    .enum(["auto", "tensorflow", "wasm", "cpu"], { error: "expected auto, tensorflow, wasm or cpu" })
    .default("auto"),
  // TensorFlow's own thread settings for the native backend (read by libtensorflow in the engine process).
  // Unset: the worker gives each engine process cores / BULWARK_WORKER_CONCURRENCY intra-op threads and 1 inter-op.
  TF_NUM_INTRAOP_THREADS: envNumber("a number of threads", { whole: true, min: 1 }).optional(),
  TF_NUM_INTEROP_THREADS: envNumber("a number of threads", { whole: true, min: 1 }).optional(),
  // `npm run engine:native`: a tensorflow-cpu 2.21.0 wheel already on disk (skips pip).
  BULWARK_TF_WHEEL: z.string().min(1, { error: "expected a path to a .whl file" }).optional(),
  /** `npm install`/`npm ci` also set up the native backend (scripts/native-install.ts); false skips that. */
  BULWARK_NATIVE_INSTALL: boolish.default(true),
  /**
   * Whether `next build` keeps Turbopack's cache in .next/cache for the next build (a rebuild after an
   * update is quicker); writing it costs CPU that a throwaway checkout (CI, the e2e server) never gets back.
   */
  BULWARK_BUILD_CACHE: boolish.default(true),
  /** The time that set-up may take during `npm install`; at the limit it is stopped and evaluations run on wasm. */
  BULWARK_NATIVE_INSTALL_TIMEOUT_S: envNumber("a number of seconds", { min: 1, max: 3600, unit: "seconds" }).default(600),
  // Tests: a missing native backend fails the native/wasm parity test instead of skipping it (CI sets it).
  BULWARK_REQUIRE_NATIVE: boolish.default(false),
  BULWARK_SHARD_TIMEOUT_MIN: envNumber("a number of minutes", { min: 0.1, max: 24 * 60, unit: "minutes" }).default(10),
  BULWARK_SHARD_MEMORY_MB: envNumber("a number of megabytes", { whole: true, min: 128 }).default(2048),
  // Hardening runs (lib/hardening/) a team may have queued or running at once.
  BULWARK_HARDENING_MAX_CONCURRENT: envNumber("a number of runs", { whole: true, min: 1 }).default(2),
  BULWARK_MAX_UPLOAD_MB: envNumber("a number of megabytes", { whole: true, min: 1 }).default(200),
  // Archive safety limits for uploads (lib/registry/archive.ts).
  BULWARK_MAX_ARCHIVE_FILES: envNumber("a number of files", { whole: true, min: 1 }).default(100_000),
  BULWARK_MAX_COMPRESSION_RATIO: envNumber("a ratio such as 100", { min: 2 }).default(200),
  /** Memory (MB) and time (s) an uploaded model's check may use in its own process (lib/registry/isolated-check.ts). */
  BULWARK_CHECK_MEMORY_MB: envNumber("a number of megabytes", { whole: true, min: 256 }).default(3072),
  BULWARK_CHECK_TIMEOUT_S: z.coerce
    .number({ error: "expected a number of seconds" })
    .min(1, { error: "expected at least 1 second" })
    .max(3600, { error: "expected at most 3600 seconds" })
    .default(120),
  /**
   * Values in one example (product of a model's input shape, or a dataset sample's shape), checked
   * before anything is allocated: 3,145,728 = 1024×1024×3. A model declaring more is refused at upload.
   */
  BULWARK_MAX_INPUT_VALUES: envNumber("a number of values, e.g. 3145728 for 1024×1024×3", { whole: true, min: 1 }).default(3 * 1024 * 1024),
  /** Requests per minute per API token (REST API v1). */
  BULWARK_API_RATE_LIMIT: envNumber("a number of requests per minute", { whole: true, min: 1 }).default(300),
  /**
   * Outbound calls (model endpoints, webhooks) to private, loopback and shared addresses. Off (the default):
   * none is ever reached, whatever a team's allowlist says. On: a team admin may allow them for one named host
   * on the ports it lists. Link-local and cloud metadata addresses stay refused either way.
   */
  BULWARK_OUTBOUND_ALLOW_PRIVATE: boolish.default(false),
  BULWARK_S3_ENDPOINT: z.url({ error: "expected an absolute URL" }).optional(),
  BULWARK_S3_BUCKET: z.string().optional(),
  BULWARK_S3_PREFIX: z.string().default(""),
  BULWARK_S3_REGION: z.string().default("us-east-1"),
  BULWARK_S3_ACCESS_KEY_ID: z.string().optional(),
  BULWARK_S3_SECRET_ACCESS_KEY: z.string().optional(),
  /** Artifacts larger than this go to S3 as a multipart upload in parts of this size (S3's minimum part is 5 MiB). */
  BULWARK_S3_PART_MB: z.coerce.number({ error: "expected a number of megabytes" }).int({ error: "expected a whole number of megabytes" })
    .min(5, { error: "expected at least 5 (S3's smallest part)" }).max(5120, { error: "expected at most 5120 (S3's largest part)" }).default(16),
  /** Single sign-on (OpenID Connect, docs/security.md): the issuer URL and this instance's client at the provider. */
  BULWARK_OIDC_ISSUER: z.url({ error: "expected the issuer's absolute URL, e.g. https://login.example.com/realms/acme" }).optional(),
  BULWARK_OIDC_CLIENT_ID: z.string().optional(),
  BULWARK_OIDC_CLIENT_SECRET: z.string().optional(),
  /** The sign-in button's label: "Sign in with …". */
  BULWARK_OIDC_NAME: z.string().max(40, { error: "expected at most 40 characters" }).default("single sign-on"),
  BULWARK_OIDC_ALLOWED_DOMAINS: z.string().transform((v, c) => parsed(v, c, parseDomains)).optional(),
  /** Scopes asked for; add the one your provider needs to release the group claim (e.g. "openid email profile groups"). */
  BULWARK_OIDC_SCOPES: z.string().regex(/(^|\s)openid(\s|$)/, { error: 'expected space-separated scopes including "openid"' }).default("openid email profile"),
  BULWARK_OIDC_GROUPS_CLAIM: z.string().regex(/^[A-Za-z0-9_:./-]+$/, { error: "expected a claim name such as groups" }).default("groups"),
  BULWARK_OIDC_ROLE_MAP: z.string().transform((v, c) => parsed(v, c, parseRoleMap)).optional(),
  /** Off: e-mail and password sign-in is refused and hidden (only with single sign-on configured). */
  BULWARK_PASSWORD_SIGN_IN: boolish.default(true),
  /**
   * Key for secrets stored encrypted at rest (endpoint credentials): 32 bytes as 64 hex characters or
   * base64. Unset: derived from the session secret (see secretKey()), refused in production without demo.
   */
  BULWARK_SECRET_KEY: z
    .string()
    .refine((v) => /^[0-9a-fA-F]{64}$/.test(v) || (/^[A-Za-z0-9+/_-]{43}=?$/.test(v) && Buffer.from(v, "base64").length === 32), {
      error: "expected 32 random bytes as 64 hex characters or base64 (e.g. `openssl rand -hex 32`)",
    })
    .optional(),
}).superRefine((e, c) => {
  const oidc = [e.BULWARK_OIDC_ISSUER, e.BULWARK_OIDC_CLIENT_ID, e.BULWARK_OIDC_CLIENT_SECRET];
  if (oidc.some(Boolean) && !oidc.every(Boolean)) {
    const missing = ["BULWARK_OIDC_ISSUER", "BULWARK_OIDC_CLIENT_ID", "BULWARK_OIDC_CLIENT_SECRET"].filter((_, i) => !oidc[i]);
    c.addIssue({ code: "custom", path: [missing[0]!], message: `single sign-on needs BULWARK_OIDC_ISSUER, BULWARK_OIDC_CLIENT_ID and BULWARK_OIDC_CLIENT_SECRET together; ${missing.join(" and ")} missing` });
  }
  if (!e.BULWARK_PASSWORD_SIGN_IN && !e.BULWARK_OIDC_ISSUER)
    c.addIssue({ code: "custom", path: ["BULWARK_PASSWORD_SIGN_IN"], message: "passwords can only be turned off when single sign-on is configured (BULWARK_OIDC_ISSUER)" });
});

/** A zod transform through a parser that throws a message: the message becomes the variable's one line. */
function parsed<T>(value: string, c: z.RefinementCtx, parse: (v: string) => T): T {
  try {
    return parse(value);
  } catch (e) {
    c.addIssue({ code: "custom", message: (e as Error).message });
    return z.NEVER;
  }
}

export type Env = z.infer<typeof EnvSchema> & {
  dataDir: string;
  nextAuthSecret: string;
  nextAuthUrl: string;
};

export class ConfigError extends Error {}

/** Parses a given environment; throws a ConfigError whose message is one line per bad variable. */
export function parseEnv(source: Record<string, string | undefined>): z.infer<typeof EnvSchema> {
  // Empty strings count as unset, as in most .env conventions.
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ""));
  const result = EnvSchema.safeParse(cleaned);
  if (!result.success) {
    const lines = result.error.issues.map((i) => {
      const name = String(i.path[0]);
      return `${name}: ${i.message}${cleaned[name] === undefined ? "" : ` (got ${shownValue(name, cleaned[name])})`}`;
    });
    throw new ConfigError(`Invalid configuration:\n  ${lines.join("\n  ")}`);
  }
  return result.data;
}

/** Variables whose value is a secret: a configuration error says how long it is, never what it is. */
const SECRET_NAME = /SECRET|PASSWORD|TOKEN|_KEY$|ACCESS_KEY/;

/** A bad value as a configuration error may show it: secrets redacted, a URL's password masked. */
export function shownValue(name: string, value: string): string {
  if (SECRET_NAME.test(name)) return `a value of ${value.length} characters, not shown`;
  let shown = value;
  try {
    const u = new URL(value);
    if (u.password) {
      u.password = "****";
      shown = u.toString();
    }
  } catch {
    // Not a URL parser's idea of a URL, but it may still hold "user:password@": mask what sits there.
    shown = value.replace(/(\/\/[^:/@\s]*:)[^@\s]*@/, "$1****@");
  }
  return `"${shown}"`;
}

/** Why a data folder cannot hold Bulwark's data (one line with the fix), or null when it can be used. */
export function dataDirProblem(dataDir: string): string | null {
  const fix = "Set BULWARK_DATA_DIR to a folder on a disk, e.g. ./.bulwark.";
  // Virtual file systems: writes there fail oddly or block; nothing of ours belongs there.
  const virtual = ["/proc", "/sys", "/dev"].find((v) => dataDir === v || dataDir.startsWith(`${v}/`));
  if (virtual) return `BULWARK_DATA_DIR (${dataDir}) is inside ${virtual}, a virtual file system, not a place for data. ${fix}`;
  // The nearest part of the path that exists must be a folder.
  for (let p = dataDir; ; p = dirname(p)) {
    const st = statSync(p, { throwIfNoEntry: false });
    if (st) {
      if (!st.isDirectory()) return `BULWARK_DATA_DIR (${dataDir}) cannot be a folder: ${p} is a file. ${fix}`;
      break;
    }
    if (p === dirname(p)) break;
  }
  return null;
}

/** Reads the session secret from the data folder, creating it once (mode 600) when absent. */
export function loadOrCreateSecret(dataDir: string): string {
  const file = join(dataDir, "nextauth-secret");
  if (existsSync(file)) {
    const existing = readFileSync(file, "utf8").trim();
    if (existing.length >= 32) return existing;
  }
  mkdirSync(dataDir, { recursive: true, mode: 0o755 });
  const secret = randomBytes(32).toString("base64url");
  writeFileSync(file, secret + "\n", { mode: 0o600 });
  chmodSync(file, 0o600);
  return secret;
}

let cached: Env | undefined;

export function env(): Env {
  if (cached) return cached;
  const parsed = parseEnv(process.env);
  const dataDir = resolve(parsed.BULWARK_DATA_DIR);
  const badFolder = dataDirProblem(dataDir);
  if (badFolder) throw new ConfigError(badFolder);
  cached = {
    ...parsed,
    dataDir,
    nextAuthSecret: parsed.NEXTAUTH_SECRET ?? loadOrCreateSecret(dataDir),
    nextAuthUrl: parsed.NEXTAUTH_URL ?? `http://localhost:${parsed.PORT}`,
  };
  return cached;
}

/**
 * The 32-byte key that encrypts secrets at rest. BULWARK_SECRET_KEY when set. Otherwise, outside
 * production or in a demo install, HKDF-SHA256 of the session secret (NEXTAUTH_SECRET, or the one kept in
 * the data folder) with info "bulwark-secret-key-v1": stable across restarts, but changing the session
 * secret then makes stored endpoint credentials unreadable (they must be entered again).
 */
export function secretKey(e: Env = env()): Buffer {
  if (e.BULWARK_SECRET_KEY) {
    const v = e.BULWARK_SECRET_KEY;
    return /^[0-9a-fA-F]{64}$/.test(v) ? Buffer.from(v, "hex") : Buffer.from(v, "base64");
  }
  if (e.NODE_ENV === "production" && !e.BULWARK_DEMO) {
    throw new ConfigError(
      "BULWARK_SECRET_KEY is not set: production installs (BULWARK_DEMO=false) need a key to encrypt endpoint credentials at rest. Generate one with `openssl rand -hex 32`.",
    );
  }
  return Buffer.from(hkdfSync("sha256", e.nextAuthSecret, "bulwark", "bulwark-secret-key-v1", 32));
}

/**
 * The environment for a child process: this process's own, on top of `defaults`, so that a value the
 * operator set (e.g. TF_NUM_INTRAOP_THREADS) wins over the default the caller chose.
 */
export function childEnvWithDefaults(defaults: Record<string, string>): NodeJS.ProcessEnv {
  return { ...defaults, ...process.env };
}

/** For tests that change process.env between cases. */
export function resetEnvCache(): void {
  cached = undefined;
}
