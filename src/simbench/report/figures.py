"""Which figures a report holds, built from the analyses: ``[Figure(id, title, caption, png)]``.

Examples
--------
A run over six made-up Jester rows that predicts the human answers exactly (``items`` stands for
the full release):

>>> import json, tempfile
>>> from pathlib import Path
>>> from simbench.data.schema import item_from_release_row
>>> from simbench.report import analyse_run
>>> from simbench.stats import load_run
>>> def item(i, a):
...     return item_from_release_row({
...         "row_index": i, "dataset_name": "Jester", "group_prompt_template": "You like jokes.",
...         "group_prompt_variable_map": {}, "group_size": 50, "auxiliary": {},
...         "input_template": f"Rate joke {i}.\\n\\nOptions:\\n(A): Funny\\n(B): Not funny",
...         "human_answer": {"A": a, "B": 100.0 - a}}, split="pop")
>>> items = [item(i, a) for i, a in enumerate([10.0, 30.0, 45.0, 60.0, 80.0, 95.0])]
>>> tmp = tempfile.TemporaryDirectory()
>>> path = Path(tmp.name) / "exact.jsonl"
>>> rows = [{"item_id": it.item_id, "status": "ok",
...          "distribution": dict(zip(it.option_labels, it.human_dist))} for it in items]
>>> _ = path.write_text("".join(json.dumps(r) + "\\n" for r in rows))
>>> figures = run_figures(analyse_run(load_run(path, items=items), n_resamples=50, n_draws=20))
>>> [f.id for f in figures]           # no label mass (not a token-probability run), no Grouped rows
['studies', 'entropy-bins', 'entropies']
>>> all(f.png.startswith(b"\\x89PNG") and f.caption for f in figures), comparison_figures([])
(True, [])
>>> tmp.cleanup()
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from . import plots
from .analysis import ComparisonAnalysis, RunAnalysis

__all__ = ["Figure", "comparison_figures", "run_figures"]


@dataclass(frozen=True)
class Figure:
    """One plot of the report: an anchor id, a title, a caption and the PNG bytes."""

    id: str
    title: str
    caption: str
    png: bytes


def run_figures(a: RunAnalysis) -> list[Figure]:
    """The plots of one run: studies, entropy bins, entropies, label mass, attributes."""
    s, name = a.summary, a.run.name
    figs = [
        Figure("studies", "Score per study",
               f"Per-study SimBench scores of {name} with {s['intervals']['level']:.0%} cluster-"
               "bootstrap intervals; the vermillion tick is the noise ceiling (what a perfect "
               "simulator would expect against samples of the groups' sizes). A star marks a bar "
               "above its ceiling; a hatched bar without whisker is a study of fewer than 2 "
               "question clusters, whose interval is not estimable.",
               plots.study_bar_plot(s["intervals"], s["ceiling"], title=f"{name}: score per study")),
        Figure("entropy-bins", "Score by human entropy",
               "Mean row score per bin of the normalised entropy of the human distribution "
               "(0: everyone agrees, 1: answers spread evenly), with standard errors; the number "
               "of items per bin is printed above the plot.",
               plots.entropy_bin_plot(s["entropy_bins"], title=f"{name}: score by human entropy")),
        Figure("entropies", "Model entropy against human entropy",
               "Each dot is an item; dots below the dashed line are items where the model is more "
               "confident than the people, above it less.",
               plots.entropy_scatter_plot(a.human_entropy, a.model_entropy,
                                          title=f"{name}: model vs human entropy")),
    ]
    if a.run.label_mass is not None:
        figs.append(Figure("label-mass", "Probability mass on the answer labels",
                           "Token-probability runs: how much of the next-token probability fell on "
                           "the option labels before renormalising (low mass: the model wanted to "
                           "say something else).",
                           plots.label_mass_plot(a.run.label_mass, title=f"{name}: label mass")))
    if s["attributes"] and s["attributes"]["attributes"]:
        figs.append(Figure("attributes", "Subgroups against their country",
                           "Mean score of Grouped rows defined by a demographic attribute minus the "
                           "score of the same question's country-only row, with cluster-bootstrap "
                           "intervals; negative: the subgroup is simulated worse.",
                           plots.attribute_plot(s["attributes"]["attributes"],
                                                title=f"{name}: per-attribute delta")))
    return figs


def comparison_figures(comparisons: Sequence[ComparisonAnalysis]) -> list[Figure]:
    """The paired-difference and alignment plots of every comparison."""
    figs = []
    for k, c in enumerate(comparisons, start=1):
        label = f"{c.run_a.name} - {c.run_b.name}"
        figs.append(Figure(f"paired-{k}", f"Paired differences: {label}",
                           "Score of A minus score of B on the same items, with paired cluster-"
                           "bootstrap intervals (a hollow marker: not estimable, fewer than 2 "
                           "question clusters); p-values are in the table.",
                           plots.paired_study_plot(c.summary, title=f"paired difference {label}")))
        figs.append(Figure(f"alignment-{k}", f"Alignment-simulation analysis: {label}",
                           "Per-item score difference against the human entropy: where does A "
                           "beat B, consensus or contested questions?",
                           plots.alignment_plot(c.human_entropy, c.difference,
                                                c.summary["alignment"],
                                                title=f"difference {label} by human entropy")))
    return figs
