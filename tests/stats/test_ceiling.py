"""Noise ceiling: Monte Carlo against the exact binomial answer, imputation rule, determinism."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest
from scipy import stats

from simbench.stats import noise_ceiling
from simbench.stats.ceiling import expected_sampling_tv, impute_group_sizes


@pytest.mark.parametrize(("p", "n"), [(0.5, 100), (0.2, 30), (0.9, 500)])
def test_monte_carlo_matches_the_exact_binomial_expectation(p, n):
    k = np.arange(n + 1)
    exact = float(np.sum(stats.binom.pmf(k, n, p) * np.abs(k / n - p)))  # TV = |p_hat - p| for K=2
    mc = expected_sampling_tv(np.array([[p, 1 - p, 0.0]]), np.array([n]), n_draws=40000, seed=1)
    assert mc[0] == pytest.approx(exact, rel=0.02)


def test_larger_groups_have_a_lower_floor():
    p = np.tile([0.2, 0.3, 0.5], (3, 1))
    tv = expected_sampling_tv(p, np.array([10, 100, 10000]), n_draws=2000, seed=0)
    assert tv[0] > tv[1] > tv[2] > 0
    with pytest.raises(ValueError, match="row 1: sample size 0"):
        expected_sampling_tv(p[:2], np.array([5, 0]))


def test_unknown_sizes_follow_the_documented_rule(all_items):
    sizes, imputed = impute_group_sizes(all_items)
    gqa = np.array([it.study == "global_opinion_qa" for it in all_items])
    assert np.array_equal(imputed, gqa)  # the release's only unknown sizes
    pop_known = [it.group_size for it in all_items if it.split == "pop" and it.group_size > 0]
    assert set(sizes[gqa].tolist()) == {int(np.median(pop_known))}
    # A study with some known sizes imputes from its own median.
    jester = [it for it in all_items if it.study == "jester"][:5]
    items = [dataclasses.replace(jester[0], group_size=-1), *jester[1:]]
    sizes, imputed = impute_group_sizes(items)
    assert imputed.tolist() == [True, False, False, False, False]
    assert sizes[0] == int(np.median([it.group_size for it in jester[1:]]))
    assert impute_group_sizes(items, unknown_size=50)[0][0] == 50


def test_ceiling_summary_is_consistent_and_seeded(sample_items):
    a = noise_ceiling(sample_items, n_draws=100, seed=3)
    b = noise_ceiling(sample_items, n_draws=100, seed=3)
    assert np.array_equal(a.expected_tv, b.expected_tv)
    assert json.dumps(a.summary, sort_keys=True) == json.dumps(b.summary, sort_keys=True)
    assert np.all(a.score <= 100.0) and np.all(a.expected_tv >= 0) and a.expected_tv.mean() > 0
    s = a.summary
    assert s["seed"] == 3 and s["n_draws"] == 100 and "median known group size" in s["unknown_size_rule"]
    splits = np.array([it.split for it in sample_items])
    for split, entry in s["splits"].items():
        assert entry["score"] == pytest.approx(a.score[splits == split].mean())
        assert entry["n"] == int((splits == split).sum())
    assert s["simbench_score"] == pytest.approx(np.mean([v["score"] for v in s["splits"].values()]))
    assert s["splits"]["pop"]["per_study"]["global_opinion_qa"]["n_imputed"] > 0
