"""Run folders as inputs to the statistics: loading, checking that two runs compare, comparing them.

A run folder (``docs/run-folder.md``) holds the predictions and their provenance; it is opened
through :class:`simbench.runs.RunFolder`. :func:`load_run` reads and validates the predictions with
the metric's own reader and validator (so a bad row raises
:class:`~simbench.metric.PredictionError` naming the item) and scores them with the full-split norms,
exactly as ``simbench score`` does. Failed items are scored as the uniform distribution (the default
failure rule), and counted.

Examples
--------
Two predictions files over six made-up Jester rows: one predicts the human answers exactly, one
predicts uniform. ``items`` stands for the full release here (the norms come from it):

>>> import json, tempfile
>>> from pathlib import Path
>>> from simbench.data.schema import item_from_release_row
>>> def item(i, a):
...     return item_from_release_row({
...         "row_index": i, "dataset_name": "Jester", "group_prompt_template": "You like jokes.",
...         "group_prompt_variable_map": {}, "group_size": 50, "auxiliary": {},
...         "input_template": f"Rate joke {i}.\\n\\nOptions:\\n(A): Funny\\n(B): Not funny",
...         "human_answer": {"A": a, "B": 100.0 - a}}, split="pop")
>>> items = [item(i, a) for i, a in enumerate([10.0, 30.0, 45.0, 60.0, 80.0, 95.0])]
>>> tmp = tempfile.TemporaryDirectory()
>>> def write(name, dists):
...     rows = [{"item_id": it.item_id, "distribution": dict(zip(it.option_labels, d)),
...              "status": "ok"} for it, d in zip(items, dists)]
...     path = Path(tmp.name) / name
...     _ = path.write_text("".join(json.dumps(r) + "\\n" for r in rows))
...     return path
>>> human = load_run(write("human.jsonl", [it.human_dist for it in items]), items=items)
>>> uniform = load_run(write("uniform.jsonl", [(0.5, 0.5)] * 6), items=items)
>>> float(human.rows.score.mean()), float(uniform.rows.score.mean()), int(uniform.failed.sum())
(100.0, 0.0, 0)
>>> r = compare_runs(human, uniform, n_resamples=100)
>>> r["difference"]["estimate"], r["win_rate"]["a_better"], r["alignment"]["n"]
(100.0, 1.0, 6)
>>> part = load_run(write("part.jsonl", [(0.5, 0.5)] * 5), items=items)
>>> check_comparable(human, part)
Traceback (most recent call last):
    ...
simbench.errors.RunMismatchError: ... cover different items: 1 only in the first (e.g. ['pop/5']), 0 only in the second (e.g. [])
>>> tmp.cleanup()
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from ..data.schema import Item
from ..errors import RunMismatchError
from ..metric.core import ScoredRows, compute_norms, score_matrix
from ._layout import human_matrix, normalised_entropy
from .alignment import alignment_analysis
from .paired import paired_comparison

__all__ = ["RunData", "RunMismatchError", "check_comparable", "compare_runs", "load_run"]

logger = logging.getLogger(__name__)



@dataclass(frozen=True)
class RunData:
    """A scored run folder.

    Attributes:
        path: the run folder (or predictions file).
        name: a display name: the model id of the provenance, else the folder name.
        meta: the provenance as a JSON object (``{}`` when absent)
        items: the predicted items, in release order.
        predicted: ``(n, 15)`` model distributions aligned with ``items`` (failed rows: uniform).
        rows: per-row scores with the full-split norms.
        failed: ``(n,)`` rows whose prediction failed.
        label_mass: raw label mass of the rows that report it (token-probability runs), else None.
    """

    path: Path
    name: str
    meta: dict[str, Any]
    items: tuple[Item, ...]
    predicted: np.ndarray
    rows: ScoredRows
    failed: np.ndarray
    label_mass: np.ndarray | None = field(default=None)

    @property
    def item_ids(self) -> tuple[str, ...]:
        """Ids of the scored items."""
        return self.rows.item_ids

    @property
    def data_sha256(self) -> str | None:
        """The data hash recorded in the provenance, if any."""
        data = self.meta.get("data") or {}
        return data.get("sha256") if isinstance(data, dict) else None

    def human_entropy(self) -> np.ndarray:
        """Normalised entropy of the human distribution per row."""
        return normalised_entropy(human_matrix(self.items), np.array([it.n_options for it in self.items]))

    def model_entropy(self) -> np.ndarray:
        """Normalised entropy of the model distribution per row."""
        return normalised_entropy(self.predicted, np.array([it.n_options for it in self.items]))


def _display_name(meta: dict[str, Any], folder: Path) -> str:
    """The model id of the provenance (a local path shortened to its last part), else the folder
    name."""
    model = meta.get("model")
    model_id = model.get("id") if isinstance(model, dict) else None
    if not model_id:
        return folder.name
    return Path(model_id).name if os.path.isabs(str(model_id)) else str(model_id)


def load_run(
    run_dir: str | os.PathLike[str],
    *,
    items: Sequence[Item] | None = None,
    source: str | os.PathLike[str] | None = None,
) -> RunData:
    """Read, validate and score a run folder (or a bare predictions file).

    Args:
        run_dir: a run folder (its predictions file, and its provenance when present), or a
            predictions file (the provenance, if any, is read from the folder holding it).
        items: the FULL items of both splits (norms come from them); ``None`` loads them from
            ``source`` (default ``$SIMBENCH_DATA``).
        source: data source when ``items`` is None.

    Raises:
        FileNotFoundError: no predictions file.
        simbench.metric.PredictionError: invalid predictions (every problem, naming the item).
        simbench.errors.RunFolderError: the provenance is not a JSON object.
    """
    from ..metric import read_predictions, validate_predictions
    from ..runs import RunFolder, predictions_file

    pred_path = predictions_file(run_dir)
    if not pred_path.exists():
        raise FileNotFoundError(f"{pred_path}: no predictions file (expected a run folder)")
    folder = pred_path.parent
    meta = RunFolder(folder).read_run_info() or {}
    if items is None:
        from ..data.load import load_items

        items = load_items("both", source=source)
    records = read_predictions(pred_path)
    valid = validate_predictions(records, items, source=str(pred_path))
    rows = replace(score_matrix(valid.items, valid.matrix, compute_norms(items)), failed=valid.failed)
    name = _display_name(meta, folder)
    mass = [r.get("label_mass") for r in records if r.get("label_mass") is not None]
    logger.info("loaded %s: %d rows (%d failed)", pred_path, len(valid.items), int(valid.failed.sum()))
    return RunData(path=folder, name=name, meta=meta, items=tuple(valid.items),
                   predicted=valid.matrix, rows=rows, failed=np.asarray(valid.failed, dtype=bool),
                   label_mass=np.array(mass, dtype=np.float64) if mass else None)


def check_comparable(a: RunData, b: RunData) -> None:
    """Raise :class:`RunMismatchError` unless ``a`` and ``b`` cover the same items of the same data."""
    if a.data_sha256 and b.data_sha256 and a.data_sha256 != b.data_sha256:
        raise RunMismatchError(f"{a.path} and {b.path} were run on different data (provenance "
                               f"data.sha256 {a.data_sha256[:12]}... vs {b.data_sha256[:12]}...)")
    if a.item_ids != b.item_ids:
        only_a = sorted(set(a.item_ids) - set(b.item_ids))
        only_b = sorted(set(b.item_ids) - set(a.item_ids))
        raise RunMismatchError(
            f"{a.path} and {b.path} cover different items: {len(only_a)} only in the first "
            f"(e.g. {only_a[:3]}), {len(only_b)} only in the second (e.g. {only_b[:3]})")


def compare_runs(
    a: RunData, b: RunData, *, n_resamples: int = 1000, seed: int = 0, level: float = 0.95,
    n_bins: int = 10,
) -> dict[str, Any]:
    """Paired comparison (A - B) of two runs plus the alignment-simulation analysis.

    Returns:
        :func:`~simbench.stats.paired_comparison`'s dict with ``"run_a"``, ``"run_b"`` (names and
        paths) and ``"alignment"`` (:func:`~simbench.stats.alignment_analysis`) added.
    """
    check_comparable(a, b)
    out = paired_comparison(list(a.items), a.rows, b.rows, n_resamples=n_resamples, seed=seed,
                            level=level)
    out["alignment"] = alignment_analysis(a.human_entropy(), a.rows.score - b.rows.score,
                                          n_bins=n_bins)
    out["run_a"] = {"name": a.name, "path": str(a.path)}
    out["run_b"] = {"name": b.name, "path": str(b.path)}
    return out
