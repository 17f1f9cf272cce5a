import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db } from "../db/client";
import { stopQueue } from "../jobs/queue";
import { makeTeam } from "../../test/fixtures";
import { testDatabaseUrl } from "../../test/db-per-file";
import { workerPool } from "../../test/workers";
import { useTempStore } from "../registry/test-helpers";
import { DEMO_EVAL_SIZE, loadDemoEvalSplit } from "../demo/mnist";
import { POISON } from "../demo/poisoned";
import { seedDemoIntegrity } from "../seed/integrity";
import { seedSplit } from "../seed/registry";
import { loadEvidence } from "../compliance/evidence";
import { computeControlStatuses } from "../compliance/engine";
import { getCatalog } from "../compliance/catalog";
import { DEFAULT_CROSSWALK } from "../compliance/crosswalk";
import { defaultPolicy } from "../compliance/policy";
import { createEvaluationOfKind } from "./create";
import { getEvaluation } from "./manage";
import { CreateAnyEvaluationSchema } from "./schemas";
import type { IntegrityMetrics } from "./integrity";
import { latestIntegrityScanOf } from "./integrity-latest";
import { SUSPECT_THUMBNAILS } from "./integrity-shard";
import { integritySuspectsPage } from "./integrity-suspects";
import { gateForVersion } from "../operations/gate-check";
import { systemContext } from "../teams/context";

// The integrity kind through the real thing: pg-boss on this test's PostgreSQL, a worker process, engine child
// processes, the committed poisoned demo model and its registered (poisoned) training data. A subset keeps it
// short: 1,500 training digits, 2-fold cross-validation of 1 epoch; the held-out data is the demo evaluation split.

const { dir } = useTempStore();
const { startWorker, stopWorkers, waitFor } = workerPool(() => ({ DATABASE_URL: testDatabaseUrl, BULWARK_DATA_DIR: dir }));

let team: Awaited<ReturnType<typeof makeTeam>>;
let seeded: Awaited<ReturnType<typeof seedDemoIntegrity>>;
let heldOutId: string;

beforeAll(async () => {
  team = await makeTeam("integrity");
  seeded = await seedDemoIntegrity(systemContext(team.team.id, "seed"));
  heldOutId = await seedSplit(systemContext(team.team.id, "seed"), "held-out-digits", "test", loadDemoEvalSplit(), `The ${DEMO_EVAL_SIZE} demo evaluation digits.`);
}, 600_000);

afterAll(async () => {
  await stopWorkers();
  await stopQueue();
});

