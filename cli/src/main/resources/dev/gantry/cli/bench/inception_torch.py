"""PyTorch side of 'gantry bench fid --inception': images/s of a TorchScript Inception v3 in eager
PyTorch on the same file, batch size, image size and thread count as gantry. Prints one JSON line."""
import json
import sys
import time

import torch

path, images, batch, size, threads = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
torch.set_num_threads(threads)
module = torch.jit.load(path).eval()
x = torch.randint(0, 256, (batch, 3, size, size), dtype=torch.uint8, generator=torch.Generator().manual_seed(0))
with torch.no_grad():
    for _ in range(3):
        module(x, True)  # warm-up, as on the gantry side
    start = time.perf_counter()
    done = 0
    while done < images:
        module(x, True)
        done += batch
    seconds = time.perf_counter() - start
print(json.dumps({"images_per_second": done / seconds, "images": done}))
