#!/usr/bin/env python3
"""Reads a gantry checkpoint directory with NumPy alone (no gantry, no DJL, no torch):
verifies MANIFEST.json (sizes and SHA-256), then loads every tensor of model.safetensors and
optimizer.safetensors. See docs/checkpoint-format.md.

usage: read_checkpoint.py CHECKPOINT_DIR            prints one line per tensor: name shape sum
       python3 -c 'from read_checkpoint import load; ...'   for use in scripts
"""
import hashlib
import json
import os
import struct
import sys

import numpy as np


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    header.pop("__metadata__", None)
    tensors = {}
    for name, entry in header.items():
        assert entry["dtype"] == "F32", f"{path}: {name} is {entry['dtype']}"
        begin, end = entry["data_offsets"]
        tensors[name] = np.frombuffer(data[8 + n + begin:8 + n + end], dtype="<f4").reshape(entry["shape"])
    return tensors


def load(directory):
    """Manifest version 1 stores each file under its name; version 2 names the object that holds it
    (in shared stores the name carries a hash prefix, e.g. model.3f9a0c17d2e4b851.safetensors)."""
    with open(os.path.join(directory, "MANIFEST.json")) as f:
        manifest = json.load(f)
    if manifest.get("format") != "gantry-checkpoint" or manifest.get("version") not in (1, 2):
        raise ValueError(f"{directory}: not a gantry checkpoint of manifest version 1 or 2")
    paths = {}
    for entry in manifest["files"]:
        path = os.path.join(directory, entry.get("object", entry["name"]))
        with open(path, "rb") as f:
            blob = f.read()
        if len(blob) != entry["size"] or hashlib.sha256(blob).hexdigest() != entry["sha256"]:
            raise ValueError(f"{path}: does not match the manifest")
        paths[entry["name"]] = path
    with open(paths["state.json"]) as f:
        state = json.load(f)
    return (state, read_safetensors(paths["model.safetensors"]), read_safetensors(paths["optimizer.safetensors"]))


if __name__ == "__main__":
    state, model, optimizer = load(sys.argv[1])
    print(f"step {state['step']} spec {state['specHash']}")
    for name, t in list(model.items()) + list(optimizer.items()):
        print(f"{name} {'x'.join(map(str, t.shape)) or 'scalar'} {float(t.astype(np.float64).sum())!r}")
