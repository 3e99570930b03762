#!/usr/bin/python3
"""PyTorch's own features of fixed images for an Inception v3 TorchScript file: the independent
reference gantry's extractor self-test compares against (`gantry selftest --inception FILE`, and
every eval worker before it publishes a metric computed with that file).

    python3 tools/inception_reference.py inception-2015-12-05.pt inception-2015-12-05.pt.reference.npz

Run it on any machine whose PyTorch is trusted (not through gantry's libtorch). The .npz holds
`images` (uint8, N x 3 x S x S) and `features` (float32, N x 2048), computed from a plain NCHW tensor.
Needs python3 with torch and numpy.
"""
import argparse

import numpy as np
import torch


def reference(module, count=3, size=64, seed=2015):
    """Smooth images with noise, so every Inception channel sees structure, and their features."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:size, 0:size]
    images = np.empty((count, 3, size, size), dtype=np.uint8)
    for i in range(count):
        for c in range(3):
            smooth = 127.5 + 90 * np.sin(0.21 * xx * (c + 1) + 0.13 * yy + i)
            images[i, c] = np.clip(smooth + rng.integers(-30, 31, size=(size, size)), 0, 255).astype(np.uint8)
    with torch.no_grad():
        features = module(torch.from_numpy(images).contiguous(), True).numpy().astype(np.float32)
    return images, features


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("model")
    parser.add_argument("out")
    parser.add_argument("--images", type=int, default=3)
    parser.add_argument("--size", type=int, default=64)
    args = parser.parse_args()
    module = torch.jit.load(args.model).eval()
    images, features = reference(module, args.images, args.size)
    np.savez(args.out, images=images, features=features)


if __name__ == "__main__":
    main()
