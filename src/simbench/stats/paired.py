"""Paired comparison of two models scored on the same items.

The difference ``A - B`` of the headline, split and study scores is linear in the per-row score
differences, so the paired bootstrap resamples question clusters (stratified by study, as in
:mod:`simbench.stats.bootstrap`) and recomputes the means of the row differences. The p-value comes
from a sign-flip permutation test: under the null hypothesis that A and B are exchangeable, the sign
of each question cluster's summed difference is a coin flip; the two-sided p-value is
``(1 + #{|T_perm| >= |T_obs|}) / (1 + n_permutations)``. A model compared with itself gets a
difference of exactly 0, an interval ``[0, 0]`` and a p-value of exactly 1.

Where a study holds fewer than 2 question clusters, its difference has no interval and no p-value
(``None``, with ``not_estimable`` giving the reason; one cluster's sign flip can never reject);
its split's clusters are resampled as one pooled stratum, as in :mod:`simbench.stats.bootstrap`.

Examples
--------
Six made-up Jester rows; model A predicts halfway between the humans and uniform (score 50),
model B predicts uniform (score 0):

>>> from simbench.data.schema import item_from_release_row
>>> from simbench.metric import pad_distributions, uniform_matrix
>>> def item(i, a):
...     return item_from_release_row({
...         "row_index": i, "dataset_name": "Jester", "group_prompt_template": "You like jokes.",
...         "group_prompt_variable_map": {}, "group_size": 50, "auxiliary": {},
...         "input_template": f"Rate joke {i}.\\n\\nOptions:\\n(A): Funny\\n(B): Not funny",
...         "human_answer": {"A": a, "B": 100.0 - a}}, split="pop")
>>> items = [item(i, a) for i, a in enumerate([10.0, 30.0, 45.0, 60.0, 80.0, 95.0])]
>>> u = uniform_matrix([2] * 6)
>>> half = (pad_distributions([it.human_dist for it in items]) + u) / 2
>>> r = paired_comparison(items, half, u, n_resamples=200, seed=0)
>>> d = r["difference"]
>>> d["score_a"], d["score_b"], d["estimate"], 0 < d["low"] < 50 < d["high"]
(50.0, 0.0, 50.0, True)
>>> bool(d["p_value"] < 0.05), r["win_rate"]["a_better"]     # A better on every row
(True, 1.0)
>>> same = paired_comparison(items, u, u, n_resamples=200)["difference"]
>>> same["estimate"], same["low"], same["high"], same["p_value"]
(0.0, 0.0, 0.0, 1.0)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ..data.schema import Item
from ..metric.core import NormKey, ScoredRows
from ._layout import MIN_CLUSTERS, Layout, build_layout, scored_rows
from .bootstrap import BOOTSTRAP_METHOD, ResampledScores, draw_clusters, draw_pooled, interval

__all__ = ["PAIRED_METHOD", "paired_comparison", "sign_flip_pvalues", "win_rate"]

PAIRED_METHOD = ("paired " + BOOTSTRAP_METHOD + "; p-values by sign-flip permutation of question "
                 "clusters (two-sided)")
# Relative slack when comparing permuted statistics with the observed one (float summation order).
_TIE_SLACK = 1e-9


def win_rate(score_a: np.ndarray, score_b: np.ndarray, *, atol: float = 1e-9) -> dict[str, Any]:
    """Fractions of rows where A scores higher, B scores higher, or both tie (within ``atol``).

    >>> win_rate(np.array([1.0, 2.0, 3.0, 4.0]), np.array([0.0, 2.0, 5.0, 1.0]))
    {'a_better': 0.5, 'b_better': 0.25, 'ties': 0.25, 'n': 4}
    """
    diff = np.asarray(score_a, dtype=np.float64) - np.asarray(score_b, dtype=np.float64)
    n = int(diff.shape[0])
    tie = np.abs(diff) <= atol
    return {"a_better": float(np.sum((diff > 0) & ~tie) / n),
            "b_better": float(np.sum((diff < 0) & ~tie) / n),
            "ties": float(np.sum(tie) / n), "n": n}


def sign_flip_pvalues(
    layout: Layout, diff: np.ndarray, n_permutations: int, rng: np.random.Generator
) -> tuple[float, np.ndarray, np.ndarray]:
    """Two-sided sign-flip p-values for the headline, each split and each stratum.

    Returns:
        ``(p_headline, p_splits (P,), p_strata (S,))``.
    """
    c_sum = np.bincount(layout.row_cluster, weights=diff, minlength=layout.n_clusters)
    c_n = np.bincount(layout.row_cluster, minlength=layout.n_clusters).astype(np.float64)
    n_strata, n_splits = len(layout.strata), len(layout.splits)
    to_stratum = np.zeros((layout.n_clusters, n_strata))
    to_stratum[np.arange(layout.n_clusters), layout.cluster_stratum] = 1.0
    to_split = np.zeros((n_strata, n_splits))
    to_split[np.arange(n_strata), layout.stratum_split] = 1.0
    stratum_n = c_n @ to_stratum
    split_n = stratum_n @ to_split
    signs = rng.choice(np.array([-1.0, 1.0]), size=(n_permutations, layout.n_clusters))
    perm_strata = (signs * c_sum) @ to_stratum
    perm_split = perm_strata @ to_split / split_n
    perm_head = perm_split.mean(axis=1)
    obs_strata = c_sum @ to_stratum
    obs_split = obs_strata @ to_split / split_n
    obs_head = obs_split.mean()

    def pval(perm: np.ndarray, obs: np.ndarray | float) -> np.ndarray:
        obs_abs = np.abs(obs)
        hits = np.abs(perm) >= obs_abs * (1.0 - _TIE_SLACK) - 1e-12
        return (1.0 + hits.sum(axis=0)) / (1.0 + n_permutations)

    return (float(pval(perm_head, obs_head)), pval(perm_split, obs_split),
            pval(perm_strata / stratum_n, obs_strata / stratum_n))


def paired_comparison(
    items: Sequence[Item],
    predicted_a: np.ndarray | ScoredRows,
    predicted_b: np.ndarray | ScoredRows,
    *,
    n_resamples: int = 1000,
    seed: int = 0,
    level: float = 0.95,
    norms: Mapping[NormKey, float] | None = None,
) -> dict[str, Any]:
    """Compare model A with model B on the same items: difference A - B, interval, p-value, win rate.

    Args:
        items: the items both models were scored on.
        predicted_a, predicted_b: padded ``(n, 15)`` distributions aligned with ``items`` (or
            their :class:`~simbench.metric.ScoredRows`).
        n_resamples: bootstrap resamples, also the number of sign-flip permutations.
        seed: seed of ``numpy.random.default_rng`` (bootstrap draws first, then those of pooled
            splits, then the sign flips).
        level: confidence level of the percentile interval.
        norms: study norms (``None``: computed from ``items``).

    Returns:
        ``{"difference": {"estimate", "low", "high", "not_estimable", "p_value", "n_clusters",
        "score_a", "score_b"}, "splits": {split: {... , "pooled", "per_study": {slug: {...}}}},
        "win_rate": {"a_better", "b_better", "ties", "n"}, "seed", "n_resamples", "level",
        "method"}``. Where an interval is not estimable (:func:`~simbench.stats.bootstrap_ci`),
        ``low`` and ``high`` are ``None`` and ``not_estimable`` gives the reason; ``p_value`` is
        ``None`` for an entry of fewer than 2 question clusters.
    """
    rows_a = scored_rows(items, predicted_a, norms)
    rows_b = scored_rows(items, predicted_b, norms)
    layout = build_layout(items)
    rng = np.random.default_rng(seed)
    draws = draw_clusters(layout, n_resamples, rng)
    pooled = draw_pooled(layout, n_resamples, rng)
    diff = rows_a.score - rows_b.score
    res = ResampledScores(layout, diff, draws, pooled)
    p_head, p_split, p_strata = sign_flip_pvalues(layout, diff, n_resamples, rng)
    first = [d[:1] for d in draws]  # only the point estimates of A and B are needed
    res_a = ResampledScores(layout, rows_a.score, first)
    res_b = ResampledScores(layout, rows_b.score, first)
    splits: dict[str, Any] = {}
    for j, split in enumerate(layout.splits):
        per_study = {}
        for s, (sp, study) in enumerate(layout.strata):
            if sp == split:
                per_study[study] = _entry(
                    interval(res.point_study[s], res.study[:, s], level, layout.study_reason(s)),
                    p_strata[s], layout.stratum_clusters[s].shape[0],
                    res_a.point_study[s], res_b.point_study[s])
        splits[split] = {**_entry(
            interval(res.point_split[j], res.split[:, j], level, layout.split_reason(j)),
            p_split[j], layout.split_clusters[j].shape[0],
            res_a.point_split[j], res_b.point_split[j]),
            "pooled": layout.pooled(j), "per_study": per_study}
    return {
        "difference": _entry(interval(res.point_headline, res.headline, level,
                                      layout.headline_reason()),
                             p_head, layout.n_clusters, res_a.point_headline, res_b.point_headline),
        "splits": splits,
        "win_rate": win_rate(rows_a.score, rows_b.score),
        "seed": int(seed), "n_resamples": int(n_resamples), "level": float(level),
        "method": PAIRED_METHOD,
    }


def _entry(iv: dict[str, Any], p: float, n_clusters: int, a: float, b: float) -> dict[str, Any]:
    """An interval entry with its p-value (``None`` below :data:`MIN_CLUSTERS` clusters) and the
    two scores."""
    return {**iv, "p_value": float(p) if n_clusters >= MIN_CLUSTERS else None,
            "n_clusters": int(n_clusters), "score_a": float(a), "score_b": float(b)}
