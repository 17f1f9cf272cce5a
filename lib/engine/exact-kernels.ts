import * as tf from "@tensorflow/tfjs";

/*
 * Element-wise kernels whose backend implementation is not exact, replaced by the engine's own formulation
 * (docs/engine.md, "Kernels the engine overrides"; edge-values.test.ts sweeps every op the engine calls).
 *
 * Sign: the L∞ step direction of FGSM, PGD and APGD. tfjs-backend-wasm 4.22 returns 0 for every |x| below
 * the float32 epsilon (~1.19e-7), so the model's most confident inputs, whose whole gradient is that small,
 * were never moved and counted as robust. libtensorflow returns the input itself for a subnormal and NaN
 * for NaN. The replacement, (x > 0) − (x < 0), is exact on every backend: ±1 for any non-zero x (native
 * treats subnormals as zero throughout, as its arithmetic does), 0 for ±0 and NaN (the cpu backend's rule).
 */

const replaced = new Set<string>();

function exactSign(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.sub(tf.cast(tf.greater(x, 0), x.dtype), tf.cast(tf.less(x, 0), x.dtype)));
}

/** Replace the backend's Sign kernel (once per backend); returns the name listed in kernelPatches. */
export function registerExactSign(backendName: "wasm" | "tensorflow"): string {
  const name = "Sign((x > 0) − (x < 0): exact below the float32 epsilon)";
  if (replaced.has(backendName)) return name;
  if (tf.getKernel("Sign", backendName)) tf.unregisterKernel("Sign", backendName);
  tf.registerKernel({
    kernelName: "Sign", backendName, kernelFunc: ({ inputs }) => exactSign((inputs as unknown as { x: tf.Tensor }).x),
  });
  replaced.add(backendName);
  return name;
}
