"""Intervals that cannot be estimated (a study with one question cluster) are None with a reason.

Real small samples: ``--limit-per-study 2`` draws both Grouped ESS rows from one question, the
case of the issue where the C-1 bootstrap printed ``[-19.87, -19.87]`` beside a paired p-value.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from simbench import select_items
from simbench.stats import NOT_ESTIMABLE, attribute_deltas, bootstrap_ci, paired_comparison
from simbench.stats._layout import NOT_ESTIMABLE_HEADLINE, NOT_ESTIMABLE_SPLIT, build_layout
from simbench.stats.bootstrap import ResampledScores, draw_clusters, draw_pooled


@pytest.fixture(scope="module")
def two_per_study(all_items):
    """Two rows per (split, study), as ``simbench run --limit-per-study 2`` picks them."""
    items = select_items(all_items, limit_per_study=2, seed=0)
    layout = build_layout(items)
    singles = [k for k, c in zip(layout.strata, layout.stratum_clusters) if c.size < 2]
    assert singles == [("grouped", "ess")]  # both ESS Grouped rows ask the same question
    return items


def _one_question(all_items, study="ess"):
    cluster = next(it.cluster_id for it in all_items if it.study == study and it.split == "grouped")
    return [it for it in all_items if it.cluster_id == cluster]


def test_a_one_cluster_study_has_no_interval_and_its_split_is_pooled(
        two_per_study, mixture, full_norms):
    ci = bootstrap_ci(two_per_study, mixture(two_per_study, 0.4), n_resamples=300,
                      norms=full_norms)
    ess = ci["splits"]["grouped"]["per_study"]["ess"]
    assert (ess["low"], ess["high"], ess["not_estimable"]) == (None, None, NOT_ESTIMABLE)
    assert ess["n_clusters"] == 1 and np.isfinite(ess["estimate"])
    for split, s in ci["splits"].items():
        assert s["pooled"] is (split == "grouped")
        assert s["not_estimable"] is None and s["low"] < s["estimate"] < s["high"]
        for study, v in s["per_study"].items():
            if (split, study) != ("grouped", "ess"):
                assert v["not_estimable"] is None and v["low"] <= v["high"]
    head = ci["simbench_score"]
    assert head["not_estimable"] is None and head["low"] < head["estimate"] < head["high"]
    json.dumps(ci, allow_nan=False)


def test_a_pooled_split_resamples_all_its_clusters_together(two_per_study, mixture, full_norms):
    """The pooled split means equal a plain loop over the split's drawn clusters."""
    from simbench.metric import score_matrix

    scores = score_matrix(two_per_study, mixture(two_per_study, 0.5), full_norms).score
    layout = build_layout(two_per_study)
    rng = np.random.default_rng(5)
    draws = draw_clusters(layout, 7, rng)
    pooled = draw_pooled(layout, 7, rng)
    j = layout.splits.index("grouped")
    assert list(pooled) == [j] and pooled[j].shape == (7, layout.split_clusters[j].size - 1)
    assert set(pooled[j].ravel()) <= set(layout.split_clusters[j].tolist())
    res = ResampledScores(layout, scores, draws, pooled)
    for b in range(7):
        rows = np.concatenate([np.flatnonzero(layout.row_cluster == c) for c in pooled[j][b]])
        assert res.split[b, j] == pytest.approx(scores[rows].mean())
        assert res.headline[b] == pytest.approx(res.split[b].mean())


def test_without_one_cluster_studies_nothing_is_pooled(sample_items, mixture, full_norms):
    ci = bootstrap_ci(sample_items, mixture(sample_items, 0.4), n_resamples=100, norms=full_norms)
    assert not any(s["pooled"] for s in ci["splits"].values())
    assert draw_pooled(build_layout(sample_items), 10, np.random.default_rng(0)) == {}


def test_a_split_of_one_question_makes_the_split_and_headline_not_estimable(
        all_items, mixture, full_norms):
    pop = select_items([it for it in all_items if it.split == "pop"], limit_per_study=3, seed=0)
    items = pop + _one_question(all_items)
    ci = bootstrap_ci(items, mixture(items, 0.4), n_resamples=100, norms=full_norms)
    grouped = ci["splits"]["grouped"]
    assert (grouped["low"], grouped["high"], grouped["not_estimable"]) == \
        (None, None, NOT_ESTIMABLE_SPLIT)
    assert grouped["n_clusters"] == 1 and grouped["n"] > 1 and not grouped["pooled"]
    head = ci["simbench_score"]
    assert (head["low"], head["high"], head["not_estimable"]) == (None, None, NOT_ESTIMABLE_HEADLINE)
    assert ci["splits"]["pop"]["not_estimable"] is None
    json.dumps(ci, allow_nan=False)


def test_paired_differences_of_a_one_cluster_study_have_no_interval_nor_p(
        two_per_study, mixture, full_norms):
    a, b = mixture(two_per_study, 0.7), mixture(two_per_study, 0.2)
    r = paired_comparison(two_per_study, a, b, n_resamples=300, norms=full_norms)
    ess = r["splits"]["grouped"]["per_study"]["ess"]
    assert (ess["low"], ess["high"], ess["p_value"]) == (None, None, None)
    assert ess["not_estimable"] == NOT_ESTIMABLE and ess["estimate"] != 0.0
    grouped = r["splits"]["grouped"]
    assert grouped["pooled"] and grouped["low"] < grouped["estimate"] < grouped["high"]
    assert 0.0 < grouped["p_value"] <= 1.0
    assert r["difference"]["not_estimable"] is None and r["difference"]["p_value"] is not None
    json.dumps(r, allow_nan=False)
    same = paired_comparison(two_per_study, a, a.copy(), n_resamples=100, norms=full_norms)
    assert (same["difference"]["low"], same["difference"]["high"]) == (0.0, 0.0)
    assert same["splits"]["grouped"]["per_study"]["ess"]["low"] is None


def test_attributes_of_one_question_have_no_interval(all_items):
    items = _one_question(all_items)
    scores = np.linspace(-10.0, 10.0, len(items))
    deltas = attribute_deltas(items, scores, n_resamples=50)
    assert deltas["attributes"]
    for v in deltas["attributes"].values():
        assert v["n_clusters"] == 1 and v["low"] is None and v["high"] is None
        assert v["not_estimable"].startswith("not estimable")
    json.dumps(deltas, allow_nan=False)
