import { z } from "zod";
import { CORRUPTIONS } from "../corruption-kinds";

// What a hardening run is asked to do, validated by the API, the form and the worker. No TensorFlow here: the
// web process parses these without loading the engine (lib/engine/training/harden.ts runs them).

export const HARDENING_METHODS = ["pgd-at", "trades", "augment"] as const;
export type HardeningMethod = (typeof HARDENING_METHODS)[number];

export const HardeningParamsSchema = z
  .object({
    method: z.enum(HARDENING_METHODS),
    /** Linf budget of the training attack (pgd-at, trades) and of the validation attack, in the input's value units. */
    eps: z.number().positive().max(1e6),
    /** Attack steps per training example (pgd-at, trades) and of the validation attack. */
    steps: z.number().int().min(1).max(100),
    /** Absolute attack step size; default 2.5 * eps / steps. */
    stepSize: z.number().positive().max(1e6).optional(),
    /** TRADES' trade-off between clean fit and smoothness. */
    beta: z.number().min(0).max(100).default(6),
    /** augment: the corruptions drawn from (besides Gaussian noise), at this severity. */
    corruptions: z.array(z.enum(CORRUPTIONS)).max(CORRUPTIONS.length).default([]),
    severity: z.number().int().min(1).max(5).default(3),
    /** augment: standard deviation of the Gaussian noise, as a share of the value range. */
    noiseStd: z.number().min(0).max(1).default(0.1),
    epochs: z.number().int().min(1).max(200),
    learningRate: z.number().positive().max(1),
    batchSize: z.number().int().min(1).max(1024),
    seed: z.number().int().min(0).max(2 ** 31 - 1),
    /** Share of the training examples held out for early stopping on robust accuracy (0: none). */
    validationShare: z.number().min(0).max(0.5).default(0),
    /** Stop after this many epochs without a better validation robust accuracy. */
    patience: z.number().int().min(1).max(100).default(2),
  })
  .strict();
export type HardeningParams = z.output<typeof HardeningParamsSchema>;
