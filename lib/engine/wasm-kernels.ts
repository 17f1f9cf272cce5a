import * as tf from "@tensorflow/tfjs";

/*
 * Gradient kernels for the WebAssembly backend (tfjs 4.22), built from the backend's own forward
 * kernels through tf ops. Why (see STACK-NOTES):
 * - Conv2DBackpropFilter is missing on wasm, and tfjs-layers' Conv2D always runs the fused conv whose
 *   gradient asks for it even when only the input gradient is wanted.
 * - wasm's MaxPoolGrad sends a tied window's gradient to the LAST maximum (TensorFlow, PyTorch and the
 *   tfjs cpu backend use the FIRST) and gives no gradient to windows whose values are all <= 0.
 * - wasm's Conv2DBackpropInput is a plain loop; the same sum computed as a forward (XNNPACK)
 *   convolution of the stride-dilated upstream gradient with the flipped filter is much faster.
 * Each kernel returns a Tensor made inside tf.tidy: the engine accepts Tensors as kernel outputs,
 * and nested ops are never recorded on the gradient tape (kernelDepth > 0).
 */

type Pad4 = { top: number; bottom: number; left: number; right: number };

/** Pad (positive) or crop (negative) the two spatial axes of an NHWC tensor. */
function padOrCrop(x: tf.Tensor4D, p: Pad4, value = 0): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  const cropTop = Math.max(0, -p.top);
  const cropLeft = Math.max(0, -p.left);
  const cropBottom = Math.max(0, -p.bottom);
  const cropRight = Math.max(0, -p.right);
  let y = x;
  if (cropTop || cropLeft || cropBottom || cropRight) {
    y = tf.slice(y, [0, cropTop, cropLeft, 0], [n, h - cropTop - cropBottom, w - cropLeft - cropRight, c]);
  }
  const pt = Math.max(0, p.top), pb = Math.max(0, p.bottom), pl = Math.max(0, p.left), pr = Math.max(0, p.right);
  if (pt || pb || pl || pr) {
    y = tf.pad(y, [[0, 0], [pt, pb], [pl, pr], [0, 0]], value);
  }
  return y;
}

/** Insert (s-1) zeros between rows/columns: [N,H,W,C] -> [N,(H-1)*sh+1,(W-1)*sw+1,C]. */
function dilate(x: tf.Tensor4D, sh: number, sw: number): tf.Tensor4D {
  if (sh === 1 && sw === 1) return x;
  const [n, h, w, c] = x.shape;
  const r = tf.reshape(x, [n, h, 1, w, 1, c]);
  const p = tf.pad(r, [[0, 0], [0, 0], [0, sh - 1], [0, 0], [0, sw - 1], [0, 0]]);
  const d = tf.reshape(p, [n, h * sh, w * sw, c]) as tf.Tensor4D;
  return tf.slice(d, [0, 0, 0, 0], [n, (h - 1) * sh + 1, (w - 1) * sw + 1, c]);
}

/**
 * Non-overlapping windows (filter == stride, the usual 2x2/2 pooling): gather each window into a last axis
 * by reshape/transpose, one-hot its first maximum (argMax), and scatter dy back the same way.
 */
function maxPoolGradNonOverlapping(dy: tf.Tensor4D, x: tf.Tensor4D, info: tf.backend_util.Conv2DInfo): tf.Tensor4D {
  return tf.tidy(() => {
    const { filterHeight: kh, filterWidth: kw, outHeight: oh, outWidth: ow } = info;
    const { top, left } = info.padInfo;
    const [n, h, w, c] = x.shape;
    const xp = padOrCrop(x, { top, left, bottom: oh * kh - h - top, right: ow * kw - w - left }, -Infinity);
    const win = tf.reshape(tf.transpose(tf.reshape(xp, [n, oh, kh, ow, kw, c]), [0, 1, 3, 5, 2, 4]), [n, oh, ow, c, kh * kw]);
    // ArgMax returns the first maximum (strict > scan), the tie rule of TensorFlow and the cpu backend;
    // the differential test with tied windows holds it to that. (A broadcast Equal is very slow on wasm.)
    const first = tf.oneHot(tf.argMax(win, 4), kh * kw).toFloat();
    const g = tf.mul(first, tf.expandDims(dy, 4));
    const back = tf.reshape(tf.transpose(tf.reshape(g, [n, oh, ow, c, kh, kw]), [0, 1, 4, 2, 5, 3]), [n, oh * kh, ow * kw, c]);
    return padOrCrop(back as tf.Tensor4D, { top: -top, left: -left, bottom: h + top - oh * kh, right: w + left - ow * kw });
  });
}

