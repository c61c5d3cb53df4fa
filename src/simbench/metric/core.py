"""The SimBench score in plain numpy.

For a row with human distribution ``P``, model distribution ``Q`` and uniform ``U`` over its K options
(``P`` and ``Q`` renormalised)::

    TV(P, Q) = 1/2 * sum_k |P_k - Q_k|
    S        = 100 * (1 - TV(P, Q) / norm(study, split))
    norm     = mean over the study's rows in the split of TV(P, U)

A split's score is the plain mean of its row scores; the headline is the mean of the Pop and Grouped
split scores when both are scored, else the one split's score. Distributions of different lengths are
stored right-padded with zeros in an ``(n, 15)`` matrix: zero padding changes no TV.

Examples
--------
>>> import numpy as np
>>> p = np.array([[0.5, 0.5, 0.0], [0.2, 0.8, 0.0]])
>>> q = np.array([[1.0, 0.0, 0.0], [0.2, 0.8, 0.0]])
>>> total_variation(p, q)
array([0.5, 0. ])
>>> pad_distributions([[0.2, 0.8], [0.1, 0.2, 0.7]], width=4)
array([[0.2, 0.8, 0. , 0. ],
       [0.1, 0.2, 0.7, 0. ]])
>>> uniform_matrix([2, 4], width=4)
array([[0.5 , 0.5 , 0.  , 0.  ],
       [0.25, 0.25, 0.25, 0.25]])
>>> row_scores(np.array([0.1, 0.3]), np.array([0.2, 0.2]))
array([ 50., -50.])

Two made-up Jester rows: the norm is their mean TV to uniform, so uniform predictions score 0 on
average, a perfect prediction 100:

>>> from simbench.data.schema import item_from_release_row
>>> def item(i, a):
...     return item_from_release_row({
...         "row_index": i, "dataset_name": "Jester", "group_prompt_template": "You like jokes.",
...         "group_prompt_variable_map": {}, "group_size": 50, "auxiliary": {},
...         "input_template": "Rate it.\\n\\nOptions:\\n(A): Funny\\n(B): Not funny",
...         "human_answer": {"A": a, "B": 100.0 - a}}, split="pop")
>>> items = [item(0, 20.0), item(1, 70.0)]
>>> compute_norms(items)                      # TV to uniform: 0.3 and 0.2
{('pop', 'jester'): 0.25}
>>> score_matrix(items, uniform_matrix([2, 2])).score
array([-20.,  20.])
>>> rows = score_matrix(items, pad_distributions([[0.2, 0.8], [0.5, 0.5]]))
>>> rows.tv, rows.score
(array([0. , 0.2]), array([100.,  20.]))
>>> result = aggregate(rows)
>>> result["simbench_score"], result["splits"]["pop"]["per_study"]["jester"]["norm"]
(60.0, 0.25)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import chain
from typing import Any, Literal

import numpy as np

from ..data.registry import SPLITS
from ..data.schema import Item

__all__ = [
    "MAX_OPTIONS",
    "NormKey",
    "NormsMode",
    "ScoredRows",
    "aggregate",
    "compute_norms",
    "norms_table",
    "pad_distributions",
    "row_scores",
    "score_matrix",
    "summarise",
    "total_variation",
    "uniform_matrix",
]

#: Width of the padded distribution matrices (the release has at most 15 options).
MAX_OPTIONS = 15
NormKey = tuple[str, str]  # (split, study slug)
NormsMode = Literal["full-split", "scored-rows"]


def pad_distributions(dists: Sequence[Sequence[float]], width: int = MAX_OPTIONS) -> np.ndarray:
    """Stack distributions of varying length into a zero-padded float64 ``(n, width)`` matrix."""
    lens = np.fromiter((len(d) for d in dists), dtype=np.int64, count=len(dists))
    too_long = np.flatnonzero(lens > width)
    if too_long.size:
        i = int(too_long[0])
        raise ValueError(f"row {i}: {lens[i]} options exceed the maximum of {width}")
    out = np.zeros((len(dists), width), dtype=np.float64)
    flat = np.fromiter(chain.from_iterable(dists), dtype=np.float64, count=int(lens.sum()))
    out[np.arange(width)[None, :] < lens[:, None]] = flat  # row-major fill, left-aligned
    return out


def uniform_matrix(n_options: Sequence[int] | np.ndarray, width: int = MAX_OPTIONS) -> np.ndarray:
    """The uniform distribution over each row's options, zero-padded to ``width``."""
    k = np.asarray(n_options, dtype=np.int64)
    cols = np.arange(width)[None, :]
    return np.where(cols < k[:, None], 1.0 / k[:, None], 0.0)


