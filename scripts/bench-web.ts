// npm run bench:web — web latency under load: 20 signed-in users against the product's web server
// (scripts/web.ts on the production build, with BULWARK_WEB_PROCESSES Node processes) over the dashboard,
// the controls explorer, the evaluation list and an evaluation's results page.
// Runs per page: service time (one request at a time), the users (each asks for a page at its own pace,
// --user-rates, not in step; the p95 < 200 ms target applies here), and saturation (the same connections
// ask again as soon as answered: throughput, where latency is mostly time spent queueing).
// Real parts: a throwaway embedded PostgreSQL seeded with the demo team plus 10,000 completed-looking
// evaluations across 50 models (bulk inserts of rows shaped like the worker's: metrics, reliability,
// gallery, provenance, comparison, shards, a valid audit chain), the production build, autocannon.
// Options: --evaluations 10000 --models 50 --users 20 --connections 20 --duration 15 --skip-build
// --keep (keep the data folder) --data-dir DIR (reuse a folder this script seeded and kept before: starts its
// PostgreSQL, skips seeding) --database-url postgresql://… (reuse a running database this script seeded)
// --web-processes 1,2 (one full measurement per value, one after the other on the same data; default: the
// product's BULWARK_WEB_PROCESSES).
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { Agent as HttpAgent, get as httpGet } from "node:http";
import { loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { startEmbeddedPostgres } from "../lib/db/embedded";
import { applyMigrations } from "../lib/db/schema-engine";
import { configureDatabaseUrl, db, disconnectDb, type Prisma } from "../lib/db/client";
import { stopQueue } from "../lib/jobs/queue";
import { buildEntryBundles, entryCommand } from "../lib/process/entries";
import { setArtifactStore, LocalArtifactStore } from "../lib/registry/store";
import { seedDemo, DEMO_TEAM } from "../lib/seed/demo";
import { seedDemoRegistry, DEMO_DATASETS, DEMO_MODEL_NAME } from "../lib/seed/registry";
import { seedCompliance } from "../lib/seed/compliance";
import { hashPassword } from "../lib/auth/password";
import { eventHash, GENESIS_HASH } from "../lib/audit/chain";
import { aggregateRecords, type EngineMetrics } from "../lib/engine/aggregate";
import { assessReliability } from "../lib/engine/reliability";
import { quickSuite, standardSuite, attackId, attackFamily, SANITY_ATTACK_ID, type AttackSuite } from "../lib/engine/suite";
import type { AttackEntry, ExampleRecord, GalleryItem } from "../lib/engine/shard";
import type { ShardOutput } from "../lib/evaluations/shard-io";
import { compareMetrics } from "../lib/evaluations/regression";
import { EVALUATION_PAGE_SIZE } from "../lib/evaluations/manage";
import { assessTeamById, recordSnapshot } from "../lib/compliance/posture";
import { systemContext } from "../lib/teams/context";
import { parseEnv } from "../lib/env";

const { values: opt } = parseArgs({
  options: {
    evaluations: { type: "string", default: "10000" },
    models: { type: "string", default: "50" },
    users: { type: "string", default: "20" },
    connections: { type: "string", default: "20" },
    duration: { type: "string", default: "15" },
    "skip-build": { type: "boolean", default: false },
    keep: { type: "boolean", default: false },
    "database-url": { type: "string" },
    "data-dir": { type: "string" },
    // Pages per second each signed-in user asks for, one run per value: 0.2 (a page every 5 s, a common
    // think time in load tests) and 1 (brisk).
    "user-rates": { type: "string", default: "0.2,1" },
    "web-processes": { type: "string", default: String(parseEnv(process.env).BULWARK_WEB_PROCESSES) },
  },
});
const N_EVALS = Number(opt.evaluations);
const N_MODELS = Number(opt.models);
const N_USERS = Number(opt.users);
const CONNECTIONS = Number(opt.connections);
const DURATION_S = Number(opt.duration);
const USER_RATES = opt["user-rates"].split(",").map(Number);
const WEB_PROCESSES = opt["web-processes"].split(",").map((v) => parseEnv({ BULWARK_WEB_PROCESSES: v }).BULWARK_WEB_PROCESSES);
// One session secret for the run's web servers.
const SESSION_SECRET = randomBytes(32).toString("hex");
const ROOT = resolve(import.meta.dirname, "..");
const log = (m: string) => console.log(`[bench] ${m}`);
const load = () => loadavg().map((v) => v.toFixed(2)).join(" ");

// autocannon ships no types: the part of its API used here.
interface CannonRequest { method: string; path: string; setupRequest?: (req: { headers?: Record<string, string> }) => { headers?: Record<string, string> } }
interface CannonInstance extends PromiseLike<{ requests: { total: number }; non2xx: number; errors: number; timeouts: number; duration: number }> {
  on(event: "response", fn: (client: unknown, status: number, bytes: number, ms: number) => void): void;
}
const autocannon = createRequire(import.meta.url)("autocannon") as (o: { url: string; connections: number; duration: number; requests: CannonRequest[]; timeout?: number }) => CannonInstance;

// Deterministic pseudo-random numbers, so two runs seed the same rows.
let rngState = 0x9e3779b9;
function rand(): number {
  rngState = (rngState + 0x6d2b79f5) | 0;
  let t = Math.imul(rngState ^ (rngState >>> 15), 1 | rngState);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
const r5 = (v: number) => Math.round(v * 1e5) / 1e5;

async function freePort(): Promise<number> {
  return new Promise((ok) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => ok(port));
    });
  });
}

