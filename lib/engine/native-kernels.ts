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

/*
 * ReLU's gradient: tfjs computes dy × step(x) (the Step above, then a Multiply: five passes over the
 * activation); TensorFlow's own ReluGrad computes dy × (x > 0) in one. The same bits for every x without NaN
 * (x ≤ 0 gives dy × +0 in both, so −0 where dy < 0 and NaN where dy is NaN); where x holds a NaN (tfjs: NaN,
 * ReluGrad: 0) tfjs's formula runs. Other backends, and dtypes other than float32, keep tfjs's gradient.
 */

interface NativeBackend {
  binding: { TF_ATTR_TYPE: number; TF_FLOAT: number };
  executeSingleOutput(name: string, attrs: { name: string; type: number; value: unknown }[], inputs: tf.TensorInfo[]): tf.Tensor;
}

let reluGradReplaced = false;

/** Route ReLU's gradient on native through TensorFlow's ReluGrad (once); returns the name listed in kernelPatches. */
export function registerNativeReluGrad(): string {
  const name = "Relu gradient (TensorFlow's ReluGrad, dy × (x > 0) in one op, for inputs without NaN)";
  if (reluGradReplaced) return name;
  const original = tf.getGradient("Relu");
  if (!original) return name;
  tf.registerKernel({
    kernelName: "BulwarkReluGrad",
    backendName: "tensorflow",
    kernelFunc: ({ inputs, backend }) => {
      const { dy, x } = inputs as unknown as { dy: tf.Tensor; x: tf.Tensor };
      const native = backend as unknown as NativeBackend;
      const T = { name: "T", type: native.binding.TF_ATTR_TYPE, value: native.binding.TF_FLOAT };
      return native.executeSingleOutput("ReluGrad", [T], [dy, x]);
    },
  });
  tf.registerGradient({
    kernelName: "Relu",
    inputsToSave: ["x"],
    gradFunc: (dy, saved, attrs) => {
      const [x] = saved as tf.Tensor[];
      const grad = dy as tf.Tensor;
      if (tf.getBackend() !== "tensorflow" || x!.dtype !== "float32" || grad.dtype !== "float32") return original.gradFunc(dy, saved, attrs);
      return { x: () => (hasNaN(x!) ? original.gradFunc(dy, saved, attrs).x!() : tf.engine().runKernel("BulwarkReluGrad", { dy: grad, x: x! }, {}) as tf.Tensor) };
    },
  });
  reluGradReplaced = true;
  return name;
}

function hasNaN(x: tf.Tensor): boolean {
  // tfjs-node computes synchronously and keeps tensors in host memory: this read is one reduction, no copy out.
  return tf.tidy(() => tf.any(tf.isNaN(x)).dataSync()[0] === 1);
}
