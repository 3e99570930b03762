#!/usr/bin/env python3
"""Generates the FID test fixtures in evaluation/src/test/resources/fid/ and their expected values,
computed independently of gantry with NumPy and SciPy:

- pytorch-fid's calculate_frechet_distance (scipy.linalg.sqrtm of sigma1 @ sigma2, with its eps
  offset when the product is singular), and
- the eigenvalue form (numpy.linalg.eigvalsh), which gantry also uses; both must agree.

Also stores a raw feature matrix and its np.mean / np.cov (rowvar=False) to check gantry's
streaming statistics. Deterministic (fixed seeds). Run: /usr/bin/python3 tools/fid_reference.py
"""
import json
import os
import sys

import numpy as np
from scipy import linalg

OUT = os.path.join(os.path.dirname(__file__), "..", "evaluation", "src", "test", "resources", "fid")


def pytorch_fid(mu1, sigma1, mu2, sigma2, eps=1e-6):
    """pytorch-fid 0.3.0 calculate_frechet_distance, restated."""
    diff = mu1 - mu2
    covmean, _ = linalg.sqrtm(sigma1.dot(sigma2), disp=False)
    if not np.isfinite(covmean).all():
        offset = np.eye(sigma1.shape[0]) * eps
        covmean = linalg.sqrtm((sigma1 + offset).dot(sigma2 + offset))
    if np.iscomplexobj(covmean):
        covmean = covmean.real
    return float(diff.dot(diff) + np.trace(sigma1) + np.trace(sigma2) - 2 * np.trace(covmean))


def rank_clip(w):
    """Eigenvalues below numpy.linalg.matrix_rank's tolerance (d * eps * max) are zero."""
    tol = w.size * np.finfo(np.float64).eps * max(w.max(), 0.0)
    return np.where(w > tol, w, 0.0)


def eigen_fid(mu1, sigma1, mu2, sigma2):
    w, v = np.linalg.eigh(sigma1)
    b = np.sqrt(rank_clip(w))[:, None] * v.T
    lam = np.linalg.eigvalsh(b @ sigma2 @ b.T)
    diff = mu1 - mu2
    return float(diff.dot(diff) + np.trace(sigma1) + np.trace(sigma2) - 2 * np.sqrt(rank_clip(lam)).sum())


def gaussian(rng, d, n, shift):
    x = rng.standard_normal((n, d)) @ rng.standard_normal((d, d)) * 0.3 + shift
    return x.mean(axis=0), np.cov(x, rowvar=False)


def main():
    os.makedirs(OUT, exist_ok=True)
    rng = np.random.default_rng(20261123)
    expected = {}
    cases = {"d16": (16, 200), "d64": (64, 500), "d64_rank_deficient": (64, 40)}
    for name, (d, n) in cases.items():
        mu1, s1 = gaussian(rng, d, n, 0.0)
        mu2, s2 = gaussian(rng, d, n, 0.5)
        np.savez(os.path.join(OUT, f"{name}_a.npz"), mu=mu1, sigma=s1)
        np.savez(os.path.join(OUT, f"{name}_b.npz"), mu=mu2, sigma=s2)
        ref = pytorch_fid(mu1, s1, mu2, s2)
        eig = eigen_fid(mu1, s1, mu2, s2)
        expected[name] = {"pytorch_fid": ref, "eigen": eig}
        print(f"{name}: pytorch-fid {ref!r}  eigenvalue form {eig!r}  rel diff {abs(ref - eig) / abs(eig):.2e}",
              file=sys.stderr)
    feats = rng.standard_normal((300, 24)) * 2 + 100.0  # large mean: tests numerically stable accumulation
    np.savez(os.path.join(OUT, "features.npz"), features=feats.astype(np.float32),
             mu=feats.astype(np.float32).astype(np.float64).mean(axis=0),
             sigma=np.cov(feats.astype(np.float32).astype(np.float64), rowvar=False))
    with open(os.path.join(OUT, "expected.json"), "w") as f:
        json.dump(expected, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    main()
