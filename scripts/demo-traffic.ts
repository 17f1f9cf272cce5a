// npm run demo:traffic -- [--url http://localhost:3000] [--team demo] [--days 7] [--per-day 8] [--batch 200] [--samples 32] [--no-rollback]
//
// Simulates a week of production traffic for the demo digit model, as a team's serving system would
// report it: every batch is summarised locally (input statistics on the reference's bins, predicted
// classes, confidences — no input leaves the "serving system") and posted to REST API v1.
//
// The week: days 0–3 the robust model (v2, PGD-trained) serves clean traffic; on day 3 the team switches
// to the standard model (v1) under a reviewer's gate override; on day 5 a burst of adversarial inputs
// (each pushed just across a decision boundary in 0.01 steps) arrives, then the scanners' brightness drifts until the end of the
// week. Alerts fire once per incident; finally an engineer rolls production back to the last version that
// passed the gate (v2), unless --no-rollback. Decisions go through the API as short-lived tokens the
// script creates for the demo team (recorded in the audit log).
import { parseArgs } from "node:util";
import * as tf from "@tensorflow/tfjs";
import { withDatabase } from "../lib/db/embedded";
import { configureDatabaseUrl, db, disconnectDb } from "../lib/db/client";
import { createApiToken } from "../lib/auth/tokens";
import { loadModelVersionForEngine } from "../lib/registry/models";
import { initEngineBackend } from "../lib/engine/backend";
import type { LoadedModel } from "../lib/engine/model";
import { loadWhiteBoxModel } from "../lib/engine/formats";
import { loadDemoEvalSplit, MNIST_PIXELS } from "../lib/demo/mnist";
import { summariseBatch, type ReferenceForClient } from "../lib/operations/client-summary";
import { stopQueue } from "../lib/jobs/queue";
import { env } from "../lib/env";
import { systemContext } from "../lib/teams/context";

const { values: o } = parseArgs({
  options: {
    url: { type: "string", default: `http://localhost:${env().PORT}` },
    team: { type: "string", default: "demo" },
    model: { type: "string", default: "digits-cnn" },
    environment: { type: "string", default: "production" },
    days: { type: "string", default: "7" },
    "per-day": { type: "string", default: "8" },
    batch: { type: "string", default: "200" },
    samples: { type: "string", default: "32" },
    "no-rollback": { type: "boolean", default: false },
  },
});
const DAYS = Number(o.days);
const PER_DAY = Number(o["per-day"]);
const BATCH = Number(o.batch);
const HOUR = 3_600_000;
const log = (m: string) => console.log(`[demo:traffic] ${m}`);

