"""The KID and improved precision/recall that users otherwise run, in NumPy/scikit-learn, timed.

usage: kid_pr_numpy.py REAL.npy FAKE.npy KID_INDICES.npy K REPEATS [kid|kid-float32|pr|pr-knn]...
    -> one JSON line {"kid": {...}, "pr_prdc": {...}, "pr_knn": {...}, "blas": "..."}: each metric's
       values and per-run seconds, and the BLAS NumPy runs on with its thread count.

REAL/FAKE are n x d features, KID_INDICES subsets x 2 x m (the rows of real and of fake for each
subset), drawn by gantry so that both sides average over the very same subsets. Everything is
float64, as gantry computes, so the values can agree to rounding.

KID follows torch-fidelity's structure (clean-fid and StyleGAN2-ADA compute the same sums): per
subset the three polynomial kernel matrices (x.y / d + 1)^3 as NumPy products (x @ x.T runs as
BLAS syrk) and the unbiased MMD^2; mean and population std over the subsets. kid-float32 is the
same on float32 features, as torch-fidelity runs on Inception's output: faster, not the same value.

Precision/recall (Kynkaanniemi et al. 2019) two ways:
  pr:     the prdc package's method (Naeem et al. 2020): full pairwise distance matrices from
        sklearn.metrics.pairwise_distances, k-th neighbour radius by partitioning each row;
  pr-knn: radii from sklearn NearestNeighbors (brute force in chunks), then the real x generated
          distances from pairwise_distances (slower here than prdc's way).
"""
import json
import sys
import time

import numpy as np
from sklearn.metrics import pairwise_distances
from sklearn.neighbors import NearestNeighbors


def poly_kernel(a, b):
    return (a @ b.T / a.shape[1] + 1.0) ** 3


def unbiased_mmd2(k_xx, k_yy, k_xy):
    m = k_xx.shape[0]
    xx = k_xx.sum() - np.trace(k_xx)
    yy = k_yy.sum() - np.trace(k_yy)
    return (xx + yy) / (m * (m - 1)) - 2.0 * k_xy.sum() / (m * m)


def kid(real, fake, indices):
    scores = np.empty(len(indices))
    for s, (ri, fi) in enumerate(indices):
        x, y = real[ri], fake[fi]
        scores[s] = unbiased_mmd2(poly_kernel(x, x), poly_kernel(y, y), poly_kernel(x, y))
    return {"mean": float(scores.mean()), "std": float(scores.std())}


def kth_radius_prdc(x, k):
    d = pairwise_distances(x, x, metric="euclidean")
    # k + 1: each sample is its own nearest neighbour, at distance 0
    return np.partition(d, k, axis=1)[:, k]


def kth_radius_knn(x, k):
    dist, _ = NearestNeighbors(n_neighbors=k + 1, metric="euclidean").fit(x).kneighbors(x)
    return dist[:, k]


def precision_recall(real, fake, k, radius):
    r_real, r_fake = radius(real, k), radius(fake, k)
    d = pairwise_distances(real, fake, metric="euclidean")
    return {"precision": float((d < r_real[:, None]).any(axis=0).mean()),
            "recall": float((d < r_fake[None, :]).any(axis=1).mean())}


def timed(fn, repeats):
    seconds, value = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        value = fn()
        seconds.append(time.perf_counter() - t0)
    return dict(value, seconds=seconds)


def main():
    real = np.load(sys.argv[1]).astype(np.float64)
    fake = np.load(sys.argv[2]).astype(np.float64)
    indices = np.load(sys.argv[3]).astype(np.int64)
    k, repeats = int(sys.argv[4]), int(sys.argv[5])
    which = sys.argv[6:] or ["kid", "pr"]
    out = {"blas": blas()}
    if "kid" in which:
        out["kid"] = timed(lambda: kid(real, fake, indices), repeats)
    if "kid-float32" in which:
        # what torch-fidelity does with float32 Inception features (.cpu().numpy() keeps float32)
        out["kid_float32"] = timed(lambda: kid(real.astype(np.float32), fake.astype(np.float32), indices), repeats)
    if "pr" in which:
        out["pr_prdc"] = timed(lambda: precision_recall(real, fake, k, kth_radius_prdc), repeats)
    if "pr-knn" in which:
        out["pr_knn"] = timed(lambda: precision_recall(real, fake, k, kth_radius_knn), repeats)
    print(json.dumps(out))


def blas():
    try:
        from threadpoolctl import threadpool_info
        return ", ".join("%s %s, %d threads" % (i.get("internal_api"), i.get("version"), i.get("num_threads"))
                         for i in threadpool_info() if i.get("user_api") == "blas")
    except ImportError:
        return "BLAS unknown (no threadpoolctl)"


if __name__ == "__main__":
    main()
