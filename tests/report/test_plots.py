"""Plot functions on edge cases: intervals not containing the estimate, empty bins."""

from __future__ import annotations

import numpy as np

from simbench.report import plots


def _is_png(data: bytes) -> bool:
    return data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 1000


def test_plots_accept_intervals_that_miss_the_estimate():
    entry = {"estimate": 1.0, "low": 1.0 + 1e-13, "high": 2.0, "p_value": 1.0,
             "score_a": 1.0, "score_b": 0.0}
    comparison = {"difference": entry, "splits": {"pop": {**entry, "per_study": {"jester": entry}}}}
    assert _is_png(plots.paired_study_plot(comparison, title="t"))
    intervals = {"splits": {"pop": {"per_study": {"jester": entry}}}}
    assert _is_png(plots.study_bar_plot(intervals, None, title="t"))
    attrs = {"age": {"delta": -1.0, "low": -0.5, "high": 0.5, "n": 3}}
    assert _is_png(plots.attribute_plot(attrs, title="t"))


def test_entropy_plots_with_empty_bins_and_constant_difference():
    bins = [{"low": 0.0, "high": 0.5, "n": 0, "mean": None, "sem": None, "entropy_mean": None},
            {"low": 0.5, "high": 1.0, "n": 2, "mean": 3.0, "sem": None, "entropy_mean": 0.7}]
    assert _is_png(plots.entropy_bin_plot(bins, title="t"))
    analysis = {"bins": bins, "slope": None, "intercept": None, "zero_crossing_fit": None}
    assert _is_png(plots.alignment_plot(np.array([0.6, 0.8]), np.array([3.0, 3.0]), analysis,
                                        title="t"))
    assert _is_png(plots.label_mass_plot(np.array([0.2, 0.9, 1.3]), title="t"))
