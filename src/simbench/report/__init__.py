"""Reports: tables and matplotlib plots of a run and its comparisons, as HTML and Markdown.

matplotlib and jinja2 (the ``report`` extra) are imported only when a report is built.
"""

from __future__ import annotations

from .analysis import ComparisonAnalysis, RunAnalysis, analyse_comparison, analyse_run
from .build import build_report

__all__ = ["ComparisonAnalysis", "RunAnalysis", "analyse_comparison", "analyse_run", "build_report"]
