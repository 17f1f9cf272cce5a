import { PNG } from "pngjs";

// Gallery pixels (in the model's input range) -> a PNG, upscaled with nearest-neighbour so viewers do
// not blur a 28×28 digit. Deterministic: the same pixels always give the same bytes.

export function pixelsToPng(pixels: number[], shape: number[], range: { min: number; max: number }, upscale = 4): Buffer {
  const [h, w, c = 1] = shape.length === 2 ? [shape[0]!, shape[1]!, 1] : [shape[0]!, shape[1]!, shape[2] ?? 1];
  const span = range.max - range.min || 1;
  const png = new PNG({ width: w * upscale, height: h * upscale, colorType: 2, inputHasAlpha: false });
  const toByte = (v: number) => Math.max(0, Math.min(255, Math.round(((v - range.min) / span) * 255)));
  for (let y = 0; y < h * upscale; y++) {
    for (let x = 0; x < w * upscale; x++) {
      const sy = Math.floor(y / upscale);
      const sx = Math.floor(x / upscale);
      const base = (sy * w + sx) * c;
      const r = toByte(pixels[base] ?? 0);
      const g = c >= 3 ? toByte(pixels[base + 1] ?? 0) : r;
      const b = c >= 3 ? toByte(pixels[base + 2] ?? 0) : r;
      const o = (y * w * upscale + x) * 4;
      png.data[o] = r;
      png.data[o + 1] = g;
      png.data[o + 2] = b;
      png.data[o + 3] = 255;
    }
  }
  return PNG.sync.write(png, { colorType: 2 });
}

/** True when the gallery item can be drawn as an image (an image model: height × width [× 1 or 3]). */
export function isImageShape(shape: number[]): boolean {
  return (shape.length === 2 || (shape.length === 3 && (shape[2] === 1 || shape[2] === 3))) && shape[0]! >= 4 && shape[1]! >= 4 && shape[0]! * shape[1]! <= 256 * 256;
}
