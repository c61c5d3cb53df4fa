"""Reading predictions: JSON Lines files, lists of dicts, DataFrames and ``datasets.Dataset``.

A prediction row is a mapping with at least ``item_id`` and ``distribution`` (an object label ->
probability, or a list in label order), as described in ``docs/run-folder.md``. Rows with
``"status": "failed"`` carry ``"distribution": null``. Problems are collected and reported all at once
in a :class:`PredictionError`; :mod:`.validate` checks the rows against the items. Files and run
folders are read through the run folder's own reader (:func:`simbench.runs.read_prediction_lines`).

Examples
--------
>>> import json, tempfile, pathlib
>>> path = pathlib.Path(tempfile.mkdtemp()) / "preds.jsonl"
>>> good = json.dumps({"item_id": "pop/0", "distribution": [0.5, 0.5]})
>>> _ = path.write_text(good + "\\n{oops\\n")
>>> try:
...     read_predictions(path)
... except PredictionError as e:
...     print(e.problems)
['line 2: not valid JSON (Expecting property name enclosed in double quotes at column 2)']
>>> read_predictions(path.parent / "missing.jsonl")
Traceback (most recent call last):
...
FileNotFoundError: predictions file not found: ...missing.jsonl
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from ..errors import MAX_PROBLEMS_SHOWN, PredictionError
from ..runs.folder import read_prediction_lines

__all__ = ["MAX_PROBLEMS_SHOWN", "PredictionError", "prediction_rows", "read_predictions"]


def read_predictions(path: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """Read a JSON Lines predictions file (or a run folder's) into a list of dicts.

    Blank lines are skipped.

    Raises:
        PredictionError: listing every line that is not valid JSON or not a JSON object.
        FileNotFoundError: when there is no predictions file at ``path``.
    """
    rows, problems = read_prediction_lines(path)
    if problems:
        raise PredictionError(problems, source=str(path))
    return [row for _, row in rows]


def prediction_rows(
    predictions: Any,
) -> tuple[list[tuple[str, Mapping[str, Any]]], str, list[str]]:
    """Turn any accepted predictions input into ``[(where, row)]``, a name and reading problems.

    Accepted: a path (a predictions file, or a run folder), a list of dicts, a
    ``pandas.DataFrame`` or a ``datasets.Dataset``. Lines that are not JSON objects are reported in
    the returned problems (so that they can be listed with the validation problems).
    """
    if isinstance(predictions, str | os.PathLike):
        rows, problems = read_prediction_lines(predictions)
        return list(rows), str(predictions), problems
    kind = type(predictions).__module__.split(".")[0] + "." + type(predictions).__name__
    if kind == "pandas.DataFrame":
        records = predictions.to_dict(orient="records")
        return [(f"row {i}", _clean_record(r, False)) for i, r in enumerate(records)], "DataFrame", []
    if kind == "datasets.Dataset" or kind.startswith("datasets.") and hasattr(predictions, "features"):
        return [(f"row {i}", _clean_record(r, True)) for i, r in enumerate(predictions)], "Dataset", []
    if isinstance(predictions, Mapping) or not isinstance(predictions, Iterable):
        raise TypeError("predictions must be a path, a list of dicts, a pandas DataFrame or a "
                        f"datasets.Dataset, not {type(predictions).__name__}")
    rows = [(f"row {i}", r) for i, r in enumerate(predictions)]
    bad = [f"{w}: expected a mapping, got {type(r).__name__}" for w, r in rows
           if not isinstance(r, dict | Mapping)]
    return [(w, r) for w, r in rows if isinstance(r, dict | Mapping)], "list", bad


def _clean_record(rec: Mapping[str, Any], from_arrow: bool) -> dict[str, Any]:
    """Undo the table representations: arrays -> lists, pandas NaN cells -> None, struct padding."""
    out = dict(rec)
    dist = out.get("distribution")
    if isinstance(dist, np.ndarray):
        dist = dist.tolist()
    elif isinstance(dist, float) and math.isnan(dist):
        dist = None  # pandas stores a missing object cell as NaN
    elif isinstance(dist, Mapping) and from_arrow:
        # Arrow stores a dict column as a struct of every key seen: absent keys come back as None.
        dist = {k: v for k, v in dist.items() if v is not None}
    out["distribution"] = dist
    for key in ("status", "error"):
        if isinstance(out.get(key), float) and math.isnan(out[key]):
            out[key] = None
    return out
