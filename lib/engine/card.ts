import { z } from "zod";

/** What the engine needs of a model card; the registry's card schema embeds or extends this. */
export const InputRangeSchema = z
  .object({ min: z.number().finite(), max: z.number().finite() })
  .refine((r) => r.max > r.min, { message: "inputRange.max must be greater than inputRange.min" });

/** Model input = raw * scale + offset; raw values live in inputRange (where epsilons are measured). */
export const PreprocessingSchema = z.union([
  z.literal("none"),
  z.null(),
  z.object({ scale: z.number().finite().optional(), offset: z.number().finite().optional() }),
]);

/** How the model takes an image: channels last (the dataset's own layout) or first (PyTorch). ONNX models only. */
export const InputLayoutSchema = z.enum(["NHWC", "NCHW"]);

/**
 * Per-channel normalisation applied after scale/offset, inside the differentiated function: (x - mean) / std.
 * One value, or one per channel (the last dimension of the card's input shape). ONNX models only.
 */
export const NormalizationSchema = z
  .object({ mean: z.array(z.number().finite()).min(1).max(4096), std: z.array(z.number().finite().positive()).min(1).max(4096) })
  .refine((n) => n.mean.length === n.std.length, { message: "normalization.mean and normalization.std need the same number of values" });

export const EngineCardSchema = z.object({
  /** Shape of one input, without the batch dimension, channels last, e.g. [28, 28, 1]. */
  inputShape: z.array(z.number().int().positive()).min(1),
  inputRange: InputRangeSchema,
  preprocessing: PreprocessingSchema.optional(),
  classLabels: z.array(z.string().min(1)).min(2),
  inputLayout: InputLayoutSchema.optional(),
  normalization: NormalizationSchema.optional(),
  /** Values for an ONNX model's named dynamic input dimensions other than the batch, e.g. { height: 32 }. */
  dimensions: z.record(z.string().min(1).max(64), z.number().int().positive()).optional(),
});

export type InputRange = z.infer<typeof InputRangeSchema>;
export type Preprocessing = z.infer<typeof PreprocessingSchema>;
export type EngineCard = z.infer<typeof EngineCardSchema>;
export type InputLayout = z.infer<typeof InputLayoutSchema>;
export type Normalization = z.infer<typeof NormalizationSchema>;

/** Resolve the preprocessing to (scale, offset), identity when absent. */
export function preprocessingOf(card: Pick<EngineCard, "preprocessing">): { scale: number; offset: number } {
  const p = card.preprocessing;
  if (!p || p === "none") return { scale: 1, offset: 0 };
  return { scale: p.scale ?? 1, offset: p.offset ?? 0 };
}
