"""Time of the direct estimator relative to one forward and backward pass (issue 4).

1,000 Fashion-MNIST images (digits upsampled to 28x28 when absent), the
default small CNN of ``msda_theory.models`` (softplus), 32 draws per image;
prints seconds for both and their ratio (target: at most 40x).
Usage: python benchmarks/bench_decompose.py [--n 1000] [--masks 32] [--batch 4096]
"""
from __future__ import annotations

import argparse
import time

import torch
from torch.nn import functional as F

from msda_theory import masks, models
from msda_theory.data import available, load
from msda_theory.regularizers import decompose, get_loss


def images(n: int) -> tuple[torch.Tensor, torch.Tensor]:
    if available("fashion-mnist"):
        d = load("fashion-mnist")
        return d.x[:n], d.y[:n]
    d = load("digits")
    return F.interpolate(d.x[:n], size=(28, 28), mode="bilinear"), d.y[:n]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--masks", type=int, default=32)
    parser.add_argument("--batch", type=int, default=4096)
    parser.add_argument("--strategy", default="cutmix")
    args = parser.parse_args()
    torch.manual_seed(0)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    x, y = images(args.n)
    x, y = x.to(device), y.to(device)
    model = models.build("cnn", tuple(x.shape[1:]), 10, activation="softplus").to(device).eval()
    ce = get_loss("ce")
    rows = F.one_hot(y, 10).float()

    def sync() -> None:
        if device == "cuda":
            torch.cuda.synchronize()

    ce.value(model(x[:8]), rows[:8]).mean().backward()  # warm-up
    sync()
    t0 = time.perf_counter()
    model.zero_grad()
    ce.value(model(x), rows).mean().backward()
    sync()
    base = time.perf_counter() - t0
    t0 = time.perf_counter()
    r = decompose(model, x, y, masks.get(args.strategy), loss="ce", estimator="direct", n_masks=args.masks,
                  batch_size=args.batch, generator=torch.Generator().manual_seed(0))
    sync()
    direct = time.perf_counter() - t0
    print(f"device {device}; n {args.n}; {args.masks} draws per image; images {tuple(x.shape[1:])}")
    print(f"forward+backward: {base:.3f} s; direct estimator: {direct:.3f} s; ratio {direct / base:.1f}x (target <= 40x)")
    print(f"l_msda {r.l_msda:.4f} +- {r.l_msda_se:.4f}; r1 {r.r1:.2e} r2 {r.r2:.2e} r3 {r.r3:.2e}; remainder {r.remainder:.2e}")


if __name__ == "__main__":
    main()
