"""``python -m msda_theory`` runs the command line."""
import sys

from msda_theory.cli import main

sys.exit(main())
