import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db } from "../db/client";
import { stopQueue } from "../jobs/queue";
import { makeTeam } from "../../test/fixtures";
import { testDatabaseUrl } from "../../test/db-per-file";
import { workerPool } from "../../test/workers";
import { useTempStore } from "../registry/test-helpers";
import { seedDemoRegistry, DEMO_DATASETS } from "../seed/registry";
import { NotFoundError, ValidationError } from "../errors";
import { CreateAnyEvaluationSchema } from "./schemas";
import { createEvaluationOfKind } from "./create";
import { getEvaluation, listEvaluations } from "./manage";
import { evaluationForApi } from "./api-view";
import { evaluationResultsApi } from "../api/views";
import { completedEvaluationEvidenceRows, loadEvidence } from "../compliance/evidence";
import { computeControlStatuses } from "../compliance/engine";
import { getCatalog } from "../compliance/catalog";
import { DEFAULT_CROSSWALK } from "../compliance/crosswalk";
import { defaultPolicy } from "../compliance/policy";
import { gateForVersion } from "../operations/gate-check";
import type { PrivacyMetrics } from "./privacy";
import { buildSnapshot } from "../reports/snapshot";
import { renderReportPdf } from "../reports/pdf";
import { pdfText } from "../reports/test-helpers";
import { systemContext } from "../teams/context";

// A privacy (membership-inference) evaluation of the demo CNN through the real queue, worker and engine
// process: members from its training split (the card's lineage), non-members from the evaluation split.
// Small on purpose (100 + 100 examples, 2 reference models × 1 epoch on 400 digits).

const { dir } = useTempStore();
const { startWorker, stopWorkers, waitFor } = workerPool(() => ({ DATABASE_URL: testDatabaseUrl, BULWARK_DATA_DIR: dir }));

let team: Awaited<ReturnType<typeof makeTeam>>;
let other: Awaited<ReturnType<typeof makeTeam>>;
let v1: { id: string; modelId: string; riskTier: string; manifestDigest: string };
let v2: { id: string; modelId: string; riskTier: string; manifestDigest: string; card: unknown };
let evalSplit: string;
let trainSplit: string;

beforeAll(async () => {
  team = await makeTeam("privacy");
  other = await makeTeam("privacy-other");
  await seedDemoRegistry(systemContext(team.team.id, "seed"));
  v1 = await db.modelVersion.findFirstOrThrow({ where: { teamId: team.team.id }, orderBy: { version: "asc" } });
  // The model's current version (what the controls and the gate read): v2, also trained on the training split.
  v2 = await db.modelVersion.findFirstOrThrow({ where: { teamId: team.team.id, version: 2 } });
  // The card's training-privacy claim (issue 12), stated before the version is evaluated (then it is immutable).
  await db.modelVersion.update({ where: { id: v2.id }, data: { card: { ...(v2.card as object), trainingPrivacy: { differentialPrivacy: "no" } } } });
  evalSplit = (await db.datasetVersion.findFirstOrThrow({ where: { teamId: team.team.id, dataset: { name: DEMO_DATASETS.eval } } })).id;
  trainSplit = (await db.datasetVersion.findFirstOrThrow({ where: { teamId: team.team.id, dataset: { name: DEMO_DATASETS.train } } })).id;
}, 600_000);

afterAll(async () => {
  await stopWorkers();
  await stopQueue();
});

const input = (over: Record<string, unknown> = {}) =>
  CreateAnyEvaluationSchema.parse({ kind: "privacy", modelVersionId: v2.id, nonMemberDatasetVersionId: evalSplit, samplesPerSet: "100", referenceModels: "2", referenceEpochs: "1", referenceTrainSize: "400", seed: "3", ...over });

