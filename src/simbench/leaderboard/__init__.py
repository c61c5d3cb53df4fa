"""Leaderboard submissions: strict validation, re-scoring, Hub evaluation results, the board page.

A submission (a run folder or one bundled file) is validated strictly, re-scored from its per-item
predictions (aggregates written by the submitter are never used), given confidence intervals, and
turned into two Hub pull requests: a leaderboard entry for a dataset repository and
``.eval_results/simbench.yaml`` for the model repository. ``build_leaderboard`` renders the board
(CSV, Markdown and a static HTML page) with the 45 published results beside the submissions.
"""

from ..runs import DataInfo, ModelInfo, PredictionRow, RunInfo
from .board import (
    BoardRow,
    find_submissions,
    published_rows,
    rank_rows,
    submission_rows,
    to_csv,
    to_markdown,
)
from .bundle import SUBMISSION_SCHEMA_VERSION, Submission
from .hub import (
    EVAL_RESULTS_PATH,
    CommitPlan,
    SubmissionPlan,
    build_entry,
    default_model_repo,
    entry_bytes,
    entry_path_for,
    eval_results_yaml,
    plan_submission,
    upload_submission,
)
from .page import render_page
from .published import (
    PAPER_CITATION,
    PUBLISHED_RESULTS,
    UNIFORM_BASELINE,
    PublishedResult,
    below_baseline,
    fmt_score,
)
from .results import recompute_results, standard_error_intervals
from .submission import (
    RawSubmission,
    SubmissionError,
    ValidatedSubmission,
    read_submission,
    validate_submission,
)
from .workflows import build_leaderboard, prepare_submission

__all__ = [
    "EVAL_RESULTS_PATH",
    "PAPER_CITATION",
    "PUBLISHED_RESULTS",
    "SUBMISSION_SCHEMA_VERSION",
    "UNIFORM_BASELINE",
    "BoardRow",
    "CommitPlan",
    "DataInfo",
    "ModelInfo",
    "PredictionRow",
    "PublishedResult",
    "RawSubmission",
    "RunInfo",
    "Submission",
    "SubmissionError",
    "SubmissionPlan",
    "ValidatedSubmission",
    "below_baseline",
    "build_entry",
    "build_leaderboard",
    "default_model_repo",
    "entry_bytes",
    "entry_path_for",
    "eval_results_yaml",
    "find_submissions",
    "fmt_score",
    "plan_submission",
    "prepare_submission",
    "published_rows",
    "rank_rows",
    "read_submission",
    "recompute_results",
    "render_page",
    "standard_error_intervals",
    "submission_rows",
    "to_csv",
    "to_markdown",
    "upload_submission",
    "validate_submission",
]
