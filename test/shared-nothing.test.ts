import { mkdtempSync, readdirSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db } from "../lib/db/client";
import { stopQueue } from "../lib/jobs/queue";
import { LocalArtifactStore, S3ArtifactStore, setArtifactStore, artifactStore } from "../lib/registry/store";
import { openVersionFile } from "../lib/registry/download";
import { useTempStore } from "../lib/registry/test-helpers";
import { seedModelVersion, seedSplit, DEMO_DATASETS, DEMO_MODEL_DIRS } from "../lib/seed/registry";
import { loadDemoEvalSplit, loadDemoTrainSplit } from "../lib/demo/mnist";
import { createEvaluation, createEvaluationOfKind } from "../lib/evaluations/create";
import { CreateAnyEvaluationSchema } from "../lib/evaluations/schemas";
import { createReport, getReportSnapshot, reportPdf, verifyPdf } from "../lib/reports/index";
import { systemContext } from "../lib/teams/context";
import { makeTeam } from "./fixtures";
import { testDatabaseUrl } from "./db-per-file";
import { workerPool } from "./workers";
import { startS3 } from "./s3";

// Bulwark beyond one machine: the web (this test process) and a worker that share nothing but PostgreSQL and an
// S3 bucket (a real S3-protocol server, s3rver). The registry writes into the bucket; a worker with its own empty
// data folder runs an evaluation, a report and an integrity scan; the results equal those of a worker that reads
// the same blobs from a local folder. The S3 worker runs after the local one has stopped, so no job of one run can
// be taken by the other worker.