describe("privacy evaluation", () => {
  it("refuses, naming the field and storing nothing: no member set, the same set twice, another team's records", async () => {
    const before = await db.evaluation.count();
    // A version whose card names no training data, and no member set given.
    const full = await db.modelVersion.findUniqueOrThrow({ where: { id: v1.id } });
    const card = { ...(full.card as Record<string, unknown>) };
    delete card.trainingDatasetVersionId;
    await db.modelVersion.update({ where: { id: v1.id }, data: { card: card as object } });
    await expect(createEvaluationOfKind(team.ctx("ENGINEER"), input({ modelVersionId: v1.id }))).rejects.toMatchObject({ fieldErrors: { memberDatasetVersionId: expect.stringMatching(/card links none/) } });
    await db.modelVersion.update({ where: { id: v1.id }, data: { card: full.card as object } });
    await expect(createEvaluationOfKind(team.ctx("ENGINEER"), input({ memberDatasetVersionId: evalSplit }))).rejects.toMatchObject({ fieldErrors: { nonMemberDatasetVersionId: expect.any(String) } });
    // Cross-team: the other team can neither evaluate our model nor use our datasets.
    await expect(createEvaluationOfKind(other.ctx("ENGINEER"), input())).rejects.toThrow(NotFoundError);
    // A viewer cannot launch.
    await expect(createEvaluationOfKind(team.ctx("VIEWER"), input())).rejects.toThrow();
    expect(await db.evaluation.count()).toBe(before);
    // One reference model cannot fit LiRA's Gaussian: refused by the schema, named.
    const one = CreateAnyEvaluationSchema.safeParse({ kind: "privacy", modelVersionId: v2.id, nonMemberDatasetVersionId: evalSplit, referenceModels: "1" });
    expect(one.error?.issues.map((i) => i.path.join("."))).toEqual(["referenceModels"]);
    void ValidationError;
  });

  it("runs on the worker: metrics with intervals, honest low-FPR figures, E7 evidence, never robustness evidence", { timeout: 240_000 }, async () => {
    startWorker();
    const t0 = Date.now();
    const created = await createEvaluationOfKind(team.ctx("ENGINEER"), input());
    expect(created.privacyCost).toMatchObject({ referenceModels: 2, epochs: 1, trainSize: 400, exampleEpochs: 800 });
    expect(created.privacyCost!.summary).toMatch(/2 reference models × 1 epochs × 400 examples/);
    expect(created.warnings.join(" ")).toMatch(/0.1% false positives cannot be resolved/);
    const ev = await waitFor("the privacy evaluation to finish", async () => {
      const e = await db.evaluation.findUniqueOrThrow({ where: { id: created.id } });
      return ["COMPLETED", "FAILED", "CANCELLED"].includes(e.status) ? e : null;
    });
    const seconds = (Date.now() - t0) / 1000;
    expect(ev.failureReason).toBeNull();
    expect(ev.status).toBe("COMPLETED");
    expect(ev.kind).toBe("privacy");
    expect(ev.shardCount).toBe(3);
    const m = ev.metrics as unknown as PrivacyMetrics;
    expect(m.members).toBe(100);
    expect(m.nonMembers).toBe(100);
    expect(m.attacks.map((a) => a.attack)).toEqual(["loss", "confidence", "entropy", "modified-entropy", "lira-offline"]);
    for (const a of m.attacks) {
      expect(a.auc).toBeGreaterThanOrEqual(0);
      expect(a.auc).toBeLessThanOrEqual(1);
      expect(a.aucCi.low).toBeLessThanOrEqual(a.auc);
      expect(a.aucCi.high).toBeGreaterThanOrEqual(a.auc);
      expect(a.tprAt[0]).toMatchObject({ fpr: 0.01, resolvable: true });
      expect(a.tprAt[1]).toMatchObject({ fpr: 0.001, resolvable: false, tpr: null, nonMembersNeeded: 1000 });
      expect(a.perClass.map((p) => p.label)).toEqual(["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"]);
    }
    expect(m.lira).toMatchObject({ referenceModels: 2, epochs: 1, trainSize: 400 });
    expect(m.headline.tprAt01).toBeNull();
    expect(m.reading).toMatch(/not resolvable with 100 held-out records/);
    // The demo CNN v2 (8,000 training digits, adversarially trained) generalises well: leakage is small.
    expect(m.headline.auc).toBeLessThan(0.75);
    console.log(`[privacy] demo v2, 100+100, 2 refs x 1 epoch x 400: ${m.attacks.map((a) => `${a.attack} ${a.auc.toFixed(3)} [${a.aucCi.low.toFixed(3)}, ${a.aucCi.high.toFixed(3)}]`).join("; ")}; acc ${m.accuracy.members.toFixed(3)}/${m.accuracy.nonMembers.toFixed(3)}; ${seconds.toFixed(1)} s`);

    // Evidence: E7 only. The robustness evidence never sees it.
    expect(await completedEvaluationEvidenceRows(systemContext(team.team.id, "job"), [v2.id])).toEqual([]);
    const evidence = await loadEvidence(systemContext(team.team.id, "job"));
    const mine = evidence.models.find((x) => x.versionId === v2.id)!;
    expect(mine.evaluations).toEqual([]);
    expect(mine.privacy).toHaveLength(1);
    expect(mine.privacy![0]).toMatchObject({ number: ev.number, members: 100, nonMembers: 100, tprAt01Fpr: null, lira: true });
    const s = computeControlStatuses(defaultPolicy(), getCatalog(), DEFAULT_CROSSWALK, evidence).find((x) => x.control === "nist-ai-rmf:MEASURE 2.10" && x.modelId === v2.modelId)!;
    expect(s.findings.find((f) => f.evidence === "E7")!.outcome).not.toBe("missing");
    const gate = await gateForVersion(systemContext(team.team.id, "job"), v2);
    expect(gate.verdict.checks.some((c) => c.id.startsWith("privacy:"))).toBe(true);

    // Reads: ours yes (list, API with kind), the other team's no.
    expect((await listEvaluations(team.ctx("VIEWER"), { page: 1, kind: "privacy" })).rows.map((r) => r.number)).toEqual([ev.number]);
    expect((await evaluationForApi(team.ctx("VIEWER"), ev.number)).kind).toBe("privacy");
    const results = await evaluationResultsApi(team.ctx("VIEWER"), ev.number);
    expect(results).toMatchObject({ kind: "privacy", metrics: { members: 100 } });
    await expect(getEvaluation(other.ctx("ADMIN"), ev.number)).rejects.toThrow(NotFoundError);
    await expect(evaluationResultsApi(other.ctx("ADMIN"), ev.number)).rejects.toThrow(NotFoundError);
    expect((await listEvaluations(other.ctx("ADMIN"), { page: 1, kind: "privacy" })).rows).toEqual([]);
    const audit = await db.auditEvent.findMany({ where: { teamId: team.team.id, subjectId: ev.id }, select: { action: true } });
    expect(audit.map((a) => a.action).sort()).toEqual(["evaluation.complete", "evaluation.create"]);
    void trainSplit;

    // The audit report: the card's claim (recorded at measurement) next to the measurement, per attack with intervals.
    const snapshot = await buildSnapshot({
      teamId: team.team.id, now: new Date(), scope: { models: "all", frameworks: ["nist-ai-rmf"], period: { from: null, to: null } },
      report: { id: "r-test", number: 1, title: "Privacy", createdById: null, createdByLabel: "test" },
    });
    const snap = snapshot.models.find((x) => x.versionId === v2.id)!.privacy!;
    expect(snap).toMatchObject({ number: ev.number, members: 100, nonMembers: 100, attacks: expect.any(Array) });
    expect(snap.attacks[0]!.tpr01).toBeNull();
    const text = pdfText(await renderReportPdf(snapshot, { status: "draft" }));
    expect(text).toContain("membership inference (evaluation");
    expect(text).toContain("not resolvable with 100"); // the table cell wraps before "non-members"
    expect(text).toContain("Trained without differential privacy");
  });
});
