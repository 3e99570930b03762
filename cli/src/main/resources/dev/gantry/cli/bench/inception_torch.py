"""PyTorch side of 'gantry bench fid --inception': images/s of a TorchScript Inception v3 in PyTorch
on the same file, batch size, image size and thread count as gantry. Timed twice: fed NCHW uint8
as StyleGAN2-ADA's and clean-fid's metric code feed it, and fed the same tensor channels-last, the
layout gantry uses. Prints one JSON line."""
import json
import sys
import time

import torch

path, images, batch, size, threads = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
torch.set_num_threads(threads)
module = torch.jit.load(path).eval()
x = torch.randint(0, 256, (batch, 3, size, size), dtype=torch.uint8, generator=torch.Generator().manual_seed(0))


def images_per_second(inputs):
    with torch.no_grad():
        for _ in range(3):
            module(inputs, True)  # warm-up, as on the gantry side
        start = time.perf_counter()
        done = 0
        while done < images:
            module(inputs, True)
            done += batch
        return done / (time.perf_counter() - start)


nchw = images_per_second(x)
channels_last = images_per_second(x.contiguous(memory_format=torch.channels_last))
print(json.dumps({"images_per_second": nchw, "channels_last_images_per_second": channels_last}))
