"""Row layout shared by the statistics: strata (split, study), question clusters, row scores.

The bootstrap and the paired tests resample *question clusters* (``Item.cluster_id``: a Pop row is its
own cluster, Grouped rows asking the same question form one) inside each (split, study) stratum. The
:class:`Layout` precomputes, once per item list, which cluster each row belongs to and which stratum
each cluster belongs to, so every resample is a few vectorised gathers.

A stratum holding fewer than :data:`MIN_CLUSTERS` question clusters has no estimable sampling
variance (one question says nothing about how much another would differ): its interval is *not
estimable* and is reported as ``None`` with a reason (:data:`NOT_ESTIMABLE`), never as a zero-width
interval. A split holding such a stratum is resampled as one pooled stratum (collapsed strata,
:meth:`Layout.pooled`); the rule is documented in ``docs/statistics.md``.

Examples
--------
>>> from simbench.stats._layout import normalised_entropy
>>> import numpy as np
>>> normalised_entropy(np.array([[0.5, 0.5, 0.0], [1.0, 0.0, 0.0]]), np.array([2, 3])).round(3)
array([1., 0.])
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from ..data.registry import SPLITS
from ..data.schema import Item
from ..metric.core import NormKey, ScoredRows, pad_distributions, score_matrix

__all__ = ["Layout", "MIN_CLUSTERS", "NOT_ESTIMABLE", "NOT_ESTIMABLE_HEADLINE", "NOT_ESTIMABLE_SPLIT",
           "build_layout", "normalised_entropy", "percentile_interval", "scored_rows"]

#: The fewest question clusters from which a sampling variance can be estimated.
MIN_CLUSTERS = 2
#: Why a study's interval (or paired p-value) is missing.
NOT_ESTIMABLE = "not estimable (fewer than 2 clusters per study)"
#: Why a split's interval is missing (the whole split holds one question cluster).
NOT_ESTIMABLE_SPLIT = "not estimable (fewer than 2 clusters in the split)"
#: Why the headline interval is missing (a split is not estimable).
NOT_ESTIMABLE_HEADLINE = "not estimable (a split has fewer than 2 clusters)"


@dataclass(frozen=True)
class Layout:
    """Where each row sits: its cluster, and each cluster's (split, study) stratum.

    Attributes:
        splits: the splits present, in the order of :data:`simbench.SPLITS`.
        strata: ``(split, study)`` pairs present, sorted by split order then study slug.
        row_cluster: ``(n,)`` cluster index of each row.
        cluster_stratum: ``(C,)`` stratum index of each cluster.
        stratum_split: ``(S,)`` index into ``splits`` of each stratum.
        stratum_clusters: for each stratum, the indices of its clusters.
        split_clusters: for each split, the indices of its clusters.
    """

    splits: tuple[str, ...]
    strata: tuple[NormKey, ...]
    row_cluster: np.ndarray
    cluster_stratum: np.ndarray
    stratum_split: np.ndarray
    stratum_clusters: tuple[np.ndarray, ...]
    split_clusters: tuple[np.ndarray, ...]

    @property
    def n_rows(self) -> int:
        """Number of rows."""
        return int(self.row_cluster.shape[0])

    @property
    def n_clusters(self) -> int:
        """Number of question clusters."""
        return int(self.cluster_stratum.shape[0])

    def study_reason(self, stratum: int) -> str | None:
        """Why stratum ``stratum``'s interval is not estimable, or ``None`` when it is."""
        return NOT_ESTIMABLE if self.stratum_clusters[stratum].shape[0] < MIN_CLUSTERS else None

    def split_reason(self, split: int) -> str | None:
        """Why split ``split``'s interval is not estimable, or ``None`` when it is."""
        return NOT_ESTIMABLE_SPLIT if self.split_clusters[split].shape[0] < MIN_CLUSTERS else None

    def headline_reason(self) -> str | None:
        """Why the headline interval is not estimable (a split is not), or ``None``."""
        ok = all(self.split_reason(j) is None for j in range(len(self.splits)))
        return None if ok else NOT_ESTIMABLE_HEADLINE

    def pooled(self, split: int) -> bool:
        """Whether split ``split`` is resampled as one pooled stratum.

        True when one of its studies holds fewer than :data:`MIN_CLUSTERS` clusters (that study
        alone has no estimable variance) and the split as a whole holds enough: the split's
        clusters are then resampled together (the collapsed-strata estimator, conservative).
        """
        small = any(self.stratum_clusters[s].shape[0] < MIN_CLUSTERS
                    for s in np.flatnonzero(self.stratum_split == split))
        return small and self.split_reason(split) is None


