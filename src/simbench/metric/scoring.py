"""Score predictions: validation, norms, failure rule and aggregation in one call.

:func:`score_predictions` is what ``simbench score`` and the run folder's scores file use;
:func:`score_predictions_rows` also returns the per-row results (for bootstrap CIs and paired tests).

Examples
--------
Three made-up Jester items stand for the full splits (the norms come from them). The human answers
score 100, the uniform distribution 0; a failed row is scored as uniform, and counted:

>>> from simbench.data.schema import Item
>>> def item(i, human):
...     return Item(f"pop/{i}", "pop", i, "Jester", "jester", "You like jokes.", "Rate it.",
...                 ("A", "B"), ("Funny", "Not funny"), human, tuple(100 * p for p in human), 10)
>>> items = [item(0, (0.25, 0.75)), item(1, (0.5, 0.5)), item(2, (0.9, 0.1))]
>>> human = [{"item_id": it.item_id, "distribution": list(it.human_dist)} for it in items]
>>> score_predictions(human, items=items)["simbench_score"]
100.0
>>> uniform = [{"item_id": it.item_id, "distribution": {"A": 0.5, "B": 0.5}} for it in items]
>>> round(score_predictions(uniform, items=items)["simbench_score"], 9)
0.0
>>> rows = human[:2] + [{"item_id": "pop/2", "distribution": None, "status": "failed"}]
>>> rows_scored, result = score_predictions_rows(rows, items=items)
>>> result["failures"]["n_failed"], rows_scored.item_ids, rows_scored.failed.tolist()
(1, ('pop/0', 'pop/1', 'pop/2'), [False, False, True])
"""

from __future__ import annotations

import os
import platform
from collections.abc import Sequence
from dataclasses import replace
from typing import Any, get_args

import numpy as np

from .._version import __version__
from ..data.registry import SPLITS
from ..data.schema import Item
from ..distributions import RENORMALISE_SUM_TOLERANCE
from .core import NormsMode, ScoredRows, aggregate, compute_norms, score_matrix
from .predictions import PredictionError, prediction_rows
from .validate import FailureRule, validate_predictions

__all__ = ["SCORES_SCHEMA_VERSION", "score_predictions", "score_predictions_rows"]

#: Version of the JSON layout returned by :func:`score_predictions` (the run folder's scores).
SCORES_SCHEMA_VERSION = 1


def score_predictions(
    predictions: Any,
    *,
    items: Sequence[Item] | None = None,
    source: str | os.PathLike[str] | None = None,
    norms: NormsMode = "full-split",
    failures: FailureRule = "uniform",
    sum_tolerance: float = RENORMALISE_SUM_TOLERANCE,
) -> dict[str, Any]:
    """Validate and score predictions; return the JSON-serialisable results.

    Args:
        predictions: a JSON Lines path (or a run folder: its predictions file), a list of
            dicts, a ``pandas.DataFrame`` or a ``datasets.Dataset``; rows carry ``item_id`` and
            ``distribution`` (object label -> probability, or a list in label order), optionally
            ``status`` (``"failed"`` rows have ``distribution: null``).
        items: the FULL split items (norms come from them); ``None`` loads both splits from
            ``source``.
        source: data source when ``items`` is None (a file or folder; default ``$SIMBENCH_DATA``,
            then the Hub).
        norms: ``"full-split"`` (study norms from every item of the split; the default) or
            ``"scored-rows"`` (norms from the scored rows only, per split, as the release script).
        failures: rows with status ``"failed"``: ``"uniform"`` scores them as the uniform
            distribution, ``"exclude"`` leaves them out (see ``failures.coverage``).
        sum_tolerance: a distribution whose sum is within this of 1 is renormalised with a warning;
            beyond it is an error.

    Returns:
        ``{"schema_version", "simbench_score", "splits": {split: {"score", "n", "mean_tv",
        "per_study": {slug: {"score", "n", "mean_tv", "norm"}}}}, "norms", "failures": {"rule",
        "n_failed", "n_failed_by_split", "n_excluded", "n_renormalised", "renormalised",
        "coverage"}, "n_items_total": {split: n}, "n_predictions", "versions"}``.

    Raises:
        PredictionError: listing every problem in the predictions, each naming the row and item.
    """
    return score_predictions_rows(predictions, items=items, source=source, norms=norms,
                                  failures=failures, sum_tolerance=sum_tolerance)[1]


