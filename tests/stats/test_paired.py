"""Paired comparisons: self-comparison, known differences, symmetry, win rate."""

from __future__ import annotations

import json

import numpy as np
import pytest

from simbench.stats import paired_comparison
from simbench.stats.paired import win_rate


def _walk(result):
    yield result["difference"]
    for s in result["splits"].values():
        yield s
        yield from s["per_study"].values()


def test_a_run_against_itself_is_exactly_zero_with_p_one(mixture, sample_items, full_norms):
    pred = mixture(sample_items, 0.7)
    r = paired_comparison(sample_items, pred, pred.copy(), n_resamples=300, norms=full_norms)
    for entry in _walk(r):
        assert entry["estimate"] == 0.0 and entry["low"] == 0.0 and entry["high"] == 0.0
        assert entry["p_value"] == 1.0
    assert r["win_rate"] == {"a_better": 0.0, "b_better": 0.0, "ties": 1.0, "n": len(sample_items)}
    json.dumps(r)


def test_human_against_uniform_is_exactly_100(mixture, sample_items):
    """With the norms of the scored rows, human scores 100 and uniform 0 on every study."""
    human, uniform = mixture(sample_items, 1.0), mixture(sample_items, 0.0)
    r = paired_comparison(sample_items, human, uniform, n_resamples=199)
    d = r["difference"]
    assert d["estimate"] == pytest.approx(100.0, abs=1e-9)
    assert d["low"] < 100.0 < d["high"]
    for split in r["splits"].values():
        for study in split["per_study"].values():
            assert study["estimate"] == pytest.approx(100.0, abs=1e-9)
    assert d["p_value"] == pytest.approx(1 / 200)  # no sign flip reaches the observed difference
    assert d["score_a"] == pytest.approx(100.0) and d["score_b"] == pytest.approx(0.0, abs=1e-9)
    assert r["win_rate"]["a_better"] > 0.99


def test_swapping_the_runs_negates_the_difference(mixture, sample_items, full_norms):
    a, b = mixture(sample_items, 0.6), mixture(sample_items, 0.55)
    ab = paired_comparison(sample_items, a, b, n_resamples=200, seed=4, norms=full_norms)
    ba = paired_comparison(sample_items, b, a, n_resamples=200, seed=4, norms=full_norms)
    assert ab["difference"]["estimate"] == pytest.approx(-ba["difference"]["estimate"])
    assert ab["difference"]["low"] == pytest.approx(-ba["difference"]["high"])
    assert ab["difference"]["p_value"] == ba["difference"]["p_value"]
    assert ab["win_rate"]["a_better"] == ba["win_rate"]["b_better"]


def test_exchangeable_runs_are_not_significant(mixture, sample_items, full_norms):
    """A and B swap two mixtures at random per row: under this null the p-value is not small."""
    swap = np.random.default_rng(0).random(len(sample_items)) < 0.5
    x, y = mixture(sample_items, 0.6), mixture(sample_items, 0.5)
    a, b = np.where(swap[:, None], x, y), np.where(swap[:, None], y, x)
    r = paired_comparison(sample_items, a, b, n_resamples=500, norms=full_norms)
    assert r["difference"]["p_value"] > 0.05
    assert r["difference"]["low"] < 0.0 < r["difference"]["high"]
    assert 0.3 < r["win_rate"]["a_better"] < 0.7


def test_win_rate_counts():
    assert win_rate(np.array([1.0, 1.0]), np.array([1.0, 0.0])) == \
        {"a_better": 0.5, "b_better": 0.0, "ties": 0.5, "n": 2}
