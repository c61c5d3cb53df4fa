"""The noise ceiling: the best score a perfect simulator could expect against finite samples.

A row's human distribution ``P`` was estimated from ``group_size`` respondents. Even a simulator that
knew the population exactly would differ from such a sample: drawing ``n`` answers from ``P``
(multinomial) and taking their empirical distribution ``P_hat`` gives ``E[TV(P, P_hat)] > 0``. This
module estimates that expected floor per row by Monte Carlo (seeded) and turns it into the best
attainable row score ``100 * (1 - E[TV] / norm)``, averaged like the SimBench score per study, per
split and into the headline.

Rows with an unknown group size (``group_size == -1``; in the release, all of Global Opinion QA) use
the **median known group size of the same study and split**; when the study has no known size, the
**median known size of the whole split** (867 for Pop in the release). Pass ``unknown_size`` to use a
fixed size instead. The rule and the number of imputed rows are written into the result.

Examples
--------
>>> import numpy as np
>>> tv = expected_sampling_tv(np.array([[0.5, 0.5]]), np.array([100]), n_draws=2000, seed=0)
>>> bool(0.03 < tv[0] < 0.05)   # E|Bin(100, .5)/100 - .5| is about 0.04
True
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..data.schema import Item
from ..metric.core import NormKey, compute_norms, row_scores
from ._layout import build_layout, human_matrix
from .bootstrap import ResampledScores

__all__ = ["UNKNOWN_SIZE_RULE", "NoiseCeiling", "expected_sampling_tv", "impute_group_sizes",
           "noise_ceiling"]

logger = logging.getLogger(__name__)

UNKNOWN_SIZE_RULE = ("group_size -1: the median known group size of the same study and split; if the "
                     "study has none, the median known group size of the split")
_CHUNK = 512


def expected_sampling_tv(
    dists: np.ndarray, sizes: np.ndarray, *, n_draws: int = 200, seed: int = 0
) -> np.ndarray:
    """Monte Carlo ``E[TV(P, multinomial(n, P) / n)]`` per row.

    Args:
        dists: ``(n_rows, K)`` distributions (zero padding allowed).
        sizes: ``(n_rows,)`` positive sample sizes.
        n_draws: multinomial samples per row.
        seed: seed of ``numpy.random.default_rng``.
    """
    p = np.asarray(dists, dtype=np.float64)
    p = p / p.sum(axis=1, keepdims=True)
    n = np.asarray(sizes, dtype=np.int64)
    if np.any(n < 1):
        bad = int(np.flatnonzero(n < 1)[0])
        raise ValueError(f"row {bad}: sample size {int(n[bad])} is not positive")
    if n_draws < 1:
        raise ValueError(f"n_draws must be at least 1, got {n_draws}")
    rng = np.random.default_rng(seed)
    out = np.empty(p.shape[0])
    for start in range(0, p.shape[0], _CHUNK):
        pc, nc = p[start:start + _CHUNK], n[start:start + _CHUNK]
        counts = rng.multinomial(nc[:, None], pc[:, None, :], size=(pc.shape[0], n_draws))
        emp = counts / nc[:, None, None]
        out[start:start + _CHUNK] = 0.5 * np.abs(emp - pc[:, None, :]).sum(axis=2).mean(axis=1)
    return out


def impute_group_sizes(items: Sequence[Item], unknown_size: int | None = None
                       ) -> tuple[np.ndarray, np.ndarray]:
    """Group sizes with unknown ones (-1) replaced by the documented rule.

    Returns:
        ``(sizes, imputed)``: the sizes and a boolean mask of the imputed rows.
    """
    sizes = np.array([it.group_size for it in items], dtype=np.int64)
    imputed = sizes < 1
    if not imputed.any():
        return sizes, imputed
    if unknown_size is not None:
        if unknown_size < 1:
            raise ValueError(f"unknown_size must be positive, got {unknown_size}")
        return np.where(imputed, unknown_size, sizes), imputed
    splits = np.array([it.split for it in items])
    studies = np.array([it.study for it in items])
    out = sizes.copy()
    for split, study in sorted({(it.split, it.study) for it, m in zip(items, imputed) if m}):
        known = sizes[(splits == split) & (studies == study) & ~imputed]
        if known.size == 0:
            known = sizes[(splits == split) & ~imputed]
        if known.size == 0:
            raise ValueError(f"split {split!r}: no row has a known group size to impute study "
                             f"{study!r} from; pass unknown_size")
        out[(splits == split) & (studies == study) & imputed] = int(np.median(known))
    return out, imputed


@dataclass(frozen=True)
class NoiseCeiling:
    """Per-row expected sampling TV and the attainable scores.

    Attributes:
        item_ids: row keys.
        sizes: sample sizes used (after imputation).
        imputed: rows whose size was imputed.
        expected_tv: ``E[TV(P, P_hat)]`` per row.
        score: the row's best attainable score.
        summary: JSON-able ``{"simbench_score", "splits": {split: {"score", "mean_tv", "n",
            "per_study": {slug: {"score", "mean_tv", "n", "n_imputed", "size_median"}}}}, "seed",
            "n_draws", "unknown_size_rule"}``.
    """

    item_ids: tuple[str, ...]
    sizes: np.ndarray
    imputed: np.ndarray
    expected_tv: np.ndarray
    score: np.ndarray
    summary: dict[str, Any]


def noise_ceiling(
    items: Sequence[Item],
    *,
    n_draws: int = 200,
    seed: int = 0,
    norms: Mapping[NormKey, float] | None = None,
    unknown_size: int | None = None,
) -> NoiseCeiling:
    """The noise ceiling of ``items``: per-row expected sampling TV and best attainable scores.

    Args:
        items: the scored items.
        n_draws: Monte Carlo samples per row.
        seed: seed of the Monte Carlo draws.
        norms: study norms (``None``: computed from ``items``).
        unknown_size: fixed size for rows with ``group_size == -1`` (default: the documented rule).
    """
    sizes, imputed = impute_group_sizes(items, unknown_size)
    tv = expected_sampling_tv(human_matrix(items), sizes, n_draws=n_draws, seed=seed)
    norms = compute_norms(items) if norms is None else norms
    norm = np.array([norms[(it.split, it.study)] for it in items], dtype=np.float64)
    score = row_scores(tv, norm)
    layout = build_layout(items)
    res = ResampledScores(layout, score, [c[None, :] for c in layout.stratum_clusters])
    res_tv = ResampledScores(layout, tv, [c[None, :] for c in layout.stratum_clusters])
    splits: dict[str, Any] = {}
    strata = np.array([f"{it.split}/{it.study}" for it in items])
    for j, split in enumerate(layout.splits):
        per_study = {}
        for s, (sp, study) in enumerate(layout.strata):
            if sp == split:
                m = strata == f"{sp}/{study}"
                per_study[study] = {"score": float(res.point_study[s]),
                                    "mean_tv": float(res_tv.point_study[s]), "n": int(m.sum()),
                                    "n_imputed": int(imputed[m].sum()),
                                    "size_median": float(np.median(sizes[m]))}
        n_split = sum(v["n"] for v in per_study.values())
        splits[split] = {"score": float(res.point_split[j]), "mean_tv": float(res_tv.point_split[j]),
                         "n": n_split, "per_study": per_study}
    summary = {"simbench_score": res.point_headline, "splits": splits, "seed": int(seed),
               "n_draws": int(n_draws), "n_imputed": int(imputed.sum()),
               "unknown_size_rule": UNKNOWN_SIZE_RULE if unknown_size is None
               else f"group_size -1: fixed size {unknown_size}"}
    logger.debug("noise ceiling over %d rows (%d imputed sizes)", len(items), int(imputed.sum()))
    return NoiseCeiling(tuple(it.item_id for it in items), sizes, imputed, tv, score, summary)