function maxPoolGradFirstTie(dy: tf.Tensor4D, x: tf.Tensor4D, info: tf.backend_util.Conv2DInfo): tf.Tensor4D {
  return tf.tidy(() => {
    const { filterHeight: fh, filterWidth: fw, strideHeight: sh, strideWidth: sw, outHeight: oh, outWidth: ow } = info;
    const { top, left } = info.padInfo;
    const [n, h, w, c] = x.shape;
    // Pad with -Infinity so padding never wins a window; big enough for every window.
    const hp = Math.max(h + top, (oh - 1) * sh + fh, oh * sh + fh - 1);
    const wp = Math.max(w + left, (ow - 1) * sw + fw, ow * sw + fw - 1);
    const xp = padOrCrop(x, { top, left, bottom: hp - h - top, right: wp - w - left }, -Infinity);
    const windows: tf.Tensor4D[] = [];
    for (let i = 0; i < fh; i++) {
      for (let j = 0; j < fw; j++) {
        windows.push(
          tf.stridedSlice(xp, [0, i, j, 0], [n, i + (oh - 1) * sh + 1, j + (ow - 1) * sw + 1, c], [1, sh, sw, 1]) as tf.Tensor4D,
        );
      }
    }
    let m = windows[0];
    for (let k = 1; k < windows.length; k++) m = tf.maximum(m, windows[k]);
    let taken = tf.zerosLike(m).cast("bool");
    let dxp: tf.Tensor4D = tf.zeros([n, hp, wp, c]);
    const zero = tf.zerosLike(dy);
    for (let i = 0; i < fh; i++) {
      for (let j = 0; j < fw; j++) {
        const win = windows[i * fw + j];
        // First maximum in row-major window order gets the gradient (as TensorFlow and cpu do).
        const hit = tf.logicalAnd(tf.equal(win, m), tf.logicalNot(taken));
        taken = tf.logicalOr(taken, hit);
        const contrib = tf.where(hit, dy, zero) as tf.Tensor4D;
        const spread = dilate(contrib, sh, sw);
        const placed = padOrCrop(spread, {
          top: i,
          left: j,
          bottom: hp - i - spread.shape[1],
          right: wp - j - spread.shape[2],
        });
        dxp = tf.add(dxp, placed);
      }
    }
    return tf.slice(dxp, [0, top, left, 0], [n, h, w, c]);
  });
}

function conv2dBackpropFilter(x: tf.Tensor4D, dy: tf.Tensor4D, filterShape: [number, number, number, number],
  info: tf.backend_util.Conv2DInfo): tf.Tensor4D {
  return tf.tidy(() => {
    const [kh, kw, ci, co] = filterShape;
    const { top, left, bottom, right } = info.padInfo;
    const xp = padOrCrop(x, { top, left, bottom, right });
    const xt = tf.transpose(xp, [3, 1, 2, 0]); // [Ci, H, W, N]: batch becomes the reduction axis
    const dyt = tf.transpose(dy, [1, 2, 0, 3]); // [oH, oW, N, Co] used as a filter
    const g = tf.conv2d(xt, dyt, [1, 1], "valid", "NHWC", [info.strideHeight, info.strideWidth]); // [Ci, KH', KW', Co]
    const gs = g.shape[1] > kh || g.shape[2] > kw ? tf.slice(g, [0, 0, 0, 0], [ci, kh, kw, co]) : g;
    return tf.transpose(gs, [1, 2, 0, 3]);
  });
}

function conv2dBackpropInputFast(dy: tf.Tensor4D, filter: tf.Tensor4D, inShape: [number, number, number, number],
  info: tf.backend_util.Conv2DInfo): tf.Tensor4D {
  return tf.tidy(() => {
    const [, h, w] = inShape;
    const [kh, kw] = filter.shape;
    const { top, left } = info.padInfo;
    const d = dilate(dy, info.strideHeight, info.strideWidth);
    // dx[h] = sum_k D[h + top - k] W[k]: a valid correlation of D, padded by kh-1-top, with the flipped filter.
    const pt = kh - 1 - top;
    const pl = kw - 1 - left;
    const pb = h + kh - 1 - pt - d.shape[1];
    const pr = w + kw - 1 - pl - d.shape[2];
    const wf = tf.transpose(tf.reverse(filter, [0, 1]), [0, 1, 3, 2]) as tf.Tensor4D; // [KH, KW, Co, Ci]
    // When the padding needed is exactly what "same" would add (stride 1, odd kernels), let the conv pad.
    const sameTop = (kh - 1) >> 1, sameLeft = (kw - 1) >> 1;
    if (d.shape[1] === h && d.shape[2] === w && pt === sameTop && pl === sameLeft && pb === kh - 1 - sameTop && pr === kw - 1 - sameLeft) {
      return tf.conv2d(d, wf, [1, 1], "same");
    }
    const dp = padOrCrop(d, { top: pt, left: pl, bottom: pb, right: pr });
    return tf.conv2d(dp, wf, [1, 1], "valid");
  });
}

