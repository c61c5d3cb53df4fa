"""The report's plots, drawn with matplotlib's object API on the Agg canvas, returned as PNG bytes.

Colours come from the Okabe-Ito palette (safe for the common colour-vision deficiencies); every axis
is labelled and every plot has a title. No pyplot state is touched, so this is safe in notebooks and
servers alike.

Examples
--------
>>> png = entropy_bin_plot([{"low": 0.0, "high": 0.5, "n": 3, "mean": 10.0, "sem": 1.0,
...                          "entropy_mean": 0.2}], title="demo")
>>> png[:8] == b"\\x89PNG\\r\\n\\x1a\\n"
True
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = [
    "ABOVE_CEILING",
    "NO_INTERVAL",
    "OKABE_ITO",
    "alignment_plot",
    "attribute_plot",
    "entropy_bin_plot",
    "entropy_scatter_plot",
    "has_interval",
    "label_mass_plot",
    "paired_study_plot",
    "study_bar_plot",
]

#: Okabe-Ito colour-blind-safe palette (orange, sky blue, green, yellow, blue, vermillion, purple).
OKABE_ITO = ("#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7", "#000000")
SPLIT_COLOURS = {"pop": OKABE_ITO[4], "grouped": OKABE_ITO[0]}
_DPI = 100


def _figure(width: float, height: float) -> tuple[Figure, Axes]:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=_DPI, layout="constrained")
    return fig, fig.add_subplot(1, 1, 1)


def has_interval(v: Mapping[str, Any]) -> bool:
    """Whether an interval entry has bounds (``False`` where it is not estimable).

    >>> has_interval({"low": 1.0, "high": 2.0}), has_interval({"low": None, "high": None})
    (True, False)
    """
    return v.get("low") is not None and v.get("high") is not None


def _whiskers(entries: Sequence[Mapping[str, Any]], key: str = "estimate") -> np.ndarray:
    """``(2, n)`` error-bar lengths from ``low``/``high`` of entries that have an interval; a
    percentile interval need not contain the estimate, so lengths are clipped at 0.
    """
    err = np.array([[v[key] - v["low"], v["high"] - v[key]] for v in entries if has_interval(v)],
                   dtype=np.float64)
    return np.clip(err.reshape(-1, 2), 0.0, None).T


def _png(fig: Figure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=_DPI)
    return buf.getvalue()


#: Suffix of the y label of a bar or point without an interval.
NO_INTERVAL = "no interval"
#: Suffix of the y label of a study bar above its noise-ceiling tick.
ABOVE_CEILING = "above ceiling"


_HATCH = "////"


def _bars_with_whiskers(ax: Axes, y: np.ndarray, values: np.ndarray, entries: Sequence[Any],
                        colours: Sequence[str], key: str = "estimate") -> np.ndarray:
    """Horizontal bars; whiskers only where an interval exists (no cap on the others, whose bars
    are hatched). Returns the mask of the entries with an interval."""
    ok = np.array([has_interval(v) for v in entries], dtype=bool)
    bars = ax.barh(y, values, color=colours, edgecolor="black", linewidth=0.4)
    for bar, has in zip(bars, ok):
        if not has:
            bar.set_hatch(_HATCH)
    if ok.any():
        ax.errorbar(values[ok], y[ok], xerr=_whiskers(entries, key), fmt="none", ecolor="black",
                    elinewidth=1.0, capsize=2.5)
    return ok


def _no_interval_handle() -> Any:
    from matplotlib.patches import Patch

    return Patch(facecolor="white", edgecolor="black", hatch=_HATCH,
                 label=f"{NO_INTERVAL}: fewer than 2 question clusters (not estimable)")


def study_bar_plot(intervals: Mapping[str, Any], ceiling: Mapping[str, Any] | None, *, title: str
                   ) -> bytes:
    """Horizontal bars of the per-study scores with interval whiskers and the noise ceiling.

    A study without an interval (fewer than 2 question clusters) is hatched, has no whisker and its
    label says "no interval"; a bar above its noise-ceiling tick gets a star beside the tick and
    its label says "above ceiling"; the legend explains both.
    """
    return _png(_study_bar_fig(intervals, ceiling, title=title))


def _study_bar_fig(intervals: Mapping[str, Any], ceiling: Mapping[str, Any] | None, *, title: str
                   ) -> Figure:
    """The figure of :func:`study_bar_plot`."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    rows = [(split, study, v) for split, s in intervals["splits"].items()
            for study, v in s["per_study"].items()]
    fig, ax = _figure(8.0, 1.8 + 0.32 * len(rows))
    y = np.arange(len(rows))[::-1]
    est = np.array([v["estimate"] for _, _, v in rows], dtype=np.float64)
    colours = [SPLIT_COLOURS.get(sp, OKABE_ITO[2]) for sp, _, _ in rows]
    ok = _bars_with_whiskers(ax, y, est, [v for _, _, v in rows], colours)
    handles: list[Any] = [Patch(color=c, label=f"{s} split") for s, c in SPLIT_COLOURS.items()
                          if any(sp == s for sp, _, _ in rows)]
    above = np.zeros(len(rows), dtype=bool)
    if ceiling is not None:
        ceil = np.array([ceiling["splits"][sp]["per_study"][st]["score"] for sp, st, _ in rows])
        above = est > ceil
        handles.append(ax.scatter(ceil, y, marker="|", s=160, color=OKABE_ITO[5], zorder=3,
                                  label="noise ceiling (perfect simulator)"))
        # The star sits right of whatever ends last (bar, whisker, tick), clear of all three.
        high = np.array([v["high"] if has_interval(v) else v["estimate"] for _, _, v in rows])
        right = np.maximum.reduce([est, high, ceil])
        for x, yy in zip(right[above], y[above]):
            ax.annotate("*", (x, yy), xytext=(5, -1), textcoords="offset points", va="center",
                        fontsize=12, fontweight="bold", color=OKABE_ITO[5],
                        annotation_clip=False)
    if above.any():
        handles.append(Line2D([], [], linestyle="none", marker="$*$", markersize=8,
                              color=OKABE_ITO[5],
                              label=f"{ABOVE_CEILING}: closer to the sampled answers than a perfect "
                                    "simulator would expect (chance, or the model saw the data)"))
    if not ok.all():
        handles.append(_no_interval_handle())
    ax.set_yticks(y, [f"{st} ({sp})" + ("" if has else f", {NO_INTERVAL}")
                      + (f", {ABOVE_CEILING}" if up else "")
                      for (sp, st, _), has, up in zip(rows, ok, above)], fontsize=8)
    ax.axvline(0.0, color="black", linewidth=0.8)
    ax.set_xlabel("SimBench score (0 = uniform, 100 = human distribution)")
    ax.set_ylabel("study (split)")
    ax.set_title(title)
    simple = len(handles) <= 3
    fig.legend(handles=handles, fontsize=8, loc="outside lower center", ncols=3 if simple else 1)
    return fig


