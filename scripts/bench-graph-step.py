#!/usr/bin/env python3
"""
An experiment of `npm run bench:engine -- --vs-pytorch --graph-step` (the product never runs Python): writes the
engine's PGD-Linf step on a TF.js Sequential LayersModel as one TensorFlow graph (a SavedModel), which
scripts/bench-graph-step.ts then runs through tfjs-node's own libtensorflow, one session call per step instead of
one call per op. It measures what executing the whole step as a graph would give the native backend, on the same
weights, inputs and TensorFlow build.

Arguments: the spec.json of bench-engine.ts (model.modelJson, inputShape, stepSize) and the output folder.
Signatures: "step" (x, lo, hi, onehot) -> x: one signed-gradient step of sum(cross-entropy), projected onto
[lo, hi]; "check" (x, onehot) -> logits, grad: the clean logits and input gradients compared with PyTorch's.
"""
import json
import os
import sys
from pathlib import Path


os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import tensorflow as tf  # noqa: E402

from tfjs_layers import fail, read_sequential  # noqa: E402


def sequential(model_json_path: str):
    """Conv2D (stride 1) / ReLU / MaxPooling2D (valid, non-overlapping) / Flatten / Dense as TensorFlow ops on
    NHWC inputs, with the TF.js weights as constants (already NHWC / HWIO); a final softmax is dropped."""
    layers, stored = read_sequential(model_json_path)
    weights = {name: tf.constant(w) for name, w in stored.items()}
    ops = []
    for i, (cls, c) in enumerate(layers):
        name, act = c["name"], c.get("activation", "linear")
        if act == "softmax" and i == len(layers) - 1:
            act = "linear"
        if act not in ("linear", "relu"):
            fail(f"layer {name}: activation {act} is not converted")
        if cls == "Conv2D":
            if c["strides"] != [1, 1] or c["dilation_rate"] != [1, 1]:
                fail(f"layer {name}: only stride 1, dilation 1 convolutions are converted")
            k, b, pad = weights[f"{name}/kernel"], weights.get(f"{name}/bias"), c["padding"].upper()
            ops.append(lambda x, k=k, b=b, pad=pad: tf.nn.conv2d(x, k, 1, pad) + b if b is not None else tf.nn.conv2d(x, k, 1, pad))
        elif cls == "ReLU":
            act = "relu"
        elif cls == "MaxPooling2D":
            if c["padding"] != "valid" or c["strides"] != c["pool_size"]:
                fail(f"layer {name}: only valid, non-overlapping max pooling is converted")
            ops.append(lambda x, p=c["pool_size"]: tf.nn.max_pool2d(x, p, p, "VALID"))
        elif cls == "Flatten":
            ops.append(lambda x: tf.reshape(x, [tf.shape(x)[0], -1]))
        elif cls == "Dense":
            k, b = weights[f"{name}/kernel"], weights.get(f"{name}/bias")
            ops.append(lambda x, k=k, b=b: tf.matmul(x, k) + b if b is not None else tf.matmul(x, k))
        elif cls not in ("InputLayer", "Dropout"):
            fail(f"layer {name}: {cls} is not converted")
        if act == "relu":
            ops.append(tf.nn.relu)

    def forward(x):
        for op in ops:
            x = op(x)
        return x

    return forward


def main() -> None:
    spec = json.loads(Path(sys.argv[1]).read_text())
    out = sys.argv[2]
    if spec["model"]["kind"] != "layers":
        fail("only TF.js LayersModels are written as a graph in this experiment")
    forward = sequential(spec["model"]["modelJson"])
    shape = [None, *spec["inputShape"]]
    classes = int(spec["classes"])
    alpha = float(spec["stepSize"])

    def loss_and_grad(x, onehot):
        with tf.GradientTape() as tape:
            tape.watch(x)
            z = forward(x)
            total = tf.reduce_sum(tf.nn.softmax_cross_entropy_with_logits(labels=onehot, logits=z))
        return z, tape.gradient(total, x)

    class Step(tf.Module):
        @tf.function(input_signature=[tf.TensorSpec(shape, tf.float32)] * 3 + [tf.TensorSpec([None, classes], tf.float32)])
        def step(self, x, lo, hi, onehot):
            _, g = loss_and_grad(x, onehot)
            return {"x": tf.minimum(tf.maximum(x + alpha * tf.sign(g), lo), hi)}

        @tf.function(input_signature=[tf.TensorSpec(shape, tf.float32), tf.TensorSpec([None, classes], tf.float32)])
        def check(self, x, onehot):
            z, g = loss_and_grad(x, onehot)
            return {"logits": z, "grad": g}

    m = Step()
    tf.saved_model.save(m, out, signatures={"step": m.step, "check": m.check})
    print(json.dumps({"tensorflow": tf.__version__}), flush=True)


if __name__ == "__main__":
    main()
