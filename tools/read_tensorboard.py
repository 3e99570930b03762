"""Reads a TensorBoard log directory with TensorBoard's own event reader and prints what each run
holds as JSON: {run: {"scalars": {tag: [[step, value], ...]}, "images": {tag: [[step, width, height, png_width, png_height], ...]}}}
(png_*: the size Pillow decodes from the stored PNG).

The independent side of TensorBoardExportTest: `gantry export tensorboard` writes event files
without TensorFlow, and this checks that TensorBoard reads them back as written.
Needs the tensorboard package (scripts/install-deps.sh --tensorboard).

    python tools/read_tensorboard.py LOGDIR
"""
import io
import json
import math
import os
import sys

from PIL import Image
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

# 0 keeps every value; the defaults sample (scalars) or keep only the last few (images).
KEEP_ALL = {"scalars": 0, "images": 0, "tensors": 0}


def number(v):
    # JSON has no NaN or infinity; the test compares these spellings.
    return v if math.isfinite(v) else repr(v)


def png_size(data):
    image = Image.open(io.BytesIO(data))
    assert image.format == "PNG", image.format
    return list(image.size)


def main(logdir):
    runs = {}
    for name in sorted(os.listdir(logdir)):
        path = os.path.join(logdir, name)
        if not os.path.isdir(path):
            continue
        acc = EventAccumulator(path, size_guidance=KEEP_ALL)
        acc.Reload()
        tags = acc.Tags()
        runs[name] = {
            "scalars": {t: [[e.step, number(e.value)] for e in acc.Scalars(t)] for t in tags["scalars"]},
            "images": {t: [[e.step, e.width, e.height, *png_size(e.encoded_image_string)] for e in acc.Images(t)]
                       for t in tags["images"]},
        }
    json.dump(runs, sys.stdout, indent=1, sort_keys=True)


if __name__ == "__main__":
    main(sys.argv[1])