describe("integrity evaluations on real workers", () => {
  it("scans the poisoned demo: finds the backdoor live, states the cost, writes E15 evidence that fails A.7.4", { timeout: 900_000 }, async () => {
    const ctx = team.ctx("ENGINEER");
    const input = CreateAnyEvaluationSchema.parse({ kind: "integrity", modelVersionId: seeded.modelVersionId, heldOutDatasetVersionId: heldOutId, sampleCount: "1500", folds: "2", epochs: "1", seed: "4" });
    const created = await createEvaluationOfKind(ctx, input);
    expect(created.integrityCost?.trainingPasses).toBe(1500);
    expect(created.integrityCost?.summary).toMatch(/retrains the model's architecture 2 times/);
    const row = await db.evaluation.findUniqueOrThrow({ where: { id: created.id }, include: { shards: true } });
    expect(row).toMatchObject({ kind: "integrity", datasetVersionId: seeded.datasetVersionId, shardCount: 3, sampleCount: 1500 });

    startWorker();
    const done = await waitFor(`integrity evaluation ${created.number}`, async () => {
      const e = await db.evaluation.findUniqueOrThrow({ where: { id: created.id } });
      return ["COMPLETED", "FAILED", "CANCELLED"].includes(e.status) ? e : null;
    }, 800_000);
    expect(done.failureReason).toBeNull();
    expect(done.status).toBe("COMPLETED");
    const m = done.metrics as unknown as IntegrityMetrics;
    expect(m.backdoor?.clustering.flaggedClasses).toEqual([POISON.target]);
    expect(m.backdoor?.liveBackdoors).toEqual([POISON.target]);
    expect(m.evidence).toMatchObject({ samples: 1500, flaggedClasses: ["0"], liveBackdoors: ["0"], leakageGroups: 0 });
    expect(m.labelIssues?.flaggedCount).toBeGreaterThan(0);
    expect(m.reading.join(" ")).toMatch(/A live backdoor towards "0"/);
    // Every suspicious example is stored, by dataset index; the most outlying with thumbnails.
    expect(m.backdoor!.suspicious.length).toBeGreaterThan(20);
    expect(m.backdoor!.suspicious.length).toBe(m.backdoor!.suspiciousTotal);
    for (const s of m.backdoor!.suspicious.slice(0, SUSPECT_THUMBNAILS)) expect(m.thumbnails[String(s.index)]?.data.length).toBeGreaterThan(100);
    // The API lists them all, a page at a time, and exports them.
    const first = await integritySuspectsPage(ctx, created.number, { limit: 10 });
    expect(first.total).toBe(m.backdoor!.suspiciousTotal);
    const second = await integritySuspectsPage(ctx, created.number, { limit: 100, cursor: first.nextCursor! });
    expect([...first.data, ...second.data].map((r) => r.datasetIndex)).toEqual(m.backdoor!.suspicious.map((s) => s.index));
    expect(second.nextCursor).toBeNull();
    // The evidence column carries only the small object, tagged with the kind.
    expect(done.evidence).toMatchObject({ kind: "integrity", metrics: { evidence: { liveBackdoors: ["0"] } } });
    const audit = await db.auditEvent.findFirst({ where: { teamId: team.team.id, action: "evaluation.complete", subjectId: created.id } });
    expect(audit).not.toBeNull();

    // Controls: under the default policy the live backdoor fails ISO A.7.4 for the poisoned model.
    const ev = await loadEvidence(systemContext(team.team.id, "job"));
    const statuses = computeControlStatuses(defaultPolicy(), getCatalog(), DEFAULT_CROSSWALK, ev);
    const model = await db.modelVersion.findUniqueOrThrow({ where: { id: seeded.modelVersionId! } });
    const a74 = statuses.find((s) => s.control === "iso-42001:A.7.4" && s.modelId === model.modelId)!;
    expect(a74.status).toBe("failing");
    expect(a74.reason).toMatch(/live backdoor/);
    // The release gate (bulwark gate, promotions) refuses the poisoned version on the same evidence.
    const gate = await gateForVersion(systemContext(team.team.id, "job"), model);
    expect(gate.verdict.pass).toBe(false);
    expect(gate.verdict.checks.find((c) => c.id === "integrity:backdoor")).toMatchObject({ outcome: "fail", detail: expect.stringMatching(/live trigger towards class "0" in scan #\d+/) });
    expect(gate.verdict.checks.find((c) => c.id === "integrity:leakage")).toMatchObject({ outcome: "pass" });

    // The dataset page's panel shows it to this team.
    expect(await latestIntegrityScanOf(ctx, seeded.datasetVersionId)).toMatchObject({ number: created.number, status: "COMPLETED", evidence: { liveBackdoors: ["0"] } });

    // Another team sees nothing of it and cannot scan this team's model.
    const other = await makeTeam("other");
    expect(await latestIntegrityScanOf(other.ctx("ADMIN"), seeded.datasetVersionId)).toBeNull();
    await expect(getEvaluation(other.ctx("ADMIN"), created.number)).rejects.toThrow(/not found/);
    await expect(integritySuspectsPage(other.ctx("ADMIN"), created.number, { limit: 10 })).rejects.toThrow(/not found/);
    await expect(createEvaluationOfKind(other.ctx("ENGINEER"), CreateAnyEvaluationSchema.parse({ kind: "integrity", modelVersionId: seeded.modelVersionId }))).rejects.toThrow(/not found/);
    await expect(createEvaluationOfKind(ctx, CreateAnyEvaluationSchema.parse({ kind: "integrity", modelVersionId: seeded.modelVersionId, heldOutDatasetVersionId: "nope" }))).rejects.toThrow(/not found/);
    // A viewer may not launch one.
    await expect(createEvaluationOfKind(team.ctx("VIEWER"), input)).rejects.toThrow();
  });
});
