"""``python -m msda_theory`` runs the command line."""
import sys

from msda_theory.cli import main

if __name__ == "__main__":  # guarded: worker processes (check --jobs) re-import the main module
    sys.exit(main())
