"""Bootstrap confidence intervals for the SimBench score, resampling question clusters.

Rows are not independent: in the Grouped split the same question is asked of many groups, so the
bootstrap resamples *question clusters* (``Item.cluster_id``) with replacement, separately inside each
(split, study) stratum, keeping the number of clusters per study fixed. Each resample recomputes the
per-study means, the split means (plain mean over the split's rows, as the score defines) and the
headline (mean of the split scores). Norms are held fixed (the full-split norms by default), so the
interval reflects which questions were asked, not the scaling. Intervals are percentile intervals.

Each resample draws ``C - 1`` of a stratum's ``C`` clusters (McCarthy and Snowden's rescaling): the
plain ``C``-out-of-``C`` bootstrap shrinks the variance of a stratum mean by ``(C - 1) / C``, which
matters for small runs (with 2 items per study it would halve the variance). A stratum holding a
single cluster contributes no sampling variance (nothing to resample); score more items.

Everything is vectorised: all resamples of a stratum are drawn as one ``(B, C)`` integer matrix.

Examples
--------
>>> from simbench import load_items
>>> from simbench.metric import uniform_matrix
>>> items = load_items("pop")[:200]  # doctest: +SKIP
>>> ci = bootstrap_ci(items, uniform_matrix([it.n_options for it in items]), n_resamples=200)
... # doctest: +SKIP
>>> ci["simbench_score"]["estimate"]  # doctest: +SKIP
0.0
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ..data.schema import Item
from ..metric.core import NormKey, ScoredRows
from ._layout import Layout, build_layout, percentile_interval, scored_rows

__all__ = ["BOOTSTRAP_METHOD", "ResampledScores", "bootstrap_ci", "draw_clusters", "resample_scores"]

logger = logging.getLogger(__name__)

BOOTSTRAP_METHOD = ("cluster bootstrap: C-1 of the C question clusters (Item.cluster_id) of each "
                    "(split, study) stratum resampled with replacement; percentile intervals; "
                    "norms held fixed")


def draw_clusters(layout: Layout, n_resamples: int, rng: np.random.Generator) -> list[np.ndarray]:
    """Draw, for each stratum in order, a ``(n_resamples, C_s)`` matrix of resampled cluster indices."""
    if n_resamples < 1:
        raise ValueError(f"n_resamples must be at least 1, got {n_resamples}")
    draws = []
    for clusters in layout.stratum_clusters:
        size = max(clusters.shape[0] - 1, 1)  # the (C - 1) rescaling bootstrap (see module doc)
        pick = rng.integers(0, clusters.shape[0], size=(n_resamples, size))
        draws.append(clusters[pick])
    return draws


class ResampledScores:
    """Study, split and headline means for the original rows and every resample.

    Attributes:
        study: ``(B, S)`` per-stratum means (stratum order of the layout).
        split: ``(B, P)`` per-split means.
        headline: ``(B,)`` mean of the split means.
        point_study, point_split, point_headline: the same on the original rows.
    """

    def __init__(self, layout: Layout, values: np.ndarray, draws: Sequence[np.ndarray]) -> None:
        values = np.asarray(values, dtype=np.float64)
        if values.shape != (layout.n_rows,):
            raise ValueError(f"expected {layout.n_rows} row values, got shape {values.shape}")
        c_sum = np.bincount(layout.row_cluster, weights=values, minlength=layout.n_clusters)
        c_n = np.bincount(layout.row_cluster, minlength=layout.n_clusters).astype(np.float64)
        sums = np.stack([c_sum[d].sum(axis=1) for d in draws], axis=1)
        counts = np.stack([c_n[d].sum(axis=1) for d in draws], axis=1)
        p_sums = np.bincount(layout.cluster_stratum, weights=c_sum, minlength=len(layout.strata))
        p_counts = np.bincount(layout.cluster_stratum, weights=c_n, minlength=len(layout.strata))
        self.study, self.split, self.headline = _means(layout, sums, counts)
        study, split, head = _means(layout, p_sums[None, :], p_counts[None, :])
        self.point_study, self.point_split, self.point_headline = study[0], split[0], float(head[0])


def _means(layout: Layout, sums: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, ...]:
    """Per-stratum, per-split and headline means from ``(B, S)`` stratum sums and row counts."""
    n_splits = len(layout.splits)
    onehot = np.zeros((len(layout.strata), n_splits))
    onehot[np.arange(len(layout.strata)), layout.stratum_split] = 1.0
    split = (sums @ onehot) / (counts @ onehot)
    return sums / counts, split, split.mean(axis=1)


def resample_scores(
    layout: Layout, values: np.ndarray, *, n_resamples: int, seed: int
) -> ResampledScores:
    """Bootstrap the means of per-row ``values`` (e.g. row scores) with a fresh seeded generator."""
    draws = draw_clusters(layout, n_resamples, np.random.default_rng(seed))
    return ResampledScores(layout, values, draws)


def _interval(point: float, samples: np.ndarray, level: float, **extra: Any) -> dict[str, Any]:
    low, high = percentile_interval(samples, level)
    return {"estimate": float(point), "low": float(low), "high": float(high), **extra}


def intervals_dict(layout: Layout, res: ResampledScores, level: float) -> dict[str, Any]:
    """Turn resampled means into the nested ``{"simbench_score", "splits"}`` interval dict."""
    n_rows = np.bincount(layout.cluster_stratum,
                         weights=np.bincount(layout.row_cluster, minlength=layout.n_clusters),
                         minlength=len(layout.strata)).astype(int)
    n_clusters = [c.shape[0] for c in layout.stratum_clusters]
    splits: dict[str, Any] = {}
    for j, split in enumerate(layout.splits):
        per_study = {}
        for s, (sp, study) in enumerate(layout.strata):
            if sp == split:
                per_study[study] = _interval(res.point_study[s], res.study[:, s], level,
                                             n=int(n_rows[s]), n_clusters=n_clusters[s])
        in_split = layout.stratum_split == j
        splits[split] = _interval(res.point_split[j], res.split[:, j], level,
                                  n=int(n_rows[in_split].sum()),
                                  n_clusters=int(np.sum(np.array(n_clusters)[in_split])),
                                  per_study=per_study)
    return {"simbench_score": _interval(res.point_headline, res.headline, level), "splits": splits}


def bootstrap_ci(
    items: Sequence[Item],
    predicted: np.ndarray | ScoredRows,
    *,
    n_resamples: int = 1000,
    seed: int = 0,
    level: float = 0.95,
    norms: Mapping[NormKey, float] | None = None,
) -> dict[str, Any]:
    """Cluster-bootstrap confidence intervals for the headline, per-split and per-study scores.

    Args:
        items: the scored items.
        predicted: padded ``(n, 15)`` model distributions aligned with ``items``, or the
            :class:`~simbench.metric.ScoredRows` of those items.
        n_resamples: bootstrap resamples.
        seed: seed of ``numpy.random.default_rng``; the same seed gives identical numbers.
        level: confidence level of the percentile intervals.
        norms: study norms (``None``: computed from ``items``; pass the full-split norms, e.g.
            ``compute_norms(load_items())``, to match ``simbench score``). Ignored for ``ScoredRows``.

    Returns:
        JSON-able ``{"simbench_score": {"estimate", "low", "high"}, "splits": {split: {"estimate",
        "low", "high", "n", "n_clusters", "per_study": {slug: {...}}}}, "seed", "n_resamples",
        "level", "method"}``. Estimates equal :func:`simbench.metric.aggregate` on the same rows.
    """
    rows = scored_rows(items, predicted, norms)
    layout = build_layout(items)
    res = resample_scores(layout, rows.score, n_resamples=n_resamples, seed=seed)
    out = intervals_dict(layout, res, level)
    logger.debug("bootstrap over %d rows, %d clusters, %d resamples", layout.n_rows,
                 layout.n_clusters, n_resamples)
    return {**out, "seed": int(seed), "n_resamples": int(n_resamples), "level": float(level),
            "method": BOOTSTRAP_METHOD}
