#!/usr/bin/env python3
"""
The PyTorch side of `npm run bench:engine -- --vs-pytorch` (only for that benchmark: the product never runs
Python). Started by scripts/bench-engine.ts with one argument, the path of a JSON spec it wrote:

  model        {"kind": "layers", "modelJson": path}    a TF.js LayersModel (weights files beside model.json)
               {"kind": "onnx", "path": path, "card": {...}}   an ONNX graph and the engine card it is used with
  inputs       path of float32 little-endian inputs, channels last (the engine's input space), N x inputShape
  labels       path of int32 labels, N
  inputShape, range {min, max}, eps, stepSize, steps, seconds, batches [..], threads
  checkBatch, checkOut   logits and input gradients of sum(cross-entropy) at the clean inputs of the first
                         checkBatch examples, written as float32 (logits, then gradients channels last)

The weights are converted exactly (same float32 values, only reordered) into a plain PyTorch model that takes
NCHW inputs as a PyTorch user's own model would; the PGD-Linf loop then runs on NCHW tensors. Prints JSON
lines: {"torch": ..., "threads": ...}, {"check": n}, then {"batch": b, "rate": ..., "steps": ...} per batch.
"""
import json
import os
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F


def fail(msg: str) -> None:
    print(msg, file=sys.stderr)
    sys.exit(2)


