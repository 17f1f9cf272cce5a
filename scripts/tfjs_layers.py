"""
Reads a TF.js Sequential LayersModel (model.json and its weight files) for the Python sides of
`npm run bench:engine` (scripts/bench-pytorch.py, scripts/bench-graph-step.py); the product never runs Python.
"""
import json
import sys
from pathlib import Path

import numpy as np


def fail(msg: str) -> None:
    print(msg, file=sys.stderr)
    sys.exit(2)


def read_sequential(model_json_path: str):
    """The layers (class name and config, in order) and the float32 weights by name, as stored (HWIO, [in, out])."""
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
    return [(layer["class_name"], layer["config"]) for layer in layers], weights
