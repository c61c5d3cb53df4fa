"""Recompute a submission's scores from its per-item predictions, with confidence intervals.

Nothing the submitter computed is used: the headline, split and study scores come from the score
core (:func:`simbench.metric.score_matrix` with the full-split norms, failed items scored as the
uniform distribution) applied to the validated per-item distributions. Intervals come from the
cluster bootstrap of :mod:`simbench.stats` when it is installed, else from a normal-approximation
standard error of the row scores.

Examples
--------
A run of the uniform baseline on three made-up Pop items (``items`` stands for the full
benchmark here):

>>> import tempfile
>>> from pathlib import Path
>>> from simbench.data.schema import Item
>>> from simbench.extraction.baselines import UniformBackend
>>> from simbench.runs import RunSettings, execute_run
>>> def item(i, human):
...     return Item(f"pop/{i}", "pop", i, "Jester", "jester", "You like jokes.", "Rate it.",
...                 ("A", "B"), ("Funny", "Not funny"), human, tuple(100 * p for p in human), 10)
>>> items = [item(0, (0.25, 0.75)), item(1, (0.5, 0.5)), item(2, (0.9, 0.1))]
>>> run = Path(tempfile.mkdtemp()) / "uniform"
>>> settings = RunSettings(data_source="made-up", data_sha256="0" * 64, splits=("pop",))
>>> _ = execute_run(UniformBackend(), items, run, settings=settings, progress=False)
>>> from simbench.leaderboard import read_submission, validate_submission
>>> res = recompute_results(validate_submission(read_submission(run), items), items,
...                         n_resamples=50, seed=0)
>>> round(res["simbench_score"], 9), res["failures"]["n_failed"], res["interval"]["seed"]
(0.0, 0, 0)
>>> res["interval"]["method"][:17], sorted(res["splits"])
('cluster bootstrap', ['pop'])
"""

from __future__ import annotations

import importlib.util
import logging
import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from .._version import __version__
from ..data.schema import Item
from ..metric.core import ScoredRows, aggregate, compute_norms, score_matrix
from .submission import ValidatedSubmission

__all__ = ["STANDARD_ERROR_METHOD", "recompute_results", "standard_error_intervals"]

logger = logging.getLogger(__name__)

STANDARD_ERROR_METHOD = ("standard error of the mean row score, normal approximation "
                         "(simbench.stats not installed); headline SE combines the two splits")
_Z95 = 1.959963984540054


def recompute_results(
    sub: ValidatedSubmission,
    all_items: Sequence[Item],
    *,
    n_resamples: int = 1000,
    seed: int = 0,
    level: float = 0.95,
) -> dict[str, Any]:
    """Score a validated submission from scratch.

    Args:
        sub: the validated submission (its items are the full submitted splits).
        all_items: the full benchmark splits, for the official full-split norms.
        n_resamples, seed, level: bootstrap settings (written into the result).

    Returns:
        ``{"simbench_score", "low", "high", "splits": {split: {"score", "low", "high", "n",
        "mean_tv", "per_study": {slug: {"score", "low", "high", "n", "mean_tv", "norm"}}}},
        "interval": {...method, level, seed, n_resamples}, "failures": {"n_failed", "rule"},
        "norms": "full-split", "computed_with": {"simbench": version}}`` (JSON-serialisable).
    """
    norms = compute_norms([it for it in all_items if it.split in sub.splits])
    rows = score_matrix(list(sub.items), sub.matrix, norms)
    agg = aggregate(rows)
    ci = _intervals(sub, rows, n_resamples=n_resamples, seed=seed, level=level)
    splits: dict[str, Any] = {}
    agg_splits: dict[str, Any] = agg["splits"]  # type: ignore[assignment]
    for split, s in agg_splits.items():
        c = ci["splits"][split]
        per_study = {slug: {"score": v["score"], **_bounds(c["per_study"].get(slug)), "n": v["n"],
                            "mean_tv": v["mean_tv"], "norm": v["norm"]}
                     for slug, v in s["per_study"].items()}
        splits[split] = {"score": s["score"], **_bounds(c), "n": s["n"], "mean_tv": s["mean_tv"],
                         "per_study": per_study}
    return {
        "simbench_score": agg["simbench_score"],
        **_bounds(ci["simbench_score"]),
        "splits": splits,
        "interval": {k: ci[k] for k in ("method", "level", "seed", "n_resamples") if k in ci},
        "failures": {"n_failed": int(sub.failed.sum()), "n_items": len(sub.items),
                     "rule": "uniform (a failed item is scored as the uniform distribution)"},
        "norms": "full-split",
        "computed_with": {"simbench": __version__},
    }


def _bounds(d: dict[str, Any] | None) -> dict[str, Any]:
    """``low``/``high`` of an interval entry; ``None`` with the ``not_estimable`` reason where the
    bootstrap could not estimate it (a study of one question cluster: docs/statistics.md)."""
    if not d:
        return {"low": None, "high": None}
    if d.get("low") is None or d.get("high") is None:
        return {"low": None, "high": None,
                "not_estimable": d.get("not_estimable") or "not estimable"}
    return {"low": float(d["low"]), "high": float(d["high"])}


def _intervals(sub: ValidatedSubmission, rows: ScoredRows, *, n_resamples: int, seed: int,
               level: float) -> dict[str, Any]:
    if importlib.util.find_spec("simbench.stats") is not None:
        try:
            from ..stats import bootstrap_ci
        except ImportError:  # an incomplete stats package: fall back to the standard error
            logger.warning("simbench.stats present but bootstrap_ci not importable; using SE")
        else:
            return bootstrap_ci(list(sub.items), rows, n_resamples=n_resamples, seed=seed,
                                level=level)
    return standard_error_intervals(rows, level=level)


def standard_error_intervals(rows: ScoredRows, *, level: float = 0.95) -> dict[str, Any]:
    """Normal-approximation intervals ``mean +- z * sd / sqrt(n)`` for studies, splits, headline.

    The headline (mean of the split means) has SE ``sqrt(sum SE_split^2) / n_splits``.
    """
    from statistics import NormalDist

    z = NormalDist().inv_cdf(0.5 + level / 2) if level != 0.95 else _Z95

    def interval(x: np.ndarray) -> dict[str, Any]:
        se = float(x.std(ddof=1) / math.sqrt(len(x))) if len(x) > 1 else 0.0
        m = float(x.mean())
        return {"estimate": m, "low": m - z * se, "high": m + z * se, "se": se}

    splits: dict[str, Any] = {}
    for split in dict.fromkeys(rows.splits.tolist()):
        mask = rows.splits == split
        per_study = {st: interval(rows.score[mask & (rows.studies == st)])
                     for st in sorted(set(rows.studies[mask].tolist()))}
        splits[split] = {**interval(rows.score[mask]), "per_study": per_study}
    head = float(np.mean([s["estimate"] for s in splits.values()]))
    se = math.sqrt(sum(s["se"] ** 2 for s in splits.values())) / len(splits)
    return {"simbench_score": {"estimate": head, "low": head - z * se, "high": head + z * se,
                               "se": se},
            "splits": splits, "method": STANDARD_ERROR_METHOD, "level": level}