def layers_model(model_json_path: str, input_shape: list):
    """A Keras Sequential of Conv2D / ReLU / MaxPooling2D / Flatten / Dense (what the demo CNN uses) as a torch
    function on NCHW inputs. A final softmax is dropped, as the engine does, so the function yields logits."""
    path = Path(model_json_path)
    doc = json.loads(path.read_text())
    config = doc["modelTopology"].get("model_config", doc["modelTopology"])
    if config.get("class_name") != "Sequential":
        fail(f"only Sequential LayersModels are converted (this one is {config.get('class_name')})")
    raw = b"".join((path.parent / p).read_bytes() for g in doc["weightsManifest"] for p in g["paths"])
    weights, at = {}, 0
    for g in doc["weightsManifest"]:
        for w in g["weights"]:
            if w.get("dtype", "float32") != "float32" or "quantization" in w:
                fail(f"weight {w['name']} is not plain float32")
            n = int(np.prod(w["shape"])) if w["shape"] else 1
            weights[w["name"]] = np.frombuffer(raw, dtype="<f4", count=n, offset=at).reshape(w["shape"])
            at += n * 4
    layers = config["config"]["layers"] if isinstance(config["config"], dict) else config["config"]
    shape = [input_shape[2], input_shape[0], input_shape[1]]  # C, H, W as the layers see it
    ops = []
    flatten_from = None  # the (C, H, W) a Flatten saw: the next Dense's rows are reordered from HWC to CHW
    for i, layer in enumerate(layers):
        cls, c = layer["class_name"], layer["config"]
        name = c["name"]
        act = c.get("activation", "linear")
        if act == "softmax" and i == len(layers) - 1:
            act = "linear"
        if act not in ("linear", "relu"):
            fail(f"layer {name}: activation {act} is not converted")
        if cls == "Conv2D":
            if c.get("data_format", "channels_last") != "channels_last" or c["strides"] != [1, 1] or c["dilation_rate"] != [1, 1]:
                fail(f"layer {name}: only stride 1, dilation 1, channels_last convolutions are converted")
            k = torch.tensor(weights[f"{name}/kernel"]).permute(3, 2, 0, 1).contiguous()  # HWIO -> OIHW
            b = torch.tensor(weights[f"{name}/bias"]) if c.get("use_bias", True) else None
            pad = c["padding"]
            ops.append(lambda x, k=k, b=b, pad=pad: F.conv2d(x, k, b, padding=pad))
            kh, kw = c["kernel_size"]
            shape = [c["filters"], shape[1], shape[2]] if pad == "same" else [c["filters"], shape[1] - kh + 1, shape[2] - kw + 1]
        elif cls == "ReLU":
            if c.get("max_value") is not None or c.get("negative_slope", 0) != 0:
                fail(f"layer {name}: only plain ReLU is converted")
            act = "relu"
        elif cls == "MaxPooling2D":
            if c["padding"] != "valid" or c["strides"] != c["pool_size"]:
                fail(f"layer {name}: only valid, non-overlapping max pooling is converted")
            p = c["pool_size"]
            ops.append(lambda x, p=p: F.max_pool2d(x, p))
            shape = [shape[0], shape[1] // p[0], shape[2] // p[1]]
        elif cls == "Flatten":
            flatten_from = shape
            ops.append(lambda x: torch.flatten(x, 1))
            shape = [int(np.prod(shape))]
        elif cls == "Dense":
            k = weights[f"{name}/kernel"]  # [in, out]
            if flatten_from is not None:
                ch, h, w = flatten_from
                k = k.reshape(h, w, ch, -1).transpose(2, 0, 1, 3).reshape(ch * h * w, -1)
                flatten_from = None
            wt = torch.tensor(np.ascontiguousarray(k.T))
            b = torch.tensor(weights[f"{name}/bias"]) if c.get("use_bias", True) else None
            ops.append(lambda x, wt=wt, b=b: F.linear(x, wt, b))
            shape = [c["units"]]
        elif cls in ("InputLayer", "Dropout"):
            pass
        else:
            fail(f"layer {name}: {cls} is not converted")
        if act == "relu":
            ops.append(F.relu)

    def forward(x):
        for op in ops:
            x = op(x)
        return x

    return forward


def onnx_model(path: str, card: dict):
    """The ONNX graph's nodes run one by one with the equivalent torch ops (the ResNet fixture's op set), on
    NCHW inputs in the card's range: the card's normalisation is applied first, inside the differentiated
    function, as the engine does."""
    # Only needed for this model. Without the package, `import onnx` finds scripts/onnx/ (a folder of this
    # project) as a namespace package, so the failure is the missing numpy_helper: name the package instead.
    try:
        import onnx
        from onnx import numpy_helper
    except ImportError:
        fail("the ONNX model needs the onnx package for the PyTorch side: pip install onnx")

    m = onnx.load(path)
    consts = {t.name: torch.tensor(numpy_helper.to_array(t).copy()) for t in m.graph.initializer}
    nodes = []
    for n in m.graph.node:
        attrs = {a.name: onnx.helper.get_attribute_value(a) for a in n.attribute}
        if n.op_type not in ("Conv", "BatchNormalization", "Relu", "Add", "GlobalAveragePool", "Flatten", "Gemm", "MatMul", "Identity"):
            fail(f"ONNX op {n.op_type} is not converted")
        if n.op_type == "Conv":
            pads = attrs.get("pads", [0, 0, 0, 0])
            if pads[0] != pads[2] or pads[1] != pads[3] or attrs.get("auto_pad", b"NOTSET") not in (b"NOTSET", "NOTSET"):
                fail("asymmetric or automatic Conv padding is not converted")
        nodes.append((n.op_type, list(n.input), list(n.output), attrs))
    graph_input = m.graph.input[0].name
    norm = card.get("normalization")
    mean = torch.tensor(norm["mean"], dtype=torch.float32).reshape(1, -1, 1, 1) if norm else None
    std = torch.tensor(norm["std"], dtype=torch.float32).reshape(1, -1, 1, 1) if norm else None

    def forward(x):
        env = dict(consts)
        env[graph_input] = (x - mean) / std if norm else x
        for op, ins, outs, a in nodes:
            v = [env[i] if i else None for i in ins]
            if op == "Conv":
                y = F.conv2d(v[0], v[1], v[2] if len(v) > 2 else None, stride=a.get("strides", 1),
                             padding=tuple(a.get("pads", [0, 0, 0, 0])[:2]), dilation=a.get("dilations", 1), groups=a.get("group", 1))
            elif op == "BatchNormalization":
                y = F.batch_norm(v[0], v[3], v[4], v[1], v[2], training=False, eps=a.get("epsilon", 1e-5))
            elif op == "Relu":
                y = F.relu(v[0])
            elif op == "Add":
                y = v[0] + v[1]
            elif op == "GlobalAveragePool":
                y = v[0].mean(dim=(2, 3), keepdim=True)
            elif op == "Flatten":
                y = torch.flatten(v[0], a.get("axis", 1))
            elif op == "Gemm":
                A = v[0].t() if a.get("transA", 0) else v[0]
                B = v[1].t() if a.get("transB", 0) else v[1]
                y = a.get("alpha", 1.0) * (A @ B)
                if len(v) > 2 and v[2] is not None:
                    y = y + a.get("beta", 1.0) * v[2]
            elif op == "MatMul":
                y = v[0] @ v[1]
            else:
                y = v[0]
            env[outs[0]] = y
        return env[m.graph.output[0].name]

    return forward


def main() -> None:
    spec = json.loads(Path(sys.argv[1]).read_text())
    threads = int(spec.get("threads") or os.cpu_count() or 1)
    torch.set_num_threads(threads)
    shape = spec["inputShape"]
    if len(shape) != 3:
        fail("only image inputs [height, width, channels] are converted")
    h, w, c = shape
    model = spec["model"]
    forward = layers_model(model["modelJson"], shape) if model["kind"] == "layers" else onnx_model(model["path"], model["card"])
    # Channels last on disk (the engine's layout) -> NCHW for the PyTorch model.
    images = torch.tensor(np.fromfile(spec["inputs"], dtype="<f4")).reshape(-1, h, w, c).permute(0, 3, 1, 2).contiguous()
    labels = torch.tensor(np.fromfile(spec["labels"], dtype="<i4").astype(np.int64))
    print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads()}), flush=True)

    n = spec["checkBatch"]
    x = images[:n].clone().requires_grad_(True)
    z = forward(x)
    loss = F.cross_entropy(z, labels[:n], reduction="sum")
    (g,) = torch.autograd.grad(loss, x)
    out = np.concatenate([z.detach().numpy().reshape(-1), g.permute(0, 2, 3, 1).numpy().reshape(-1)]).astype("<f4")
    out.tofile(spec["checkOut"])
    print(json.dumps({"check": n}), flush=True)

    eps, alpha, steps, seconds = spec["eps"], spec["stepSize"], spec["steps"], spec["seconds"]
    lo_v, hi_v = spec["range"]["min"], spec["range"]["max"]
    for b in spec["batches"]:
        x0, y = images[:b], labels[:b]
        lo, hi = (x0 - eps).clamp(min=lo_v), (x0 + eps).clamp(max=hi_v)

        def step(x):
            x = x.detach().requires_grad_(True)
            per_example = F.cross_entropy(forward(x), y, reduction="none")
            (g,) = torch.autograd.grad(per_example.sum(), x)
            return torch.min(torch.max(x.detach() + alpha * g.sign(), lo), hi)

        x = step(x0.clone())  # warm-up
        x, done = x0.clone(), 0
        t0 = time.perf_counter()
        # PGD runs of `steps` steps from the clean inputs, back to back, for at least `seconds` and 3 steps.
        while time.perf_counter() - t0 < seconds or done < 3:
            x = step(x)
            done += 1
            if done % steps == 0:
                x = x0.clone()
        elapsed = time.perf_counter() - t0
        print(json.dumps({"batch": b, "rate": done * b / elapsed, "steps": done}), flush=True)


if __name__ == "__main__":
    main()