async function api<T>(token: string, method: string, path: string, body?: unknown, query: Record<string, string> = {}): Promise<{ status: number; body: T }> {
  const u = new URL(`${o.url.replace(/\/+$/, "")}/api/v1${path}`);
  for (const [k, v] of Object.entries(query)) u.searchParams.set(k, v);
  const send = () => fetch(u, { method, headers: { authorization: `Bearer ${token}`, ...(body ? { "content-type": "application/json" } : {}) }, body: body ? JSON.stringify(body) : undefined });
  let res: Response;
  try {
    res = await send();
  } catch (e) {
    // The server closes idle keep-alive connections after a few seconds; a request sent on one in that
    // instant fails with "other side closed" before the server read it. Send it once more, on a new one.
    if ((e as { cause?: { code?: string } }).cause?.code !== "UND_ERR_SOCKET") throw e;
    res = await send();
  }
  return { status: res.status, body: (await res.json()) as T };
}
async function must<T>(p: Promise<{ status: number; body: T }>, what: string): Promise<T> {
  const r = await p;
  if (r.status >= 300) throw new Error(`${what}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

// ---- Set-up through the database (tokens) ----------------------------------------------------------
const setup = await withDatabase(async (url) => {
  configureDatabaseUrl(url);
  const team = await db.team.findUnique({ where: { slug: o.team } });
  if (!team) throw new Error(`No team "${o.team}" (start Bulwark with the demo first: npm start)`);
  const admin = await db.membership.findFirstOrThrow({ where: { teamId: team.id, role: "ADMIN" }, include: { user: true } });
  const ctx = { team, role: "ADMIN" as const, userId: admin.userId, actor: { userId: admin.userId, label: admin.user.email } };
  const engineer = (await createApiToken(ctx, { name: "demo-traffic (serving system)", role: "ENGINEER", expiresInDays: 1 })).secret;
  const reviewer = (await createApiToken(ctx, { name: "demo-traffic (reviewer)", role: "REVIEWER", expiresInDays: 1 })).secret;
  const model = await db.model.findFirstOrThrow({ where: { teamId: team.id, name: o.model } });
  const versions = await db.modelVersion.findMany({ where: { teamId: team.id, modelId: model.id, storedAt: { not: null } }, orderBy: { version: "asc" } });
  const files = new Map<number, Awaited<ReturnType<typeof loadModelVersionForEngine>>>();
  for (const v of versions.filter((x) => x.version <= 2)) files.set(v.version, await loadModelVersionForEngine(systemContext(team.id, "script"), v.id));
  return { engineer, reviewer, files, teamSlug: team.slug, modelId: model.id };
});
await stopQueue();
await disconnectDb();

await initEngineBackend("auto");
const models = new Map<number, LoadedModel>();
for (const [v, f] of setup.files) models.set(v, await loadWhiteBoxModel(f.files, f.engineCard));

// ---- Production runs the robust model --------------------------------------------------------------
type Status = { environments: { environment: string; version: number }[] };
const status = await must(api<Status>(setup.engineer, "GET", "/deployments", undefined, { model: o.model }), "deployment status");
if (status.environments.find((e) => e.environment === o.environment)?.version !== 2) {
  log(`Promoting ${o.model}@2 (the robust model) to ${o.environment} …`);
  await must(api(setup.reviewer, "POST", "/deployments/promote", { model: `${o.model}@2`, environment: o.environment, note: "Robust model for the demo week" }), "promote v2");
}
const reference = async () => must(api<ReferenceForClient & { version: number }>(setup.engineer, "GET", "/monitoring/reference", undefined, { model: o.model, environment: o.environment }), "reference");
let ref = await reference();

// ---- The week ----------------------------------------------------------------------------------------
const split = loadDemoEvalSplit();
let seed = 20261126;
const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);

/** What a prober sends: each input pushed in small signed-gradient steps (0.01, L∞) just across the served model's decision boundary. */
function attack(model: LoadedModel, x: Float32Array, n: number): Float32Array {
  return tf.tidy(() => {
    let cur = tf.tensor4d(x, [n, 28, 28, 1]);
    const orig = model.logits(cur).argMax(1);
    const target = tf.oneHot(orig, model.numClasses);
    for (let s = 0; s < 30; s++) {
      const flipped = model.logits(cur).argMax(1).notEqual(orig).reshape([n, 1, 1, 1]).tile([1, 28, 28, 1]);
      const g = tf.grad((inp: tf.Tensor) => tf.losses.softmaxCrossEntropy(target, model.logits(inp)))(cur);
      cur = tf.where(flipped, cur, cur.add(g.sign().mul(0.01)).clipByValue(0, 1)) as tf.Tensor4D;
    }
    return cur.dataSync() as Float32Array;
  });
}

/** A random sample of the batch's raw inputs for the attack-pattern signal (scored by Bulwark in memory, not stored); 0: none. */
const SAMPLES = Math.min(Number(o.samples), BATCH);
const rawSamples = (x: Float32Array) => Array.from({ length: SAMPLES }, (_, i) => Array.from(x.subarray(i * MNIST_PIXELS, (i + 1) * MNIST_PIXELS)));

const start = Date.now() - DAYS * 24 * HOUR;
const total = DAYS * PER_DAY;
const switchAt = Math.round(total * (3 / 7));
const burstAt = Math.round(total * (5 / 7));
const burstEnd = burstAt + Math.max(2, Math.round(PER_DAY / 2));
let served = 2;
const opened: string[] = [];
for (let b = 0; b < total; b++) {
  const observedAt = new Date(start + (b * 24 * HOUR) / PER_DAY);
  if (b === switchAt) {
    log(`Day ${(b / PER_DAY).toFixed(1)}: the team switches ${o.environment} to ${o.model}@1 (standard training) under a reviewer's override.`);
    await must(api(setup.reviewer, "POST", "/deployments/overrides", { model: `${o.model}@1`, environment: o.environment, reason: "Demo: faster standard model for the end-of-quarter peak; robust model back afterwards", expiresInDays: 7 }), "override v1");
    await must(api(setup.engineer, "POST", "/deployments/promote", { model: `${o.model}@1`, environment: o.environment, note: "End-of-quarter peak" }), "promote v1");
    served = 1;
    ref = await reference();
  }
  const model = models.get(served)!;
  let x: Float32Array = new Float32Array(BATCH * MNIST_PIXELS);
  for (let i = 0; i < BATCH; i++) {
    const k = Math.floor(rand() * split.count);
    x.set(split.images.subarray(k * MNIST_PIXELS, (k + 1) * MNIST_PIXELS), i * MNIST_PIXELS);
  }
  let event = "";
  if (b >= burstAt && b < burstEnd) {
    x = attack(model, x, BATCH);
    event = " (adversarial burst)";
  } else if (b >= burstEnd) {
    // The scanners' exposure drifts: every pixel brighter, clipped at white.
    const shift = Math.min(0.3, 0.1 + 0.05 * (b - burstEnd));
    x = x.map((v) => Math.min(1, v + shift));
    event = ` (brightness +${shift.toFixed(2)})`;
  }
  const probs = tf.tidy(() => model.predictProbs(tf.tensor4d(x, [BATCH, 28, 28, 1])).dataSync() as Float32Array);
  const summary = summariseBatch(x, BATCH, MNIST_PIXELS, ref, Float32Array.from(probs));
  const r = await must(api<{ alerts: { opened: string[]; resolved: string[] } }>(setup.engineer, "POST", "/monitoring/batches", { environment: o.environment, model: o.model, observedAt: observedAt.toISOString(), ...summary, ...(SAMPLES > 0 ? { samples: rawSamples(x) } : {}) }), `batch ${b}`);
  opened.push(...r.alerts.opened);
  if (r.alerts.opened.length || r.alerts.resolved.length || event) log(`Batch ${b + 1}/${total}, day ${(b / PER_DAY).toFixed(1)}, v${served}${event}: ${r.alerts.opened.length} alert(s) opened, ${r.alerts.resolved.length} resolved.`);
}
for (const m of models.values()) m.dispose();

type AlertList = { data: { id: string; signal: string; severity: string; summary: string; resolvedAt: string | null }[] };
const open = await must(api<AlertList>(setup.engineer, "GET", "/monitoring/alerts", undefined, { model: o.model, environment: o.environment }), "alerts");
log(`${opened.length} alert(s) opened this week; open now:`);
for (const a of open.data) log(`  [${a.severity}] ${a.signal}: ${a.summary}`);

if (!o["no-rollback"]) {
  const rb = await must(api<{ fromVersion: number; toVersion: number }>(setup.engineer, "POST", "/deployments/rollback", { model: o.model, environment: o.environment, note: "Drift and an adversarial burst after the switch to v1" }), "rollback");
  log(`Rolled ${o.environment} back from v${rb.fromVersion} to v${rb.toVersion} (the last version that passed the gate); see the audit log.`);
}
log(`Monitoring page: ${o.url.replace(/\/+$/, "")}/t/${setup.teamSlug}/operations/${setup.modelId}`);
