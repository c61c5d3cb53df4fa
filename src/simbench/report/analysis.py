"""Everything a report shows about one run, or about a run compared with another, as plain data.

:func:`analyse_run` gathers the score, its cluster-bootstrap intervals, the noise ceiling, the score by
human-entropy bin, model against human entropy, the label mass and the per-attribute deltas of Grouped
rows; :func:`analyse_comparison` the paired comparison and the alignment-simulation analysis. Both
return a JSON-able ``summary`` (written to ``stats.json``) next to the arrays the plots need.

Examples
--------
A run over six made-up Jester rows (``items`` stands for the full release) that predicts halfway
between the humans and uniform, written as a predictions file:

>>> import json, tempfile
>>> from pathlib import Path
>>> from simbench.stats import load_run
>>> from simbench.data.schema import item_from_release_row
>>> def item(i, a):
...     return item_from_release_row({
...         "row_index": i, "dataset_name": "Jester", "group_prompt_template": "You like jokes.",
...         "group_prompt_variable_map": {}, "group_size": 50, "auxiliary": {},
...         "input_template": f"Rate joke {i}.\\n\\nOptions:\\n(A): Funny\\n(B): Not funny",
...         "human_answer": {"A": a, "B": 100.0 - a}}, split="pop")
>>> items = [item(i, a) for i, a in enumerate([10.0, 30.0, 45.0, 60.0, 80.0, 95.0])]
>>> tmp = tempfile.TemporaryDirectory()
>>> path = Path(tmp.name) / "half.jsonl"
>>> rows = [{"item_id": it.item_id, "status": "ok",
...          "distribution": {k: (p + 0.5) / 2 for k, p in zip(it.option_labels, it.human_dist)}}
...         for it in items]
>>> _ = path.write_text("".join(json.dumps(r) + "\\n" for r in rows))
>>> a = analyse_run(load_run(path, items=items), n_resamples=100, n_draws=50)
>>> sorted(a.summary)
['attributes', 'ceiling', 'entropy_bins', 'entropy_correlation', 'failures', 'intervals',
 'label_mass', 'mean_entropy', 'run', 'scores']
>>> a.summary["scores"]["simbench_score"], a.summary["failures"], a.summary["attributes"]
(50.0, {'n_failed': 0, 'n': 6}, None)
>>> tmp.cleanup()
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..metric.core import NormKey, aggregate
from ..stats import (
    ENTROPY_BINS,
    RunData,
    attribute_deltas,
    bootstrap_ci,
    compare_runs,
    entropy_bins,
    noise_ceiling,
)

__all__ = ["ComparisonAnalysis", "RunAnalysis", "analyse_comparison", "analyse_run"]


@dataclass(frozen=True)
class RunAnalysis:
    """The analysis of one run: ``summary`` (JSON-able) and per-row arrays for the plots."""

    run: RunData
    summary: dict[str, Any]
    human_entropy: np.ndarray
    model_entropy: np.ndarray
    ceiling_score: np.ndarray


@dataclass(frozen=True)
class ComparisonAnalysis:
    """Run A compared with run B: the paired comparison and alignment analysis (``summary``)."""

    run_a: RunData
    run_b: RunData
    summary: dict[str, Any]
    human_entropy: np.ndarray
    difference: np.ndarray


def _norm_map(run: RunData) -> dict[NormKey, float]:
    r = run.rows
    return {(str(sp), str(st)): float(n) for sp, st, n in zip(r.splits, r.studies, r.norm)}


def analyse_run(
    run: RunData, *, seed: int = 0, n_resamples: int = 1000, level: float = 0.95,
    n_draws: int = 200, n_bins: int = ENTROPY_BINS,
) -> RunAnalysis:
    """Analyse one scored run (see the module docstring); every random step uses ``seed``."""
    items = list(run.items)
    h_human, h_model = run.human_entropy(), run.model_entropy()
    ceiling = noise_ceiling(items, n_draws=n_draws, seed=seed, norms=_norm_map(run))
    corr = None
    if len(items) > 2 and np.ptp(h_human) > 0 and np.ptp(h_model) > 0:
        corr = float(np.corrcoef(h_human, h_model)[0, 1])
    summary: dict[str, Any] = {
        "run": {"name": run.name, "path": str(run.path), "method": run.meta.get("method"),
                "model": run.meta.get("model"), "data": run.meta.get("data")},
        "scores": aggregate(run.rows),
        "intervals": bootstrap_ci(items, run.rows, n_resamples=n_resamples, seed=seed, level=level),
        "ceiling": ceiling.summary,
        "entropy_bins": entropy_bins(h_human, run.rows.score, n_bins=n_bins),
        "entropy_correlation": corr,
        "mean_entropy": {"human": float(h_human.mean()), "model": float(h_model.mean())},
        "failures": {"n_failed": int(run.failed.sum()), "n": len(items)},
        "label_mass": _mass_summary(run.label_mass),
        "attributes": None,
    }
    if any(it.split == "grouped" for it in items):
        summary["attributes"] = attribute_deltas(items, run.rows.score, n_resamples=n_resamples,
                                                 seed=seed, level=level)
    return RunAnalysis(run, summary, h_human, h_model, ceiling.score)


def _mass_summary(mass: np.ndarray | None) -> dict[str, float] | None:
    if mass is None or mass.size == 0:
        return None
    q = np.quantile(mass, [0.1, 0.5, 0.9])
    return {"n": int(mass.size), "mean": float(mass.mean()), "p10": float(q[0]),
            "median": float(q[1]), "p90": float(q[2])}


def analyse_comparison(
    a: RunData, b: RunData, *, seed: int = 0, n_resamples: int = 1000, level: float = 0.95,
    n_bins: int = ENTROPY_BINS,
) -> ComparisonAnalysis:
    """Compare run ``a`` with run ``b`` (difference ``a - b``) on the same items."""
    summary = compare_runs(a, b, n_resamples=n_resamples, seed=seed, level=level, n_bins=n_bins)
    return ComparisonAnalysis(a, b, summary, a.human_entropy(), a.rows.score - b.rows.score)