// ---- Synthetic engine output: per-example records for a suite, aggregated by the real engine code --------------

const LABELS = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];

/** Records as a shard would return them: each attack × epsilon, breaking more examples as epsilon grows. */
function syntheticRecords(suite: AttackSuite, n: number, cleanAcc: number, robustness: number): ExampleRecord[] {
  const items = suite.attacks.map((spec) => ({ id: attackId(spec), kind: spec.kind as AttackEntry["kind"], family: attackFamily(spec) as AttackEntry["family"], norm: spec.norm, eps: [...suite.epsilons[spec.norm]].sort((a, b) => a - b), strength: spec.kind === "fgsm" ? 0.6 : spec.kind === "noise" ? 0.05 : 1 }));
  if (suite.sanityCheck) items.push({ id: SANITY_ATTACK_ID, kind: "sanity", family: "sanity", norm: "linf", eps: [0.5], strength: 10 });
  return Array.from({ length: n }, (_, index) => {
    const label = index % 10;
    const cleanCorrect = rand() < cleanAcc;
    const toughness = rand(); // how hard this example is to break
    const attacks: AttackEntry[] = [];
    for (const it of items) {
      for (const [k, eps] of it.eps.entries()) {
        const success = !cleanCorrect || toughness < Math.min(1, ((k + 1) / it.eps.length) * it.strength * (1 - robustness) + (it.family === "sanity" ? 1 : 0));
        attacks.push({ attack: it.id, kind: it.kind, family: it.family, norm: it.norm, eps, advPred: success ? (label + 1) % 10 : label, advConf: r5(0.5 + rand() / 2), success, linf: success ? eps : r5(eps * rand()), l2: r5(eps * 9 * rand()), loss: r5(rand() * 4), queries: it.kind === "square" ? 1000 : it.kind === "fgsm" ? 1 : 10, ...(cleanCorrect ? {} : { skipped: true }), ...(it.family === "iterative" ? { lossTrace: [0.1, 0.9, 1.6, 2.1, 2.4].map(r5) } : {}) });
      }
    }
    return { index: index * 5, label, cleanPred: cleanCorrect ? label : (label + 3) % 10, cleanConf: r5(0.6 + rand() * 0.4), cleanCorrect, cleanLoss: r5(rand()), gradient: { zeroFraction: r5(rand() * 0.3), tinyFraction: r5(rand() * 0.05), maxAbs: r5(rand()), nonFinite: false }, attacks };
  });
}

/** Gallery items like the worker stores: 28×28 originals and adversarials, pixels rounded to 5 decimals. */
function syntheticGallery(count: number): GalleryItem[] {
  return Array.from({ length: count }, (_, i) => {
    const original = Array.from({ length: 784 }, () => (rand() < 0.8 ? 0 : r5(rand())));
    const adversarial = original.map((v) => r5(Math.min(1, Math.max(0, v + (rand() < 0.5 ? -0.1 : 0.1)))));
    return { index: i * 37, label: i % 10, cleanPred: i % 10, cleanConf: r5(0.9 + rand() / 10), attack: "pgd-linf-10x1", norm: "linf" as const, eps: 0.1, advPred: (i + 3) % 10, advConf: r5(0.5 + rand() / 2), shape: [28, 28, 1], original, adversarial };
  });
}

interface Template { preset: "quick" | "standard"; suite: AttackSuite; records: ExampleRecord[]; metrics: EngineMetrics; reliability: unknown; gallery: GalleryItem[]; headline: number | null }

function makeTemplates(): Template[] {
  const out: Template[] = [];
  for (const preset of ["quick", "standard"] as const) {
    for (let i = 0; i < 8; i++) {
      const n = preset === "quick" ? 400 : 1000;
      const suite = (preset === "quick" ? quickSuite : standardSuite)({ min: 0, max: 1 }, { sampleCount: n, seed: i, domain: "digits" });
      const records = syntheticRecords(suite, n, 0.93 + rand() * 0.05, i < 4 ? 0.1 + i * 0.1 : 0.7 + (i - 4) * 0.07);
      const metrics = aggregateRecords(records, suite, LABELS);
      const reliability = assessReliability(records, suite, metrics, LABELS);
      const first = metrics.worstCase.filter((w) => w.norm === "linf").sort((a, b) => a.eps - b.eps)[0];
      out.push({ preset, suite, records, metrics, reliability, gallery: syntheticGallery(2 + (i % 7)), headline: first?.robustAccuracy ?? null });
    }
  }
  return out;
}

