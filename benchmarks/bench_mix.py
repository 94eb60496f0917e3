"""Benchmark of mix() against the torch.lerp floor; same as `msda-theory bench`."""
import sys

from msda_theory.cli import main

if __name__ == "__main__":
    sys.exit(main(["bench", *sys.argv[1:]]))
