import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db } from "../db/client";
import { stopQueue } from "../jobs/queue";
import { makeTeam } from "../../test/fixtures";
import { stage, useTempStore } from "../registry/test-helpers";
import { registerModelVersion } from "../registry/models";
import { loadEngineModel } from "../registry/ensembles";
import { loadDatasetForEngine } from "../registry/datasets";
import { initEngineBackend } from "../engine/backend";
import { runShard } from "../engine/shard";
import { cleanAccuracyWarning } from "../engine/clean-accuracy";
import type { ReliabilityReport } from "../engine/reliability";
import { gateForVersion } from "../operations/gate-check";
import { registerDemoEvalSet } from "../operations/test-helpers";
import { createEvaluation } from "./create";
import { aggregateEvaluation, runShardJob, type ShardExecutor } from "./run";
import { isRobustnessTask, toShardOutput } from "./shard-io";
import { evaluationForApi } from "./api-view";
import { systemContext } from "../teams/context";

// The user's case end to end: the demo digits CNN with a Rescaling(1/255) first layer, registered (confirmed)
// with a 0..1 card, evaluated, aggregated. The stored result must carry the preprocessing-mismatch flag, the
// API must say so, and the release gate must not take the evaluation as evidence. Database, queue, registry,
// engine and aggregate step are real; the shard runs in this process instead of a worker's engine process.

useTempStore();
let team: Awaited<ReturnType<typeof makeTeam>>;
let datasetVersionId: string;

/** The demo v1 model.json with `Rescaling(1/255)` put in front of its first layer. */
async function rescaledDemoModel(): Promise<Buffer> {
  const json = JSON.parse(await readFile(join(process.cwd(), "demo/models/digits-cnn-v1/model.json"), "utf8"));
  const layers = json.modelTopology.config.layers as { class_name: string; config: Record<string, unknown> }[];
  const shape = layers[0]!.config.batch_input_shape;
  delete layers[0]!.config.batch_input_shape;
  layers.unshift({ class_name: "Rescaling", config: { name: "rescaling", trainable: true, dtype: "float32", batch_input_shape: shape, scale: 1 / 255, offset: 0 } });
  return Buffer.from(JSON.stringify(json));
}

/** Runs a robustness shard in this process, as workers/shard-process.ts does in its own. */
const inProcess: ShardExecutor = async (task) => {
  if (!isRobustnessTask(task)) throw new Error("robustness shards only");
  const backend = await initEngineBackend(task.backend);
  const loaded = await loadEngineModel(systemContext(task.teamId, "job"), task.modelVersionId);
  const ds = await loadDatasetForEngine(systemContext(task.teamId, "job"), task.datasetVersionId);
  const size = ds.sampleShape.reduce((a, b) => a * b, 1);
  const x = new Float32Array(task.datasetIndices.length * size);
  const labels = new Int32Array(task.datasetIndices.length);
  task.datasetIndices.forEach((di, i) => {
    x.set(ds.x.subarray(di * size, (di + 1) * size), i * size);
    labels[i] = task.labelMap[ds.labels[di]!]!;
  });
  try {
    const card = loaded.engineCard;
    const result = await runShard({ model: loaded.model, card, samples: { x, shape: [labels.length, ...card.inputShape], labels, indices: task.datasetIndices }, suite: task.suite, seed: task.seed, backend });
    return toShardOutput(result);
  } finally {
    loaded.dispose();
  }
};

beforeAll(async () => {
  team = await makeTeam("mismatch");
  datasetVersionId = (await registerDemoEvalSet(team.ctx("ENGINEER"))).versionId;
}, 600_000);

afterAll(() => stopQueue());

describe("a mis-specified model, registered anyway and evaluated", () => {
  it("is stored as a likely preprocessing mismatch: verdict unreliable, the API warns, the gate refuses it as evidence", { timeout: 180_000 }, async () => {
    const ctx = team.ctx("ENGINEER");
    const staged = await stage([{ name: "model.json", data: await rescaledDemoModel() }, { name: "weights.bin", data: await readFile(join(process.cwd(), "demo/models/digits-cnn-v1/weights.bin")) }]);
    const card = {
      task: "image-classification", inputShape: "28,28,1", "inputRange.min": "0", "inputRange.max": "1", classLabels: "0,1,2,3,4,5,6,7,8,9",
      intendedUse: "Reading handwritten digits", outOfScopeUse: "Decisions about people", riskTier: "minimal", owner: team.users.ENGINEER.email, "trainingMethod.kind": "standard",
    };
    let versionId: string;
    try {
      // Refused at upload without the confirmation (the layer and the card's range named) …
      const refused = await registerModelVersion(ctx, { name: "digits-rescaled", card, files: staged.files }, staged.staging).catch((e: unknown) => e as Error);
      expect((refused as Error).message).toMatch(/Rescaling "rescaling" \(scale 0\.003922 \(1\/255\), offset 0\).*the card's input range is 0\.\.1/);
      // … registered when the uploader insists.
      versionId = (await registerModelVersion(ctx, { name: "digits-rescaled", card, files: staged.files, confirmInputScale: true }, staged.staging)).versionId;
    } finally {
      await staged.staging.dispose();
    }

    const ev = await createEvaluation(ctx, { modelVersionId: versionId, datasetVersionId, preset: "quick", sampleCount: 100, seed: 3, shardSize: 100, linfEpsilons: [0.1], customSuite: undefined });
    const [shard] = await db.evaluationShard.findMany({ where: { evaluationId: ev.id } });
    expect(await runShardJob({ teamId: team.team.id, evaluationId: ev.id, shardId: shard!.id }, { workerId: "test", retryCount: 0, retryLimit: 0 }, inProcess)).toBe("done");
    expect(await aggregateEvaluation({ teamId: team.team.id, evaluationId: ev.id })).toBe("completed");

    const stored = await db.evaluation.findUniqueOrThrow({ where: { id: ev.id } });
    const reliability = stored.reliability as unknown as ReliabilityReport;
    expect(stored.status).toBe("COMPLETED");
    // The CNN sees inputs 255 times too small: it answers (nearly) one class whatever the digit.
    expect(stored.cleanAccuracy!).toBeLessThan(0.3);
    expect(stored.verdict).toBe("unreliable");
    const check = reliability.checks.find((c) => c.id === "clean-accuracy")!;
    expect(check.status).toBe("fail");
    expect(check.explanation).toMatch(/preprocessing mismatch/);
    expect(cleanAccuracyWarning(reliability)?.headline).toBe("Likely preprocessing mismatch: these figures are not a robustness result");

    const api = await evaluationForApi(team.ctx("VIEWER"), stored.number);
    expect(api.results?.cleanAccuracyWarning).toMatchObject({ status: "fail", headline: expect.stringMatching(/Likely preprocessing mismatch/) });
    expect(api.results?.reliability).toMatchObject({ verdict: "unreliable", label: "Evaluation checks failed" });

    const version = await db.modelVersion.findUniqueOrThrow({ where: { id: versionId } });
    // Minimal risk: its policy asks for one attack on 100 samples, so this evaluation decides the gate.
    const gate = await gateForVersion(systemContext(team.team.id, "job"), version);
    expect(gate.verdict.pass).toBe(false);
    expect(gate.verdict.checks.find((c) => c.id === "reliability")).toMatchObject({ outcome: "fail", detail: expect.stringMatching(/Clean accuracy is clearly above chance/) });
  });
});
