import * as tf from "@tensorflow/tfjs";

/*
 * Gradient kernels for the WebAssembly backend (tfjs 4.22), built from the backend's own forward
 * kernels through tf ops. Why (see STACK-NOTES):
 * - Conv2DBackpropFilter is missing on wasm, and tfjs-layers' Conv2D always runs the fused conv whose
 *   gradient asks for it even when only the input gradient is wanted.
 * - wasm's MaxPoolGrad sends a tied window's gradient to the LAST maximum (TensorFlow, PyTorch and the
 *   tfjs cpu backend use the FIRST) and gives no gradient to windows whose values are all <= 0.
 * - DepthwiseConv2dNativeBackpropInput/Filter are missing on wasm (MobileNet-style models could not be attacked).
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

/**
 * Input gradient of a depthwise convolution (filter [KH,KW,C,M], dy channel c*M+j), per channel the same sum
 * as conv2dBackpropInputFast: a stride-dilated dy, padded, correlated with the flipped filter, as a forward
 * depthwise convolution. One depthwise conv per multiplier j (M is 1 in almost every model).
 */
function depthwiseBackpropInput(dy: tf.Tensor4D, filter: tf.Tensor4D, inShape: [number, number, number, number],
  info: tf.backend_util.Conv2DInfo): tf.Tensor4D {
  return tf.tidy(() => {
    const [, h, w, c] = inShape;
    const [kh, kw, , m] = filter.shape;
    const { top, left } = info.padInfo;
    const d = dilate(dy, info.strideHeight, info.strideWidth);
    const pt = kh - 1 - top;
    const pl = kw - 1 - left;
    const dp = padOrCrop(d, { top: pt, left: pl, bottom: h + kh - 1 - pt - d.shape[1], right: w + kw - 1 - pl - d.shape[2] });
    const wf = tf.reverse(filter, [0, 1]) as tf.Tensor4D;
    if (m === 1) return tf.depthwiseConv2d(dp, wf, 1, "valid");
    const [n, hp, wp] = dp.shape;
    const d5 = tf.reshape(dp, [n, hp, wp, c, m]);
    let dx: tf.Tensor4D | null = null;
    for (let j = 0; j < m; j++) {
      const dj = tf.reshape(tf.slice(d5, [0, 0, 0, 0, j], [n, hp, wp, c, 1]), [n, hp, wp, c]) as tf.Tensor4D;
      const wj = tf.slice(wf, [0, 0, 0, j], [kh, kw, c, 1]);
      const part = tf.depthwiseConv2d(dj, wj, 1, "valid");
      dx = dx ? (tf.add(dx, part) as tf.Tensor4D) : part;
    }
    return dx!;
  });
}

/**
 * Filter gradient of a depthwise convolution: dW[a,b,c,j] = sum over n,oh,ow of xpad[n, a+oh*sh, b+ow*sw, c] *
 * dy[n,oh,ow,c*M+j]. Putting (channel, batch) pairs on the channel axis makes it one forward depthwise conv of
 * the padded input (batch 1) with dy as the filter, dilated by the strides; then a sum over the batch.
 */
function depthwiseBackpropFilter(x: tf.Tensor4D, dy: tf.Tensor4D, filterShape: [number, number, number, number],
  info: tf.backend_util.Conv2DInfo): tf.Tensor4D {
  return tf.tidy(() => {
    const [kh, kw, c, m] = filterShape;
    const [n] = x.shape;
    const [, oh, ow] = dy.shape;
    const { top, left, bottom, right } = info.padInfo;
    const xp = padOrCrop(x, { top, left, bottom, right });
    const [, hp, wp] = xp.shape;
    const xt = tf.reshape(tf.transpose(xp, [1, 2, 3, 0]), [1, hp, wp, c * n]) as tf.Tensor4D;
    const dyt = tf.reshape(tf.transpose(tf.reshape(dy, [n, oh, ow, c, m]), [1, 2, 3, 0, 4]), [oh, ow, c * n, m]) as tf.Tensor4D;
    const g = tf.depthwiseConv2d(xt, dyt, 1, "valid", "NHWC", [info.strideHeight, info.strideWidth]); // [1, KH', KW', C*N*M]
    const [, gh, gw] = g.shape;
    const summed = tf.sum(tf.reshape(g, [gh, gw, c, n, m]), 3) as tf.Tensor4D; // [KH', KW', C, M]
    return gh > kh || gw > kw ? tf.slice(summed, [0, 0, 0, 0], [kh, kw, c, m]) : summed;
  });
}

type ConvAttrs = { strides: [number, number] | number; dilations?: [number, number] | number; pad: "valid" | "same" | number; dimRoundingMode?: "floor" | "round" | "ceil" };
function assertNoDilation(kernel: string, a: ConvAttrs): void {
  const d = a.dilations ?? 1;
  if ((Array.isArray(d) ? d : [d, d]).some((v) => v !== 1)) {
    // tfjs's own gradient refuses dilated depthwise convolutions before reaching the kernel.
    throw new Error(`${kernel} (wasm patch) does not support dilations ${String(d)}`);
  }
}

