// npm run bench:workers — wall time of the same evaluation on 1 and on 2 worker processes.
// Real parts: a throwaway embedded PostgreSQL, the demo model and dataset, pg-boss, worker processes.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { startEmbeddedPostgres } from "../lib/db/embedded";
import { applyMigrations } from "../lib/db/schema-engine";
import { configureDatabaseUrl, db, disconnectDb } from "../lib/db/client";
import { stopQueue } from "../lib/jobs/queue";
import { setArtifactStore, LocalArtifactStore } from "../lib/registry/store";
import { seedDemoRegistry, DEMO_DATASETS } from "../lib/seed/registry";
import { createEvaluation } from "../lib/evaluations/create";
import { systemContext } from "../lib/teams/context";

const { values } = parseArgs({ options: { samples: { type: "string", default: "400" }, shard: { type: "string", default: "50" }, preset: { type: "string", default: "quick" } } });
const dataDir = mkdtempSync(join(tmpdir(), "bulwark-bench-"));
const pg = await startEmbeddedPostgres({ dataDir, port: 54000 + Math.floor(Math.random() * 900) });
configureDatabaseUrl(pg.url);
await applyMigrations(pg.url);
setArtifactStore(new LocalArtifactStore(join(dataDir, "artifacts")));
const team = await db.team.create({ data: { slug: "bench", name: "Bench" } });
console.log("Registering the demo model and dataset…");
await seedDemoRegistry(systemContext(team.id, "seed"));
const mv = await db.modelVersion.findFirstOrThrow({ where: { teamId: team.id }, orderBy: { version: "asc" } });
const dv = await db.datasetVersion.findFirstOrThrow({ where: { teamId: team.id, dataset: { name: DEMO_DATASETS.eval } } });

function startWorkers(n: number): ChildProcess[] {
  return Array.from({ length: n }, () =>
    spawn(process.execPath, ["--import", "tsx", "workers/main.ts"], { env: { ...process.env, DATABASE_URL: pg.url, BULWARK_DATA_DIR: dataDir }, stdio: "ignore" }),
  );
}
async function stop(ws: ChildProcess[]) {
  await Promise.all(ws.map((w) => new Promise<void>((r) => (w.exitCode !== null ? r() : (w.once("exit", () => r()), w.kill("SIGTERM"))))));
}

async function run(workers: number) {
  const ws = startWorkers(workers);
  await new Promise((r) => setTimeout(r, 4000)); // let the workers and their engine processes start
  const t0 = Date.now();
  const e = await createEvaluation(
    systemContext(team.id, "script", "bench"),
    { modelVersionId: mv.id, datasetVersionId: dv.id, preset: values.preset as "quick", sampleCount: Number(values.samples), seed: 3, shardSize: Number(values.shard), linfEpsilons: undefined, customSuite: undefined },
  );
  for (;;) {
    const ev = await db.evaluation.findUniqueOrThrow({ where: { id: e.id } });
    if (ev.status === "COMPLETED" || ev.status === "FAILED") {
      await stop(ws);
      if (ev.status === "FAILED") throw new Error(ev.failureReason ?? "failed");
      const shards = await db.evaluationShard.findMany({ where: { evaluationId: e.id }, select: { workerId: true, durationMs: true } });
      const perWorker = new Map<string, number>();
      for (const s of shards) perWorker.set(s.workerId ?? "?", (perWorker.get(s.workerId ?? "?") ?? 0) + 1);
      const busy = shards.reduce((a, s) => a + (s.durationMs ?? 0), 0) / 1000;
      return { seconds: (Date.now() - t0) / 1000, metrics: JSON.stringify(ev.metrics), spread: [...perWorker.values()].join("+"), busy };

    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

console.log(`Evaluation: ${values.preset}, ${values.samples} samples, shards of ${values.shard}, demo digits-cnn v1 on mnist-demo-eval`);
const one = await run(1);
console.log(`1 worker : ${one.seconds.toFixed(1)} s  (shards ${one.spread}; ${one.busy.toFixed(1)} s inside shards)`);
const two = await run(2);
console.log(`2 workers: ${two.seconds.toFixed(1)} s  (shards ${two.spread}; ${two.busy.toFixed(1)} s inside shards)`);
console.log(`speed-up : ${(one.seconds / two.seconds).toFixed(2)}×   (metrics identical: ${one.metrics === two.metrics})`);
await stopQueue();
await disconnectDb();
await pg.stop();
rmSync(dataDir, { recursive: true, force: true });
