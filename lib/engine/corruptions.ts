/*
 * Common corruptions after Hendrycks & Dietterich 2019 ("Benchmarking Neural Network Robustness to Common
 * Corruptions and Perturbations"), on tensors of raw inputs in the card's value range. Severity parameters
 * are those of CIFAR-10-C (small images), expressed for a [0, 1] range and scaled to the card's range width;
 * rotation and translation (not in CIFAR-10-C) follow MNIST-C's "small affine" idea with our own levels.
 * Every output is clipped to the value range, severity 0 is the identity, and randomness is keyed by
 * (seed, example index, corruption, severity), so results do not depend on sharding or batching.
 */
import * as tf from "@tensorflow/tfjs";
import type { InputRange } from "./card";
import { createRng } from "./rng";

import { CORRUPTIONS, SEVERITY_PARAMS, SPATIAL_CORRUPTIONS, imageLayout, type Corruption } from "./corruption-kinds";

export { CORRUPTIONS, SEVERITIES, SEVERITY_PARAMS, CORRUPTION_LABELS, applicableCorruptions, type Corruption } from "./corruption-kinds";

export interface CorruptOptions {
  corruption: Corruption;
  /** 0 (identity) to 5. */
  severity: number;
  range: InputRange;
  seed: number | string;
  /** Global example index of each row of x (keys the randomness). */
  indices: number[];
}

