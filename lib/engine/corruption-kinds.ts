/*
 * The common-corruption catalogue (names, severity parameters, which apply to an input shape) without
 * TensorFlow.js, so suites, forms and reports can use it; lib/engine/corruptions.ts applies them.
 * Parameters are CIFAR-10-C's (Hendrycks & Dietterich 2019) for a [0, 1] range; rotation and translation
 * levels are our own (MNIST-C has "small affine" transforms but no severities).
 */
export const CORRUPTIONS = [
  "gaussian-noise", "shot-noise", "impulse-noise", "gaussian-blur", "brightness", "contrast", "rotation", "translation", "jpeg",
] as const;
export type Corruption = (typeof CORRUPTIONS)[number];
export const SEVERITIES = [1, 2, 3, 4, 5] as const;

/** Corruptions that need an image layout [h, w] or [h, w, c] (channels last). */
export const SPATIAL_CORRUPTIONS = new Set<Corruption>(["gaussian-blur", "rotation", "translation", "jpeg"]);

/** Parameters per severity 1..5 (index 0 = severity 1). */
export const SEVERITY_PARAMS: Record<Corruption, { param: string; values: number[] }> = {
  "gaussian-noise": { param: "noise sd (share of range)", values: [0.08, 0.12, 0.18, 0.26, 0.38] },
  "shot-noise": { param: "photons per full-range value (Poisson rate)", values: [60, 25, 12, 5, 3] },
  "impulse-noise": { param: "share of values set to min or max", values: [0.03, 0.06, 0.09, 0.17, 0.27] },
  "gaussian-blur": { param: "blur sd (pixels)", values: [0.4, 0.6, 0.7, 0.8, 1] },
  brightness: { param: "added brightness (share of range)", values: [0.05, 0.1, 0.15, 0.2, 0.3] },
  contrast: { param: "contrast factor around the image mean", values: [0.75, 0.5, 0.4, 0.3, 0.15] },
  rotation: { param: "rotation (degrees, random sign)", values: [3, 6, 9, 12, 15] },
  translation: { param: "shift (share of image size, random direction)", values: [0.04, 0.08, 0.12, 0.16, 0.2] },
  jpeg: { param: "JPEG quality (8x8 DCT quantisation)", values: [80, 65, 58, 50, 40] },
};

export const CORRUPTION_LABELS: Record<Corruption, string> = {
  "gaussian-noise": "Gaussian noise", "shot-noise": "Shot noise", "impulse-noise": "Impulse noise", "gaussian-blur": "Blur",
  brightness: "Brightness", contrast: "Contrast", rotation: "Rotation", translation: "Translation", jpeg: "JPEG quantisation",
};

/** The corruptions that make sense for an input shape (spatial ones need an image). */
export function applicableCorruptions(inputShape: number[]): Corruption[] {
  const image = imageLayout(inputShape) !== null;
  return CORRUPTIONS.filter((c) => image || !SPATIAL_CORRUPTIONS.has(c));
}

export function imageLayout(shape: number[]): { h: number; w: number; c: number } | null {
  if (shape.length === 2 && shape[0] >= 4 && shape[1] >= 4) return { h: shape[0], w: shape[1], c: 1 };
  if (shape.length === 3 && shape[0] >= 4 && shape[1] >= 4) return { h: shape[0], w: shape[1], c: shape[2] };
  return null;
}