const BENCH_PASSWORD = "bench-password-2026";

// ---- Seeding ------------------------------------------------------------------------------------------------------

async function seed(): Promise<{ teamSlug: string; users: string[]; password: string; resultsNumber: number }> {
  log("Seeding the demo team (users, demo models and datasets, policy)…");
  await seedDemo([seedDemoRegistry, seedCompliance]);
  const team = await db.team.findUniqueOrThrow({ where: { slug: DEMO_TEAM.slug } });
  const teamId = team.id;
  const demoModel = await db.model.findFirstOrThrow({ where: { teamId, name: DEMO_MODEL_NAME } });
  const demoVersions = await db.modelVersion.findMany({ where: { modelId: demoModel.id }, orderBy: { version: "asc" } });
  const dv = await db.datasetVersion.findFirstOrThrow({ where: { teamId, dataset: { name: DEMO_DATASETS.eval } }, include: { dataset: true } });

  log(`Adding ${N_MODELS - 1} more models with two versions each…`);
  const tiers = ["LIMITED", "HIGH", "MINIMAL", "LIMITED"] as const;
  for (let m = 1; m < N_MODELS; m++) {
    const name = `bench-model-${String(m).padStart(2, "0")}`;
    const model = await db.model.create({ data: { teamId, name, description: `Load-test model ${m}` } });
    const tier = tiers[m % tiers.length]!;
    await db.modelVersion.createMany({
      data: demoVersions.map((v) => {
        const { id: _id, modelId: _m, createdAt: _c, updatedAt: _u, card, engineInfo, ...rest } = v;
        return { ...rest, modelId: model.id, riskTier: tier, card: { ...(card as object), riskTier: tier.toLowerCase() } as Prisma.InputJsonValue, engineInfo: engineInfo as Prisma.InputJsonValue, manifestDigest: randomBytes(32).toString("hex") };
      }),
    });
  }
  const models = await db.model.findMany({ where: { teamId }, include: { versions: { orderBy: { version: "asc" } } } });

  log(`Adding ${N_USERS} users…`);
  const password = BENCH_PASSWORD;
  const passwordHash = await hashPassword(password);
  const roles = ["VIEWER", "ENGINEER", "REVIEWER", "ADMIN"] as const;
  const users: string[] = [];
  for (let u = 0; u < N_USERS; u++) {
    const email = `bench-user-${u}@bench.local`;
    const user = await db.user.create({ data: { email, name: `Bench user ${u}`, passwordHash } });
    await db.membership.create({ data: { userId: user.id, teamId, role: roles[u % roles.length]! } });
    users.push(email);
  }

  log(`Building ${N_EVALS.toLocaleString("en")} evaluations from engine-shaped templates…`);
  const templates = makeTemplates();
  const t0 = Date.now();
  const span = 180 * 86_400_000;
  const start = Date.now() - span - 86_400_000;
  const lastByModel = new Map<string, { id: string; number: number; metrics: EngineMetrics; preset: string }>();
  type Ev = Prisma.EvaluationCreateManyInput;
  const events: { at: Date; action: string; subjectType: string; subjectId: string; details: Record<string, unknown>; actor: string }[] = [];
  const alerts: Prisma.RegressionAlertCreateManyInput[] = [];
  const shards: Prisma.EvaluationShardCreateManyInput[] = [];
  const evs: Ev[] = [];
  const fullRecordNumbers = new Set([N_EVALS - 3, N_EVALS - 10, N_EVALS - 25]);
  const fullRecordShards: { evaluationId: string; records: ExampleRecord[]; gallery: GalleryItem[] }[] = [];
  for (let i = 1; i <= N_EVALS; i++) {
    const model = pick(models);
    const createdAt = new Date(start + (span * i) / N_EVALS);
    const version = model.versions[createdAt.getTime() - start < span / 2 ? 0 : model.versions.length - 1]!;
    const t = rand() < 0.85 ? pick(templates.slice(0, 8)) : pick(templates.slice(8));
    const roll = rand();
    const status = fullRecordNumbers.has(i) || roll < 0.95 ? "COMPLETED" : roll < 0.98 ? "FAILED" : "CANCELLED";
    const id = `bench${String(i).padStart(8, "0")}${randomBytes(6).toString("hex")}`;
    const n = t.suite.sampleCount;
    const shardCount = Math.ceil(n / 100);
    const startedAt = new Date(createdAt.getTime() + 2000);
    const finishedAt = new Date(startedAt.getTime() + 60_000 + rand() * 600_000);
    const by = pick(users);
    const ev: Ev = {
      id, teamId, number: i, modelId: model.id, modelVersionId: version.id, datasetVersionId: dv.id, preset: t.preset,
      suite: t.suite as unknown as Prisma.InputJsonValue, seed: i % 7, sampleCount: n,
      sampleIndices: Array.from({ length: n }, (_, k) => k * 5), shardSize: 100, shardCount, shardsDone: status === "COMPLETED" ? shardCount : Math.floor(shardCount / 2),
      status, estimatedSteps: n * 64, createdByLabel: by, createdAt, startedAt, finishedAt,
    };
    events.push({ at: createdAt, action: "evaluation.create", subjectType: "Evaluation", subjectId: id, actor: by, details: { number: i, model: model.name, version: version.version, dataset: `${dv.dataset.name} v${dv.version}`, preset: t.preset, samples: n, shards: shardCount } });
    if (status === "COMPLETED") {
      const prev = lastByModel.get(model.id);
      const comparison = prev && prev.preset === t.preset ? compareMetrics({ id: prev.id, number: prev.number, metrics: prev.metrics }, t.metrics, 2) : null;
      Object.assign(ev, {
        metrics: t.metrics as unknown as Prisma.InputJsonValue, reliability: t.reliability as Prisma.InputJsonValue,
        verdict: (t.reliability as { verdict: string }).verdict, cleanAccuracy: t.metrics.cleanAccuracy, headlineRobust: t.headline,
        gallery: t.gallery as unknown as Prisma.InputJsonValue,
        provenance: {
          model: { id: version.id, name: model.name, version: version.version, manifestDigest: version.manifestDigest },
          dataset: { id: dv.id, version: dv.version, tensorDigest: dv.tensorDigest, manifestDigest: dv.manifestDigest },
          seed: i % 7, suite: t.suite, engine: { backend: "tensorflow", tfjsVersion: "4.22.0", tensorflowVersion: "2.21.0", tfjsNodeVersion: "4.22.0" }, backends: ["tensorflow"], workers: ["bench-host:1"],
          shards: Array.from({ length: shardCount }, (_, s) => ({ index: s, samples: 100, worker: "bench-host:1", backend: "tensorflow", durationMs: 9000, attempts: 1 })),
          gradientStats: Array.from({ length: shardCount }, () => ({ examples: 100, allZero: 0, nonFinite: 0, meanZeroFraction: 0.12, meanTinyFraction: 0.01 })),
          wallClockMs: finishedAt.getTime() - startedAt.getTime(),
        } as Prisma.InputJsonValue,
        ...(comparison ? { previousEvaluationId: prev!.id, comparison: comparison as unknown as Prisma.InputJsonValue } : {}),
      });
      events.push({ at: finishedAt, action: "evaluation.complete", subjectType: "Evaluation", subjectId: id, actor: "system", details: { number: i, cleanAccuracy: t.metrics.cleanAccuracy, headlineRobust: t.headline, verdict: (t.reliability as { verdict: string }).verdict, samples: t.metrics.samples } });
      if (comparison && comparison.regressions.length > 0) {
        const alertId = `benchalert${i}`;
        alerts.push({ id: alertId, teamId, modelId: model.id, evaluationId: id, previousEvaluationId: prev!.id, summary: `${model.name} v${version.version}: robust accuracy dropped against evaluation #${prev!.number}`, details: comparison as unknown as Prisma.InputJsonValue, createdAt: finishedAt });
        events.push({ at: finishedAt, action: "regression.detect", subjectType: "RegressionAlert", subjectId: alertId, actor: "system", details: { evaluation: i, previous: prev!.number } });
      }
      lastByModel.set(model.id, { id, number: i, metrics: t.metrics, preset: t.preset });
      if (fullRecordNumbers.has(i)) fullRecordShards.push({ evaluationId: id, records: t.records, gallery: t.gallery });
    } else if (status === "FAILED") {
      ev.failureReason = "Shard 2 failed: the engine process ran out of memory (limit 2048 MB).";
      events.push({ at: finishedAt, action: "evaluation.fail", subjectType: "Evaluation", subjectId: id, actor: "system", details: { number: i, reason: ev.failureReason } });
    } else {
      Object.assign(ev, { cancelledByLabel: by, cancelledAt: finishedAt });
      events.push({ at: finishedAt, action: "evaluation.cancel", subjectType: "Evaluation", subjectId: id, actor: by, details: { number: i, was: "RUNNING" } });
    }
    for (let s = 0; s < shardCount; s++) {
      shards.push({ teamId, evaluationId: id, index: s, start: s * 100, end: Math.min(n, (s + 1) * 100), status: status === "COMPLETED" || s < shardCount / 2 ? "DONE" : status === "FAILED" ? "FAILED" : "CANCELLED", attempts: 1, workerId: "bench-host:1", backend: "tensorflow", startedAt, finishedAt, durationMs: 9000, progressDone: 100, progressTotal: 100 });
    }
    evs.push(ev);
  }
  // Older alerts were acknowledged by a reviewer; the newest per model stays open.
  const newestAlert = new Map<string, string>();
  for (const a of alerts) newestAlert.set(a.modelId, a.id!);
  const open = new Set(newestAlert.values());
  for (const a of alerts) if (!open.has(a.id!)) Object.assign(a, { acknowledgedAt: new Date((a.createdAt as Date).getTime() + 3_600_000), acknowledgedByLabel: users[2], acknowledgementNote: "Expected: retrained with a smaller budget." });

  log(`Inserting ${evs.length.toLocaleString("en")} evaluations, ${shards.length.toLocaleString("en")} shards, ${alerts.length} alerts…`);
  for (let i = 0; i < evs.length; i += 200) await db.evaluation.createMany({ data: evs.slice(i, i + 200) });
  for (let i = 0; i < shards.length; i += 2000) await db.evaluationShard.createMany({ data: shards.slice(i, i + 2000) });
  for (let i = 0; i < alerts.length; i += 500) await db.regressionAlert.createMany({ data: alerts.slice(i, i + 500) });
  // A few evaluations keep their shards' full per-example records (what results.json and the CSV read).
  for (const f of fullRecordShards) {
    const rows = await db.evaluationShard.findMany({ where: { evaluationId: f.evaluationId }, orderBy: { index: "asc" } });
    for (const s of rows) {
      const output: ShardOutput = { records: f.records.slice(s.start, s.end), backend: { backend: "tensorflow", tfjsVersion: "4.22.0" }, timings: { totalMs: 9000, cleanMs: 300, perAttackMs: {} }, gradientStats: { examples: s.end - s.start, allZero: 0, nonFinite: 0, meanZeroFraction: 0.12, meanTinyFraction: 0.01 }, gallery: s.index === 0 ? f.gallery : [] };
      await db.evaluationShard.update({ where: { id: s.id }, data: { result: output as unknown as Prisma.InputJsonValue } });
    }
  }

  // The audit chain continues from the seed's events, in time order, each hash covering the previous one.
  events.sort((a, b) => a.at.getTime() - b.at.getTime());
  const last = await db.auditEvent.findFirst({ where: { teamId }, orderBy: { seq: "desc" } });
  let seq = last?.seq ?? 0;
  let prevHash = last?.hash ?? GENESIS_HASH;
  const rows: Prisma.AuditEventCreateManyInput[] = [];
  for (const e of events) {
    const fields = { teamId, seq: ++seq, actorId: null, actorLabel: e.actor, action: e.action, subjectType: e.subjectType, subjectId: e.subjectId, details: JSON.parse(JSON.stringify(e.details)) as Prisma.InputJsonValue, createdAt: e.at, prevHash };
    const hash = eventHash(fields);
    rows.push({ ...fields, hash });
    prevHash = hash;
  }
  for (let i = 0; i < rows.length; i += 2000) await db.auditEvent.createMany({ data: rows.slice(i, i + 2000) });

  // The posture trend: one snapshot a day, as the worker and page views record them.
  const a = await assessTeamById(systemContext(teamId, "script"));
  for (let d = 60; d >= 1; d--) await recordSnapshot({ ...a, computedAt: new Date(Date.now() - d * 86_400_000) }, undefined, "evaluation");
  const resultsNumber = [...fullRecordNumbers][0]!;
  log(`Seeded in ${((Date.now() - t0) / 1000).toFixed(0)} s: ${await db.evaluation.count()} evaluations, ${await db.evaluationShard.count()} shards, ${await db.auditEvent.count()} audit events, ${await db.controlStatusSnapshot.count()} posture snapshots.`);
  return { teamSlug: team.slug, users, password, resultsNumber };
}

