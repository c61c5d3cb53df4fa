"""simbench: SimBench on the Hugging Face ecosystem.

SimBench measures how faithfully a language model simulates the distribution of answers that real
groups of people gave. This package loads the benchmark, elicits distributions from models, computes
the SimBench score and the statistics around it, and prepares leaderboard submissions.

``import simbench`` is light: torch, transformers and evaluate are imported only by the functions that
need them.

Examples
--------
>>> import simbench
>>> simbench.get_study("moral_machine").rows["pop"]
500
"""

from __future__ import annotations

from ._version import __version__
from .data import (
    DATA_ENV_VAR,
    HUB_REPO_ID,
    SPLITS,
    STUDIES,
    DataError,
    DataNotFoundError,
    DataSource,
    Item,
    Study,
    UnsafePickleError,
    get_study,
    load_items,
    read_csv,
    read_jsonl,
    read_parquet,
    read_pickle,
    resolve_source,
    select_items,
)
from .data.hub_folder import build_hub_folder
from .errors import (
    ExtractionError,
    LeaderboardError,
    MetricError,
    RunError,
    SimBenchError,
    StatsError,
    SubmissionError,
)
from .extraction import Backend, Prediction, prompt_hash
from .metric import (
    PredictionError,
    compute_norms,
    format_score_table,
    read_predictions,
    score_predictions,
    score_predictions_rows,
    total_variation,
)
from .metric.evaluate_module import load_metric
from .prompts import PromptRenderer
from .runs import run_evaluation
from .stats import bootstrap_ci, noise_ceiling, paired_comparison

__all__ = [
    "Backend",
    "DATA_ENV_VAR",
    "DataError",
    "DataNotFoundError",
    "DataSource",
    "ExtractionError",
    "HUB_REPO_ID",
    "Item",
    "LeaderboardError",
    "MetricError",
    "Prediction",
    "PredictionError",
    "PromptRenderer",
    "RunError",
    "SPLITS",
    "STUDIES",
    "SimBenchError",
    "StatsError",
    "Study",
    "SubmissionError",
    "UnsafePickleError",
    "__version__",
    "bootstrap_ci",
    "build_hub_folder",
    "compute_norms",
    "format_score_table",
    "get_study",
    "load_items",
    "load_metric",
    "noise_ceiling",
    "paired_comparison",
    "prompt_hash",
    "read_csv",
    "read_jsonl",
    "read_parquet",
    "read_pickle",
    "read_predictions",
    "resolve_source",
    "run_evaluation",
    "score_predictions",
    "score_predictions_rows",
    "select_items",
    "total_variation",
]
