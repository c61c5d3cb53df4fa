"""Run folders: their format, and resumable, streamed, sharded evaluations that write them.

This package owns the run folder (``docs/run-folder.md``):

- :mod:`.folder`: the file names, :class:`RunFolder` (the one reader and writer of the folder's
  files) and :func:`read_prediction_lines` (any predictions file);
- :mod:`.records`: the typed records, :class:`RunInfo` (provenance) and :class:`PredictionRow`
  (one prediction line), with :data:`RUN_SCHEMA_VERSION`;
- :mod:`.provenance`: versions, times and the check that refuses mixing two runs in one folder;
- :mod:`.runner`: :func:`execute_run` runs an already built backend into a folder;
- :mod:`.evaluation`: :func:`run_evaluation` is ``simbench run`` as a function.

The format modules import nothing above the metric layer, so the metric, the statistics and the
leaderboard read run folders through them. The runner, which scores with the metric, is imported
only when one of its names is first used.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .folder import (
    PREDICTIONS_FILE,
    RUN_INFO_FILE,
    SCORES_FILE,
    PredictionWriter,
    RunError,
    RunFolder,
    RunFolderError,
    item_order_key,
    predictions_file,
    read_prediction_lines,
)
from .provenance import IDENTITY_KEYS, check_compatible, library_versions
from .records import (
    RUN_SCHEMA_VERSION,
    AdapterInfo,
    CalibrationInfo,
    DataInfo,
    FitResult,
    Invocation,
    ModelInfo,
    PredictionRow,
    RunInfo,
    SourceRun,
    Timings,
)

if TYPE_CHECKING:
    from .distributed import DistContext, init_distributed
    from .evaluation import run_evaluation, select_run_items
    from .runner import RunResult, RunSettings, execute_run

__all__ = [
    "IDENTITY_KEYS",
    "PREDICTIONS_FILE",
    "RUN_INFO_FILE",
    "RUN_SCHEMA_VERSION",
    "SCORES_FILE",
    "AdapterInfo",
    "CalibrationInfo",
    "DataInfo",
    "DistContext",
    "FitResult",
    "Invocation",
    "ModelInfo",
    "PredictionRow",
    "PredictionWriter",
    "RunError",
    "RunFolder",
    "RunFolderError",
    "RunInfo",
    "RunResult",
    "RunSettings",
    "SourceRun",
    "Timings",
    "check_compatible",
    "execute_run",
    "init_distributed",
    "item_order_key",
    "library_versions",
    "predictions_file",
    "read_prediction_lines",
    "run_evaluation",
    "select_run_items",
]

#: Names imported on first use (PEP 562): the runner imports the metric, which reads run folders.
_LAZY = {
    "DistContext": "distributed", "init_distributed": "distributed",
    "run_evaluation": "evaluation", "select_run_items": "evaluation",
    "RunResult": "runner", "RunSettings": "runner", "execute_run": "runner",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