// ---- Sign-in through next-auth, then load -------------------------------------------------------------------------

/** Cookies from Set-Cookie headers, merged into a jar (name → value). */
function absorb(jar: Map<string, string>, res: Response) {
  for (const c of res.headers.getSetCookie()) {
    const [pair] = c.split(";");
    const eq = pair!.indexOf("=");
    jar.set(pair!.slice(0, eq), pair!.slice(eq + 1));
  }
}
const cookieHeader = (jar: Map<string, string>) => [...jar].map(([k, v]) => `${k}=${v}`).join("; ");

async function signIn(base: string, email: string, password: string): Promise<string> {
  const jar = new Map<string, string>();
  const csrfRes = await fetch(`${base}/api/auth/csrf`);
  absorb(jar, csrfRes);
  const { csrfToken } = (await csrfRes.json()) as { csrfToken: string };
  const res = await fetch(`${base}/api/auth/callback/credentials`, {
    method: "POST", redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie: cookieHeader(jar) },
    body: new URLSearchParams({ csrfToken, email, password, json: "true" }),
  });
  absorb(jar, res);
  if (![...jar.keys()].some((k) => k.includes("session-token"))) throw new Error(`sign-in of ${email} failed (HTTP ${res.status})`);
  return cookieHeader(jar);
}

