import { describe, expect, it } from "vitest";
import { db, type Prisma } from "../db/client";
import { makeTeam } from "../../test/fixtures";
import { completedEvaluationEvidenceRows, evaluationEvidence } from "./evidence";
import { systemContext } from "../teams/context";

// The compact `evidence` column (issue 10) is kept by a database trigger from the full JSON columns. The
// status engine must see exactly the same evidence whether it reads the compact column or the full row.

const json = (v: unknown) => JSON.parse(JSON.stringify(v)) as Prisma.InputJsonValue;

/** Full columns shaped like the worker's, with the bulky parts the engine never reads. */
function fullColumns(robust = 0.41) {
  const worstCase = [
    { norm: "linf", eps: 0.1, robustAccuracy: robust, attack: "pgd-linf-10x1" },
    { norm: "linf", eps: 0.3, robustAccuracy: 0.02, attack: "pgd-linf-10x1" },
  ];
  return {
    suite: { name: "s", preset: "custom", attacks: [{ kind: "pgd", norm: "linf", steps: 10, restarts: 1, id: "pgd-linf-10x1" }, { kind: "noise", norm: "linf", distribution: "uniform", draws: 5 }], epsilons: { linf: [0.1, 0.3], l2: [] } },
    metrics: {
      samples: 300, cleanAccuracy: 0.97, worstCase,
      attacks: [
        { attack: "pgd-linf-10x1", family: "iterative", norm: "linf", points: [{ eps: 0.1, robustAccuracy: robust }], perClass: Array.from({ length: 10 }, (_, k) => ({ label: String(k), accuracy: 0.9 })) },
        { attack: "noise-linf-uniform", family: "noise", norm: "linf", points: [{ eps: 0.1, robustAccuracy: 0.96 }] },
      ],
      perClass: Array.from({ length: 10 }, (_, k) => ({ label: String(k), clean: 0.97, robust: 0.4 })),
      curves: Array.from({ length: 40 }, (_, k) => ({ eps: k / 100, acc: 1 - k / 40 })),
    },
    reliability: { verdict: "questionable", reasons: ["Noise breaks 3 digits that PGD does not."], checks: Array.from({ length: 8 }, (_, k) => ({ id: `c${k}`, status: "pass", detail: "x".repeat(200) })) },
    provenance: { engine: { backend: "wasm", tfjsVersion: "4.22.0" }, backends: ["wasm"], workers: ["host:1"], shards: [{ index: 0, durationMs: 10 }], gradientStats: [{ examples: 300 }] },
  };
}

async function insertEvaluation(teamId: string, number: number, cols: ReturnType<typeof fullColumns>, over: Partial<Prisma.EvaluationUncheckedCreateInput> = {}) {
  return db.evaluation.create({
    data: {
      teamId, number, modelId: "model-x", modelVersionId: "version-x", datasetVersionId: "dataset-x", preset: "custom", suite: json(cols.suite), seed: 0,
      sampleCount: 300, sampleIndices: [1, 2, 3], shardSize: 300, shardCount: 1, shardsDone: 1, status: "COMPLETED", estimatedSteps: 1,
      createdByLabel: "test", startedAt: new Date("2026-11-01T10:00:00Z"), finishedAt: new Date("2026-11-01T10:05:00Z"),
      metrics: json(cols.metrics), reliability: json(cols.reliability), verdict: cols.reliability.verdict, cleanAccuracy: cols.metrics.cleanAccuracy, provenance: json(cols.provenance),
      ...over,
    },
  });
}

const dataset = { label: "digits v1", digest: "d".repeat(64), datasetId: "ds" };

describe("compact evaluation evidence kept by the database", () => {
  it("gives the status engine the same evidence as the full row, and holds only the small parts", async () => {
    const { team } = await makeTeam("evidence");
    await insertEvaluation(team.id, 1, fullColumns());
    const full = await db.evaluation.findFirstOrThrow({ where: { teamId: team.id, number: 1 } });
    const [compact] = await completedEvaluationEvidenceRows(systemContext(team.id, "job"), ["version-x"]);
    expect(evaluationEvidence(compact!, "m".repeat(64), dataset)).toEqual(evaluationEvidence(full, "m".repeat(64), dataset));
    expect(evaluationEvidence(compact!, "m", dataset).attacks).toEqual([
      { id: "pgd-linf-10x1", family: "iterative", norm: "linf" },
      { id: "noise-linf-uniform", family: "noise", norm: "linf" },
    ]);
    // The bulky parts stay out of the compact copy.
    const stored = JSON.stringify(full.evidence);
    for (const bulky of ["perClass", "curves", "checks", "gradientStats", "tfjsVersion"]) expect(stored).not.toContain(bulky);
    expect(stored.length).toBeLessThan(JSON.stringify(full.metrics).length / 2);
  });

  it("follows every change of the full columns and cannot be written directly", async () => {
    const { team } = await makeTeam("evidence");
    const ev = await insertEvaluation(team.id, 1, fullColumns(0.41));
    await db.evaluation.update({ where: { id: ev.id }, data: { metrics: json(fullColumns(0.12).metrics) } });
    let [row] = await completedEvaluationEvidenceRows(systemContext(team.id, "job"), ["version-x"]);
    expect(evaluationEvidence(row!, "m", dataset).worstCase[0]!.robustAccuracy).toBe(0.12);
    // A forged compact copy is replaced by the one computed from the full columns.
    await db.evaluation.update({ where: { id: ev.id }, data: { evidence: json({ metrics: { worstCase: [{ norm: "linf", eps: 0.1, robustAccuracy: 1 }] } }) } });
    [row] = await completedEvaluationEvidenceRows(systemContext(team.id, "job"), ["version-x"]);
    expect(evaluationEvidence(row!, "m", dataset).worstCase[0]!.robustAccuracy).toBe(0.12);
    // Not yet aggregated: no metrics, no compact copy.
    const queued = await insertEvaluation(team.id, 2, fullColumns(), { status: "QUEUED", metrics: undefined, reliability: undefined, provenance: undefined });
    expect((await db.evaluation.findUniqueOrThrow({ where: { id: queued.id } })).evidence).toBeNull();
  });

  it("reads an older metrics shape (no attacks list) the same way, from the suite", async () => {
    const { team } = await makeTeam("evidence");
    const cols = fullColumns();
    const { attacks: _dropped, ...older } = cols.metrics;
    await insertEvaluation(team.id, 1, { ...cols, metrics: older as typeof cols.metrics });
    const full = await db.evaluation.findFirstOrThrow({ where: { teamId: team.id, number: 1 } });
    const [compact] = await completedEvaluationEvidenceRows(systemContext(team.id, "job"), ["version-x"]);
    const e = evaluationEvidence(compact!, "m", dataset);
    expect(e).toEqual(evaluationEvidence(full, "m", dataset));
    expect(e.attacks.map((a) => a.id)).toEqual(["pgd-linf-10x1", "noise-1"]);
  });

  it("is scoped to the team", async () => {
    const a = await makeTeam("evidence");
    const b = await makeTeam("evidence");
    await insertEvaluation(a.team.id, 1, fullColumns());
    expect(await completedEvaluationEvidenceRows(systemContext(b.team.id, "job"), ["version-x"])).toEqual([]);
  });
});