def total_variation(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Row-wise total variation distance after renormalising both inputs to sum to 1.

    Args:
        p, q: arrays of shape ``(n, K)`` (or ``(K,)``) of non-negative values with positive row sums.

    Returns:
        ``(n,)`` distances in ``[0, 1]`` (a scalar array for 1-D input).
    """
    p = np.asarray(p, dtype=np.float64)
    q = np.asarray(q, dtype=np.float64)
    p = p / p.sum(axis=-1, keepdims=True)
    q = q / q.sum(axis=-1, keepdims=True)
    return 0.5 * np.abs(p - q).sum(axis=-1)


def compute_norms(items: Sequence[Item]) -> dict[NormKey, float]:
    """Study norms: the mean TV between the human distribution and uniform, per (split, study).

    Pass the *full split* for the official norms; pass the scored rows to reproduce the release
    script (``norms="scored-rows"``).
    """
    human = pad_distributions([it.human_dist for it in items])
    tv_u = total_variation(human, uniform_matrix([it.n_options for it in items]))
    keys = [(it.split, it.study) for it in items]
    uniq = list(dict.fromkeys(keys))
    code = {k: i for i, k in enumerate(uniq)}
    group = np.fromiter((code[k] for k in keys), dtype=np.int64, count=len(keys))
    sums = np.bincount(group, weights=tv_u, minlength=len(uniq))
    counts = np.bincount(group, minlength=len(uniq))
    return {k: float(sums[i] / counts[i]) for i, k in enumerate(uniq)}


def norms_table(norms: Mapping[NormKey, float]) -> list[dict[str, object]]:
    """The norms as table rows ``{"split", "study", "norm"}`` sorted by split then study."""
    order = {s: i for i, s in enumerate(SPLITS)}
    return [{"split": sp, "study": st, "norm": v}
            for (sp, st), v in sorted(norms.items(), key=lambda kv: (order[kv[0][0]], kv[0][1]))]


def row_scores(tv: np.ndarray, norm: np.ndarray) -> np.ndarray:
    """``S_i = 100 * (1 - TV_i / norm_i)``, unclipped."""
    return 100.0 * (1.0 - np.asarray(tv) / np.asarray(norm))


@dataclass(frozen=True)
class ScoredRows:
    """Per-row results of scoring, aligned with the scored items.

    Attributes:
        item_ids, splits, studies: row keys.
        tv: TV between human and predicted distributions.
        norm: the study norm used for the row.
        score: the row score ``S_i``.
        failed: True where the row's prediction failed and was scored by the failure rule
            (``None`` when unknown).
    """

    item_ids: tuple[str, ...]
    splits: np.ndarray
    studies: np.ndarray
    tv: np.ndarray
    norm: np.ndarray
    score: np.ndarray
    failed: np.ndarray | None = None


def score_matrix(
    items: Sequence[Item],
    predicted: np.ndarray,
    norms: Mapping[NormKey, float] | None = None,
) -> ScoredRows:
    """Score predictions given as a padded ``(n, MAX_OPTIONS)`` matrix aligned with ``items``.

    Args:
        items: the scored items.
        predicted: the model distributions (validated; rows need not sum exactly to 1).
        norms: study norms; ``None`` computes them from ``items`` (the release's behaviour).
    """
    if len(items) != len(predicted):
        raise ValueError(f"{len(items)} items but {len(predicted)} predictions")
    norms = compute_norms(items) if norms is None else norms
    human = pad_distributions([it.human_dist for it in items], predicted.shape[1])
    tv = total_variation(human, predicted)
    try:
        norm = np.array([norms[(it.split, it.study)] for it in items], dtype=np.float64)
    except KeyError as e:
        raise KeyError(f"no norm for (split, study) {e.args[0]}") from None
    return ScoredRows(
        item_ids=tuple(it.item_id for it in items),
        splits=np.array([it.split for it in items]),
        studies=np.array([it.study for it in items]),
        tv=tv,
        norm=norm,
        score=row_scores(tv, norm),
    )


def summarise(
    score: np.ndarray, tv: np.ndarray, norm: np.ndarray, studies: np.ndarray
) -> dict[str, Any]:
    """Plain means of row scores and TVs, overall and per study (studies sorted by slug).

    Returns:
        ``{"score", "mean_tv", "n", "per_study": {slug: {"score", "mean_tv", "n", "norm"}}}``.
    """
    uniq, first, inverse, counts = np.unique(studies, return_index=True, return_inverse=True,
                                             return_counts=True)
    s_sum = np.bincount(inverse, weights=score, minlength=len(uniq))
    t_sum = np.bincount(inverse, weights=tv, minlength=len(uniq))
    per_study = {
        str(st): {"score": float(s_sum[g] / counts[g]), "mean_tv": float(t_sum[g] / counts[g]),
                  "n": int(counts[g]), "norm": float(norm[first[g]])}
        for g, st in enumerate(uniq.tolist())
    }
    return {"score": float(score.mean()), "mean_tv": float(tv.mean()), "n": int(len(score)),
            "per_study": per_study}


def aggregate(rows: ScoredRows) -> dict[str, Any]:
    """Aggregate row scores per study, per split and into the headline SimBench score.

    Returns:
        ``{"simbench_score": x, "splits": {split: {"score", "mean_tv", "n", "per_study": {slug:
        {"score", "mean_tv", "n", "norm"}}}}}``; splits with no scored row are absent. The
        headline is the mean of the split scores (each split a plain mean over its rows).
    """
    splits: dict[str, dict[str, Any]] = {}
    for split in SPLITS:
        mask = rows.splits == split
        if mask.any():
            splits[split] = summarise(rows.score[mask], rows.tv[mask], rows.norm[mask],
                                      rows.studies[mask])
    headline = float(np.mean([s["score"] for s in splits.values()])) if splits else float("nan")
    return {"simbench_score": headline, "splits": splits}


def split_of(items: Iterable[Item]) -> set[str]:
    """The set of splits present in ``items``."""
    return {it.split for it in items}
