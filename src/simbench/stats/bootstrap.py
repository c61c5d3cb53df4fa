"""Bootstrap confidence intervals for the SimBench score, resampling question clusters.

Rows are not independent: in the Grouped split the same question is asked of many groups, so the
bootstrap resamples *question clusters* (``Item.cluster_id``) with replacement, separately inside each
(split, study) stratum, keeping the number of clusters per study fixed. Each resample recomputes the
per-study means, the split means (plain mean over the split's rows, as the score defines) and the
headline (mean of the split scores). Norms are held fixed (the full-split norms by default), so the
interval reflects which questions were asked, not the scaling. Intervals are percentile intervals.

Each resample draws ``C - 1`` of a stratum's ``C`` clusters (McCarthy and Snowden's rescaling): the
plain ``C``-out-of-``C`` bootstrap shrinks the variance of a stratum mean by ``(C - 1) / C``, which
matters for small runs (with 2 items per study it would halve the variance).

A stratum holding a single cluster has no estimable sampling variance. Such intervals are *not
estimable*: ``low`` and ``high`` are ``None`` and ``not_estimable`` gives the reason (never a
zero-width interval). The rule, per level:

* a study with fewer than 2 clusters: not estimable;
* a split with one such study (but at least 2 clusters in all) is resampled as one pooled stratum of
  all its clusters (collapsed strata: the split mean stays a plain mean over its rows, and the
  between-study spread of the pooled clusters only widens the interval, so it errs on the safe
  side); ``pooled`` says so. A split with fewer than 2 clusters in all: not estimable;
* the headline (mean of the split scores): not estimable when a split is.

Everything is vectorised: all resamples of a stratum are drawn as one ``(B, C)`` integer matrix.

Examples
--------
Six made-up Jester rows (six question clusters) and the uniform prediction, which scores 0 on
average by construction:

>>> from simbench.data.schema import item_from_release_row
>>> from simbench.metric import uniform_matrix
>>> def item(i, a):
...     return item_from_release_row({
...         "row_index": i, "dataset_name": "Jester", "group_prompt_template": "You like jokes.",
...         "group_prompt_variable_map": {}, "group_size": 50, "auxiliary": {},
...         "input_template": f"Rate joke {i}.\\n\\nOptions:\\n(A): Funny\\n(B): Not funny",
...         "human_answer": {"A": a, "B": 100.0 - a}}, split="pop")
>>> items = [item(i, a) for i, a in enumerate([10.0, 30.0, 45.0, 60.0, 80.0, 95.0])]
>>> ci = bootstrap_ci(items, uniform_matrix([2] * 6), n_resamples=200, seed=0)
>>> head = ci["simbench_score"]
>>> head["estimate"], head["low"] < 0 < head["high"], head["not_estimable"]
(0.0, True, None)
>>> ci["splits"]["pop"]["n_clusters"], ci["n_resamples"], ci["seed"]
(6, 200, 0)
>>> bootstrap_ci(items, uniform_matrix([2] * 6), n_resamples=200, seed=0) == ci   # seeded
True

One cluster has no sampling variance: no interval, and the reason instead of a zero width:

>>> one = bootstrap_ci(items[:1], uniform_matrix([2]), n_resamples=50)["simbench_score"]
>>> one["low"], one["high"], one["not_estimable"]
(None, None, 'not estimable (a split has fewer than 2 clusters)')
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ..data.schema import Item
from ..metric.core import NormKey, ScoredRows
from ._layout import Layout, build_layout, percentile_interval, scored_rows

__all__ = ["BOOTSTRAP_METHOD", "ResampledScores", "bootstrap_ci", "draw_clusters", "draw_pooled",
           "interval", "resample_scores"]

logger = logging.getLogger(__name__)

BOOTSTRAP_METHOD = ("cluster bootstrap: C-1 of the C question clusters (Item.cluster_id) of each "
                    "(split, study) stratum resampled with replacement; percentile intervals; "
                    "norms held fixed; a study with fewer than 2 clusters has no interval (not "
                    "estimable) and its split's clusters are resampled as one pooled stratum")


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


def draw_pooled(layout: Layout, n_resamples: int, rng: np.random.Generator) -> dict[int, np.ndarray]:
    """For each split resampled as one pooled stratum (:meth:`Layout.pooled`), a
    ``(n_resamples, C - 1)`` matrix of its resampled cluster indices. Drawn after
    :func:`draw_clusters`, so runs without pooled splits keep their numbers."""
    out = {}
    for j, clusters in enumerate(layout.split_clusters):
        if layout.pooled(j):
            pick = rng.integers(0, clusters.shape[0], size=(n_resamples, clusters.shape[0] - 1))
            out[j] = clusters[pick]
    return out


class ResampledScores:
    """Study, split and headline means for the original rows and every resample.

    Attributes:
        study: ``(B, S)`` per-stratum means (stratum order of the layout).
        split: ``(B, P)`` per-split means.
        headline: ``(B,)`` mean of the split means.
        point_study, point_split, point_headline: the same on the original rows.
    """

    def __init__(self, layout: Layout, values: np.ndarray, draws: Sequence[np.ndarray],
                 pooled: Mapping[int, np.ndarray] | None = None) -> None:
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
        for j, d in (pooled or {}).items():  # splits resampled as one pooled stratum
            self.split[:, j] = c_sum[d].sum(axis=1) / c_n[d].sum(axis=1)
        if pooled:
            self.headline = self.split.mean(axis=1)
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
    rng = np.random.default_rng(seed)
    draws = draw_clusters(layout, n_resamples, rng)
    return ResampledScores(layout, values, draws, draw_pooled(layout, n_resamples, rng))


def interval(point: float, samples: np.ndarray, level: float, reason: str | None
             ) -> dict[str, Any]:
    """``{"estimate", "low", "high", "not_estimable"}``: the percentile interval of ``samples``, or
    ``low = high = None`` with the ``reason`` when it is not estimable.

    >>> interval(1.0, np.array([1.0, 1.0]), 0.95, "not estimable (fewer than 2 clusters per study)")
    ... # doctest: +NORMALIZE_WHITESPACE
    {'estimate': 1.0, 'low': None, 'high': None,
     'not_estimable': 'not estimable (fewer than 2 clusters per study)'}
    >>> interval(1.0, np.array([0.0, 1.0, 2.0]), 0.5, None)
    {'estimate': 1.0, 'low': 0.5, 'high': 1.5, 'not_estimable': None}
    """
    if reason is not None:
        return {"estimate": float(point), "low": None, "high": None, "not_estimable": reason}
    low, high = percentile_interval(samples, level)
    return {"estimate": float(point), "low": float(low), "high": float(high), "not_estimable": None}


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
                per_study[study] = {**interval(res.point_study[s], res.study[:, s], level,
                                               layout.study_reason(s)),
                                    "n": int(n_rows[s]), "n_clusters": n_clusters[s]}
        in_split = layout.stratum_split == j
        splits[split] = {**interval(res.point_split[j], res.split[:, j], level,
                                    layout.split_reason(j)),
                         "n": int(n_rows[in_split].sum()),
                         "n_clusters": int(layout.split_clusters[j].shape[0]),
                         "pooled": layout.pooled(j), "per_study": per_study}
    return {"simbench_score": interval(res.point_headline, res.headline, level,
                                       layout.headline_reason()),
            "splits": splits}


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
        JSON-able ``{"simbench_score": {"estimate", "low", "high", "not_estimable"}, "splits":
        {split: {"estimate", "low", "high", "not_estimable", "n", "n_clusters", "pooled",
        "per_study": {slug: {"estimate", "low", "high", "not_estimable", "n", "n_clusters"}}}},
        "seed", "n_resamples", "level", "method"}``. Estimates equal
        :func:`simbench.metric.aggregate` on the same rows. ``low`` and ``high`` are ``None`` where
        the interval is not estimable, and ``not_estimable`` then says why (otherwise ``None``);
        ``pooled`` marks a split whose clusters were resampled as one stratum (module docstring).
    """
    rows = scored_rows(items, predicted, norms)
    layout = build_layout(items)
    res = resample_scores(layout, rows.score, n_resamples=n_resamples, seed=seed)
    out = intervals_dict(layout, res, level)
    logger.debug("bootstrap over %d rows, %d clusters, %d resamples", layout.n_rows,
                 layout.n_clusters, n_resamples)
    return {**out, "seed": int(seed), "n_resamples": int(n_resamples), "level": float(level),
            "method": BOOTSTRAP_METHOD}