/** Apply one corruption at one severity to a batch x [n, ...inputShape]; returns a new tensor (caller disposes). */
export async function corruptBatch(x: tf.Tensor, o: CorruptOptions): Promise<tf.Tensor> {
  const { corruption, severity, range } = o;
  if (!CORRUPTIONS.includes(corruption)) throw new Error(`unknown corruption "${corruption}"`);
  if (!Number.isInteger(severity) || severity < 0 || severity > 5) throw new Error(`severity must be an integer 0..5, got ${severity}`);
  const n = x.shape[0];
  if (o.indices.length !== n) throw new Error(`indices has ${o.indices.length} entries for a batch of ${n}`);
  if (severity === 0) return tf.clone(x);
  const shape = x.shape.slice(1);
  const img = imageLayout(shape);
  if (SPATIAL_CORRUPTIONS.has(corruption) && !img) throw new Error(`corruption ${corruption} needs an image input shape [h, w] or [h, w, c]; got [${shape.join(", ")}]`);
  const p = SEVERITY_PARAMS[corruption].values[severity - 1];
  const w = range.max - range.min;
  const d = shape.reduce((a, b) => a * b, 1);
  const rngOf = (i: number) => createRng(o.seed, o.indices[i], `corruption|${corruption}|${severity}`);
  const clip = (t: tf.Tensor) => tf.clipByValue(t, range.min, range.max);

  switch (corruption) {
    case "gaussian-noise": {
      const noise = new Float32Array(n * d);
      for (let i = 0; i < n; i++) {
        const rng = rngOf(i);
        for (let j = 0; j < d; j++) noise[i * d + j] = rng.normal() * p * w;
      }
      return tf.tidy(() => clip(tf.add(x, tf.tensor(noise, x.shape))));
    }
    case "shot-noise": {
      // Poisson photon counts: value v in [0, 1] becomes Poisson(v * rate) / rate (Knuth's method; rate <= 60 keeps exp(-mean) > 0).
      const data = (await x.data()) as Float32Array;
      const out = new Float32Array(n * d);
      for (let i = 0; i < n; i++) {
        const rng = rngOf(i);
        for (let j = 0; j < d; j++) {
          const v = (data[i * d + j] - range.min) / w;
          const limit = Math.exp(-Math.max(0, v) * p);
          let k = -1, prod = 1;
          do { k++; prod *= rng.next(); } while (prod > limit);
          out[i * d + j] = range.min + w * (k / p);
        }
      }
      return tf.tidy(() => clip(tf.tensor(out, x.shape)));
    }
    case "impulse-noise": {
      const data = (await x.data()) as Float32Array;
      const out = Float32Array.from(data);
      for (let i = 0; i < n; i++) {
        const rng = rngOf(i);
        for (let j = 0; j < d; j++) {
          const u = rng.next(), salt = rng.next() < 0.5;
          if (u < p) out[i * d + j] = salt ? range.max : range.min;
        }
      }
      return tf.tensor(out, x.shape);
    }
    case "brightness":
      return tf.tidy(() => clip(tf.add(x, p * w)));
    case "contrast":
      // Per image: (x - mean) * c + mean, the mean over all pixels and channels as in the reference code.
      return tf.tidy(() => {
        const flat = tf.reshape(x, [n, d]);
        const m = tf.mean(flat, 1, true);
        return clip(tf.reshape(tf.add(tf.mul(tf.sub(flat, m), p), m), x.shape));
      });
    case "gaussian-blur":
      return tf.tidy(() => {
        const { h, w: wd, c } = img!;
        const radius = Math.min(Math.ceil(3 * p), h - 1, wd - 1);
        const k1 = Array.from({ length: 2 * radius + 1 }, (_, t) => Math.exp(-((t - radius) ** 2) / (2 * p * p)));
        const s = k1.reduce((a, b) => a + b, 0);
        const k = k1.map((v) => v / s);
        const x4 = tf.reshape(x, [n, h, wd, c]) as tf.Tensor4D;
        // Reflect the border (as scipy's gaussian_filter) so the image edge does not darken.
        const padded = tf.mirrorPad(x4, [[0, 0], [radius, radius], [radius, radius], [0, 0]], "symmetric");
        const kv = tf.tile(tf.reshape(tf.tensor1d(k), [2 * radius + 1, 1, 1, 1]), [1, 1, c, 1]) as tf.Tensor4D;
        const kh = tf.tile(tf.reshape(tf.tensor1d(k), [1, 2 * radius + 1, 1, 1]), [1, 1, c, 1]) as tf.Tensor4D;
        const blurred = tf.depthwiseConv2d(tf.depthwiseConv2d(padded, kv, 1, "valid"), kh, 1, "valid");
        return clip(tf.reshape(blurred, x.shape));
      });
    case "rotation":
    case "translation": {
      // Resampled here rather than with tf.image.transform: the native backend has no Transform kernel,
      // and tfjs 4.22's cpu kernel misplaced images after the first of a batch.
      const data = (await x.data()) as Float32Array;
      const out = new Float32Array(n * d);
      for (let i = 0; i < n; i++) {
        const rng = rngOf(i);
        let map: (ox: number, oy: number) => [number, number];
        if (corruption === "rotation") {
          // each output pixel samples the input rotated back about the image centre
          const a = rng.sign() * (p * Math.PI) / 180;
          const cx = (img!.w - 1) / 2, cy = (img!.h - 1) / 2, cos = Math.cos(a), sin = Math.sin(a);
          map = (ox, oy) => [cos * (ox - cx) - sin * (oy - cy) + cx, sin * (ox - cx) + cos * (oy - cy) + cy];
        } else {
          const shift = Math.max(1, Math.round(p * Math.min(img!.h, img!.w)));
          const dir = rng.int(4); // right, left, down, up
          const dx = dir === 0 ? shift : dir === 1 ? -shift : 0;
          const dy = dir === 2 ? shift : dir === 3 ? -shift : 0;
          map = (ox, oy) => [ox - dx, oy - dy];
        }
        resample(data, out, i * d, img!, map);
      }
      return tf.tensor(out, x.shape);
    }
    case "jpeg": {
      const data = (await x.data()) as Float32Array;
      const out = jpegLike(data, n, img!, p, range);
      return tf.tensor(out, x.shape);
    }
  }
}

/**
 * Bilinear resampling of one image: output pixel (ox, oy) takes the input at map(ox, oy). Coordinates outside
 * the image are clamped to the border (pixels entering from outside repeat the nearest edge pixel), so no
 * value outside the image's own range appears.
 */
