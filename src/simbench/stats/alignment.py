"""The alignment-simulation analysis: where does model A beat model B, by human entropy?

SimBench found that instruction tuning helps on consensus questions (low entropy of the human
distribution) and hurts on contested ones: the per-item score difference instruct minus base falls
linearly with the normalised entropy ``H(P) / log K`` (r = -0.942 over bins, crossing zero near 0.8).
:func:`alignment_analysis` computes that picture for any two runs on the same items: the binned mean
difference, the Pearson correlation (over items and over bin means), the least-squares line over items
and the entropy where the difference crosses zero (from the line and from the binned means).

Examples
--------
>>> import numpy as np
>>> h = np.linspace(0.0, 1.0, 101)
>>> r = alignment_analysis(h, 10.0 - 12.5 * h, n_bins=10)
>>> round(r["zero_crossing_fit"], 3), round(r["pearson_r_items"], 3)
(0.8, -1.0)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .breakdowns import entropy_bins

__all__ = ["alignment_analysis", "pearson", "zero_crossing"]


def zero_crossing(x: np.ndarray, y: np.ndarray) -> float | None:
    """The first ``x`` where the piecewise-linear curve through ``(x, y)`` changes sign, else None.

    >>> zero_crossing(np.array([0.1, 0.3, 0.5]), np.array([2.0, 1.0, -1.0]))
    0.4
    """
    for k in range(len(x) - 1):
        y0, y1 = y[k], y[k + 1]
        if y0 == 0:
            return float(x[k])
        if y0 * y1 < 0:
            return round(float(x[k] + (x[k + 1] - x[k]) * y0 / (y0 - y1)), 12)
    return float(x[-1]) if len(x) and y[-1] == 0 else None


def pearson(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Pearson's r and its two-sided p-value (t test with n - 2 degrees of freedom).

    >>> r, p = pearson(np.array([1.0, 2.0, 3.0, 4.0]), np.array([1.0, 3.0, 2.0, 4.0]))
    >>> round(r, 3), round(p, 3)
    (0.8, 0.2)
    """
    from scipy.special import stdtr

    r = float(np.clip(np.corrcoef(x, y)[0, 1], -1.0, 1.0))
    dof = x.size - 2
    if abs(r) == 1.0:
        return r, 0.0
    t = r * np.sqrt(dof / (1.0 - r * r))
    return r, float(2.0 * stdtr(dof, -abs(t)))


def alignment_analysis(
    entropy: np.ndarray, difference: np.ndarray, *, n_bins: int = 10
) -> dict[str, Any]:
    """Per-item score difference (A - B) against normalised human entropy.

    Args:
        entropy: ``(n,)`` normalised entropy of the human distribution per item.
        difference: ``(n,)`` per-item score difference, e.g. instruct minus base.
        n_bins: equal-width entropy bins on [0, 1].

    Returns:
        ``{"bins": [{"low", "high", "n", "mean", "sem", "entropy_mean"}], "n", "pearson_r_items",
        "p_value_items", "pearson_r_bins", "slope", "intercept", "zero_crossing_fit",
        "zero_crossing_bins"}``; correlations are ``None`` when undefined (constant input).
    """
    h = np.asarray(entropy, dtype=np.float64)
    d = np.asarray(difference, dtype=np.float64)
    if h.shape != d.shape or h.ndim != 1:
        raise ValueError(f"entropy and difference must be equal-length vectors: {h.shape}, {d.shape}")
    bins = entropy_bins(h, d, n_bins=n_bins)
    full = [b for b in bins if b["n"]]
    bx = np.array([b["entropy_mean"] for b in full])
    by = np.array([b["mean"] for b in full])
    out: dict[str, Any] = {"bins": bins, "n": int(h.size), "pearson_r_items": None,
                           "p_value_items": None, "pearson_r_bins": None, "slope": None,
                           "intercept": None, "zero_crossing_fit": None,
                           "zero_crossing_bins": zero_crossing(bx, by)}
    if h.size > 2 and np.ptp(h) > 0 and np.ptp(d) > 0:
        out["pearson_r_items"], out["p_value_items"] = pearson(h, d)
    if len(full) > 2 and np.ptp(bx) > 0 and np.ptp(by) > 0:
        out["pearson_r_bins"] = pearson(bx, by)[0]
    if h.size > 1 and np.ptp(h) > 0:
        slope, intercept = np.polyfit(h, d, 1)
        out["slope"], out["intercept"] = float(slope), float(intercept)
        if slope != 0:
            out["zero_crossing_fit"] = float(-intercept / slope)
    return out