def entropy_bin_plot(bins: Sequence[Mapping[str, Any]], *, title: str,
                     ylabel: str = "mean row score") -> bytes:
    """Mean value per normalised-entropy bin with standard-error bars; the row counts sit on a
    secondary axis above the plot, clear of the bars and whiskers."""
    return _png(_entropy_bin_fig(bins, title=title, ylabel=ylabel))


def _entropy_bin_fig(bins: Sequence[Mapping[str, Any]], *, title: str, ylabel: str) -> Figure:
    """The figure of :func:`entropy_bin_plot`."""
    full = [b for b in bins if b["n"]]
    fig, ax = _figure(7.0, 4.2)
    centres = np.array([(b["low"] + b["high"]) / 2 for b in full], dtype=np.float64)
    means = np.array([b["mean"] for b in full], dtype=np.float64)
    width = (full[0]["high"] - full[0]["low"]) * 0.85 if full else 0.1
    ax.bar(centres, means, width=width, color=OKABE_ITO[1], edgecolor="black", linewidth=0.4)
    se = np.array([b["sem"] is not None for b in full], dtype=bool)
    if se.any():
        ax.errorbar(centres[se], means[se], yerr=[b["sem"] for b in full if b["sem"] is not None],
                    fmt="none", ecolor="black", capsize=3)
    top = ax.secondary_xaxis("top")
    top.set_xticks(centres.tolist(), [f"n={b['n']}" for b in full], fontsize=7)
    top.tick_params(length=0, pad=2)
    top.set_xlabel("items per bin", fontsize=8)
    ax.axhline(0.0, color="black", linewidth=0.8)
    ax.set_xlim(0, 1)
    ax.set_xlabel("normalised entropy of the human distribution H(P)/log K")
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    return fig


