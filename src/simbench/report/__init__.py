"""Reports: tables and matplotlib plots of a run and its comparisons, as HTML and Markdown.

matplotlib and jinja2 (the ``report`` extra) are imported only when a report is built. The table
helpers (:func:`interval_text`, :func:`entropy_table`, :func:`comparison_tables`) and
:func:`distinct_names` are what the notebooks use to show the same numbers the same way.
"""

from __future__ import annotations

from .analysis import ComparisonAnalysis, RunAnalysis, analyse_comparison, analyse_run
from .build import build_report, distinct_names
from .tables import comparison_tables, entropy_table, interval_text, summary_lines

__all__ = [
    "ComparisonAnalysis",
    "RunAnalysis",
    "analyse_comparison",
    "analyse_run",
    "build_report",
    "comparison_tables",
    "distinct_names",
    "entropy_table",
    "interval_text",
    "summary_lines",
]
