"""Run folders: resumable, streamed, sharded evaluations and their provenance.

A run folder (``docs/run-folder.md``) holds ``predictions.jsonl`` (one line per item, appended as
items finish), ``run.json`` (what produced it) and ``scores.json`` (what ``simbench score`` prints).
:func:`run_evaluation` is ``simbench run`` as a function; :func:`execute_run` runs an already built
backend.
"""

from __future__ import annotations

from .api import run_evaluation, select_run_items
from .distributed import DistContext, init_distributed
from .folder import PredictionWriter, RunError, RunFolder, RunFolderError, item_order_key
from .provenance import IDENTITY_KEYS, RUN_SCHEMA_VERSION, check_compatible, library_versions
from .runner import RunResult, RunSettings, execute_run

__all__ = [
    "IDENTITY_KEYS",
    "RUN_SCHEMA_VERSION",
    "DistContext",
    "PredictionWriter",
    "RunError",
    "RunFolder",
    "RunFolderError",
    "RunResult",
    "RunSettings",
    "check_compatible",
    "execute_run",
    "init_distributed",
    "item_order_key",
    "library_versions",
    "run_evaluation",
    "select_run_items",
]