const ms = (v: number) => (Number.isFinite(v) ? Math.round(v).toString() : "—");

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

interface PageResult { page: string; requests: number; rps: number; p50: number; p95: number; p99: number; max: number; non2xx: number; errors: number; load: string; cpuMs?: number }

/** CPU time (ms, user + system) of a process and its live children (a cluster primary and its workers), from /proc. */
function treeCpuMs(pid: number): number {
  const ticks = (p: number | string) => {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, "utf8");
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      return { ppid: Number(f[1]), cpu: Number(f[11]) + Number(f[12]) }; // utime, stime (fields 14 and 15)
    } catch {
      return { ppid: -1, cpu: 0 };
    }
  };
  let total = ticks(pid).cpu;
  for (const d of readdirSync("/proc")) if (/^\d+$/.test(d) && ticks(d).ppid === pid) total += ticks(d).cpu;
  return total * 10; // clock ticks of 10 ms (USER_HZ 100 on Linux)
}

/** A GET with the user's session on the user's own connection; resolves with the status once the body is read. */
function get(url: string, cookie: string, agent: HttpAgent): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpGet(url, { agent, headers: { cookie } }, (res) => {
      res.resume();
      res.once("end", () => resolve(res.statusCode ?? 0));
      res.once("error", reject);
    });
    req.once("error", reject);
  });
}

