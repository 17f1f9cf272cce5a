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

export const EngineCardSchema = z.object({
  /** Shape of one input, without the batch dimension, e.g. [28, 28, 1]. */
  inputShape: z.array(z.number().int().positive()).min(1),
  inputRange: InputRangeSchema,
  preprocessing: PreprocessingSchema.optional(),
  classLabels: z.array(z.string().min(1)).min(2),
});

export type InputRange = z.infer<typeof InputRangeSchema>;
export type Preprocessing = z.infer<typeof PreprocessingSchema>;
export type EngineCard = z.infer<typeof EngineCardSchema>;

/** Resolve the preprocessing to (scale, offset), identity when absent. */
export function preprocessingOf(card: Pick<EngineCard, "preprocessing">): { scale: number; offset: number } {
  const p = card.preprocessing;
  if (!p || p === "none") return { scale: 1, offset: 0 };
  return { scale: p.scale ?? 1, offset: p.offset ?? 0 };
}
