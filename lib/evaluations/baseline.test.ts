import { beforeAll, describe, expect, it } from "vitest";
import { db } from "../db/client";
import { makeTeam } from "../../test/fixtures";
import { regressionBaseline, type BaselineOf } from "./baseline";
import { compareMetrics, regressionSummary } from "./regression";
import type { EngineMetrics } from "../engine/aggregate";

// The regression baseline of a hardened version is its lineage parent's evaluation on the same basis, even when
// another version of the model was evaluated there more recently; every other version keeps "the model's newest".

type Team = Awaited<ReturnType<typeof makeTeam>>;
const ATTACKS = [{ kind: "pgd", norm: "linf", eps: [0.1], steps: 10 }];
let team: Team;
let modelId: string;
const versions: Record<number, string> = {};
let number = 0;

const metrics = (robust: number): EngineMetrics => ({
  samples: 4, cleanCorrect: 4, cleanAccuracy: 0.95, attacks: [], perClass: [], medianMinimalBreakingEps: [], curves: [], sanity: null,
  worstCase: [{ norm: "linf", eps: 0.1, robustAccuracy: robust, robust: 0 }],
});

async function evaluation(version: number, robust: number, minutesAgo: number, attacks: object[] = ATTACKS) {
  const finishedAt = new Date(Date.now() - minutesAgo * 60_000);
  return db.evaluation.create({
    data: {
      teamId: team.team.id, number: ++number, modelId, modelVersionId: versions[version]!, datasetVersionId: "digits", preset: "standard", suite: { attacks }, seed: 0, sampleCount: 4, sampleIndices: [1, 2, 3, 4],
      shardSize: 4, shardCount: 1, status: "COMPLETED", estimatedSteps: 1, createdByLabel: "test", createdAt: finishedAt, finishedAt, cleanAccuracy: 0.95, metrics: metrics(robust) as object,
    },
  });
}

const of = (version: number, id = "new"): BaselineOf => ({ id, teamId: team.team.id, modelId, modelVersionId: versions[version]!, datasetVersionId: "digits", preset: "standard", sampleIndices: [1, 2, 3, 4] });

beforeAll(async () => {
  team = await makeTeam("baseline");
  modelId = (await db.model.create({ data: { teamId: team.team.id, name: "cnn" } })).id;
  for (const v of [1, 2, 3]) {
    versions[v] = (await db.modelVersion.create({ data: { teamId: team.team.id, modelId, version: v, card: {}, riskTier: "LIMITED", owner: "o@example.test", manifestDigest: "a".repeat(64), totalBytes: 1, engineInfo: {}, storedAt: new Date() } })).id;
  }
  // v3 was hardened from v1 (v2 is an unrelated version, evaluated after v1).
  await db.hardeningRun.create({ data: { teamId: team.team.id, modelId, parentVersionId: versions[1]!, datasetVersionId: "train", params: {}, trainCount: 64, estimate: {}, status: "COMPLETED", resultVersionId: versions[3]! } });
});

describe("regressionBaseline", () => {
  it("compares a hardened version with its parent's newest evaluation on the basis, not the model's newest", async () => {
    const parentOld = await evaluation(1, 0.3, 60);
    const parentOtherSuite = await evaluation(1, 0.2, 40, [{ kind: "fgsm", norm: "linf", eps: [0.1] }]);
    const newestOfModel = await evaluation(2, 0.9, 30);
    const b = await regressionBaseline(of(3), ATTACKS);
    // The parent's evaluation under another suite is skipped for the older one under the same attacks.
    expect([b?.evaluation.id, b?.lineageParent]).toEqual([parentOld.id, { version: 1 }]);
    expect([parentOtherSuite.id, newestOfModel.id]).not.toContain(b?.evaluation.id);
    // Any other version keeps the model's newest comparable evaluation (here v2's), without a lineage parent.
    const other = await regressionBaseline(of(2, "another"), ATTACKS);
    expect([other?.evaluation.id, other?.lineageParent]).toEqual([newestOfModel.id, null]);

    // The alert's words name the parent: v3 at 50% robust after v1's 30% is no regression; after v2's 90% it would be.
    const vsParent = compareMetrics({ ...b!.evaluation, metrics: metrics(0.3), lineageParentVersion: 1 }, metrics(0.5), 2);
    expect([vsParent.regressions, vsParent.lineageParentVersion]).toEqual([[], 1]);
    const dropped = compareMetrics({ ...b!.evaluation, metrics: metrics(0.6), lineageParentVersion: 1 }, metrics(0.5), 2);
    expect(regressionSummary("cnn v3", dropped)).toMatch(new RegExp(`since evaluation #${parentOld.number} of v1, the version it was hardened from`));
  });

  it("falls back to the model's newest when the parent has nothing on the basis, and finds none across teams", async () => {
    const b = await regressionBaseline({ ...of(3), sampleIndices: [9, 9] }, ATTACKS);
    expect(b).toBeNull();
    await evaluation(2, 0.8, 5, [{ kind: "square", norm: "linf", eps: [0.1] }]);
    const otherAttacks = [{ kind: "square", norm: "linf", eps: [0.1] }];
    const fallback = await regressionBaseline(of(3), otherAttacks);
    expect(fallback?.lineageParent).toBeNull();
    expect(fallback?.evaluation.number).toBe(number);
    const stranger = await makeTeam("baseline-other");
    expect(await regressionBaseline({ ...of(3), teamId: stranger.team.id }, ATTACKS)).toBeNull();
  });
});
