#!/usr/bin/python3
"""A TorchScript Inception v3 with random weights and the interface of StyleGAN2-ADA's
inception-2015-12-05.pt, plus reference outputs, for testing gantry's loader without the real
weights (which cannot be downloaded here).

The module's forward(img, return_features=False) takes N x 3 x H x W images with values in
[0, 255] (uint8 or float), resizes them to 299 x 299 (bilinear, align_corners=False), scales to
[-1, 1], and returns pool3 features (N x 2048) or softmax probabilities over 1008 classes.

    /usr/bin/python3 tools/make_random_inception.py OUT_DIR [--images N] [--size S]

writes OUT_DIR/inception-random.pt, OUT_DIR/images.npy (uint8, N x 3 x S x S), the outputs
PyTorch computes for those images: OUT_DIR/features.npy, OUT_DIR/probs.npy (float32), and the
self-test's reference OUT_DIR/inception-random.pt.reference.npz (see inception_reference.py).
Needs Debian's python3-torch and python3-torchvision.
"""
import argparse
import os

import numpy as np
import torch
import torch.nn.functional as F
import torchvision

from inception_reference import reference


class TFInceptionInterface(torch.nn.Module):
    def __init__(self, features: torch.nn.Module, fc: torch.nn.Module):
        super().__init__()
        self.features = features
        self.fc = fc

    def forward(self, img: torch.Tensor, return_features: bool = False) -> torch.Tensor:
        x = img.to(torch.float32)
        if x.shape[2] != 299 or x.shape[3] != 299:
            x = F.interpolate(x, size=(299, 299), mode="bilinear", align_corners=False)
        x = (x - 128.0) / 128.0
        f = self.features(x)
        if return_features:
            return f
        return F.softmax(self.fc(f), dim=1)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("--images", type=int, default=4)
    parser.add_argument("--size", type=int, default=32)
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    torch.manual_seed(0)
    net = torchvision.models.inception_v3(weights=None, aux_logits=False, init_weights=True, num_classes=1008)
    net.eval()
    fc = net.fc
    net.fc = torch.nn.Identity()
    with torch.no_grad():
        features = torch.jit.trace(net, torch.zeros(1, 3, 299, 299))
        head = torch.jit.trace(fc, torch.zeros(1, 2048))
        module = torch.jit.script(TFInceptionInterface(features, head))
        module.save(os.path.join(args.out, "inception-random.pt"))
        rng = np.random.default_rng(7)
        images = rng.integers(0, 256, size=(args.images, 3, args.size, args.size), dtype=np.uint8)
        x = torch.from_numpy(images)
        np.save(os.path.join(args.out, "images.npy"), images)
        np.save(os.path.join(args.out, "features.npy"), module(x, True).numpy().astype(np.float32))
        np.save(os.path.join(args.out, "probs.npy"), module(x, False).numpy().astype(np.float32))
        ref_images, ref_features = reference(module)
        np.savez(os.path.join(args.out, "inception-random.pt.reference.npz"), images=ref_images, features=ref_features)


if __name__ == "__main__":
    main()
