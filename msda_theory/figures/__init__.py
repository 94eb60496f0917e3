"""Figures: registered, headless, seeded; each saved as PNG, PDF and JSON (data and config)."""
from msda_theory.figures.registry import Figure, FigureContext, all_figures, figure, save_figure

__all__ = ["Figure", "FigureContext", "all_figures", "figure", "save_figure"]
