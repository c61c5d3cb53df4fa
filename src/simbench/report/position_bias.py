"""The report's position-bias panel: probability mass by label position, model against human.

A model with position bias puts mass on ``A`` (or on the last label) whatever the options say.
For items with ``K`` options, the panel shows, per label position, the mean probability over
the items of

- **human**: the human distribution (the release order);
- **model**: the run's distribution (after any permutation averaging: mass per original option,
  shown in the release order);
- **model, per order shown** (runs with ``--permutations``): the distributions the model gave for
  the *shown* labels, averaged over every order asked. Under ``cyclic`` each option text sits at
  each position equally often, so content is balanced over the positions and this is the
  model's positional preference alone: ``1/K`` everywhere for a model without position bias.

Failed items are left out. Each ``K`` with items gets one panel (at most :data:`MAX_PANELS`, the
most common first); the table gives the mass on the first and last positions and the total
variation distance between the model's and the humans' mass by position.

Examples
--------
>>> from simbench.data.schema import Item
>>> def item(i, human):
...     return Item(f"pop/{i}", "pop", i, "Jester", "jester", "You like jokes.",
...                 "Rate it.\\n\\nOptions:\\n(A): Funny\\n(B): Not funny", ("A", "B"),
...                 ("Funny", "Not funny"), human, tuple(100 * p for p in human), 10)
>>> items = [item(0, (0.2, 0.8)), item(1, (0.6, 0.4))]
>>> model = np.array([[0.9, 0.1], [0.7, 0.3]])
>>> out = position_bias(items, model, np.zeros(2, dtype=bool))
>>> out["by_k"][0]["k"], out["by_k"][0]["human"], out["by_k"][0]["model"]
(2, [0.4, 0.6], [0.8, 0.2])
>>> round(out["by_k"][0]["tv_model_human"], 6), out["by_k"][0]["shown"]
(0.4, None)
>>> position_bias_table(out).rows[0][:4]
('2', '2', '0.40 / 0.80', '0.60 / 0.20')
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from .tables import Table, fmt

if TYPE_CHECKING:
    from ..data.schema import Item

__all__ = ["MAX_PANELS", "elicitation_note", "position_bias", "position_bias_plot",
           "position_bias_section", "position_bias_table", "run_position_bias",
           "shown_distributions"]

#: Panels drawn at most (the most common numbers of options first).
MAX_PANELS = 6


def shown_distributions(path: str | os.PathLike[str]) -> dict[str, list[list[float]]]:
    """Per item of a ``--permutations`` run, each order's distribution over the *shown* labels.

    Items without ``permutations`` in their line, or with a failed order, are left out; an
    unpermuted run gives ``{}``.
    """
    from ..runs import read_prediction_lines

    rows, _problems = read_prediction_lines(path)
    out: dict[str, list[list[float]]] = {}
    for _where, row in rows:
        orders = row.get("permutations")
        if not orders or any(o.get("distribution") is None for o in orders):
            continue
        out[str(row["item_id"])] = [[float(v) for v in o["distribution"].values()]
                                    for o in orders]
    return out


def position_bias(items: Sequence[Item], predicted: np.ndarray, failed: np.ndarray,
                  shown: Mapping[str, Sequence[Sequence[float]]] | None = None) -> dict[str, Any]:
    """Mean probability by label position, per number of options ``K`` (see the module docstring).

    Args:
        items: the run's items.
        predicted: ``(n, >= K)`` model distributions aligned with ``items``.
        failed: ``(n,)`` rows to leave out.
        shown: :func:`shown_distributions` of the run (``None`` or ``{}``: not permuted).

    Returns:
        ``{"permuted": bool, "by_k": [{"k", "n", "human", "model", "shown", "n_orders",
        "tv_model_human", "tv_shown_uniform"}]}``, the most common ``K`` first.
    """
    shown = shown or {}
    groups: dict[int, list[int]] = {}
    for row, it in enumerate(items):
        if not failed[row]:
            groups.setdefault(it.n_options, []).append(row)
    by_k = []
    for k, rows in sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        human = np.mean([items[r].human_dist for r in rows], axis=0)
        model = predicted[rows, :k].mean(axis=0)
        orders = [d for r in rows for d in shown.get(items[r].item_id, ())]
        mean_shown = np.mean(orders, axis=0) if orders else None
        by_k.append({
            "k": k, "n": len(rows),
            "human": [round(float(x), 6) for x in human],
            "model": [round(float(x), 6) for x in model],
            "shown": None if mean_shown is None else [round(float(x), 6) for x in mean_shown],
            "n_orders": len(orders),
            "tv_model_human": float(0.5 * np.abs(model - human).sum()),
            "tv_shown_uniform": None if mean_shown is None
            else float(0.5 * np.abs(mean_shown - 1.0 / k).sum()),
        })
    return {"permuted": bool(shown), "by_k": by_k}


def run_position_bias(run: Any) -> dict[str, Any]:
    """:func:`position_bias` of a loaded run (:class:`simbench.stats.RunData`)."""
    shown = shown_distributions(run.path)
    return position_bias(run.items, run.predicted, run.failed, shown)


def position_bias_table(summary: Mapping[str, Any]) -> Table:
    """Mass on the first and last positions, human / model (/ per order shown), and the TV."""
    permuted = summary["permuted"]
    rows = []
    for g in summary["by_k"]:
        def pair(i: int, g: Mapping[str, Any] = g) -> str:
            cells = [fmt(g["human"][i]), fmt(g["model"][i])]
            if permuted:
                cells.append(fmt(g["shown"][i]) if g["shown"] is not None else "—")
            return " / ".join(cells)

        row = [str(g["k"]), str(g["n"]), pair(0), pair(-1), fmt(g["tv_model_human"], 3)]
        if permuted:
            row.append(fmt(g["tv_shown_uniform"], 3))
        rows.append(tuple(row))
    who = "human / model" + (" / model per order shown" if permuted else "")
    header = ["options K", "items", f"first position ({who})", f"last position ({who})",
              "TV model-human by position"]
    if permuted:
        header.append("TV per-order-shown vs uniform")
    return Table("Position bias: probability mass by label position", tuple(header), tuple(rows))


def position_bias_plot(summary: Mapping[str, Any], *, title: str) -> bytes:
    """Grouped bars per label position, one panel per ``K`` (at most :data:`MAX_PANELS`)."""
    from matplotlib.figure import Figure

    from .plots import OKABE_ITO, _png

    groups = list(summary["by_k"])[:MAX_PANELS]
    cols = min(3, max(1, len(groups)))
    nrows = max(1, -(-len(groups) // cols))
    fig = Figure(figsize=(4.2 * cols, 2.8 * nrows + 0.6), dpi=100, layout="constrained")
    series = [("human", "human", OKABE_ITO[4]), ("model", "model", OKABE_ITO[0])]
    if summary["permuted"]:
        series.append(("shown", "model, per order shown", OKABE_ITO[2]))
    for n, g in enumerate(groups):
        ax = fig.add_subplot(nrows, cols, n + 1)
        x = np.arange(g["k"])
        width = 0.8 / len(series)
        for s, (key, label, colour) in enumerate(series):
            if g[key] is None:
                continue
            ax.bar(x + (s - (len(series) - 1) / 2) * width, g[key], width, color=colour,
                   edgecolor="black", linewidth=0.3, label=label)
        ax.axhline(1.0 / g["k"], color="black", linestyle=":", linewidth=0.8)
        ax.set_xticks(x, [chr(ord("A") + i) for i in x])
        ax.set_title(f"K = {g['k']} ({g['n']} items)", fontsize=9)
        ax.set_xlabel("label position")
        ax.set_ylabel("mean probability")
    if not groups:
        fig.add_subplot(1, 1, 1).text(0.5, 0.5, "no items", ha="center")
    handles, labels = fig.axes[0].get_legend_handles_labels()
    if handles:
        fig.legend(handles, labels, loc="outside lower center", ncols=len(series), fontsize=8)
    fig.suptitle(title)
    return _png(fig)


def elicitation_note(meta: Mapping[str, Any]) -> str:
    """One line for the report's Method section: how the distributions were elicited.

    >>> elicitation_note({"method": "token_probs", "permutations": {"scheme": "cyclic",
    ...                   "shift_rule": "shift k shows original option (i + k) mod K"}})
    'Elicitation: token_probs, each item asked in its answer orders (cyclic: shift k shows original option (i + k) mod K); the distributions are mapped back to the original options and averaged.'
    """
    method = str(meta.get("method") or "unknown")
    generation = meta.get("generation") or {}
    if method == "sampling" and isinstance(generation, Mapping) and generation.get("samples"):
        method = (f"sampling, {generation['samples']} one-token answers per item at temperature "
                  f"{float(generation.get('temperature', 1.0)):g}, counted")
    perm = meta.get("permutations")
    if not isinstance(perm, Mapping):
        return f"Elicitation: {method}; options in the release order (not permuted)."
    scheme = perm.get("scheme") if perm.get("scheme") == "cyclic" else f"random:{perm.get('n')}"
    return (f"Elicitation: {method}, each item asked in its answer orders ({scheme}: "
            f"{perm.get('shift_rule')}); the distributions are mapped back to the original "
            "options and averaged.")


def position_bias_section(run: Any) -> tuple[dict[str, Any], Table, Any, str]:
    """The report's position-bias summary, table, figure and Method line for a loaded run."""
    from .figures import Figure

    summary = run_position_bias(run)
    caption = ("Mean probability per label position for items with K options: the humans' "
               "distribution and the model's, in the release order; the dotted line is 1/K.")
    if summary["permuted"]:
        caption += (" Green: the model's distributions over the shown labels, averaged over every "
                    "answer order asked; with cyclic orders each option sits at each position "
                    "equally often, so this is the model's positional preference alone.")
    figure = Figure("position-bias", "Position bias", caption,
                    position_bias_plot(summary, title=f"{run.name}: mass by label position"))
    return summary, position_bias_table(summary), figure, elicitation_note(run.meta)