def score_predictions_rows(
    predictions: Any,
    *,
    items: Sequence[Item] | None = None,
    source: str | os.PathLike[str] | None = None,
    norms: NormsMode = "full-split",
    failures: FailureRule = "uniform",
    sum_tolerance: float = RENORMALISE_SUM_TOLERANCE,
) -> tuple[ScoredRows, dict[str, Any]]:
    """Like :func:`score_predictions`, also returning the per-row results.

    Returns:
        ``(rows, result)``: ``rows`` is a :class:`ScoredRows` over the scored rows in release order
        (Pop first), ``rows.item_ids[i]`` naming the item of ``rows.score[i]``; ``rows.failed``
        marks rows scored by the failure rule. ``result`` is what :func:`score_predictions` returns.
    """
    if norms not in get_args(NormsMode):
        raise ValueError(f"norms must be one of {get_args(NormsMode)}, got {norms!r}")
    if failures not in get_args(FailureRule):
        raise ValueError(f"failures must be one of {get_args(FailureRule)}, got {failures!r}")
    pairs, description, read_problems = prediction_rows(predictions)
    if not pairs and not read_problems:
        raise PredictionError(["no prediction rows"], source=description)
    if items is None:
        from ..data.load import load_items

        items = load_items("both", source=source)
    try:
        valid = validate_predictions(pairs, items, sum_tolerance=sum_tolerance, source=description)
    except PredictionError as e:
        raise PredictionError(read_problems + e.problems, source=description) from None
    if read_problems:
        raise PredictionError(read_problems, source=description)
    keep = ~valid.failed if failures == "exclude" else np.ones(len(valid.items), dtype=bool)
    if not keep.any():
        raise PredictionError([f"all {len(keep)} rows failed: nothing to score with "
                               "failures='exclude'"], source=description)
    scored = [it for it, k in zip(valid.items, keep) if k]
    norm_map = compute_norms(items if norms == "full-split" else scored)
    rows = replace(score_matrix(scored, valid.matrix[keep], norm_map), failed=valid.failed[keep])
    result: dict[str, Any] = {"schema_version": SCORES_SCHEMA_VERSION, **aggregate(rows)}
    result["norms"] = norms
    result["failures"] = _failure_summary(valid.items, valid.failed, items, failures,
                                          valid.renormalised, rows)
    result["n_items_total"] = _counts(items)
    result["n_predictions"] = len(pairs)
    result["versions"] = versions()
    return rows, result


def _counts(items: Sequence[Item]) -> dict[str, int]:
    out = {s: 0 for s in SPLITS}
    for it in items:
        out[it.split] += 1
    return {s: n for s, n in out.items() if n}


def _failure_summary(
    predicted: Sequence[Item],
    failed: np.ndarray,
    items: Sequence[Item],
    rule: str,
    renormalised: Sequence[str],
    rows: ScoredRows,
) -> dict[str, Any]:
    total = _counts(items)
    by_split = {s: 0 for s in total}
    for it, f in zip(predicted, failed):
        if f:
            by_split[it.split] += 1
    scored = {s: int((rows.splits == s).sum()) for s in total}
    return {
        "rule": rule,
        "n_failed": int(failed.sum()),
        "n_failed_by_split": by_split,
        "n_excluded": int(failed.sum()) if rule == "exclude" else 0,
        "n_renormalised": len(renormalised),
        "renormalised": list(renormalised[:50]),
        "coverage": {s: scored[s] / n for s, n in total.items()},
    }


def versions() -> dict[str, str]:
    """The versions that produced a result (written into the run folder's scores)."""
    return {"simbench": __version__, "numpy": np.__version__, "python": platform.python_version()}
