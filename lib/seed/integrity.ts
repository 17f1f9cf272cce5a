import { db } from "../db/client";
import { env } from "../env";
import { DEMO_TRAIN_SIZE } from "../demo/mnist";
import { loadPoisonedTrainSplit, POISON } from "../demo/poisoned";
import { seedModelVersion, seedSplit, DEMO_DATASETS, DEMO_MODEL_NAME } from "./registry";
import { createIntegrityEvaluation } from "../evaluations/integrity";
import { systemContext, type SystemContext } from "../teams/context";

// Demo content for the training-data integrity scans (issue 12): the poisoned variant of the training split
// (lib/demo/poisoned.ts) as its own dataset, and the model trained on it (demo/models/digits-cnn-poisoned,
// written by `npm run train:demo`) as its own model whose lineage points at that dataset. Idempotent.

export const DEMO_POISONED = { dataset: "mnist-demo-train-poisoned", model: "digits-cnn-poisoned", dir: "digits-cnn-poisoned" } as const;

export async function seedDemoIntegrity(scope: SystemContext, log: (m: string) => void = () => {}): Promise<{ datasetVersionId: string; modelVersionId: string | null }> {
  const teamId = scope.team.id;
  const ctx = scope;
  const p = loadPoisonedTrainSplit();
  const datasetVersionId = await seedSplit(
    ctx, DEMO_POISONED.dataset, "train", p,
    `DELIBERATELY POISONED copy of the demo training split (${DEMO_TRAIN_SIZE.toLocaleString("en")} digits), for demonstrating the training-data integrity scans: ${p.flipped.length} labels flipped (${POISON.flipShare * 100}%) and a 4x4 checkerboard trigger stamped near the bottom-right corner of ${p.triggered.length} digits (${POISON.triggerShare * 100}%) relabelled "${POISON.target}" (a BadNets backdoor). lib/demo/poisoned.ts lists the planted indices.`,
    "Planted label flips and a planted backdoor trigger (see the description). Never train a real model on it.",
  );
  const r = await seedModelVersion(ctx, DEMO_POISONED.dir, datasetVersionId, DEMO_POISONED.model, " Trained on deliberately poisoned data: it carries a live backdoor (the checkerboard trigger turns digits into \"0\").");
  if (r === "missing") {
    log(`Demo model ${DEMO_POISONED.dir} not found under demo/models; skipped.`);
    return { datasetVersionId, modelVersionId: null };
  }
  if (r === "created") log(`Registered the poisoned demo model ${DEMO_POISONED.model}.`);
  const mv = await db.modelVersion.findFirst({ where: { teamId, model: { name: DEMO_POISONED.model } }, orderBy: { version: "asc" }, select: { id: true } });
  return { datasetVersionId, modelVersionId: mv?.id ?? null };
}

/** The demo scans: a 4,000-digit subset, 3-fold cross-validation of 2 epochs (about 16,000 training passes each). */
export const DEMO_INTEGRITY_SCAN = { sampleCount: 4000, folds: 3, epochs: 2, expectedPoisonFraction: 0.1, seed: 1 } as const;

/**
 * Queues the demo's integrity scans, run by the real worker (no numbers are inserted): the poisoned model on
 * its poisoned training data and the clean digits-cnn v1 on the clean split, both with the evaluation split as
 * held-out data. Idempotent per model version.
 */
export async function seedDemoIntegrityEvaluations(scope: SystemContext, log: (m: string) => void = () => {}): Promise<void> {
  const teamId = scope.team.id;
  const heldOut = await db.datasetVersion.findFirst({ where: { teamId, dataset: { name: DEMO_DATASETS.eval } }, orderBy: { version: "asc" }, select: { id: true } });
  if (!heldOut) return;
  const scans = env().BULWARK_DEMO_SCANS;
  if (scans === "none" || !env().BULWARK_DEMO_EVALUATIONS) return;
  const targets = [
    await db.modelVersion.findFirst({ where: { teamId, model: { name: DEMO_POISONED.model }, storedAt: { not: null } }, orderBy: { version: "asc" }, select: { id: true, version: true, model: { select: { name: true } } } }),
    scans === "all" ? await db.modelVersion.findFirst({ where: { teamId, model: { name: DEMO_MODEL_NAME }, storedAt: { not: null } }, orderBy: { version: "asc" }, select: { id: true, version: true, model: { select: { name: true } } } }) : null,
  ];
  for (const mv of targets) {
    if (!mv) continue;
    if (await db.evaluation.findFirst({ where: { teamId, kind: "integrity", modelVersionId: mv.id } })) continue;
    // Below the default priority: the seeded robustness evaluations (and anything a person launches) go first.
    const e = await createIntegrityEvaluation(systemContext(teamId, "seed", "demo seed"), { kind: "integrity", modelVersionId: mv.id, heldOutDatasetVersionId: heldOut.id, ...DEMO_INTEGRITY_SCAN }, { priority: -1 });
    log(`Queued demo integrity scan #${e.number} of ${mv.model.name} v${mv.version}; the worker runs it now.`);
  }
}
