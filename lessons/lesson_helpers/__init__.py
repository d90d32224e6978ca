"""Helpers the lessons import: the slider-or-static-figures pattern and the longer figures.

This package holds code that is not what a lesson teaches (widget plumbing, figure layout), so
that each lesson's source stays short and its cells show the computation and the asserts. The
notebooks import it like ``lesson_checks``: after putting the lessons folder on ``sys.path``
(Jupyter started in ``lessons/`` finds it; elsewhere, and on Colab, the environment variable
``MINIGRAD_LESSONS`` names the folder). Host-side code: it may use NumPy and matplotlib.
"""
from __future__ import annotations

from .stats import spread
from .widgets import slider_or_static

__all__ = ["slider_or_static", "spread"]
