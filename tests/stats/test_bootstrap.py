"""Cluster bootstrap CIs: estimates, known aggregation, determinism, shrinking intervals."""

from __future__ import annotations

import json

import numpy as np
import pytest

from simbench import select_items
from simbench.metric import aggregate, score_matrix
from simbench.stats import bootstrap_ci
from simbench.stats._layout import build_layout
from simbench.stats.bootstrap import ResampledScores, draw_clusters


def test_estimates_equal_the_score_aggregate(mixture, sample_items, full_norms):
    pred = mixture(sample_items, 0.3)
    ci = bootstrap_ci(sample_items, pred, n_resamples=200, norms=full_norms)
    agg = aggregate(score_matrix(sample_items, pred, full_norms))
    assert ci["simbench_score"]["estimate"] == pytest.approx(agg["simbench_score"], abs=1e-9)
    for split, s in agg["splits"].items():
        assert ci["splits"][split]["estimate"] == pytest.approx(s["score"], abs=1e-9)
        assert ci["splits"][split]["n"] == s["n"]
        for study, v in s["per_study"].items():
            got = ci["splits"][split]["per_study"][study]
            assert got["estimate"] == pytest.approx(v["score"], abs=1e-9)
            assert got["low"] <= got["estimate"] <= got["high"]
    assert ci["seed"] == 0 and ci["n_resamples"] == 200 and ci["level"] == 0.95
    assert "cluster bootstrap" in ci["method"]
    json.dumps(ci)  # JSON-able


def test_resampled_means_match_a_plain_loop(mixture, sample_items, full_norms):
    """The vectorised sums equal a per-resample Python loop over the same drawn clusters."""
    scores = score_matrix(sample_items, mixture(sample_items, 0.5), full_norms).score
    layout = build_layout(sample_items)
    draws = draw_clusters(layout, 5, np.random.default_rng(3))
    res = ResampledScores(layout, scores, draws)
    rows_of = {c: np.flatnonzero(layout.row_cluster == c) for c in range(layout.n_clusters)}
    for b in range(5):
        split_vals: dict[int, list[float]] = {}
        for s, d in enumerate(draws):
            vals = [scores[r] for c in d[b] for r in rows_of[int(c)]]
            assert res.study[b, s] == pytest.approx(np.mean(vals), abs=1e-9)
            split_vals.setdefault(int(layout.stratum_split[s]), []).extend(vals)
        means = [np.mean(split_vals[j]) for j in sorted(split_vals)]
        assert res.headline[b] == pytest.approx(np.mean(means), abs=1e-9)


def test_grouped_clusters_are_resampled_whole(all_items):
    grouped = [it for it in all_items if it.split == "grouped"]
    layout = build_layout(grouped)
    assert layout.n_clusters == len({it.cluster_id for it in grouped}) == 100
    # Every drawn cluster brings all its rows: the row count of a resample is a sum of cluster sizes.
    sizes = np.bincount(layout.row_cluster)
    draws = draw_clusters(layout, 3, np.random.default_rng(0))
    res = ResampledScores(layout, np.ones(len(grouped)), draws)
    assert np.all(res.study == 1.0)
    assert sizes.sum() == len(grouped)


def test_same_seed_identical_other_seed_differs(mixture, sample_items, full_norms):
    pred = mixture(sample_items, 0.4)
    a = bootstrap_ci(sample_items, pred, n_resamples=300, seed=7, norms=full_norms)
    b = bootstrap_ci(sample_items, pred, n_resamples=300, seed=7, norms=full_norms)
    c = bootstrap_ci(sample_items, pred, n_resamples=300, seed=8, norms=full_norms)
    assert json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)
    assert a["simbench_score"]["low"] != c["simbench_score"]["low"]
    assert c["seed"] == 8


def test_intervals_shrink_when_more_items_are_scored(mixture, all_items, full_norms):
    widths = []
    for limit in (5, 40, 400):
        items = select_items(all_items, limit_per_study=limit, seed=0)
        ci = bootstrap_ci(items, mixture(items, 0.5), n_resamples=400, norms=full_norms)
        widths.append(ci["simbench_score"]["high"] - ci["simbench_score"]["low"])
    assert widths[0] > widths[1] > widths[2] > 0


def test_scored_rows_are_accepted_and_checked(mixture, sample_items, full_norms):
    rows = score_matrix(sample_items, mixture(sample_items, 0.2), full_norms)
    ci = bootstrap_ci(sample_items, rows, n_resamples=50)
    assert ci["simbench_score"]["estimate"] == pytest.approx(aggregate(rows)["simbench_score"])
    with pytest.raises(ValueError, match="not aligned"):
        bootstrap_ci(sample_items[::-1], rows, n_resamples=50)


def test_bad_arguments_are_rejected(mixture, sample_items):
    pred = mixture(sample_items, 0.2)
    with pytest.raises(ValueError, match="n_resamples"):
        bootstrap_ci(sample_items, pred, n_resamples=0)
    with pytest.raises(ValueError, match="level"):
        bootstrap_ci(sample_items, pred, n_resamples=10, level=1.5)
    with pytest.raises(ValueError, match="more than once"):
        bootstrap_ci(sample_items + sample_items[:1], np.vstack([pred, pred[:1]]), n_resamples=10)
    with pytest.raises(ValueError, match="no items"):
        bootstrap_ci([], pred[:0], n_resamples=10)


def test_bootstrap_variance_is_the_unbiased_one_for_small_strata(all_items):
    """With C - 1 of C clusters drawn, the bootstrap variance of a stratum mean is s^2 / C (the
    usual unbiased standard error), not the plain bootstrap's (C - 1) / C of it."""
    items = [it for it in all_items if it.study == "jester" and it.split == "pop"][:6]
    values = np.array([3.0, -1.0, 4.0, 1.0, -5.0, 9.0])
    layout = build_layout(items)
    draws = draw_clusters(layout, 200_000, np.random.default_rng(0))
    res = ResampledScores(layout, values, draws)
    expected = values.std(ddof=1) / np.sqrt(values.size)
    assert res.study[:, 0].std() == pytest.approx(expected, rel=0.01)
