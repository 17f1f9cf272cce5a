import * as tf from "@tensorflow/tfjs";

/*
 * Kernels of the native backend (tfjs-node) replaced by the same values computed with fewer, native ops
 * (docs/engine.md, "Kernels the engine overrides"; native-kernels.test.ts proves them bit-identical to the
 * kernels they replace).
 *
 * Step: ReLU's gradient in tfjs is dy × step(x). tfjs-node 4.22 builds Step from IsNan, Greater, a Fill and a
 * tensor of ones allocated in JavaScript at the activation's size, then two Selects: on the demo CNN at batch
 * 128 that was about half of a PGD step's kernel time (npm run bench:engine -- --profile, docs/benchmarks.md).
 * For alpha 0 (ReLU's case) the same values are x where x is NaN, else 1 where x > 0, else +0: one comparison
 * cast to float32 and one Select. Other alphas and dtypes run the original kernel.
 */

let replaced = false;

/** Replace tfjs-node's Step kernel (once); returns the name listed in kernelPatches. */
export function registerNativeStep(): string {
  const name = "Step(alpha 0: Select(IsNan(x), x, Cast(x > 0)), the same values in two native ops)";
  if (replaced) return name;
  const original = tf.getKernel("Step", "tensorflow");
  if (!original) return name;
  tf.unregisterKernel("Step", "tensorflow");
  tf.registerKernel({
    kernelName: "Step",
    backendName: "tensorflow",
    kernelFunc: (args) => {
      const x = (args.inputs as unknown as { x: tf.Tensor }).x;
      const alpha = (args.attrs as { alpha?: number } | undefined)?.alpha ?? 0;
      if (alpha !== 0 || x.dtype !== "float32") return original.kernelFunc(args);
      return tf.tidy(() => tf.where(tf.isNaN(x), x, tf.cast(tf.greater(x, 0), "float32")));
    },
  });
  replaced = true;
  return name;
}
