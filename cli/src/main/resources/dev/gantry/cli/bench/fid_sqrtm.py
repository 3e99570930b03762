"""pytorch-fid's Frechet distance (scipy.linalg.sqrtm) on two .npz statistics, timed.
usage: fid_sqrtm.py A.npz B.npz REPEATS  -> one JSON line {"fid": ..., "seconds": [...]}"""
import json
import sys
import time

import numpy as np
from scipy import linalg


def fid(mu1, s1, mu2, s2, eps=1e-6):
    diff = mu1 - mu2
    covmean, _ = linalg.sqrtm(s1.dot(s2), disp=False)
    if not np.isfinite(covmean).all():
        offset = np.eye(s1.shape[0]) * eps
        covmean = linalg.sqrtm((s1 + offset).dot(s2 + offset))
    if np.iscomplexobj(covmean):
        covmean = covmean.real
    return float(diff.dot(diff) + np.trace(s1) + np.trace(s2) - 2 * np.trace(covmean))


a, b = np.load(sys.argv[1]), np.load(sys.argv[2])
times, value = [], None
for _ in range(int(sys.argv[3])):
    t0 = time.perf_counter()
    value = fid(a["mu"], a["sigma"], b["mu"], b["sigma"])
    times.append(time.perf_counter() - t0)
print(json.dumps({"fid": value, "seconds": times}))