function resample(src: Float32Array, dst: Float32Array, o: number, img: { h: number; w: number; c: number }, map: (ox: number, oy: number) => [number, number]) {
  const { h, w, c } = img;
  const at = (y: number, x: number, ch: number) => src[o + (Math.min(h - 1, Math.max(0, y)) * w + Math.min(w - 1, Math.max(0, x))) * c + ch];
  for (let oy = 0; oy < h; oy++) for (let ox = 0; ox < w; ox++) {
    const [sx, sy] = map(ox, oy);
    const x0 = Math.floor(sx), y0 = Math.floor(sy), fx = sx - x0, fy = sy - y0;
    for (let ch = 0; ch < c; ch++) {
      const top = at(y0, x0, ch) * (1 - fx) + at(y0, x0 + 1, ch) * fx;
      const bottom = at(y0 + 1, x0, ch) * (1 - fx) + at(y0 + 1, x0 + 1, ch) * fx;
      dst[o + (oy * w + ox) * c + ch] = top * (1 - fy) + bottom * fy;
    }
  }
}

/** Standard JPEG luminance quantisation table (ITU-T T.81 Annex K), row-major 8x8. */
const LUMA_Q = [
  16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56, 14, 17, 22, 29, 51, 87, 80, 62,
  18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92, 49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
];

/** The table scaled to a quality 1..100 as in the IJG library. */
export function jpegQuantTable(quality: number): number[] {
  const q = Math.min(100, Math.max(1, quality));
  const scale = q < 50 ? 5000 / q : 200 - 2 * q;
  return LUMA_Q.map((t) => Math.min(255, Math.max(1, Math.floor((t * scale + 50) / 100))));
}

const DCT_COS = Array.from({ length: 8 }, (_, u) => Array.from({ length: 8 }, (_, x) => Math.cos(((2 * x + 1) * u * Math.PI) / 16)));
const alpha = (u: number) => (u === 0 ? Math.SQRT1_2 : 1);

/**
 * JPEG's lossy step on each channel separately: 8-bit levels, 8x8 DCT, quantisation with the luminance table
 * at the given quality, inverse DCT, rounding to 8-bit. No chroma subsampling (channels are not converted
 * to YCbCr); entropy coding is lossless and therefore left out.
 */
function jpegLike(data: Float32Array, n: number, img: { h: number; w: number; c: number }, quality: number, range: InputRange): Float32Array {
  const { h, w, c } = img;
  const qt = jpegQuantTable(quality);
  const width = range.max - range.min;
  const out = new Float32Array(data.length);
  const block = new Float64Array(64), coef = new Float64Array(64);
  const d = h * w * c;
  for (let i = 0; i < n; i++) for (let ch = 0; ch < c; ch++) {
    // edge pixels repeat into the partial blocks at the right and bottom, as encoders pad
    const at = (y: number, x: number) => data[i * d + (Math.min(y, h - 1) * w + Math.min(x, w - 1)) * c + ch];
    for (let by = 0; by < h; by += 8) for (let bx = 0; bx < w; bx += 8) {
      for (let y = 0; y < 8; y++) for (let x = 0; x < 8; x++) {
        block[y * 8 + x] = Math.round(((at(by + y, bx + x) - range.min) / width) * 255) - 128;
      }
      for (let v = 0; v < 8; v++) for (let u = 0; u < 8; u++) {
        let s = 0;
        for (let y = 0; y < 8; y++) for (let x = 0; x < 8; x++) s += block[y * 8 + x] * DCT_COS[u][x] * DCT_COS[v][y];
        const f = 0.25 * alpha(u) * alpha(v) * s;
        coef[v * 8 + u] = Math.round(f / qt[v * 8 + u]) * qt[v * 8 + u];
      }
      for (let y = 0; y < 8 && by + y < h; y++) for (let x = 0; x < 8 && bx + x < w; x++) {
        let s = 0;
        for (let v = 0; v < 8; v++) for (let u = 0; u < 8; u++) s += alpha(u) * alpha(v) * coef[v * 8 + u] * DCT_COS[u][x] * DCT_COS[v][y];
        const level = Math.min(255, Math.max(0, Math.round(0.25 * s + 128)));
        out[i * d + ((by + y) * w + bx + x) * c + ch] = range.min + (level / 255) * width;
      }
    }
  }
  return out;
}
