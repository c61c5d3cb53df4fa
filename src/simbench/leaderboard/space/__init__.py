"""The leaderboard as a Hugging Face Space: a Gradio app over the submissions dataset.

``simbench leaderboard space --out DIR`` writes the Space folder (:func:`write_space`); its
``app.py`` calls :func:`build_app`, which reads ``submissions/`` of the leaderboard dataset (or
``$SIMBENCH_SUBMISSIONS_DIR``), validates and re-scores every entry as
``simbench leaderboard build`` does (:func:`scan_submissions`), and serves the board, the
per-model panel, the scaling panel and a Submit tab. Everything the app shows is computed by the
plain functions re-exported here; gradio is imported only by :func:`build_app`.

Examples
--------
>>> entries = published_entries()
>>> html = board_html(filter_entries(entries, source="published", query="gemma"), total=45)
>>> html.count('class="entry published"'), "showing 7 of 45 models" in html
(7, True)
"""

from __future__ import annotations

from .deploy import (
    GRADIO_VERSION,
    SPACE_FILES,
    plan_space_upload,
    push_space,
    space_operations,
    write_space,
)
from .entries import (
    COVERAGE_CHOICES,
    BoardEntry,
    Rejected,
    ScoreCache,
    SubmissionScan,
    filter_entries,
    published_entries,
    rank_entries,
    scan_submissions,
    score_entry,
)
from .gradio_app import build_app, launch_options
from .model_plots import report_plots, unpack_bundle
from .scaling import (
    FAMILIES,
    PARAMETER_COUNTS,
    LogLinearFit,
    ModelSize,
    ScalingPoint,
    config_parameter_count,
    fit_families,
    fit_log_linear,
    lookup_size,
    model_family,
    scaling_figure,
)
from .scaling_panel import fits_markdown, scaling_points, scaling_view
from .store import ENV_VARS, BoardState, BoardStore, SpaceConfig
from .upload import UploadCheck, check_upload, open_pull_request, upload_markdown
from .views import board_html, model_details, per_study_html, per_study_rows, plots_html

__all__ = [
    "COVERAGE_CHOICES",
    "ENV_VARS",
    "FAMILIES",
    "GRADIO_VERSION",
    "PARAMETER_COUNTS",
    "SPACE_FILES",
    "BoardEntry",
    "BoardState",
    "BoardStore",
    "LogLinearFit",
    "ModelSize",
    "Rejected",
    "ScalingPoint",
    "ScoreCache",
    "SpaceConfig",
    "SubmissionScan",
    "UploadCheck",
    "board_html",
    "build_app",
    "check_upload",
    "config_parameter_count",
    "filter_entries",
    "fit_families",
    "fit_log_linear",
    "fits_markdown",
    "launch_options",
    "lookup_size",
    "model_details",
    "model_family",
    "open_pull_request",
    "per_study_html",
    "per_study_rows",
    "plan_space_upload",
    "plots_html",
    "published_entries",
    "push_space",
    "rank_entries",
    "report_plots",
    "scaling_figure",
    "scaling_points",
    "scaling_view",
    "scan_submissions",
    "score_entry",
    "space_operations",
    "unpack_bundle",
    "upload_markdown",
    "write_space",
]