/**
 * Without `rate`: CONNECTIONS connections, each asking again as soon as answered (saturation).
 * With `rate` (pages per second per user): each user paces itself at that rate, starting at its own
 * offset within the first period, so users do not click in lockstep.
 */
async function drive(base: string, label: string, path: string, cookies: string[], rate?: number): Promise<PageResult> {
  const times: number[] = [];
  const run = (connections: number, users: string[]) => {
    let next = 0;
    // Each request carries the next user's session.
    const requests: CannonRequest[] = [{ method: "GET", path, setupRequest: (req) => ({ ...req, headers: { ...req.headers, cookie: users[next++ % users.length]! } }) }];
    const inst = autocannon({ url: base, connections, duration: DURATION_S, requests, timeout: 60 });
    inst.on("response", (_c, _status, _bytes, ms) => times.push(ms));
    return inst;
  };
  const started = performance.now();
  if (rate) {
    // Paced users: plain requests (autocannon paces at most at 1/s per connection), each user on its own
    // schedule, starting at its own offset within the first period so users do not click in lockstep.
    const period = 1000 / rate;
    const end = started + DURATION_S * 1000;
    let requests = 0;
    let bad = 0;
    await Promise.all(Array.from({ length: CONNECTIONS }, async (_, u) => {
      // Each user keeps a connection of its own, as a browser does: one pool shared by all users reuses its
      // first connections for most requests, and with several web processes those few connections (each held
      // by the process that accepted it) put most of the load on one process.
      const agent = new HttpAgent({ keepAlive: true, maxSockets: 1 });
      try {
        for (let slot = started + (u * period) / CONNECTIONS; slot < end; slot += period) {
          await new Promise((r) => setTimeout(r, Math.max(0, slot - performance.now())));
          const t0 = performance.now();
          const status = await get(base + path, cookies[u % cookies.length]!, agent).catch(() => 0);
          times.push(performance.now() - t0);
          requests++;
          if (status < 200 || status >= 300) bad++;
        }
      } finally {
        agent.destroy();
      }
    }));
    times.sort((a, b) => a - b);
    const seconds = (performance.now() - started) / 1000;
    return { page: label, requests, rps: requests / seconds, p50: percentile(times, 50), p95: percentile(times, 95), p99: percentile(times, 99), max: times.at(-1) ?? NaN, non2xx: bad, errors: 0, load: load() };
  }
  const r = await run(CONNECTIONS, cookies);
  const seconds = (performance.now() - started) / 1000;
  times.sort((a, b) => a - b);
  return { page: label, requests: r.requests.total, rps: r.requests.total / seconds, p50: percentile(times, 50), p95: percentile(times, 95), p99: percentile(times, 99), max: times.at(-1) ?? NaN, non2xx: r.non2xx, errors: r.errors + r.timeouts, load: load() };
}

// ---- Main ------------------------------------------------------------------------------------------------------------

