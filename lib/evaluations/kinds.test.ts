import { describe, expect, it } from "vitest";
import { db, type Prisma } from "../db/client";
import { makeTeam } from "../../test/fixtures";
import { fieldErrorsFromZod, ValidationError } from "../errors";
import { ApiCreateEvaluationSchema } from "../api/operations";
import { CreateAnyEvaluationSchema } from "./schemas";
import { KINDS } from "./kinds";
import { createEvaluationOfKind } from "./create";
import { listEvaluations } from "./manage";
import { completedEvaluationEvidenceRows, completedKindEvidenceRows } from "../compliance/evidence";
import { systemContext } from "../teams/context";

// Evaluation kinds (lib/evaluations/kinds.ts): the config schema is chosen by kind (absent = robustness),
// kinds that are not built are refused before anything is stored, lists filter by kind, and the compact
// evidence of a non-robustness evaluation never reaches the robustness evidence (E1/E2).

const json = (v: unknown) => JSON.parse(JSON.stringify(v)) as Prisma.InputJsonValue;

describe("evaluation kinds: config schemas", () => {
  it("reads an input without a kind as a robustness evaluation, exactly as before", () => {
    const r = CreateAnyEvaluationSchema.parse({ modelVersionId: "m", datasetVersionId: "d", preset: "quick", sampleCount: "100" });
    expect(r.kind ?? "robustness").toBe("robustness");
    expect(r).toMatchObject({ modelVersionId: "m", datasetVersionId: "d", preset: "quick", sampleCount: 100, seed: 0, shardSize: 200 });
    const api = ApiCreateEvaluationSchema.parse({ model: "digits@1", dataset: "eval@1", preset: "standard" });
    expect(api).toMatchObject({ preset: "standard", sampleCount: "all" });
  });

  it("names the privacy fields that need attention", () => {
    const bad = CreateAnyEvaluationSchema.safeParse({ kind: "privacy", modelVersionId: "m", nonMemberDatasetVersionId: "", samplesPerSet: "5", referenceModels: "40" });
    expect(bad.success).toBe(false);
    const errors = fieldErrorsFromZod(bad.error!.issues);
    expect(Object.keys(errors).sort()).toEqual(["nonMemberDatasetVersionId", "referenceModels", "samplesPerSet"]);
    expect(errors.referenceModels).toMatch(/At most 16/);
    const ok = CreateAnyEvaluationSchema.parse({ kind: "privacy", modelVersionId: "m", nonMemberDatasetVersionId: "n", memberDatasetVersionId: "" });
    expect(ok).toMatchObject({ kind: "privacy", samplesPerSet: 500, referenceModels: 4, seed: 0 });
    expect((ok as { memberDatasetVersionId?: string }).memberDatasetVersionId).toBeUndefined();
    const api = ApiCreateEvaluationSchema.safeParse({ kind: "privacy", model: "digits@1" });
    expect(fieldErrorsFromZod(api.error!.issues)).toHaveProperty("nonMemberDataset");
  });

  it("refuses an unknown kind with a clear message", () => {
    const r = CreateAnyEvaluationSchema.safeParse({ kind: "fairness", modelVersionId: "m" });
    expect(r.success).toBe(false);
    expect(r.error!.issues[0]!.message).toBe("The kind is one of robustness, privacy, integrity");
  });
});

