"""Scoring plain lists of distributions: the engine behind the ``evaluate`` module.

Rows are given as parallel lists (model distribution, human distribution, study name), without item
ids. With ``split``, the official full-split study norms shipped in the package are used; without
it, the norms are computed from the references given.

Examples
--------
>>> out = score_distributions([[0.5, 0.5], [0.25, 0.75]], [[25, 75], [25, 75]],
...                           ["Jester", "Jester"])
>>> round(out["simbench_score"], 6), out["n"], out["norms"]
(50.0, 2, 'references')
>>> round(score_distributions([[0.25, 0.75]], [[0.25, 0.75]], ["jester"], split="pop")
...       ["simbench_score"], 6)
100.0
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np

from ..data.registry import SPLITS, get_study
from ..distributions import check_distribution
from ..errors import DistributionError, PredictionError
from .core import (
    MAX_OPTIONS,
    pad_distributions,
    row_scores,
    summarise,
    total_variation,
    uniform_matrix,
)

__all__ = ["official_norms", "score_distributions"]


@lru_cache(maxsize=1)
def _norms_file() -> dict[str, dict[str, float]]:
    text = resources.files("simbench").joinpath("_assets", "norms.json").read_text(encoding="utf-8")
    return json.loads(text)["norms"]


def official_norms(split: str) -> dict[str, float]:
    """The official study norms of ``split`` (full split, shipped with the package): slug -> norm.

    >>> round(official_norms("grouped")["ess"], 4)
    0.3267
    """
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}: expected one of {SPLITS}")
    return dict(_norms_file()[split])


def score_distributions(
    predictions: Sequence[Sequence[float]],
    references: Sequence[Sequence[float]],
    dataset_names: Sequence[str],
    split: str | None = None,
) -> dict[str, Any]:
    """Score model distributions against human ones, row by row, and aggregate per study.

    Args:
        predictions: model distributions, one list per row (renormalised; any positive scale).
        references: human distributions in the same label order (probabilities or percentages).
        dataset_names: the study of each row (release spelling ``"MoralMachine"`` or slug).
        split: ``"pop"`` or ``"grouped"`` to use the official full-split norms; ``None`` computes
            the norms from ``references``.

    Returns:
        ``{"simbench_score", "mean_tv", "n", "per_study": {slug: {"score", "mean_tv", "n",
        "norm"}}, "norms"}`` where ``simbench_score`` is the plain mean of the row scores.

    Raises:
        PredictionError: listing every malformed row (by index).
    """
    n = len(predictions)
    if len(references) != n or len(dataset_names) != n:
        raise ValueError(f"{n} predictions, {len(references)} references and {len(dataset_names)} "
                         "dataset_names: the three lists must have the same length")
    if n == 0:
        raise ValueError("nothing to score: the lists are empty")
    studies, problems = _studies(dataset_names, split)
    for i, (q, p) in enumerate(zip(predictions, references)):
        problems += _row_problems(i, q, p)
    if problems:
        raise PredictionError(problems)
    human = pad_distributions(references)
    model = pad_distributions(predictions)
    study_arr = np.array(studies)
    if split is not None:
        table = official_norms(split)
        source = f"official-{split}"
    else:
        k = np.array([len(p) for p in references])
        tv_u = total_variation(human, uniform_matrix(k))
        table = {s: float(tv_u[study_arr == s].mean()) for s in dict.fromkeys(studies)}
        source = "references"
    norm = np.array([table[s] for s in studies], dtype=np.float64)
    tv = total_variation(human, model)
    score = row_scores(tv, norm)
    summary = summarise(score, tv, norm, study_arr)
    return {"simbench_score": summary["score"], "mean_tv": summary["mean_tv"], "n": summary["n"],
            "per_study": summary["per_study"], "norms": source}


def _studies(names: Sequence[str], split: str | None) -> tuple[list[str], list[str]]:
    available = None if split is None else official_norms(split)
    slugs: list[str] = []
    problems: list[str] = []
    for i, name in enumerate(names):
        try:
            slug = get_study(str(name)).slug
        except KeyError:
            problems.append(f"row {i}: dataset_names: unknown study {name!r}")
            slug = ""
        else:
            if available is not None and slug not in available:
                problems.append(f"row {i}: dataset_names: study {name!r} is not in split {split!r}")
        slugs.append(slug)
    return slugs, problems


def _row_problems(i: int, q: Sequence[float], p: Sequence[float]) -> list[str]:
    """The problems of row ``i``: lengths, then each side checked scale-free (any positive sum)."""
    if len(q) != len(p):
        return [f"row {i}: prediction has {len(q)} values but the reference has {len(p)}"]
    if not 2 <= len(p) <= MAX_OPTIONS:
        return [f"row {i}: {len(p)} options (expected 2 to {MAX_OPTIONS})"]
    out = []
    positions = tuple(f"[{j}]" for j in range(len(p)))
    for field, d in (("predictions", q), ("references", p)):
        try:
            check_distribution(list(d), positions, policy="renormalise", where=f"row {i}",
                               field=field, sum_tolerance=math.inf)
        except DistributionError as e:
            out.append(str(e))
    return out