def entropy_scatter_plot(human: np.ndarray, model: np.ndarray, *, title: str) -> bytes:
    """Model entropy against human entropy per row, with the identity line."""
    fig, ax = _figure(5.5, 5.0)
    ax.scatter(human, model, s=10, alpha=0.6, color=OKABE_ITO[4], edgecolor="none", label="item")
    ax.plot([0, 1], [0, 1], color=OKABE_ITO[5], linestyle="--", linewidth=1, label="model = human")
    ax.set_xlim(-0.02, 1.02)
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel("human normalised entropy H(P)/log K")
    ax.set_ylabel("model normalised entropy H(Q)/log K")
    ax.set_title(title)
    ax.legend(fontsize=8, loc="lower right")
    return _png(fig)


def label_mass_plot(mass: np.ndarray, *, title: str) -> bytes:
    """Histogram of the raw probability mass a token-probability run put on the answer labels."""
    fig, ax = _figure(6.5, 3.8)
    ax.hist(mass, bins=np.linspace(0.0, max(1.0, float(np.max(mass))), 21).tolist(), color=OKABE_ITO[2],
            edgecolor="black", linewidth=0.4)
    ax.set_xlabel("probability mass on the option labels (before renormalising)")
    ax.set_ylabel("number of items")
    ax.set_title(title)
    return _png(fig)


def attribute_plot(attributes: Mapping[str, Any], *, title: str) -> bytes:
    """Per-attribute mean delta (group row minus country row) with interval whiskers (none where
    the interval is not estimable: the label then says so)."""
    names = list(attributes)
    fig, ax = _figure(7.5, 2.2 + 0.35 * len(names))
    y = np.arange(len(names))[::-1]
    d = np.array([attributes[n]["delta"] for n in names], dtype=np.float64)
    colours = [OKABE_ITO[5] if v < 0 else OKABE_ITO[2] for v in d]
    ok = _bars_with_whiskers(ax, y, d, [attributes[n] for n in names], colours, key="delta")
    ax.set_yticks(y, [f"{n} (n={attributes[n]['n']})" + ("" if has else f", {NO_INTERVAL}")
                      for n, has in zip(names, ok)], fontsize=8)
    ax.axvline(0.0, color="black", linewidth=0.8)
    ax.set_xlabel("score of the subgroup row minus the same question's country row")
    ax.set_ylabel("demographic attribute")
    ax.set_title(title)
    if not ok.all():
        fig.legend(handles=[_no_interval_handle()], fontsize=8, loc="outside lower center")
    return _png(fig)


