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


_NOT_ESTIMABLE = {"estimate": -19.87, "low": None, "high": None, "p_value": None,
                  "not_estimable": "not estimable (fewer than 2 clusters per study)",
                  "score_a": 1.0, "score_b": 20.87, "n": 2, "n_clusters": 1}
_ESTIMABLE = {"estimate": 5.0, "low": 1.0, "high": 9.0, "p_value": 0.2, "not_estimable": None,
              "score_a": 6.0, "score_b": 1.0, "n": 2, "n_clusters": 2}


def _tick_labels(fig):
    return [t.get_text() for t in fig.axes[0].get_yticklabels()]


def _drawn(fig):
    """The figure drawn on an Agg canvas (as the PNG export draws it), for bounding boxes."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig).draw()
    return fig


def _window(artist, fig):
    return artist.get_window_extent(fig.canvas.get_renderer())


def test_entries_without_interval_get_no_whisker_and_a_label():
    comparison = {"difference": _ESTIMABLE,
                  "splits": {"grouped": {**_ESTIMABLE, "per_study": {"ess": _NOT_ESTIMABLE,
                                                                   "issp": _ESTIMABLE}}}}
    assert _is_png(plots.paired_study_plot(comparison, title="t"))
    intervals = {"splits": {"grouped": {"per_study": {"ess": _NOT_ESTIMABLE, "issp": _ESTIMABLE}}}}
    fig = plots._study_bar_fig(intervals, None, title="t")
    assert _tick_labels(fig) == ["ess (grouped), no interval", "issp (grouped)"]
    whiskers = [c for c in fig.axes[0].collections if c.get_segments()]
    assert sum(len(c.get_segments()) for c in whiskers) == 1  # only issp has a whisker
    assert fig.axes[0].patches[0].get_hatch() and not fig.axes[0].patches[1].get_hatch()
    attrs = {"age": {"delta": -1.0, "low": None, "high": None, "n": 3, "not_estimable": "x"}}
    assert _is_png(plots.attribute_plot(attrs, title="t"))


def test_a_bar_above_its_noise_ceiling_gets_a_note():
    intervals = {"splits": {"pop": {"per_study": {"jester": {**_ESTIMABLE, "estimate": 95.0,
                                                             "low": 90.0, "high": 99.0},
                                                  "ess": _ESTIMABLE}}}}
    ceiling = {"splits": {"pop": {"per_study": {"jester": {"score": 92.0}, "ess": {"score": 90.0}}}}}
    fig = plots._study_bar_fig(intervals, ceiling, title="t")
    assert _tick_labels(fig) == ["jester (pop), above ceiling", "ess (pop)"]
    stars = [t for t in fig.axes[0].texts if t.get_text() == "*"]
    assert len(stars) == 1 and stars[0].xy[0] == 99.0  # right of the whisker, the last thing drawn
    legend = "\n".join(t.get_text() for t in fig.legends[0].get_texts())
    assert "above ceiling" in legend and "noise ceiling" in legend


def test_bin_counts_do_not_touch_the_error_bars():
    """The n= labels sit above the axes, so no whisker (not even one reaching 0) can cross them."""
    bins = [{"low": b / 10, "high": (b + 1) / 10, "n": 10 + b, "mean": m, "sem": 30.0,
             "entropy_mean": b / 10 + 0.05}
            for b, m in enumerate([-20.0, 5.0, 50.0, -150.0, 0.0, 80.0, -5.0, 20.0, -60.0, 1.0])]
    fig = _drawn(plots._entropy_bin_fig(bins, title="t", ylabel="y"))
    (top,) = fig.axes[0].child_axes  # the secondary axis holding the counts
    labels = [t for t in top.get_xticklabels() if t.get_text().startswith("n=")]
    assert [t.get_text() for t in labels] == [f"n={10 + b}" for b in range(10)]
    axes_box = _window(fig.axes[0], fig)
    for t in labels:
        assert _window(t, fig).y0 >= axes_box.y1  # above the plotting area
    for whiskers in (c for c in fig.axes[0].collections if c.get_segments()):
        assert _window(whiskers, fig).y1 <= axes_box.y1 + 1
    assert _is_png(plots.entropy_bin_plot(bins, title="t"))


def test_the_alignment_legend_is_outside_the_points():
    rng = np.random.default_rng(0)
    h = rng.random(200)
    d = 150.0 - 300.0 * h + rng.normal(0, 20, 200)
    from simbench.stats import alignment_analysis

    fig = _drawn(plots._alignment_fig(h, d, alignment_analysis(h, d), title="t"))
    legend, axes_box = _window(fig.legends[0], fig), _window(fig.axes[0], fig)
    assert legend.y1 <= axes_box.y0  # below the axes: it cannot cover an item
    assert not fig.axes[0].get_legend()
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert labels[:2] == ["item", "bin mean (standard error)"] and "least-squares line" in labels
