import { PNG } from "pngjs";

// Small PNGs for the preview page, made once at upload (so the page never reads the tensor file).

/** Encodes sample `i` of a normalised image tensor (values in [min,max]) as a PNG, at most `maxSide` pixels a side. */
export function samplePng(x: Float32Array, i: number, shape: number[], range: { min: number; max: number }, maxSide = 64): Buffer {
  const [h, w, c] = shape.length === 3 ? shape : [shape[0], shape[1], 1];
  const step = Math.max(1, Math.ceil(Math.max(h, w) / maxSide));
  const oh = Math.ceil(h / step);
  const ow = Math.ceil(w / step);
  const png = new PNG({ width: ow, height: oh });
  const span = range.max - range.min || 1;
  const off = i * h * w * c;
  for (let y = 0; y < oh; y++) {
    for (let xx = 0; xx < ow; xx++) {
      const sy = Math.min(h - 1, y * step);
      const sx = Math.min(w - 1, xx * step);
      const p = off + (sy * w + sx) * c;
      const q = (y * ow + xx) * 4;
      const to8 = (v: number) => Math.max(0, Math.min(255, Math.round(((v - range.min) / span) * 255)));
      const r = to8(x[p]);
      png.data[q] = r;
      png.data[q + 1] = c >= 3 ? to8(x[p + 1]) : r;
      png.data[q + 2] = c >= 3 ? to8(x[p + 2]) : r;
      png.data[q + 3] = 255;
    }
  }
  return PNG.sync.write(png);
}

export type DatasetPreview =
  | { kind: "images"; samples: { index: number; label: number; png: string }[] }
  | { kind: "rows"; columns: string[]; rows: string[][] };

/** Up to `perClass` samples of each class (first ones in order), at most `max` in total. */
export function imagePreview(x: Float32Array, labels: Int32Array, shape: number[], classes: number, range: { min: number; max: number }, perClass = 4, max = 48): DatasetPreview {
  const picked: number[] = [];
  const taken = new Array<number>(classes).fill(0);
  const per = Math.max(1, Math.min(perClass, Math.floor(max / Math.max(1, classes))));
  for (let i = 0; i < labels.length && picked.length < max; i++) {
    if (taken[labels[i]] < per) {
      taken[labels[i]]++;
      picked.push(i);
    }
  }
  picked.sort((a, b) => labels[a] - labels[b] || a - b);
  return { kind: "images", samples: picked.map((i) => ({ index: i, label: labels[i], png: samplePng(x, i, shape, range).toString("base64") })) };
}
