#!/usr/bin/python3
"""Independent references for gantry's KID, precision/recall and density/coverage, in NumPy and
scikit-learn (Debian's python3-numpy and python3-sklearn), for the tests.

    /usr/bin/python3 tools/metrics_reference.py FIXTURE.npz [--k-pr 3] [--k-dc 5]

FIXTURE.npz holds `real` and `fake` (n x d features) and `kid_indices` (subsets x 2 x m: for each
subset the rows of real and of fake to use). Prints one JSON object: kid_mean, kid_std (population),
precision, recall, density, coverage.

KID is the unbiased MMD^2 with k(x, y) = (x.y / d + 1)^3 (Binkowski et al. 2018; torchmetrics'
poly_mmd). Precision/recall and density/coverage follow the prdc reference code (Naeem et al.
2020): radii are the distances to the k-th nearest neighbour within a set, found here with
sklearn's NearestNeighbors, and "inside" is strictly closer than the radius.
"""
import argparse
import json

import numpy as np
from sklearn.metrics import pairwise_distances
from sklearn.neighbors import NearestNeighbors


def mmd(x, y):
    d = x.shape[1]
    m = x.shape[0]
    kxx = (x @ x.T / d + 1) ** 3
    kyy = (y @ y.T / d + 1) ** 3
    kxy = (x @ y.T / d + 1) ** 3
    return (kxx.sum() - np.trace(kxx) + kyy.sum() - np.trace(kyy)) / (m * (m - 1)) - 2 * kxy.sum() / (m * m)


def radii(x, k):
    # k + 1 neighbours: the sample itself is its own nearest, at distance 0
    distances, _ = NearestNeighbors(n_neighbors=k + 1, metric="euclidean").fit(x).kneighbors(x)
    return distances[:, k]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("fixture")
    parser.add_argument("--k-pr", type=int, default=3)
    parser.add_argument("--k-dc", type=int, default=5)
    args = parser.parse_args()
    f = np.load(args.fixture)
    real, fake = f["real"].astype(np.float64), f["fake"].astype(np.float64)
    idx = f["kid_indices"].astype(np.int64)
    scores = np.array([mmd(real[s[0]], fake[s[1]]) for s in idx])
    d_rf = pairwise_distances(real, fake, metric="euclidean")
    r_real, r_fake = radii(real, args.k_pr), radii(fake, args.k_pr)
    precision = (d_rf < r_real[:, None]).any(axis=0).mean()
    recall = (d_rf < r_fake[None, :]).any(axis=1).mean()
    r_real_dc = radii(real, args.k_dc)
    density = (d_rf < r_real_dc[:, None]).sum(axis=0).mean() / args.k_dc
    coverage = (d_rf.min(axis=1) < r_real_dc).mean()
    print(json.dumps({"kid_mean": float(scores.mean()), "kid_std": float(scores.std()), "precision": float(precision),
                      "recall": float(recall), "density": float(density), "coverage": float(coverage)}))


if __name__ == "__main__":
    main()