def build_layout(items: Sequence[Item]) -> Layout:
    """Index ``items`` by stratum and question cluster (deterministic: sorted keys).

    Raises:
        ValueError: when ``items`` is empty or holds a duplicate ``item_id``.
    """
    if not items:
        raise ValueError("no items: the statistics need at least one scored row")
    ids = [it.item_id for it in items]
    if len(set(ids)) != len(ids):
        dup = next(i for i in ids if ids.count(i) > 1)
        raise ValueError(f"item {dup!r} appears more than once")
    order = {s: i for i, s in enumerate(SPLITS)}
    strata = tuple(sorted({(it.split, it.study) for it in items}, key=lambda k: (order[k[0]], k[1])))
    splits = tuple(s for s in SPLITS if any(k[0] == s for k in strata))
    stratum_index = {k: i for i, k in enumerate(strata)}
    cluster_keys = sorted({(stratum_index[(it.split, it.study)], it.cluster_id) for it in items})
    cluster_index = {k[1]: i for i, k in enumerate(cluster_keys)}
    row_cluster = np.array([cluster_index[it.cluster_id] for it in items], dtype=np.int64)
    cluster_stratum = np.array([k[0] for k in cluster_keys], dtype=np.int64)
    stratum_split = np.array([splits.index(k[0]) for k in strata], dtype=np.int64)
    return Layout(
        splits=splits,
        strata=strata,
        row_cluster=row_cluster,
        cluster_stratum=cluster_stratum,
        stratum_split=stratum_split,
        stratum_clusters=tuple(np.flatnonzero(cluster_stratum == s) for s in range(len(strata))),
        split_clusters=tuple(np.flatnonzero(stratum_split[cluster_stratum] == j)
                             for j in range(len(splits))),
    )


def scored_rows(
    items: Sequence[Item],
    predicted: np.ndarray | ScoredRows,
    norms: Mapping[NormKey, float] | None = None,
) -> ScoredRows:
    """Per-row scores aligned with ``items``, from a padded matrix or an existing :class:`ScoredRows`.

    Raises:
        ValueError: when a :class:`ScoredRows` does not cover exactly ``items`` in the same order.
    """
    if isinstance(predicted, ScoredRows):
        ids = tuple(it.item_id for it in items)
        if predicted.item_ids != ids:
            bad = next((a for a, b in zip(predicted.item_ids, ids) if a != b), None)
            raise ValueError(f"the scored rows are not aligned with the items "
                             f"({len(predicted.item_ids)} rows, {len(ids)} items; first mismatch {bad!r})")
        return predicted
    matrix = np.asarray(predicted, dtype=np.float64)
    if matrix.ndim != 2:
        raise ValueError(f"predicted must be an (n, K) matrix, got shape {matrix.shape}")
    return score_matrix(items, matrix, norms)


def human_matrix(items: Sequence[Item]) -> np.ndarray:
    """The human distributions as a zero-padded ``(n, 15)`` matrix."""
    return pad_distributions([it.human_dist for it in items])


def normalised_entropy(dists: np.ndarray, n_options: np.ndarray) -> np.ndarray:
    """``H(P) / log K`` per row, in ``[0, 1]`` (natural logs; ``0 log 0 = 0``)."""
    p = np.asarray(dists, dtype=np.float64)
    p = p / p.sum(axis=1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(p > 0, -p * np.log(np.where(p > 0, p, 1.0)), 0.0)
    k = np.asarray(n_options, dtype=np.float64)
    return np.clip(terms.sum(axis=1) / np.log(k), 0.0, 1.0)


def percentile_interval(samples: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    """The percentile interval of bootstrap ``samples`` along axis 0."""
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must lie strictly between 0 and 1, got {level}")
    alpha = (1.0 - level) / 2.0
    low, high = np.quantile(samples, [alpha, 1.0 - alpha], axis=0)
    return low, high
