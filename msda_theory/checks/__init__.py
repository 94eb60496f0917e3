"""Paper checks: each claim of docs/theory.md section 9 as a function with a verdict, and the ledger."""
from msda_theory.checks.registry import Check, CheckContext, Measurement, all_checks, check

__all__ = ["Check", "CheckContext", "Measurement", "all_checks", "check"]
