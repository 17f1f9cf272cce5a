import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { db } from "../db/client";
import { verifyTeamChain } from "../audit/log";
import { loadEvidence } from "../compliance/evidence";
import { ForbiddenError, ValidationError } from "../errors";
import type { makeTeam } from "../../test/fixtures";
import { loadModelVersionForEngine } from "../registry/models";
import { loadModelFromFiles, type LoadedModel } from "../engine/model";
import { asLayersFiles } from "../engine/formats";
import { loadDemoEvalSplit, MNIST_PIXELS } from "../demo/mnist";
import { updateTeamAlertSettings } from "../evaluations/webhook";
import { addOutboundHost } from "../teams/outbound-hosts";
import { stopQueue } from "../jobs/queue";
import { createEnvironment, promoteVersion } from "./deployments";
import { acknowledgeMonitoringAlert, getReference, ingestBatch, monitoringView } from "./monitoring";
import { summariseBatch } from "./client-summary";
import { justAcross, measure, registerDemoModel, teamWithDemoEvalSet } from "./test-helpers";
import { systemContext } from "../teams/context";

// Monitoring end to end on a real database: the PGD-trained demo model deployed to production, its
// reference from the evaluation dataset, batches summarised from real digits and the real model's
// predictions; a brightness shift opens one incident per signal however many batches show it.

const BATCH = 250;