const reuseDir = opt["data-dir"] ? resolve(opt["data-dir"]) : null;
if (reuseDir && !existsSync(join(reuseDir, "seeded"))) throw new Error(`--data-dir ${reuseDir}: not a folder this script seeded (no "seeded" marker); run once with --keep first`);
const dataDir = reuseDir ?? mkdtempSync(join(tmpdir(), "bulwark-bench-web-"));
const keep = opt.keep || reuseDir !== null;
let web: ChildProcess | undefined;
const pg = opt["database-url"] ? null : await startEmbeddedPostgres({ dataDir, port: await freePort() });
const databaseUrl = opt["database-url"] ?? pg!.url;
const seeded = reuseDir !== null || opt["database-url"] !== undefined;
try {
  configureDatabaseUrl(databaseUrl);
  await applyMigrations(databaseUrl);
  setArtifactStore(new LocalArtifactStore(join(dataDir, "artifacts")));
  const s = !seeded
    ? await seed().then((r) => (writeFileSync(join(dataDir, "seeded"), new Date().toISOString()), r))
    : { teamSlug: DEMO_TEAM.slug, users: (await db.user.findMany({ where: { email: { startsWith: "bench-user-" } }, orderBy: { email: "asc" } })).map((u) => u.email), password: BENCH_PASSWORD, resultsNumber: (await db.evaluation.count()) - 3 };

  if (!opt["skip-build"] || !existsSync(join(ROOT, ".next", "BUILD_ID"))) {
    log("Building the production app (next build)…");
    const b = spawnSync(join(ROOT, "node_modules", ".bin", "next"), ["build"], { cwd: ROOT, stdio: ["ignore", "ignore", "inherit"], env: { ...process.env, NODE_ENV: "production" } });
    if (b.status !== 0) throw new Error("next build failed");
  }
  const cpus = (await import("node:os")).availableParallelism();
  const report: string[] = [];
  for (const [i, processes] of WEB_PROCESSES.entries()) {
    if (i > 0) await stopWeb();
    report.push(...(await measure(s, processes, cpus)));
  }
  // All the tables together at the end (the runs' progress lines came in between).
  console.log(report.join("\n"));
} finally {
  await stopWeb();
  await stopQueue();
  await disconnectDb();
  await pg?.stop();
  if (!keep) rmSync(dataDir, { recursive: true, force: true });
  else log(`Kept ${dataDir} (database: ${databaseUrl})`);
}

async function stopWeb() {
  if (web && web.exitCode === null) {
    const exited = new Promise((r) => web!.once("exit", r));
    web.kill("SIGTERM");
    await exited;
  }
  web = undefined;
}

