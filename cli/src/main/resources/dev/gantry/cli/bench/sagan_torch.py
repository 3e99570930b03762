"""PyTorch eager twin of gantry's SAGAN (same layers, widths, spectral norm, losses and Adam),
timed the way `gantry bench train` times gantry. Prints one JSON line.

usage: sagan_torch.py SIZE G_CH D_CH BATCH ITERS WARMUP THREADS ATTENTION(comma list or '') CLASSES CHANNELS ZDIM
SAGAN_TWIN_LAYOUT=channels-last puts weights and images in channels-last order (`--twin-layout`).
SAGAN_TWIN_FORMULATION=gantry orders three computations as gantry does (`--twin-formulation`): the
attention map applied as (attention h^T)^T, and every 1x1 shortcut convolution run at the lower
resolution (G: conv then upsample; D: pool then conv). By default they are written as in the published
SAGAN/BigGAN code: bmm(h, attention^T), upsample then conv, conv then pool (D's first block pools
first either way). Same functions either way.
"""
import json
import os
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

SN = nn.utils.spectral_norm
GANTRY_ORDER = os.environ.get("SAGAN_TWIN_FORMULATION") == "gantry"
CHANNELS_LAST = os.environ.get("SAGAN_TWIN_LAYOUT") == "channels-last"
LAYOUT = {  # image size -> (G widths, D widths, D downsample), as multiples of the base channels
    32: ([4, 4, 4, 4], [4, 4, 4, 4], [True, True, False, False]),
    64: ([16, 8, 4, 2, 1], [1, 2, 4, 8, 16], [True, True, True, True, False]),
    128: ([16, 16, 8, 4, 2, 1], [1, 2, 4, 8, 16, 16], [True, True, True, True, True, False]),
}


