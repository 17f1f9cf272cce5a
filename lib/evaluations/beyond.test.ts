import { describe, expect, it } from "vitest";
import { db } from "../db/client";
import { useSeededTeam } from "../../test/seeded-team";
import { testDatabaseUrl } from "../../test/db-per-file";
import { workerPool } from "../../test/workers";
import { useTempStore } from "../registry/test-helpers";
import { createEvaluation } from "./create";
import type { BeyondMetrics } from "../engine/beyond";
import type { CorruptionGallery } from "../engine/shard";
import { AttackSuiteSchema } from "../engine/suite";
import { evaluationResultsApi } from "../api/views";
import { buildSnapshot } from "../reports/snapshot";
import { renderReportPdf } from "../reports/pdf";
import { pdfText } from "../reports/test-helpers";
import { completedEvaluationEvidenceRows, evaluationEvidence } from "../compliance/evidence";
import { systemContext } from "../teams/context";

// Calibration, common corruptions and OOD through the real worker and engine process on the demo CNN.

const { dir } = useTempStore();
const { startWorker, stopWorkers, waitFor } = workerPool(() => ({ DATABASE_URL: testDatabaseUrl, BULWARK_DATA_DIR: dir }));

const seeded = useSeededTeam("beyond", stopWorkers);

const input = (over: Record<string, unknown> = {}) => ({
  modelVersionId: seeded.modelVersionId, datasetVersionId: seeded.datasetVersionId, preset: "quick" as const, sampleCount: 40, seed: 5, shardSize: 20,
  linfEpsilons: [0.1, 0.3], customSuite: undefined, ...over,
});

