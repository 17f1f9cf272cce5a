import * as tf from "@tensorflow/tfjs";
import { DIGIT_LABELS } from "./mnist";

/*
 * The demo digit classifier: conv16-relu-pool, conv32-relu-pool, dense64-relu, dense10-softmax.
 * ReLU layers sit after each convolution and before pooling (pooling negative pre-activations is where
 * wasm's MaxPoolGrad used to lose gradients); the final softmax is dropped by the engine for attacks.
 */
export function buildDigitsCnn(seed: number): tf.Sequential {
  const init = (k: number) => tf.initializers.heNormal({ seed: seed * 100 + k });
  const m = tf.sequential({ name: "digits_cnn" });
  m.add(tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 16, kernelSize: 3, padding: "same", kernelInitializer: init(1), name: "conv1" }));
  m.add(tf.layers.reLU({ name: "relu1" }));
  m.add(tf.layers.maxPooling2d({ poolSize: 2, name: "pool1" }));
  m.add(tf.layers.conv2d({ filters: 32, kernelSize: 3, padding: "same", kernelInitializer: init(2), name: "conv2" }));
  m.add(tf.layers.reLU({ name: "relu2" }));
  m.add(tf.layers.maxPooling2d({ poolSize: 2, name: "pool2" }));
  m.add(tf.layers.flatten({ name: "flatten" }));
  m.add(tf.layers.dense({ units: 64, activation: "relu", kernelInitializer: init(3), name: "dense1" }));
  m.add(tf.layers.dense({ units: 10, activation: "softmax", kernelInitializer: tf.initializers.glorotUniform({ seed: seed * 100 + 4 }), name: "logits" }));
  return m;
}

/** Multiply-adds of one forward pass (for GFLOP/s estimates): 2 FLOPs per multiply-add. */
export function digitsCnnForwardFlops(): number {
  const conv1 = 28 * 28 * 16 * 3 * 3 * 1;
  const conv2 = 14 * 14 * 32 * 3 * 3 * 16;
  const dense1 = 7 * 7 * 32 * 64;
  const dense2 = 64 * 10;
  return 2 * (conv1 + conv2 + dense1 + dense2);
}

/** What the engine needs of the demo models' cards. */
export const DIGITS_CARD = {
  inputShape: [28, 28, 1],
  inputRange: { min: 0, max: 1 },
  preprocessing: "none" as const,
  classLabels: DIGIT_LABELS,
};