describe("evaluation kinds: creation, lists and evidence", () => {
  it("refuses a kind that is not available yet and stores nothing", async () => {
    const { ctx, team } = await makeTeam("kinds");
    // Every kind is built now; the refusal path is exercised by marking one unavailable for this test.
    const saved = { ...KINDS.privacy };
    Object.assign(KINDS.privacy, { available: false, unavailableReason: "Privacy (membership-inference) evaluations are not available yet." });
    try {
      const input = CreateAnyEvaluationSchema.parse({ kind: "privacy", modelVersionId: "whatever", nonMemberDatasetVersionId: "whatever" });
      await expect(createEvaluationOfKind(ctx("ENGINEER"), input)).rejects.toThrow(ValidationError);
      await expect(createEvaluationOfKind(ctx("ENGINEER"), input)).rejects.toThrow(/not available yet/);
    } finally {
      Object.assign(KINDS.privacy, saved);
    }
    expect(KINDS.privacy.available).toBe(true);
    expect(await db.evaluation.count({ where: { teamId: team.id } })).toBe(0);
    expect(await db.auditEvent.count({ where: { teamId: team.id, action: "evaluation.create" } })).toBe(0);
  });

  it("lists the kind, filters by it, and keeps a privacy evaluation out of the robustness evidence", async () => {
    const { ctx, team } = await makeTeam("kinds");
    const base = {
      teamId: team.id, modelId: "model-x", modelVersionId: "version-x", datasetVersionId: "dataset-x", preset: "custom", seed: 0, sampleCount: 40,
      sampleIndices: [], shardSize: 40, shardCount: 1, shardsDone: 1, status: "COMPLETED" as const, estimatedSteps: 1, createdByLabel: "test",
      startedAt: new Date("2026-11-01T10:00:00Z"), finishedAt: new Date("2026-11-01T10:05:00Z"), reliability: json({ verdict: "reliable", reasons: [] }), verdict: "reliable",
    };
    // A robustness run and a privacy run of the same version, both with a worst case in their metrics:
    // only the robustness one may ever be read as attack evidence.
    await db.evaluation.create({ data: { ...base, number: 1, suite: json({ attacks: [{ kind: "pgd", norm: "linf", steps: 10, restarts: 1, id: "pgd" }] }), metrics: json({ samples: 40, cleanAccuracy: 0.9, worstCase: [{ norm: "linf", eps: 0.1, robustAccuracy: 0.5 }], attacks: [{ attack: "pgd", family: "iterative", norm: "linf" }] }) } });
    await db.evaluation.create({
      data: {
        ...base, number: 2, kind: "privacy", suite: json({ attacks: [{ kind: "pgd", norm: "linf", steps: 10, restarts: 1, id: "pgd" }] }),
        metrics: json({ samples: 40, cleanAccuracy: 0.9, worstCase: [{ norm: "linf", eps: 0.1, robustAccuracy: 0.99 }], perClass: [1, 2, 3], evidence: { auc: 0.62, members: 20, nonMembers: 20 } }),
      },
    });
    const robust = await completedEvaluationEvidenceRows(systemContext(team.id, "job"), ["version-x"]);
    expect(robust.map((r) => r.number)).toEqual([1]);
    const privacy = await completedKindEvidenceRows(systemContext(team.id, "job"), "privacy", ["version-x"]);
    expect(privacy).toHaveLength(1);
    expect(privacy[0]).toMatchObject({ number: 2, kind: "privacy", evidence: { auc: 0.62, members: 20, nonMembers: 20 } });
    // The compact copy of the privacy row holds its evidence object only, tagged with the kind.
    const stored = (await db.evaluation.findFirstOrThrow({ where: { teamId: team.id, number: 2 } })).evidence as Record<string, unknown>;
    expect(stored.kind).toBe("privacy");
    expect(JSON.stringify(stored)).not.toContain("worstCase");
    expect(((await db.evaluation.findFirstOrThrow({ where: { teamId: team.id, number: 1 } })).evidence as Record<string, unknown>).kind).toBe("robustness");
    // Another team sees neither.
    const other = await makeTeam("kinds");
    expect(await completedKindEvidenceRows(systemContext(other.team.id, "job"), "privacy", ["version-x"])).toEqual([]);

    const all = await listEvaluations(ctx("VIEWER"), { page: 1 });
    expect(all.rows.map((r) => [r.number, r.kind])).toEqual([[2, "privacy"], [1, "robustness"]]);
    expect(all.rows[0]!.headline).toEqual({ auc: 0.62, members: 20, nonMembers: 20 });
    const onlyPrivacy = await listEvaluations(ctx("VIEWER"), { page: 1, kind: "privacy" });
    expect(onlyPrivacy.rows.map((r) => r.number)).toEqual([2]);
    expect(onlyPrivacy.total).toBe(1);
    expect((await listEvaluations(other.ctx("VIEWER"), { page: 1, kind: "privacy" })).rows).toEqual([]);
  });
});
