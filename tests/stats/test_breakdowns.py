"""Breakdowns by entropy and by demographic attribute, on the real Grouped rows."""

from __future__ import annotations

import numpy as np
import pytest

from simbench.metric import score_matrix, uniform_matrix
from simbench.stats import attribute_deltas, entropy_bins, normalised_entropy
from simbench.stats._layout import human_matrix
from simbench.stats.breakdowns import ATTRIBUTE_NAMES, COUNTRY_KEYS, attribute_of


def test_normalised_entropy_bounds():
    h = normalised_entropy(np.array([[0.25] * 4 + [0.0], [1.0, 0, 0, 0, 0], [0.5, 0.5, 0, 0, 0]]),
                           np.array([4, 5, 4]))
    assert h == pytest.approx([1.0, 0.0, 0.5])


def test_entropy_bins_known_answer():
    h = np.array([0.0, 0.1, 0.5, 0.6, 1.0])
    bins = entropy_bins(h, np.array([1.0, 3.0, 5.0, 7.0, 9.0]), n_bins=4)
    assert [b["n"] for b in bins] == [2, 0, 2, 1]  # 0.5 opens bin 2; 1.0 closes the last bin
    assert bins[0]["mean"] == 2.0 and bins[1]["mean"] is None and bins[2]["mean"] == 6.0
    assert bins[3]["mean"] == 9.0 and bins[1]["sem"] is None
    assert bins[0]["low"] == 0.0 and bins[3]["high"] == 1.0
    with pytest.raises(ValueError, match="shape"):
        entropy_bins(h, np.ones(3))


@pytest.fixture(scope="module")
def grouped(all_items):
    return [it for it in all_items if it.split == "grouped"]


def test_every_grouped_attribute_row_has_its_country_row(grouped):
    keys = {attribute_of(it) for it in grouped} - {None}
    assert keys <= set(ATTRIBUTE_NAMES), keys - set(ATTRIBUTE_NAMES)
    r = attribute_deltas(grouped, np.zeros(len(grouped)), n_resamples=10)
    assert r["n_unmatched"] == 0
    assert r["n_matched"] == sum(1 for it in grouped if attribute_of(it) is not None)
    assert all(v["delta"] == 0.0 for v in r["attributes"].values())
    assert {"religiosity", "political ideology", "age", "gender"} <= set(r["attributes"])


def test_a_model_that_ignores_the_attribute_loses_on_every_subgroup(grouped):
    """Predict each question's country-only distribution for all its groups: country rows score
    100, subgroup rows less, so every attribute delta is negative."""
    base = {}
    for it in grouped:
        if attribute_of(it) is None:
            country = tuple(sorted((k, v) for k, v in it.grouping.items() if k in COUNTRY_KEYS))
            base[(it.cluster_id, country)] = it.human_dist
    pred = np.zeros((len(grouped), 15))
    for i, it in enumerate(grouped):
        country = tuple(sorted((k, v) for k, v in it.grouping.items() if k in COUNTRY_KEYS))
        d = base[(it.cluster_id, country)]
        pred[i, : len(d)] = d
    scores = score_matrix(grouped, pred).score
    r = attribute_deltas(grouped, scores, n_resamples=200, seed=1)
    for name, v in r["attributes"].items():
        assert v["delta"] < 0, name
        assert v["low"] <= v["delta"] <= v["high"]
        assert v["country_score"] == pytest.approx(100.0)
    deltas = [v["delta"] for v in r["attributes"].values()]
    assert deltas == sorted(deltas)  # worst first
    assert r == attribute_deltas(grouped, scores, n_resamples=200, seed=1)


def test_rows_without_a_country_row_are_reported(grouped):
    dropped = next(it for it in grouped if it.study == "ess" and attribute_of(it) is None)
    items = [it for it in grouped if it is not dropped]
    r = attribute_deltas(items, np.zeros(len(items)), n_resamples=10)
    assert r["n_unmatched"] > 0
    orphan = r["unmatched"][0]
    assert orphan.startswith("grouped/")


def test_entropy_of_real_rows_in_range(all_items):
    h = normalised_entropy(human_matrix(all_items), np.array([it.n_options for it in all_items]))
    assert h.min() >= 0.0 and h.max() <= 1.0
    u = uniform_matrix([it.n_options for it in all_items])
    assert normalised_entropy(u, np.array([it.n_options for it in all_items])) == pytest.approx(1.0)
