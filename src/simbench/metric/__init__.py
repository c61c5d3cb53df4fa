"""The SimBench score (numpy only: no torch, no evaluate)."""

from .core import (
    MAX_OPTIONS,
    ScoredRows,
    aggregate,
    compute_norms,
    norms_table,
    pad_distributions,
    row_scores,
    score_matrix,
    total_variation,
    uniform_matrix,
)

__all__ = [
    "MAX_OPTIONS",
    "ScoredRows",
    "aggregate",
    "compute_norms",
    "norms_table",
    "pad_distributions",
    "row_scores",
    "score_matrix",
    "total_variation",
    "uniform_matrix",
]
