"""Plain-text tables of a score result (what ``simbench score`` prints).

Examples
--------
>>> result = {"simbench_score": 12.5, "norms": "full-split", "n_items_total": {"pop": 2},
...           "splits": {"pop": {"score": 12.5, "n": 2, "mean_tv": 0.2, "per_study": {
...               "jester": {"score": 12.5, "n": 2, "mean_tv": 0.2, "norm": 0.25}}}}}
>>> print(format_score_table(result))
SimBench score: 12.50  (split pop; norms: full-split)
<BLANKLINE>
split        score      n  of total  mean TV
pop          12.50      2         2   0.2000
<BLANKLINE>
split    study                      score      n  mean TV    norm
pop      jester                     12.50      2   0.2000  0.2500
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["format_score_table"]


def format_score_table(result: Mapping[str, Any]) -> str:
    """Format a :func:`~simbench.metric.score_predictions` result as text.

    Shows the headline, one line per split (score, rows scored, rows in the split, mean TV), one
    line per study and split, and the failure summary when there is one.
    """
    splits: Mapping[str, Mapping[str, Any]] = result["splits"]
    f2 = _two_decimals
    totals: Mapping[str, int] = result.get("n_items_total", {})
    names = " + ".join(splits) or "none"
    how = "mean of the split scores" if len(splits) > 1 else f"split {names}"
    lines = [f"SimBench score: {f2(result['simbench_score'])}  ({how}; norms: "
             f"{result.get('norms', 'full-split')})", ""]
    lines.append(f"{'split':10s} {'score':>7s} {'n':>6s} {'of total':>9s} {'mean TV':>8s}")
    for split, s in splits.items():
        total = totals.get(split)
        lines.append(f"{split:10s} {f2(s['score']):>7s} {s['n']:6d} "
                     f"{'' if total is None else total:>9} {s['mean_tv']:8.4f}")
    lines += ["", f"{'split':8s} {'study':24s} {'score':>7s} {'n':>6s} {'mean TV':>8s} {'norm':>7s}"]
    for split, s in splits.items():
        for study, st in s["per_study"].items():
            lines.append(f"{split:8s} {study:24s} {f2(st['score']):>7s} {st['n']:6d} "
                         f"{st['mean_tv']:8.4f} {st['norm']:7.4f}")
    fail = result.get("failures")
    if fail and (fail.get("n_failed") or fail.get("n_renormalised")):
        what = "scored as uniform" if fail["rule"] == "uniform" else "excluded"
        cov = ", ".join(f"{k} {v:.1%}" for k, v in fail.get("coverage", {}).items())
        lines += ["", f"failed rows: {fail['n_failed']} ({what}); renormalised rows: "
                      f"{fail['n_renormalised']}; coverage: {cov}"]
    return "\n".join(lines)


def _two_decimals(x: float) -> str:
    """``x`` with two decimals, never ``-0.00``."""
    return f"{round(x, 2) + 0.0:.2f}"
