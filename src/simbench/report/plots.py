"""The report's plots, drawn with matplotlib's object API on the Agg canvas, returned as PNG bytes.

Colours come from the Okabe-Ito palette (safe for the common colour-vision deficiencies); every axis
is labelled and every plot has a title. No pyplot state is touched, so this is safe in notebooks and
servers alike.

Examples
--------
>>> png = entropy_bin_plot([{"low": 0.0, "high": 0.5, "n": 3, "mean": 10.0, "sem": 1.0,
...                          "entropy_mean": 0.2}], title="demo")  # doctest: +SKIP
>>> png[:4] == b"\\x89PNG"  # doctest: +SKIP
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
    "OKABE_ITO",
    "alignment_plot",
    "attribute_plot",
    "entropy_bin_plot",
    "entropy_scatter_plot",
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


def _whiskers(entries: Sequence[Mapping[str, Any]], key: str = "estimate") -> np.ndarray:
    """``(2, n)`` error-bar lengths from ``low``/``high``; a percentile interval need not contain the
    estimate (and a one-cluster stratum differs from it by rounding only), so lengths are clipped at 0.
    """
    err = np.array([[v[key] - v["low"], v["high"] - v[key]] for v in entries], dtype=np.float64)
    return np.clip(err.reshape(-1, 2), 0.0, None).T


def _png(fig: Figure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=_DPI)
    return buf.getvalue()


def study_bar_plot(intervals: Mapping[str, Any], ceiling: Mapping[str, Any] | None, *, title: str
                   ) -> bytes:
    """Horizontal bars of the per-study scores with interval whiskers and the noise ceiling."""
    rows = [(split, study, v) for split, s in intervals["splits"].items()
            for study, v in s["per_study"].items()]
    fig, ax = _figure(8.0, 1.8 + 0.32 * len(rows))
    y = np.arange(len(rows))[::-1]
    est = np.array([v["estimate"] for _, _, v in rows])
    err = _whiskers([v for _, _, v in rows])
    colours = [SPLIT_COLOURS.get(sp, OKABE_ITO[2]) for sp, _, _ in rows]
    ax.barh(y, est, xerr=err, color=colours, edgecolor="black", linewidth=0.4,
            error_kw={"elinewidth": 1.0, "capsize": 2.5})
    if ceiling is not None:
        ceil = [ceiling["splits"][sp]["per_study"][st]["score"] for sp, st, _ in rows]
        ax.scatter(ceil, y, marker="|", s=160, color=OKABE_ITO[5], zorder=3,
                   label="noise ceiling (perfect simulator)")
    ax.set_yticks(y, [f"{st} ({sp})" for sp, st, _ in rows], fontsize=8)
    ax.axvline(0.0, color="black", linewidth=0.8)
    ax.set_xlabel("SimBench score (0 = uniform, 100 = human distribution)")
    ax.set_ylabel("study (split)")
    ax.set_title(title)
    from matplotlib.patches import Patch

    handles = [Patch(color=c, label=f"{s} split") for s, c in SPLIT_COLOURS.items()
               if any(sp == s for sp, _, _ in rows)]
    fig.legend(handles=handles + ax.get_legend_handles_labels()[0], fontsize=8,
               loc="outside lower center", ncols=3)
    return _png(fig)


def entropy_bin_plot(bins: Sequence[Mapping[str, Any]], *, title: str,
                     ylabel: str = "mean row score") -> bytes:
    """Mean value per normalised-entropy bin with standard-error bars and the row counts."""
    full = [b for b in bins if b["n"]]
    fig, ax = _figure(7.0, 4.0)
    centres = [(b["low"] + b["high"]) / 2 for b in full]
    width = (full[0]["high"] - full[0]["low"]) * 0.85 if full else 0.1
    ax.bar(centres, [b["mean"] for b in full], width=width, color=OKABE_ITO[1], edgecolor="black",
           linewidth=0.4, yerr=[b["sem"] or 0.0 for b in full], capsize=3)
    for c, b in zip(centres, full):
        ax.annotate(f"n={b['n']}", (c, 0), xytext=(0, 3), textcoords="offset points",
                    ha="center", fontsize=7)
    ax.axhline(0.0, color="black", linewidth=0.8)
    ax.set_xlim(0, 1)
    ax.set_xlabel("normalised entropy of the human distribution H(P)/log K")
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    return _png(fig)


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
    """Per-attribute mean delta (group row minus country row) with interval whiskers."""
    names = list(attributes)
    fig, ax = _figure(7.5, 2.2 + 0.35 * len(names))
    y = np.arange(len(names))[::-1]
    d = np.array([attributes[n]["delta"] for n in names])
    err = _whiskers([attributes[n] for n in names], key="delta")
    colours = [OKABE_ITO[5] if v < 0 else OKABE_ITO[2] for v in d]
    ax.barh(y, d, xerr=err if len(names) else None, color=colours, edgecolor="black",
            linewidth=0.4, error_kw={"capsize": 2.5})
    ax.set_yticks(y, [f"{n} (n={attributes[n]['n']})" for n in names], fontsize=8)
    ax.axvline(0.0, color="black", linewidth=0.8)
    ax.set_xlabel("score of the subgroup row minus the same question's country row")
    ax.set_ylabel("demographic attribute")
    ax.set_title(title)
    return _png(fig)


def paired_study_plot(comparison: Mapping[str, Any], *, title: str) -> bytes:
    """Forest plot of the paired differences A - B per study, split and overall."""
    rows: list[tuple[str, Mapping[str, Any]]] = [("SimBench score", comparison["difference"])]
    for split, s in comparison["splits"].items():
        rows.append((f"{split} split", s))
        rows += [(f"  {study} ({split})", v) for study, v in s["per_study"].items()]
    fig, ax = _figure(8.0, 1.8 + 0.3 * len(rows))
    y = np.arange(len(rows))[::-1]
    est = np.array([v["estimate"] for _, v in rows])
    err = _whiskers([v for _, v in rows])
    bold = [not name.startswith("  ") for name, _ in rows]
    ax.errorbar(est, y, xerr=err, fmt="none", ecolor=OKABE_ITO[4], capsize=2.5)
    ax.scatter(est, y, s=[40 if b else 18 for b in bold], marker="D",
               color=[OKABE_ITO[5] if b else OKABE_ITO[4] for b in bold], zorder=3)
    ax.set_yticks(y, [name for name, _ in rows], fontsize=8)
    ax.axvline(0.0, color="black", linewidth=0.8)
    ax.set_xlabel("score difference A - B (paired bootstrap interval)")
    ax.set_ylabel("study / split")
    ax.set_title(title)
    return _png(fig)


def alignment_plot(entropy: np.ndarray, difference: np.ndarray, analysis: Mapping[str, Any], *,
                   title: str) -> bytes:
    """Per-item score difference against human entropy: items, bin means, fitted line, crossing."""
    fig, ax = _figure(7.0, 4.5)
    ax.scatter(entropy, difference, s=8, alpha=0.35, color=OKABE_ITO[1], edgecolor="none",
               label="item")
    full = [b for b in analysis["bins"] if b["n"]]
    ax.errorbar([b["entropy_mean"] for b in full], [b["mean"] for b in full],
                yerr=[b["sem"] or 0.0 for b in full], fmt="o-", color=OKABE_ITO[5], capsize=3,
                label="bin mean")
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
    ax.legend(fontsize=8)
    return _png(fig)