let registered: string[] | null = null;
let originalConvInput: tf.KernelConfig | undefined;
let fastConvInput = true;

function replaceKernel(kernelName: string, kernelFunc: tf.KernelFunc): void {
  if (tf.getKernel(kernelName, "wasm")) tf.unregisterKernel(kernelName, "wasm");
  tf.registerKernel({ kernelName, backendName: "wasm", kernelFunc });
}

/** Register the corrected/added wasm gradient kernels once; returns their names. */
export function registerWasmGradientPatches(): string[] {
  if (registered) return registered;
  replaceKernel("MaxPoolGrad", ({ inputs, attrs }) => {
    const { dy, input } = inputs as unknown as { dy: tf.Tensor4D; input: tf.Tensor4D };
    const a = attrs as unknown as { filterSize: [number, number] | number; strides: [number, number] | number; pad: "valid" | "same" | number; dimRoundingMode?: "floor" | "round" | "ceil" };
    const info = tf.backend_util.computePool2DInfo(input.shape, a.filterSize, a.strides, 1, a.pad, a.dimRoundingMode);
    const nonOverlapping = info.filterHeight === info.strideHeight && info.filterWidth === info.strideWidth &&
      info.dilationHeight === 1 && info.dilationWidth === 1;
    return nonOverlapping ? maxPoolGradNonOverlapping(dy, input, info) : maxPoolGradFirstTie(dy, input, info);
  });
  replaceKernel("Conv2DBackpropFilter", ({ inputs, attrs }) => {
    const { x, dy } = inputs as unknown as { x: tf.Tensor4D; dy: tf.Tensor4D };
    const a = attrs as unknown as { strides: [number, number] | number; pad: "valid" | "same" | number; dataFormat: string; dimRoundingMode?: "floor" | "round" | "ceil"; filterShape: [number, number, number, number] };
    if (a.dataFormat && a.dataFormat !== "NHWC") throw new Error("Conv2DBackpropFilter (wasm patch) supports NHWC only");
    const info = tf.backend_util.computeConv2DInfo(x.shape, a.filterShape, a.strides, 1, a.pad, a.dimRoundingMode);
    return conv2dBackpropFilter(x, dy, a.filterShape, info);
  });
  originalConvInput = tf.getKernel("Conv2DBackpropInput", "wasm");
  replaceKernel("Conv2DBackpropInput", (args) => {
    if (!fastConvInput && originalConvInput) return originalConvInput.kernelFunc(args);
    const { inputs, attrs } = args;
    const { dy, filter } = inputs as unknown as { dy: tf.Tensor4D; filter: tf.Tensor4D };
    const a = attrs as unknown as { strides: [number, number] | number; pad: "valid" | "same" | number; dataFormat: string; dimRoundingMode?: "floor" | "round" | "ceil"; inputShape: [number, number, number, number] };
    if (a.dataFormat && a.dataFormat !== "NHWC") throw new Error("Conv2DBackpropInput (wasm patch) supports NHWC only");
    const info = tf.backend_util.computeConv2DInfo(a.inputShape, filter.shape, a.strides, 1, a.pad, a.dimRoundingMode);
    return conv2dBackpropInputFast(dy, filter, a.inputShape, info);
  });
  registered = ["MaxPoolGrad(first-tie, non-positive windows)", "Conv2DBackpropFilter(added)", "Conv2DBackpropInput(as forward conv)"];
  return registered;
}

/** Toggle the forward-conv Conv2DBackpropInput (the benchmark measures before/after). */
export function setWasmFastConvBackpropInput(enabled: boolean): void {
  fastConvInput = enabled;
}

/** Exposed for the differential tests: the same maths on any backend. */
export const wasmKernelMath = { maxPoolGradFirstTie, maxPoolGradNonOverlapping, conv2dBackpropFilter, conv2dBackpropInputFast };