def conv(i, o, k, bias=True):
    return SN(nn.Conv2d(i, o, k, padding=k // 2, bias=bias))


class CBN(nn.Module):
    def __init__(self, classes, c):
        super().__init__()
        self.bn = nn.BatchNorm2d(c, affine=False)
        self.gain = SN(nn.Embedding(classes, c))
        self.bias = SN(nn.Embedding(classes, c))

    def forward(self, x, y):
        return self.bn(x) * (1 + self.gain(y))[:, :, None, None] + self.bias(y)[:, :, None, None]


class Attention(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.f, self.g = conv(c, c // 8, 1, False), conv(c, c // 8, 1, False)
        self.h, self.v = conv(c, c // 2, 1, False), conv(c // 2, c, 1, False)
        self.gamma = nn.Parameter(torch.zeros(1))

    def forward(self, x):
        b, c, hh, ww = x.shape
        n = hh * ww
        f, g, h = self.f(x).view(b, -1, n), self.g(x).view(b, -1, n), self.h(x).view(b, -1, n)
        att = torch.softmax(torch.bmm(g.transpose(1, 2), f), dim=2)
        if GANTRY_ORDER:
            o = torch.bmm(att, h.transpose(1, 2)).transpose(1, 2).reshape(b, -1, hh, ww)  # channels-last strides
            o = o if CHANNELS_LAST else o.contiguous()
        else:
            o = torch.bmm(h, att.transpose(1, 2)).view(b, -1, hh, ww)
        return self.gamma * self.v(o) + x


class GBlock(nn.Module):
    def __init__(self, i, o, classes):
        super().__init__()
        self.bn1, self.conv1 = CBN(classes, i), conv(i, o, 3)
        self.bn2, self.conv2 = CBN(classes, o), conv(o, o, 3)
        self.shortcut = conv(i, o, 1)

    def forward(self, x, y):
        h = self.conv1(F.interpolate(F.relu(self.bn1(x, y)), scale_factor=2))
        h = self.conv2(F.relu(self.bn2(h, y)))
        if GANTRY_ORDER:
            return h + F.interpolate(self.shortcut(x), scale_factor=2)
        return h + self.shortcut(F.interpolate(x, scale_factor=2))


class DBlock(nn.Module):
    def __init__(self, i, o, first, down):
        super().__init__()
        self.first, self.down = first, down
        self.conv1, self.conv2 = conv(i, o, 3), conv(o, o, 3)
        self.shortcut = conv(i, o, 1) if (first or down or i != o) else None

    def forward(self, x):
        h = self.conv2(F.relu(self.conv1(x if self.first else F.relu(x))))
        if self.down:
            h = F.avg_pool2d(h, 2)
        if self.shortcut is None:
            s = x
        elif self.first or GANTRY_ORDER:
            s = self.shortcut(F.avg_pool2d(x, 2) if self.down else x)
        else:
            s = self.shortcut(x)
            s = F.avg_pool2d(s, 2) if self.down else s
        return h + s


class G(nn.Module):
    def __init__(self, size, ch, att, classes, channels, zdim):
        super().__init__()
        widths = [w * ch for w in LAYOUT[size][0]]
        self.w0 = widths[0]
        self.input = SN(nn.Linear(zdim, widths[0] * 16))
        self.blocks = nn.ModuleList(GBlock(widths[i], widths[i + 1], classes) for i in range(len(widths) - 1))
        self.att = nn.ModuleList(Attention(widths[i + 1]) if (8 << i) in att else nn.Identity()
                                 for i in range(len(widths) - 1))
        self.out_bn = nn.BatchNorm2d(widths[-1])
        self.out_conv = conv(widths[-1], channels, 3)

    def forward(self, z, y):
        h = self.input(z).view(-1, self.w0, 4, 4)
        for block, att in zip(self.blocks, self.att):
            h = att(block(h, y))
        return torch.tanh(self.out_conv(F.relu(self.out_bn(h))))


class D(nn.Module):
    def __init__(self, size, ch, att, classes, channels):
        super().__init__()
        _, widths, down = LAYOUT[size]
        self.blocks, self.att = nn.ModuleList(), nn.ModuleList()
        i, res, placed = channels, size, set()
        for k, w in enumerate(widths):
            o = w * ch
            self.blocks.append(DBlock(i, o, k == 0, down[k]))
            res = res // 2 if down[k] else res
            here = res in att and res not in placed
            placed.add(res) if here else None
            self.att.append(Attention(o) if here else nn.Identity())
            i = o
        self.output = SN(nn.Linear(i, 1))
        self.projection = SN(nn.Embedding(classes, i))

    def forward(self, x, y):
        h = x
        for block, att in zip(self.blocks, self.att):
            h = att(block(h))
        phi = F.relu(h).sum(dim=(2, 3))
        return self.output(phi).view(-1) + (self.projection(y) * phi).sum(1)


def main():
    a = sys.argv[1:]
    size, gch, dch, batch, iters, warmup, threads = (int(v) for v in a[:7])
    att = [int(v) for v in a[7].split(",") if v]
    classes, channels, zdim = int(a[8]), int(a[9]), int(a[10])
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    g, d = G(size, gch, att, classes, channels, zdim), D(size, dch, att, classes, channels)
    opt_g = torch.optim.Adam(g.parameters(), 1e-4, betas=(0.0, 0.9))
    opt_d = torch.optim.Adam(d.parameters(), 4e-4, betas=(0.0, 0.9))
    real = torch.rand(batch, channels, size, size) * 2 - 1
    if CHANNELS_LAST:
        g, d = g.to(memory_format=torch.channels_last), d.to(memory_format=torch.channels_last)
        real = real.contiguous(memory_format=torch.channels_last)
    labels = torch.randint(0, classes, (batch,))
    times = []
    for it in range(warmup + iters):
        t0 = time.perf_counter()
        z, yf = torch.randn(batch, zdim), torch.randint(0, classes, (batch,))
        with torch.no_grad():
            fake = g(z, yf)
        opt_d.zero_grad()
        loss_d = F.relu(1 - d(real, labels)).mean() + F.relu(1 + d(fake, yf)).mean()
        loss_d.backward()
        opt_d.step()
        z, yf = torch.randn(batch, zdim), torch.randint(0, classes, (batch,))
        opt_g.zero_grad()
        # as gantry (and StudioGAN): D's weights out of the graph while G's loss backpropagates through D
        d.requires_grad_(False)
        loss_g = -d(g(z, yf), yf).mean()
        loss_g.backward()
        d.requires_grad_(True)
        opt_g.step()
        float(loss_g)
        if it >= warmup:
            times.append(time.perf_counter() - t0)
    print(json.dumps({"torch": torch.__version__, "times": times, "peak_rss_mb": peak_rss_mb()}))


def peak_rss_mb():
    # VmHWM, not getrusage: ru_maxrss survives execve and would report the launching JVM's peak.
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    return float("nan")


if __name__ == "__main__":
    main()
