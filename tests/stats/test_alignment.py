"""Alignment-simulation analysis: known lines, crossings, degenerate input."""

from __future__ import annotations

import numpy as np
import pytest

from simbench.stats import alignment_analysis
from simbench.stats.alignment import zero_crossing


def test_a_noisy_line_is_recovered():
    rng = np.random.default_rng(0)
    h = rng.random(5000)
    d = 20.0 - 25.0 * h + rng.normal(0, 5, h.size)  # crosses zero at 0.8
    r = alignment_analysis(h, d, n_bins=10)
    assert r["slope"] == pytest.approx(-25.0, abs=1.0)
    assert r["zero_crossing_fit"] == pytest.approx(0.8, abs=0.02)
    assert r["zero_crossing_bins"] == pytest.approx(0.8, abs=0.05)
    assert r["pearson_r_bins"] < -0.99 and r["pearson_r_items"] < -0.7
    assert sum(b["n"] for b in r["bins"]) == 5000


def test_no_crossing_and_constant_difference():
    r = alignment_analysis(np.linspace(0, 1, 50), np.zeros(50))
    assert r["pearson_r_items"] is None and r["slope"] == pytest.approx(0.0)
    assert r["zero_crossing_fit"] is None
    assert zero_crossing(np.array([0.1, 0.5]), np.array([1.0, 2.0])) is None
    with pytest.raises(ValueError, match="equal-length"):
        alignment_analysis(np.ones(3), np.ones(4))