describe("monitoring: reference, batches, drift incidents", () => {
  let t: Awaited<ReturnType<typeof makeTeam>>;
  let model: LoadedModel;
  let ref: Awaited<ReturnType<typeof getReference>>;
  const split = loadDemoEvalSplit();
  let minute = 0;
  const clock = () => new Date(Date.now() + 60_000 * ++minute);

  // Production traffic is a random draw from the evaluation population (the split's own order is not:
  // consecutive MNIST digits come from the same writers, and a slice of them differs measurably).
  let seed = 12345;
  const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
  /** A batch of random digits (or shifted by `brighten` on every pixel, clipped to [0, 1]), with the model's probabilities. */
  function batch(_b: number, brighten = 0) {
    const x = new Float32Array(BATCH * MNIST_PIXELS);
    for (let i = 0; i < BATCH; i++) {
      const k = Math.floor(rand() * split.count);
      for (let j = 0; j < MNIST_PIXELS; j++) x[i * MNIST_PIXELS + j] = Math.min(1, split.images[k * MNIST_PIXELS + j]! + brighten);
    }
    const probs = tf.tidy(() => model.predictProbs(tf.tensor4d(x, [BATCH, 28, 28, 1])).dataSync() as Float32Array);
    return { environment: "production", model: "digits-cnn", ...summariseBatch(x, BATCH, MNIST_PIXELS, ref, Float32Array.from(probs)) };
  }

  beforeAll(async () => {
    const demo = await teamWithDemoEvalSet("mon");
    t = demo.team;
    const v2 = await registerDemoModel(t.ctx("ENGINEER"), "v2", undefined, t.users.ENGINEER.email);
    await measure(t.ctx("ENGINEER"), v2.modelId, v2.versionId, demo.datasetVersionId);
    await createEnvironment(t.ctx("ADMIN"), { name: "production", description: "" });
    await promoteVersion(t.ctx("REVIEWER"), { environment: "production", modelVersionId: v2.versionId, note: "" });
    await addOutboundHost(t.ctx("ADMIN"), { host: "127.0.0.1", allowPrivate: true, ports: [9] });
    await updateTeamAlertSettings(t.ctx("ADMIN"), { regressionTolerancePp: 2, webhookUrl: "http://127.0.0.1:9/hook" });
    model = await loadModelFromFiles(asLayersFiles((await loadModelVersionForEngine(systemContext(t.team.id, "job"), v2.versionId)).files));
    ref = await getReference(t.ctx("ENGINEER"), { model: "digits-cnn", environment: "production" });
    return async () => {
      model.dispose();
      await stopQueue();
    };
  }, 300_000);

  it("the reference is the evaluation dataset's statistics on fixed bin edges", () => {
    expect(ref.features.kind).toBe("image-statistics");
    expect(ref.features.items.map((f) => f.name)).toEqual(["mean", "std", "high-share"]);
    for (const f of ref.features.items) expect(f.edges.length).toBeGreaterThanOrEqual(5);
    expect(ref.classLabels).toHaveLength(10);
    expect(ref.evaluation).toBe(1);
  });

  it("refuses a batch that does not fit the reference, naming the field, and a read-only token", async () => {
    const good = batch(0);
    const err = await ingestBatch(t.ctx("ENGINEER"), { ...good, inputs: { ...good.inputs, mean: { ...good.inputs.mean!, counts: [1, 2] } } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).fieldErrors).toHaveProperty(["inputs.mean.counts"]);
    await expect(ingestBatch(t.ctx("VIEWER"), good)).rejects.toBeInstanceOf(ForbiddenError);
    expect(await db.monitoringBatch.count()).toBe(0);
  });

  it("clean traffic raises nothing; a drift raises one alert per signal per incident, not one per batch", async () => {
    for (let b = 0; b < 4; b++) {
      const r = await ingestBatch(t.ctx("ENGINEER"), batch(b), clock());
      expect(r.opened, `clean batch ${b}: ${JSON.stringify(r.scores)}`).toEqual([]);
      // A 250-input batch's PSI wobbles by chance (about (B − 1)/n ≈ 0.04 expected); no statistic is both over the PSI threshold and significant by KS.
      expect(r.scores.signals["input-drift"]).toBeNull();
      for (const f of r.scores.inputs) expect(f.psi).toBeLessThan(0.25);
    }
    const first = await ingestBatch(t.ctx("ENGINEER"), batch(4, 0.3), clock());
    expect(first.opened.length).toBeGreaterThanOrEqual(1);
    const drift = first.scores.inputs.find((f) => f.name === "mean")!;
    expect(drift.psi).toBeGreaterThan(0.25);
    expect(drift.pValue).toBeLessThan(1e-6);
    for (let b = 5; b < 8; b++) {
      const r = await ingestBatch(t.ctx("ENGINEER"), batch(b, 0.3), clock());
      expect(r.opened).toEqual([]);
      expect(r.updated.sort()).toEqual([...first.opened].sort());
    }
    const alerts = await db.monitoringAlert.findMany({ where: { teamId: t.team.id } });
    expect(alerts).toHaveLength(first.opened.length);
    const input = alerts.find((a) => a.signal === "input-drift")!;
    expect(input).toMatchObject({ severity: "critical", batchCount: 4, resolvedAt: null });
    expect(await db.auditEvent.count({ where: { teamId: t.team.id, action: "monitoring.alert.open" } })).toBe(first.opened.length);
    const jobs = await db.$queryRaw<{ n: bigint }[]>`SELECT count(*) AS n FROM pgboss.job WHERE name = 'webhook-deliver' AND data->>'event' = 'monitoring.alert.opened' AND data->>'teamId' = ${t.team.id}`;
    expect(Number(jobs[0]!.n)).toBe(first.opened.length);

    // A reviewer acknowledges; an engineer may not.
    await expect(acknowledgeMonitoringAlert(t.ctx("ENGINEER"), { alertId: input.id, note: "looking" })).rejects.toBeInstanceOf(ForbiddenError);
    const acked = await acknowledgeMonitoringAlert(t.ctx("REVIEWER"), { alertId: input.id, note: "Scanner brightness changed; rollback requested" });
    expect(acked.acknowledgedByLabel).toBe(t.users.REVIEWER.email);

    // Three clean batches (the policy's default) resolve the incident; a new drift is a new incident.
    const resolved: string[] = [];
    for (let b = 8; b < 11; b++) resolved.push(...(await ingestBatch(t.ctx("ENGINEER"), batch(b), clock())).resolved);
    expect(resolved.sort()).toEqual([...first.opened].sort());
    const again = await ingestBatch(t.ctx("ENGINEER"), batch(11, 0.3), clock());
    expect(again.opened).toContain((await db.monitoringAlert.findFirstOrThrow({ where: { teamId: t.team.id, signal: "input-drift", resolvedAt: null } })).id);
    expect(await db.monitoringAlert.count({ where: { teamId: t.team.id, signal: "input-drift" } })).toBe(2);

    const view = await monitoringView(t.ctx("VIEWER"), input.modelId, input.environmentId);
    expect(view.batches).toHaveLength(12);
    expect(view.alerts.filter((a) => a.resolvedAt === null).length).toBe(again.opened.length);
    // The status engine sees the deployment and its monitoring (evidence E8, E10): an open incident was acknowledged above, the new one is not.
    const ev = await loadEvidence(systemContext(t.team.id, "job"));
    const prod = ev.models[0]!.operations!.environments[0]!;
    expect(prod).toMatchObject({ environment: "production", version: 1, gatePassed: true, batches: 12 });
    expect(prod.openAlerts.some((a) => a.signal === "input-drift" && !a.acknowledged)).toBe(true);
    expect((await verifyTeamChain(systemContext(t.team.id, "job"))).intact).toBe(true);
  });

  it("raw samples feed the attack-pattern signal: natural digits pass, inputs pushed just across a boundary open an alert; samples are not stored", async () => {
    const n = 40;
    const pick = () => {
      const x = new Float32Array(n * MNIST_PIXELS);
      for (let i = 0; i < n; i++) {
        const k = Math.floor(rand() * split.count);
        x.set(split.images.subarray(k * MNIST_PIXELS, (k + 1) * MNIST_PIXELS), i * MNIST_PIXELS);
      }
      return x;
    };
    const rows = (x: Float32Array) => Array.from({ length: n }, (_, i) => Array.from(x.subarray(i * MNIST_PIXELS, (i + 1) * MNIST_PIXELS)));
    const bad = await ingestBatch(t.ctx("ENGINEER"), { ...batch(20), samples: [[0.5, 0.5]] }).catch((e: unknown) => e);
    expect((bad as ValidationError).fieldErrors).toMatchObject({ samples: "sample 0 has 2 values; the model takes 784" });
    const clean = await ingestBatch(t.ctx("ENGINEER"), { ...batch(21), samples: rows(pick()) }, clock());
    expect(clean.scores.attack!.tested).toBe(n);
    expect(clean.scores.signals["attack-pattern"]).toBeNull();
    const crafted = await ingestBatch(t.ctx("ENGINEER"), { ...batch(22), samples: rows(justAcross(model, pick(), n)) }, clock());
    // The deployed model is the PGD-trained one: 40 steps of 0.01 do not push every digit across, and only those pushed across are near a boundary.
    expect(crafted.scores.attack!.share).toBeGreaterThan(0.3);
    expect(clean.scores.attack!.share).toBeLessThan(0.2);
    expect(["warning", "critical"]).toContain(crafted.scores.signals["attack-pattern"]);
    const alert = await db.monitoringAlert.findFirstOrThrow({ where: { teamId: t.team.id, signal: "attack-pattern" } });
    expect(crafted.opened).toContain(alert.id);
    expect(alert.summary).toMatch(/raw samples \(\d+%\) sit next to a decision boundary/);
    const stored = await db.monitoringBatch.findUniqueOrThrow({ where: { id: crafted.batchId } });
    expect(stored).toMatchObject({ sampleCount: n, samples: null });
  });
});