const web = useTempStore(); // the web's data folder: staging only, its artifacts go to the bucket
const { startWorker, stopWorkers, waitFor } = workerPool(() => ({ DATABASE_URL: testDatabaseUrl, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" }));
let s3: Awaited<ReturnType<typeof startS3>>;
let team: Awaited<ReturnType<typeof makeTeam>>;
const localDir = mkdtempSync(join(tmpdir(), "bulwark-worker-local-"));
const remoteDir = mkdtempSync(join(tmpdir(), "bulwark-worker-remote-"));
let ids: { model: string; train: string; eval: string };

beforeAll(async () => {
  s3 = await startS3(["bulwark"]);
  setArtifactStore(new S3ArtifactStore({ endpoint: s3.endpoint, bucket: "bulwark", region: "us-east-1", ...s3.credentials }));
  team = await makeTeam("beyond");
  // The registry path, into the bucket: the demo splits and one demo model (its check runs on this "web").
  const scope = systemContext(team.team.id, "seed");
  const train = await seedSplit(scope, DEMO_DATASETS.train, "train", loadDemoTrainSplit(), "Demo training digits.");
  const evalSplit = await seedSplit(scope, DEMO_DATASETS.eval, "test", loadDemoEvalSplit(), "Demo evaluation digits.");
  expect(await seedModelVersion(scope, DEMO_MODEL_DIRS[0]!, train)).toBe("created");
  const mv = await db.modelVersion.findFirstOrThrow({ where: { teamId: team.team.id } });
  ids = { model: mv.id, train, eval: evalSplit };
  // The reference worker's folder: the same blobs, copied out of the bucket.
  const local = new LocalArtifactStore(join(localDir, "artifacts"));
  for (const a of await db.artifact.findMany({ where: { teamId: team.team.id } })) {
    const tmp = join(web.dir, `copy-${a.sha256}`);
    await writeFile(tmp, await artifactStore().read(a.sha256));
    await local.put(a.sha256, tmp);
  }
}, 600_000);

afterAll(async () => {
  await stopWorkers();
  await stopQueue();
  setArtifactStore(null);
  await s3?.stop();
});

const finished = (what: string, id: string) =>
  waitFor(what, async () => {
    const e = await db.evaluation.findUniqueOrThrow({ where: { id } });
    return ["COMPLETED", "FAILED", "CANCELLED"].includes(e.status) ? e : null;
  }, 240_000);

/** An evaluation, an integrity scan and a report, all taken by the one running worker. */
async function runAll(label: string) {
  const ctx = team.ctx("ENGINEER");
  const ev = await createEvaluation(ctx, { modelVersionId: ids.model, datasetVersionId: ids.eval, preset: "quick", sampleCount: 40, seed: 7, shardSize: 20, linfEpsilons: [0.1, 0.3], customSuite: undefined });
  const scan = await createEvaluationOfKind(ctx, CreateAnyEvaluationSchema.parse({ kind: "integrity", modelVersionId: ids.model, trainingDatasetVersionId: ids.train, heldOutDatasetVersionId: ids.eval, sampleCount: "300", folds: "0", seed: "3" }));
  const evDone = await finished(`${label} evaluation`, ev.id);
  const scanDone = await finished(`${label} integrity scan`, scan.id);
  const report = await createReport(ctx, { title: `${label} run`, frameworks: ["nist-ai-rmf", "iso-42001"] });
  const row = await waitFor(`${label} report`, async () => {
    const r = await db.report.findUniqueOrThrow({ where: { id: report.id } });
    return r.status === "DRAFT" || r.status === "FAILED" ? r : null;
  }, 240_000);
  const shards = await db.evaluationShard.findMany({ where: { evaluationId: { in: [ev.id, scan.id] } } });
  return { evDone, scanDone, report: row, workers: new Set(shards.map((s) => s.workerId)) };
}

describe("a worker that shares nothing with the web but PostgreSQL and the S3 bucket", () => {
  it("refuses to start against a bucket that does not exist: one line, no secret", async () => {
    const w = startWorker({ BULWARK_DATA_DIR: remoteDir, ...s3.env("no-such-bucket") });
    const code = await new Promise<number | null>((r) => w.child.once("exit", r));
    expect(code).toBe(2);
    const lines = w.output().split("\n").filter((l) => l.trim());
    expect(lines).toEqual([expect.stringMatching(/^\[worker\] S3 bucket "no-such-bucket" does not exist \(s3:\/\/no-such-bucket\/ at http:\/\/127\.0\.0\.1:\d+\): create it, or set BULWARK_S3_BUCKET to an existing bucket\.$/)]);
    expect(w.output()).not.toContain(s3.credentials.secretAccessKey);
  });

  it("runs an evaluation, an integrity scan and a report with results identical to a worker on a local folder", { timeout: 600_000 }, async () => {
    const local = startWorker({ BULWARK_DATA_DIR: localDir });
    const localId = await local.id;
    const a = await runAll("local");
    await stopWorkers();

    const remote = startWorker({ BULWARK_DATA_DIR: remoteDir, ...s3.env() });
    const remoteId = await remote.id;
    const gets = s3.requests.length;
    const b = await runAll("S3");
    await stopWorkers();

    // Each run was done by its own worker alone.
    expect(a.workers).toEqual(new Set([localId]));
    expect(b.workers).toEqual(new Set([remoteId]));
    for (const r of [a, b]) {
      expect(r.evDone.failureReason).toBeNull();
      expect(r.scanDone.failureReason).toBeNull();
      expect(r.report.failureReason).toBeNull();
      expect([r.evDone.status, r.scanDone.status, r.report.status]).toEqual(["COMPLETED", "COMPLETED", "DRAFT"]);
    }
    // The same numbers, whichever store the worker read the model and the data from.
    expect(b.evDone.metrics).toEqual(a.evDone.metrics);
    expect(b.evDone.verdict).toBe(a.evDone.verdict);
    expect(b.scanDone.metrics).toEqual(a.scanDone.metrics);
    const snapA = (await getReportSnapshot(team.ctx("VIEWER"), a.report.id)).snapshot;
    const snapB = (await getReportSnapshot(team.ctx("VIEWER"), b.report.id)).snapshot;
    expect(snapB.posture).toEqual(snapA.posture);
    const statuses = (s: typeof snapA) => s.controls.map((c) => JSON.stringify([c.controlId, c.modelLabel, c.status]));
    expect(statuses(snapB)).toEqual(statuses(snapA));
    // The S3 worker's draft PDF is the one the database recorded.
    const pdf = await reportPdf(team.ctx("VIEWER"), b.report.id);
    expect(pdf.sha256).toBe(b.report.draftPdfSha256);
    expect((await verifyPdf(team.ctx("VIEWER"), { bytes: pdf.bytes })).match).toBe(true);

    // It read the blobs from the bucket, and its own data folder holds no artifact.
    expect(s3.requests.slice(gets).filter((r) => r.method === "GET" && r.path.startsWith("/bulwark/sha256/")).length).toBeGreaterThan(0);
    expect(readdirSync(remoteDir, { recursive: true }).some((f) => String(f).includes("sha256"))).toBe(false);
    expect(remote.output()).not.toContain(s3.credentials.secretAccessKey);

    // Downloads from the registry stream out of the bucket with the recorded digest.
    const file = await db.modelVersionFile.findFirstOrThrow({ where: { modelVersionId: ids.model } });
    const dl = await openVersionFile(team.ctx("VIEWER"), "model", ids.model, file.path);
    const h = createHash("sha256");
    for await (const c of dl.stream) h.update(c as Buffer);
    expect(h.digest("hex")).toBe(file.sha256);
  });
});
