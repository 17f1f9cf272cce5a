"use client";

import { useEffect, useRef } from "react";

// Inputs as pictures: draw an [H, W, C] array (values in `range`) on a canvas, let a person draw a digit, or turn an
// uploaded image into the model's input. Everything stays in the browser.

type Range = { min: number; max: number };

function dims(shape: number[]): { h: number; w: number; c: number } {
  return { h: shape[0], w: shape[1], c: shape.length === 3 ? shape[2] : 1 };
}

/** One input as a picture, scaled up with square pixels. */
export function ImageView({ x, shape, range, label }: { x: Float32Array; shape: number[]; range: Range; label: string }) {
  const ref = useRef<HTMLCanvasElement>(null);
  const { h, w, c } = dims(shape);
  useEffect(() => {
    const ctx = ref.current?.getContext("2d");
    if (!ctx) return;
    const img = ctx.createImageData(w, h);
    const span = range.max - range.min || 1;
    const to8 = (v: number) => Math.max(0, Math.min(255, Math.round(((v - range.min) / span) * 255)));
    for (let p = 0; p < h * w; p++) {
      const r = to8(x[p * c]);
      img.data[p * 4] = r;
      img.data[p * 4 + 1] = c >= 3 ? to8(x[p * c + 1]) : r;
      img.data[p * 4 + 2] = c >= 3 ? to8(x[p * c + 2]) : r;
      img.data[p * 4 + 3] = 255;
    }
    ctx.putImageData(img, 0, 0);
  }, [x, h, w, c, range.min, range.max]);
  return <canvas ref={ref} width={w} height={h} role="img" aria-label={label} className="aspect-square w-full rounded border border-slate-200 [image-rendering:pixelated]" />;
}

/** Reads the pixels of a canvas of the input's size into the card's range (grey: channel average). */
function canvasToInput(ctx: CanvasRenderingContext2D, shape: number[], range: Range): Float32Array {
  const { h, w, c } = dims(shape);
  const data = ctx.getImageData(0, 0, w, h).data;
  const out = new Float32Array(h * w * c);
  const span = range.max - range.min;
  for (let p = 0; p < h * w; p++) {
    if (c >= 3) for (let k = 0; k < 3; k++) out[p * c + k] = range.min + (data[p * 4 + k] / 255) * span;
    else out[p] = range.min + ((data[p * 4] + data[p * 4 + 1] + data[p * 4 + 2]) / 3 / 255) * span;
  }
  return out;
}

/** An uploaded image resized to the input's height and width. */
export async function imageFileToInput(file: File, shape: number[], range: Range): Promise<Float32Array> {
  const { h, w } = dims(shape);
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(file);
  } catch {
    throw new Error(`${file.name} is not an image this browser can read (PNG, JPEG, WebP or GIF).`);
  }
  const canvas = document.createElement("canvas");
  canvas.width = w;
  canvas.height = h;
  const ctx = canvas.getContext("2d", { willReadFrequently: true })!;
  ctx.drawImage(bitmap, 0, 0, w, h);
  bitmap.close();
  return canvasToInput(ctx, shape, range);
}

const PAD = 280;

/** Paints the pad dark; false when the canvas is not there. */
function blank(canvas: HTMLCanvasElement | null): boolean {
  const ctx = canvas?.getContext("2d");
  if (!ctx) return false;
  ctx.fillStyle = "#000";
  ctx.fillRect(0, 0, PAD, PAD);
  return true;
}

/** A square pad to draw a light digit on a dark background (MNIST's convention), read at the input's size. */
export function DrawPad({ shape, range, onChange }: { shape: number[]; range: Range; onChange: (x: Float32Array | null) => void }) {
  const ref = useRef<HTMLCanvasElement>(null);
  const drawing = useRef(false);
  const { h, w } = dims(shape);
  // The pad starts dark (choosing "Draw" already cleared the explorer's input).
  useEffect(() => {
    blank(ref.current);
  }, []);
  function clear() {
    if (!blank(ref.current)) return;
    onChange(null);
  }
  function point(e: React.PointerEvent<HTMLCanvasElement>) {
    const r = e.currentTarget.getBoundingClientRect();
    return { x: ((e.clientX - r.left) / r.width) * PAD, y: ((e.clientY - r.top) / r.height) * PAD };
  }
  function stroke(e: React.PointerEvent<HTMLCanvasElement>) {
    if (!drawing.current) return;
    const ctx = ref.current!.getContext("2d")!;
    const p = point(e);
    ctx.fillStyle = "#fff";
    ctx.beginPath();
    ctx.arc(p.x, p.y, PAD / 14, 0, Math.PI * 2);
    ctx.fill();
  }
  function finish() {
    if (!drawing.current) return;
    drawing.current = false;
    const small = document.createElement("canvas");
    small.width = w;
    small.height = h;
    const ctx = small.getContext("2d", { willReadFrequently: true })!;
    ctx.imageSmoothingQuality = "high";
    ctx.drawImage(ref.current!, 0, 0, w, h);
    onChange(canvasToInput(ctx, shape, range));
  }
  return (
    <div className="space-y-1">
      <canvas
        ref={ref} width={PAD} height={PAD} role="img" aria-label="Drawing pad: draw with a mouse, pen or finger"
        className="aspect-square w-full max-w-[280px] touch-none rounded border border-slate-300"
        onPointerDown={(e) => { drawing.current = true; e.currentTarget.setPointerCapture(e.pointerId); stroke(e); }}
        onPointerMove={stroke} onPointerUp={finish} onPointerCancel={finish}
      />
      <button type="button" className="text-sm text-brand-700 hover:underline" onClick={clear}>Clear the pad</button>
      <p className="text-xs text-slate-500">Drawing needs a pointer; with a keyboard, pick a dataset example or upload an image instead.</p>
    </div>
  );
}
