"""The SimBench score (numpy only: no torch, no evaluate).

- :mod:`.core`: total variation, study norms, row scores and aggregation on padded matrices;
- :mod:`.predictions`: reading prediction rows (:class:`PredictionError`);
- :mod:`.validate`: checking them against the items;
- :mod:`.scoring`: :func:`score_predictions`, the one call behind ``simbench score``;
- :mod:`.table`: the text table;
- :mod:`.lists`: scoring plain lists of distributions (behind the ``evaluate`` module);
- :mod:`.evaluate_module`: :func:`load_metric`, the ``evaluate`` module shipped in the package.
"""

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
from .predictions import PredictionError, read_predictions
from .scoring import SCORES_SCHEMA_VERSION, score_predictions, score_predictions_rows
from .table import format_score_table
from .validate import ValidatedPredictions, validate_predictions

__all__ = [
    "MAX_OPTIONS",
    "PredictionError",
    "SCORES_SCHEMA_VERSION",
    "ScoredRows",
    "ValidatedPredictions",
    "aggregate",
    "compute_norms",
    "format_score_table",
    "norms_table",
    "pad_distributions",
    "read_predictions",
    "row_scores",
    "score_matrix",
    "score_predictions",
    "score_predictions_rows",
    "total_variation",
    "uniform_matrix",
    "validate_predictions",
]
