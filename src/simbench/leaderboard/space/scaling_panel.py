"""The scaling panel: the board's entries as points, the fits per family, the figure and its table.

Examples
--------
>>> from simbench.leaderboard.space import published_entries
>>> points = scaling_points(published_entries())
>>> len(points), sorted({p.family for p in points})  # API models have no disclosed size
(40, ['Centaur', 'DeepSeek', 'Gemma-3', 'Llama-3.1', 'OLMo-2', 'Qwen2.5'])
>>> print(fits_markdown(points).splitlines()[2])
| Gemma-3 | base | 4 | +16.20 | -13.69 | 0.93 |
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from .entries import BoardEntry
from .scaling import ScalingPoint, fit_families, scaling_figure

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["fits_markdown", "scaling_points", "scaling_view"]


def scaling_points(entries: Sequence[BoardEntry]) -> list[ScalingPoint]:
    """The entries with a known size (baselines and undisclosed sizes are left out)."""
    return [ScalingPoint(e.row.model, e.family, e.row.model_type, e.size.billions, e.row.score,
                         e.source == "submitted")
            for e in entries
            if e.size is not None and e.size.billions is not None
            and e.row.model_type in ("base", "instruct") and e.row.splits == "pop+grouped"]


def fits_markdown(points: Sequence[ScalingPoint]) -> str:
    """A Markdown table of the fit per family and type (slope: points per tenfold parameters)."""
    lines = ["| Family | Type | Models | Slope per 10x parameters | Score at 1B | r |",
             "|---|---|---:|---:|---:|---:|"]
    for (family, model_type), fit in fit_families(points).items():
        r = "" if fit.r is None else f"{fit.r:.2f}"
        lines.append(f"| {family} | {model_type} | {fit.n} | {fit.slope:+.2f} | "
                     f"{fit.intercept:+.2f} | {r} |")
    lines += ["", f"{len(points)} models with a known size are plotted. The paper reports that the "
              "score grows log-linearly with parameter count: the slope is the fitted gain per "
              "tenfold parameters (least squares of score on log10 parameters, per family and "
              "model type). Sizes: model cards for the published models; for submissions the "
              "run's provenance, the package table or the model's config.json."]
    return "\n".join(lines)


def scaling_view(entries: Sequence[BoardEntry]) -> tuple[Figure, str]:
    """The scaling figure and the table of fits for the board's entries."""
    points = scaling_points(entries)
    return scaling_figure(points), fits_markdown(points)