describe("calibration, corruptions and OOD in an evaluation", () => {
  it("refuses an OOD dataset source without a dataset, naming the field, and stores nothing", async () => {
    const before = await db.evaluation.count({ where: { teamId: seeded.team.team.id } });
    await expect(createEvaluation(seeded.team.ctx("ENGINEER"), input({ ood: "dataset" }))).rejects.toMatchObject({ fieldErrors: { oodDatasetVersionId: expect.any(String) } });
    expect(await db.evaluation.count({ where: { teamId: seeded.team.team.id } })).toBe(before);
  });

  it("runs them on the worker and stores calibration clean and per budget, corruption accuracy with a gallery, and OOD scores", { timeout: 400_000 }, async () => {
    startWorker();
    const created = await createEvaluation(seeded.team.ctx("ENGINEER"), input({ corruptions: true, ood: "dataset", oodDatasetVersionId: seeded.datasetVersionId }));
    const ev = await waitFor("the evaluation to finish", async () => {
      const e = await db.evaluation.findUniqueOrThrow({ where: { id: created.id } });
      return ["COMPLETED", "FAILED", "CANCELLED"].includes(e.status) ? e : null;
    });
    expect(ev.failureReason).toBeNull();
    expect(ev.status).toBe("COMPLETED");
    const suite = AttackSuiteSchema.parse(ev.suite);
    expect(suite.corruptions).toEqual({ severities: [1, 2, 3, 4, 5] });
    // The "OOD" set is the evaluation dataset itself (its first 300 digits): the known answer is AUROC ~0.5.
    // (Synthetic OOD through the worker is the e2e journey's case.)
    expect(suite.ood).toEqual({ source: "dataset", datasetVersionId: seeded.datasetVersionId, samples: 300 });
    const m = ev.metrics as unknown as BeyondMetrics & { cleanAccuracy: number };

    expect(m.calibration!.clean.examples).toBe(40);
    expect(m.calibration!.clean.binning).toMatch(/15 equal-width bins/);
    expect(m.calibration!.clean.brier).not.toBeNull();
    expect(m.calibration!.underAttack.map((u) => `${u.attack}@${u.eps}`)).toEqual(["fgsm-linf@0.1", "fgsm-linf@0.3", "pgd-linf-10x1@0.1", "pgd-linf-10x1@0.3"]);
    // PGD at 0.3 breaks the demo CNN: accuracy drops and wrong answers come with confidence
    const pgd3 = m.calibration!.underAttack[3];
    expect(pgd3.accuracy).toBeLessThan(m.calibration!.clean.accuracy);
    expect(pgd3.nll!).toBeGreaterThan(m.calibration!.clean.nll!);

    expect(m.corruptions!.rows.map((r) => r.corruption)).toEqual(["gaussian-noise", "shot-noise", "impulse-noise", "gaussian-blur", "brightness", "contrast", "rotation", "translation", "jpeg"]);
    expect(m.corruptions!.cleanAccuracy).toBe(m.cleanAccuracy);
    for (const r of m.corruptions!.rows) expect(r.accuracy).toHaveLength(5);
    const gallery = ev.corruptionGallery as unknown as CorruptionGallery;
    expect(gallery.items).toHaveLength(45);
    expect(gallery.original).toHaveLength(28 * 28);

    // 300 OOD inputs dealt over the two shards, all scored once
    expect(m.ood!.oodExamples).toBe(300);
    expect(m.ood!.idExamples).toBe(40);
    expect(m.ood!.scores.map((s) => s.score)).toEqual(["msp", "energy"]);
    // same distribution: sd of the AUROC with 40 vs 300 inputs is about 0.05, so 0.5 +- 0.2 is 4 sd
    for (const s of m.ood!.scores) expect(Math.abs(s.auroc - 0.5)).toBeLessThan(0.2);

    // the engine measured inference cost on the backend that ran the shards, recorded in the provenance
    const inference = (ev.provenance as { inference?: { backend: string; latencyMs: number; throughputPerSecond: number }[] }).inference!;
    const shardBackends = (await db.evaluationShard.findMany({ where: { evaluationId: ev.id }, select: { backend: true } })).map((x) => x.backend!.split(" ")[0]);
    expect(inference.map((c) => c.backend)).toEqual([...new Set(shardBackends)]);
    expect(inference[0].latencyMs).toBeGreaterThan(0);

    // the REST API results carry the same metrics
    const api = await evaluationResultsApi(seeded.team.ctx("VIEWER"), ev.number);
    expect((api.metrics as unknown as BeyondMetrics).calibration!.clean.ece).toBe(m.calibration!.clean.ece);
    expect((api.metrics as unknown as BeyondMetrics).ood!.scores[0].auroc).toBe(m.ood!.scores[0].auroc);

    // the compliance evidence (read from the compact evidence column) carries the figures E13/E14 check
    const rows = await completedEvaluationEvidenceRows(systemContext(seeded.team.team.id, "job"), [seeded.modelVersionId]);
    const evEvidence = evaluationEvidence(rows.find((x) => x.id === ev.id)!, "digest", undefined);
    expect(evEvidence.beyond).toEqual({
      ece: m.calibration!.clean.ece, eceUnderAttackMax: Math.max(...m.calibration!.underAttack.map((u) => u.ece)),
      oodAuroc: m.ood!.scores[0].auroc, oodHighConfidenceShare: m.ood!.highConfidenceShare,
      corruptionAccuracy: m.corruptions!.meanAccuracy, corruptionMCE: m.corruptions!.mCE,
    });

    // and the PDF report has the section, with the numbers
    const snapshot = await buildSnapshot({
      teamId: seeded.team.team.id, now: new Date(), scope: { models: "all", frameworks: ["nist-ai-rmf"], period: { from: null, to: null } },
      report: { id: "r-test", number: 1, title: "Beyond the worst case", createdById: null, createdByLabel: "test" },
    });
    const snapEv = snapshot.evaluations.find((e) => e.number === ev.number)!;
    expect(snapEv.beyond!.corruptions!.rows).toHaveLength(9);
    const text = pdfText(await renderReportPdf(snapshot, { status: "draft" }));
    expect(text).toContain("Calibration, clean and under attack");
    expect(text).toContain("Common corruptions");
    expect(text).toContain("Out-of-distribution inputs");
    expect(text).toContain("Inference cost");
    expect(text).toContain(m.ood!.scores[0].auroc.toFixed(3));
    console.log(JSON.stringify({ clean: m.calibration!.clean.ece, pgd03: pgd3.ece, confidentWrong: pgd3.confidentWrongShare, mCE: m.corruptions!.mCE, ood: m.ood!.scores, hc: m.ood!.highConfidenceShare }));
  });
});