/** The geometry of a depthwise convolution gradient (dilated ones refused, as tfjs's own gradient does). */
function depthwiseInfo(kernel: string, a: ConvAttrs, inShape: [number, number, number, number], filterShape: [number, number, number, number]) {
  assertNoDilation(kernel, a);
  return tf.backend_util.computeConv2DInfo(inShape, filterShape, a.strides, 1, a.pad, a.dimRoundingMode, true);
}

/**
 * Per output position of a pooling window: (window size) / (number of window cells inside the input). The
 * forward avgPool divides by the cells inside the input (as TensorFlow does), but the cpu and wasm AvgPoolGrad
 * kernels divide by the full window size, so at "same"-padded borders their gradient is too small by exactly this
 * factor (measured: 3x3/2 "same" on a 3x3 input gives 1/9 where TensorFlow gives 1/4).
 */
function avgPoolBorderScale(info: tf.backend_util.Conv2DInfo, inH: number, inW: number): Float32Array | null {
  const { filterHeight: fh, filterWidth: fw, strideHeight: sh, strideWidth: sw, outHeight: oh, outWidth: ow } = info;
  const inside = (o: number, stride: number, pad: number, f: number, n: number) => {
    const start = o * stride - pad;
    return Math.max(0, Math.min(n, start + f) - Math.max(0, start));
  };
  const scale = new Float32Array(oh * ow);
  let needed = false;
  for (let i = 0; i < oh; i++) {
    for (let j = 0; j < ow; j++) {
      const cells = inside(i, sh, info.padInfo.top, fh, inH) * inside(j, sw, info.padInfo.left, fw, inW);
      scale[i * ow + j] = cells > 0 ? (fh * fw) / cells : 0;
      if (cells !== fh * fw) needed = true;
    }
  }
  return needed ? scale : null;
}

const avgPoolGradOriginals = new Map<string, tf.KernelConfig>();

/** Correct the border scaling of a backend's own AvgPoolGrad (cpu and wasm share the defect). */
export function registerAvgPoolGradFix(backendName: "cpu" | "wasm"): string {
  const name = "AvgPoolGrad(border windows divided by their cells inside the input)";
  if (avgPoolGradOriginals.has(backendName)) return name;
  const original = tf.getKernel("AvgPoolGrad", backendName);
  if (!original) throw new Error(`AvgPoolGrad is not registered for ${backendName}`);
  avgPoolGradOriginals.set(backendName, original);
  tf.unregisterKernel("AvgPoolGrad", backendName);
  tf.registerKernel({
    kernelName: "AvgPoolGrad", backendName, kernelFunc: (args) => {
      const { dy, input } = args.inputs as unknown as { dy: tf.Tensor4D; input: tf.Tensor4D };
      const a = args.attrs as unknown as { filterSize: [number, number] | number; strides: [number, number] | number; pad: "valid" | "same" | number; dimRoundingMode?: "floor" | "round" | "ceil" };
      const info = tf.backend_util.computePool2DInfo(input.shape, a.filterSize, a.strides, 1, a.pad, a.dimRoundingMode);
      const scale = avgPoolBorderScale(info, input.shape[1], input.shape[2]);
      if (!scale) return original.kernelFunc(args);
      const scaled = tf.tidy(() => tf.mul(dy, tf.tensor4d(scale, [1, info.outHeight, info.outWidth, 1])));
      const out = original.kernelFunc({ ...args, inputs: { dy: scaled, input } });
      scaled.dispose();
      return out;
    },
  });
  return name;
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
  replaceKernel("DepthwiseConv2dNativeBackpropInput", ({ inputs, attrs }) => {
    const { dy, filter } = inputs as unknown as { dy: tf.Tensor4D; filter: tf.Tensor4D };
    const a = attrs as unknown as ConvAttrs & { inputShape: [number, number, number, number] };
    const info = depthwiseInfo("DepthwiseConv2dNativeBackpropInput", a, a.inputShape, filter.shape);
    return depthwiseBackpropInput(dy, filter, a.inputShape, info);
  });
  replaceKernel("DepthwiseConv2dNativeBackpropFilter", ({ inputs, attrs }) => {
    const { x, dy } = inputs as unknown as { x: tf.Tensor4D; dy: tf.Tensor4D };
    const a = attrs as unknown as ConvAttrs & { filterShape: [number, number, number, number] };
    const info = depthwiseInfo("DepthwiseConv2dNativeBackpropFilter", a, x.shape, a.filterShape);
    return depthwiseBackpropFilter(x, dy, a.filterShape, info);
  });
  const avg = registerAvgPoolGradFix("wasm");
  registered = [avg, "MaxPoolGrad(first-tie, non-positive windows)", "Conv2DBackpropFilter(added)", "Conv2DBackpropInput(as forward conv)",
    "DepthwiseConv2dNativeBackpropInput(added)", "DepthwiseConv2dNativeBackpropFilter(added)"];
  return registered;
}

/** Toggle the forward-conv Conv2DBackpropInput (the benchmark measures before/after). */
export function setWasmFastConvBackpropInput(enabled: boolean): void {
  fastConvInput = enabled;
}

/** Exposed for the differential tests: the same maths on any backend. */
export const wasmKernelMath = { maxPoolGradFirstTie, maxPoolGradNonOverlapping, conv2dBackpropFilter, conv2dBackpropInputFast, depthwiseBackpropInput, depthwiseBackpropFilter };
