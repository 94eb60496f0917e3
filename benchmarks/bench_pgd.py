"""Cost of PGD-10 evaluation as a ratio to its floor, 11 forward-backward passes over the same images.

PGD-10 over N images costs 10 steps (forward + backward to the input) plus
one final forward to score the result; the floor is 11 forward passes each
followed by a backward to the input, with the parameters frozen as in the
attack. Both run on the same batches, interleaved, in each repeat; the
medians over repeats give the ratio (target <= 1.3).

    python benchmarks/bench_pgd.py [--n 10000] [--batch-size 1000] [--repeats 3] [--device cpu]

Data: the Fashion-MNIST test split when its files are present, else uniform
noise of the same shape (the cost does not depend on pixel values). Model:
``msda_theory.models.build("cnn", (1, 28, 28), 10)`` at its initial weights.
"""
from __future__ import annotations

import argparse
import platform
import statistics
import time
from typing import Callable

import torch
import torch.nn.functional as F
from torch import nn

from msda_theory.attacks import pgd
from msda_theory.attacks.loss import attack_mode


def small_cnn() -> nn.Module:
    """The package's CNN for (1, 28, 28) inputs and 10 classes, or a local equivalent."""
    torch.manual_seed(0)
    try:
        from msda_theory.models import build
    except ImportError:
        return nn.Sequential(
            nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.AvgPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.AvgPool2d(2),
            nn.AdaptiveAvgPool2d(4), nn.Flatten(), nn.Linear(64 * 16, 128), nn.ReLU(), nn.Linear(128, 10),
        )
    return build("cnn", (1, 28, 28), 10)


def test_images(n: int) -> tuple[torch.Tensor, torch.Tensor, str]:
    """(x (n, 1, 28, 28), y (n,), source): Fashion-MNIST test images if present, else noise."""
    try:
        from msda_theory import data

        test = data.load("fashion-mnist", split="test")
        return test.x[:n], test.y[:n], "fashion-mnist test split"
    except (ImportError, FileNotFoundError, ValueError):
        gen = torch.Generator().manual_seed(0)
        return torch.rand(n, 1, 28, 28, generator=gen), torch.randint(0, 10, (n,), generator=gen), "uniform noise"


def floor_pass(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> None:
    """One forward and one backward to the input (what one PGD step must do at least)."""
    x = x.detach().requires_grad_(True)
    torch.autograd.grad(F.cross_entropy(model(x), y, reduction="sum"), x)


def pgd_evaluation(model: nn.Module, x: torch.Tensor, y: torch.Tensor, eps: float) -> int:
    """PGD-10 and one final forward: the number of images still classified correctly."""
    x_adv = pgd(model, x, y, eps, steps=10, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        return int((model(x_adv).argmax(1) == y).sum())


def timed(work: Callable[[], object], device: torch.device) -> float:
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    start = time.perf_counter()
    work()
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=10000)
    parser.add_argument("--batch-size", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--eps", type=float, default=0.1)
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()
    device = torch.device(args.device)
    model = small_cnn().to(device).eval()
    x, y, source = test_images(args.n)
    batches = [(x[i:i + args.batch_size].to(device), y[i:i + args.batch_size].to(device))
               for i in range(0, len(y), args.batch_size)]

    def floor() -> None:
        with attack_mode(model):
            for xb, yb in batches:
                for _ in range(11):
                    floor_pass(model, xb, yb)

    def attack() -> None:
        for xb, yb in batches:
            pgd_evaluation(model, xb, yb, args.eps)

    floor(), attack()  # warm-up
    floors, attacks = [], []
    for _ in range(args.repeats):
        floors.append(timed(floor, device))
        attacks.append(timed(attack, device))
    f, a = statistics.median(floors), statistics.median(attacks)
    print(f"{len(y)} images ({source}), batch {args.batch_size}, device {device}, torch {torch.__version__}, "
          f"{torch.get_num_threads()} threads, {platform.processor() or platform.machine()}")
    print(f"floor: 11 forward+backward passes  {f:8.3f} s  (median of {args.repeats})")
    print(f"PGD-10 + final evaluation          {a:8.3f} s  (median of {args.repeats})")
    print(f"ratio {a / f:.3f}  (target <= 1.3)")


if __name__ == "__main__":
    main()