def paired_study_plot(comparison: Mapping[str, Any], *, title: str) -> bytes:
    """Forest plot of the paired differences A - B per study, split and overall; a difference
    without an interval is a hollow marker whose label says "no interval"."""
    rows: list[tuple[str, Mapping[str, Any]]] = [("SimBench score", comparison["difference"])]
    for split, s in comparison["splits"].items():
        rows.append((f"{split} split", s))
        rows += [(f"  {study} ({split})", v) for study, v in s["per_study"].items()]
    fig, ax = _figure(8.0, 1.8 + 0.3 * len(rows))
    y = np.arange(len(rows))[::-1]
    est = np.array([v["estimate"] for _, v in rows], dtype=np.float64)
    ok = np.array([has_interval(v) for _, v in rows], dtype=bool)
    bold = np.array([not name.startswith("  ") for name, _ in rows], dtype=bool)
    if ok.any():
        ax.errorbar(est[ok], y[ok], xerr=_whiskers([v for _, v in rows]), fmt="none",
                    ecolor=OKABE_ITO[4], capsize=2.5)
    colour = np.where(bold, OKABE_ITO[5], OKABE_ITO[4])
    size = np.where(bold, 40, 18)
    ax.scatter(est[ok], y[ok], s=size[ok], marker="D", color=colour[ok], zorder=3)
    if (~ok).any():
        ax.scatter(est[~ok], y[~ok], s=size[~ok], marker="D", facecolor="white",
                   edgecolor=colour[~ok], zorder=3)
    ax.set_yticks(y, [name + ("" if has else f", {NO_INTERVAL}") for (name, _), has in zip(rows, ok)],
                  fontsize=8)
    ax.axvline(0.0, color="black", linewidth=0.8)
    ax.set_xlabel("score difference A - B (paired bootstrap interval)")
    ax.set_ylabel("study / split")
    ax.set_title(title)
    if (~ok).any():
        from matplotlib.lines import Line2D

        fig.legend(handles=[Line2D([], [], linestyle="none", marker="D", markerfacecolor="white",
                                   markeredgecolor=OKABE_ITO[4],
                                   label=f"{NO_INTERVAL}: fewer than 2 question clusters "
                                         "(not estimable)")],
                   fontsize=8, loc="outside lower center")
    return _png(fig)


def alignment_plot(entropy: np.ndarray, difference: np.ndarray, analysis: Mapping[str, Any], *,
                   title: str) -> bytes:
    """Per-item score difference against human entropy: items, bin means, fitted line, crossing.

    The legend sits below the axes, so it never covers a point.
    """
    return _png(_alignment_fig(entropy, difference, analysis, title=title))


def _alignment_fig(entropy: np.ndarray, difference: np.ndarray, analysis: Mapping[str, Any], *,
                   title: str) -> Figure:
    """The figure of :func:`alignment_plot`."""
    fig, ax = _figure(7.0, 4.8)
    ax.scatter(entropy, difference, s=8, alpha=0.35, color=OKABE_ITO[1], edgecolor="none",
               label="item")
    full = [b for b in analysis["bins"] if b["n"]]
    bx = [b["entropy_mean"] for b in full]
    by = [b["mean"] for b in full]
    ax.plot(bx, by, "o-", color=OKABE_ITO[5], label="bin mean (standard error)")
    se = [(x, m, b["sem"]) for x, m, b in zip(bx, by, full) if b["sem"] is not None]
    if se:
        ax.errorbar([t[0] for t in se], [t[1] for t in se], yerr=[t[2] for t in se], fmt="none",
                    ecolor=OKABE_ITO[5], capsize=3)
    if analysis["slope"] is not None:
        xs = np.linspace(0, 1, 50)
        ax.plot(xs, analysis["intercept"] + analysis["slope"] * xs, color="black", linewidth=1,
                linestyle="--", label="least-squares line")
    if analysis["zero_crossing_fit"] is not None and 0 <= analysis["zero_crossing_fit"] <= 1:
        ax.axvline(analysis["zero_crossing_fit"], color=OKABE_ITO[2], linestyle=":",
                   label=f"crosses zero at {analysis['zero_crossing_fit']:.2f}")
    ax.axhline(0.0, color="black", linewidth=0.8)
    ax.set_xlim(0, 1)
    ax.set_xlabel("normalised entropy of the human distribution H(P)/log K")
    ax.set_ylabel("score difference A - B per item")
    ax.set_title(title)
    fig.legend(*ax.get_legend_handles_labels(), fontsize=8, loc="outside lower center", ncols=4)
    return fig