/** One full measurement against scripts/web.ts with `processes` web processes; returns its tables' lines. */
async function measure(s: { teamSlug: string; users: string[]; password: string; resultsNumber: number }, processes: number, cpus: number): Promise<string[]> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  // The product's web server (what the supervisor runs), with its cluster of BULWARK_WEB_PROCESSES.
  // Its bundle, as npm start runs it (built here if stale; the source through tsx if it cannot be).
  await buildEntryBundles().catch(() => undefined);
  const entry = entryCommand("scripts/web.ts");
  web = spawn(process.execPath, [...entry.execArgv, entry.file], {
    cwd: ROOT, stdio: ["ignore", "pipe", "inherit"],
    env: { ...process.env, NODE_ENV: "production", PORT: String(port), BULWARK_WEB_PROCESSES: String(processes), DATABASE_URL: databaseUrl, BULWARK_DATA_DIR: dataDir, NEXTAUTH_URL: base, NEXTAUTH_SECRET: SESSION_SECRET, NEXT_TELEMETRY_DISABLED: "1" },
  });
  // Ready when every process said it listens (a cluster's first answer would come from the first worker up).
  let listening = 0;
  web.stdout!.on("data", (d: Buffer) => (listening += d.toString().match(/listening on/g)?.length ?? 0));
  for (let i = 0; ; i++) {
    try {
      if (listening >= processes && (await fetch(`${base}/api/health`)).status < 500) break;
    } catch {
      /* not listening yet */
    }
    if (web.exitCode !== null) throw new Error(`scripts/web.ts exited (code ${web.exitCode})`);
    if (i > 600) throw new Error("scripts/web.ts did not answer within 120 s");
    await new Promise((r) => setTimeout(r, 200));
  }
  const heading = `BULWARK_WEB_PROCESSES=${processes}`;
  log(`${heading}: scripts/web.ts answers on ${base}. Signing in ${s.users.length} users…`);
  const cookies: string[] = [];
  for (const u of s.users) cookies.push(await signIn(base, u, s.password));

  const team = `/t/${s.teamSlug}`;
  const deepPage = Math.min(200, Math.ceil((await db.evaluation.count()) / EVALUATION_PAGE_SIZE));
  const pages: [string, string, string][] = [
    ["dashboard", `${team}/dashboard`, "Compliance posture"],
    ["controls explorer", `${team}/controls`, "Controls"],
    ["evaluation list", `${team}/evaluations`, "evaluations · page"],
    // Page 200 of 10,000 evaluations; the last page for a smaller --evaluations.
    [`evaluation list, page ${deepPage}`, `${team}/evaluations?page=${deepPage}`, "evaluations · page"],
    [`results page (#${s.resultsNumber})`, `${team}/evaluations/${s.resultsNumber}`, `Evaluation #${s.resultsNumber}`],
  ];
  // Each page once first: it must render for a signed-in user (not a sign-in redirect or an error page).
  for (const [label, path, marker] of pages) {
    const res = await fetch(base + path, { headers: { cookie: cookies[0]! }, redirect: "manual" });
    const html = await res.text();
    if (res.status !== 200 || !html.includes(marker)) throw new Error(`${label}: HTTP ${res.status}, expected text "${marker}" not found`);
  }
  const settle = async () => {
    // Requests of the previous run that the server is still working on must not count against the next one.
    for (let t = Date.now(); Date.now() - t < 120_000; ) {
      const t0 = Date.now();
      await fetch(`${base}/api/health`);
      if (Date.now() - t0 < 100) break;
      await new Promise((r) => setTimeout(r, 500));
    }
  };
  // 1. Service time: one user, one request at a time (what a page costs the server on its own).
  log(`Service time: one user, 20 requests per page, one at a time. Load average before: ${load()} (${cpus} CPUs).`);
  const single = new Map<string, number>();
  for (const [label, path] of pages) {
    await settle();
    const times: number[] = [];
    for (let i = 0; i < 20; i++) {
      const t0 = performance.now();
      await (await fetch(base + path, { headers: { cookie: cookies[i % cookies.length]! } })).arrayBuffer();
      times.push(performance.now() - t0);
    }
    single.set(label, percentile(times.sort((a, b) => a - b), 50));
  }
  // 2. The users: each signed-in user asks for the page at its own pace (one run per --user-rates value).
  // 3. Saturation: the same connections ask again as soon as answered (throughput; latency = queueing).
  const pace = (r: number) => (r >= 1 ? `${r} page${r === 1 ? "" : "s"} a second` : `a page every ${+(1 / r).toFixed(1)} s`);
  const runs: { title: string; rate?: number; results: PageResult[] }[] = [
    ...USER_RATES.map((rate) => ({ title: `${CONNECTIONS} signed-in users, each at most ${pace(rate)}, not in step`, rate, results: [] as PageResult[] })),
    { title: `Saturation: ${CONNECTIONS} connections asking again as soon as answered`, results: [] },
  ];
  for (const run of runs) {
    log(`${run.title}, ${DURATION_S} s per page. Load average before: ${load()} (${cpus} CPUs).`);
    for (const [label, path] of pages) {
      await settle();
      const cpu0 = treeCpuMs(web!.pid!);
      const r = await drive(base, label, path, cookies, run.rate);
      // The web processes' CPU per request (a worker that died meanwhile takes its share with it).
      r.cpuMs = (treeCpuMs(web!.pid!) - cpu0) / Math.max(1, r.requests);
      run.results.push(r);
      log(`${label}: ${r.requests} requests, p95 ${ms(r.p95)} ms`);
    }
  }
  const out: string[] = [];
  out.push("", `## ${heading} (${cpus} CPUs; load average now ${load()})`, "");
  out.push(`Service time (one request at a time, median): ${[...single].map(([l, v]) => `${l} ${ms(v)} ms`).join("; ")}.`);
  for (const run of runs) {
    out.push(`\n${run.title}:\n`);
    out.push("| page | requests/s | p50 ms | p95 ms | p99 ms | max ms | non-2xx | web CPU ms/request | load avg (1/5/15 min) |");
    out.push("| --- | --- | --- | --- | --- | --- | --- | --- | --- |");
    for (const r of run.results) out.push(`| ${r.page} | ${r.rps.toFixed(1)} | ${ms(r.p50)} | ${ms(r.p95)} | ${ms(r.p99)} | ${ms(r.max)} | ${r.non2xx + r.errors} | ${ms(r.cpuMs ?? NaN)} | ${r.load} |`);
  }
  // The target, per users' run; a page with no completed request missed it too (NaN compares false).
  out.push("");
  for (const run of runs.filter((r) => r.rate)) {
    const slow = run.results.filter((r) => !(r.p95 < 200));
    out.push(slow.length ? `p95 target (< 200 ms) missed with ${run.title}: ${slow.map((r) => r.page).join(", ")}` : `p95 < 200 ms on every page with ${run.title}.`);
  }
  const saturation = runs.at(-1)!;
  out.push(`Saturation throughput: ${saturation.results.map((r) => `${r.page} ${r.rps.toFixed(0)}/s`).join(", ")}.`);
  return out;
}
