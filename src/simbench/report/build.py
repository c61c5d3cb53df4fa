"""Write a report for a run (and its comparisons): a self-contained HTML page, Markdown, JSON, PNGs.

``build_report(run_dir, out_dir, compare=[...])`` writes into ``out_dir``:

* ``report.html``: every table and plot, images embedded as base64 (one file to mail or upload);
* ``report.md``: the tables in Markdown, the plots linked from ``figures/``;
* ``figures/<id>.png``: the plots;
* ``stats.json``: every number of the report (seed and resample counts included).

Examples
--------
Two runs over six made-up Jester rows (``items`` stands for the full release): one predicts the
human answers, one predicts uniform.

>>> import json, tempfile
>>> from pathlib import Path
>>> from simbench.runs import predictions_file
>>> from simbench.data.schema import item_from_release_row
>>> def item(i, a):
...     return item_from_release_row({
...         "row_index": i, "dataset_name": "Jester", "group_prompt_template": "You like jokes.",
...         "group_prompt_variable_map": {}, "group_size": 50, "auxiliary": {},
...         "input_template": f"Rate joke {i}.\\n\\nOptions:\\n(A): Funny\\n(B): Not funny",
...         "human_answer": {"A": a, "B": 100.0 - a}}, split="pop")
>>> items = [item(i, a) for i, a in enumerate([10.0, 30.0, 45.0, 60.0, 80.0, 95.0])]
>>> tmp = tempfile.TemporaryDirectory()
>>> def run(name, dists):
...     folder = Path(tmp.name) / name
...     folder.mkdir()
...     rows = [{"item_id": it.item_id, "distribution": dict(zip(it.option_labels, d)),
...              "status": "ok"} for it, d in zip(items, dists)]
...     _ = predictions_file(folder).write_text("".join(json.dumps(r) + "\\n" for r in rows))
...     return folder
>>> exact = run("exact", [it.human_dist for it in items])
>>> uniform = run("uniform", [(0.5, 0.5)] * 6)
>>> paths = build_report(exact, Path(tmp.name) / "report", compare=[uniform], items=items,
...                      n_resamples=100, n_draws=50)
>>> sorted(p.name for p in paths.values())
['report.html', 'report.md', 'stats.json']
>>> stats = json.loads(paths["json"].read_text())
>>> stats["run"]["scores"]["simbench_score"], stats["comparisons"][0]["difference"]["estimate"]
(100.0, 100.0)
>>> "exact compared with uniform" in paths["html"].read_text()
True
>>> tmp.cleanup()
"""

from __future__ import annotations

import base64
import json
import logging
import os
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from .._version import __version__
from ..data.schema import Item
from ..stats import RunData, load_run
from .analysis import analyse_comparison, analyse_run
from .figures import Figure, comparison_figures, run_figures
from .position_bias import position_bias_section
from .tables import (
    Table,
    attribute_table,
    calibration_table,
    comparison_tables,
    entropy_table,
    headline_table,
    markdown_table,
    study_table,
)

__all__ = ["build_report", "distinct_names"]

logger = logging.getLogger(__name__)

_TEMPLATE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>SimBench report: {{ title }}</title>
<style>
body { font-family: system-ui, sans-serif; max-width: 960px; margin: 2em auto; padding: 0 1em;
       color: #111; line-height: 1.45; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; font-size: 0.9em; }
th, td { border: 1px solid #bbb; padding: 0.25em 0.6em; text-align: right; }
th:first-child, td:first-child { text-align: left; }
th { background: #eee; }
figure { margin: 1.5em 0; }
figure img { max-width: 100%; height: auto; border: 1px solid #ddd; }
figcaption { font-size: 0.9em; color: #333; }
.meta { color: #444; font-size: 0.85em; }
</style></head><body>
<h1>SimBench report: {{ title }}</h1>
<p class="meta">{{ meta }}</p>
{% for t in tables %}
<h2>{{ t.title }}</h2>
<table><thead><tr>{% for h in t.header %}<th>{{ h }}</th>{% endfor %}</tr></thead><tbody>
{% for r in t.rows %}<tr>{% for c in r %}<td>{{ c }}</td>{% endfor %}</tr>
{% endfor %}</tbody></table>
{% endfor %}
<h2>Plots</h2>
{% for f in figures %}
<figure id="{{ f.id }}"><h3>{{ f.title }}</h3>
<img src="data:image/png;base64,{{ f.b64 }}" alt="{{ f.title }}">
<figcaption>{{ f.caption }}</figcaption></figure>
{% endfor %}
<h2>Method</h2>
<ul>{% for m in methods %}<li>{{ m }}</li>{% endfor %}</ul>
</body></html>
"""


def _calibration_source(run_dir: str | os.PathLike[str], compare: Sequence[str | os.PathLike[str]]
                        ) -> tuple[list[str | os.PathLike[str]], dict[str, Any] | None, str]:
    """A calibrated run (``simbench calibrate``) is compared with its source run (raw beside
    calibrated) unless ``compare`` already names it: the comparisons, the calibration record and a
    note on where the source run was found."""
    from ..runs import RunFolder

    meta = RunFolder(run_dir).read_run_info() or {}
    cal = meta.get("calibration")
    if not isinstance(cal, dict):
        return list(compare), None, ""
    recorded = Path(cal["source"]["path"])
    # the recorded (absolute) path, else a folder of that name beside the calibrated run
    found = next((p for p in (recorded, Path(run_dir).parent / recorded.name)
                  if RunFolder(p).has_run_info()), None)
    if found is None:
        return list(compare), cal, f"not found at {recorded}: raw scores not shown"
    if any(Path(c).resolve() == found.resolve() for c in compare):
        return list(compare), cal, "compared below (raw)"
    return [*compare, found], cal, "compared below (raw)"


def _tables(summary: dict[str, Any], comparisons: Sequence[dict[str, Any]]) -> list[Table]:
    tables = [headline_table(summary), study_table(summary), entropy_table(summary["entropy_bins"])]
    if summary["attributes"] and summary["attributes"]["attributes"]:
        tables.append(attribute_table(summary["attributes"]))
    for c in comparisons:
        tables += comparison_tables(c)
    return tables


def _methods(stats: dict[str, Any]) -> list[str]:
    run = stats["run"]
    out = [f"Intervals: {run['intervals']['method']} (seed {run['intervals']['seed']}, "
           f"{run['intervals']['n_resamples']} resamples).",
           f"Noise ceiling: Monte Carlo with {run['ceiling']['n_draws']} multinomial samples per row "
           f"(seed {run['ceiling']['seed']}); {run['ceiling']['unknown_size_rule']} "
           f"({run['ceiling']['n_imputed']} rows imputed).",
           "Scores use the full-split study norms; failed items are scored as uniform "
           f"({run['failures']['n_failed']} of {run['failures']['n']} failed)."]
    if stats["comparisons"]:
        out.append(f"Comparisons: {stats['comparisons'][0]['method']}.")
    return out


def _markdown(title: str, meta: str, tables: list[Table], figures: list[Figure],
              methods: list[str]) -> str:
    parts = [f"# SimBench report: {title}", "", meta, ""]
    parts += [markdown_table(t) for t in tables]
    parts += ["## Plots", ""]
    parts += [f"### {f.title}\n\n![{f.title}](figures/{f.id}.png)\n\n{f.caption}\n" for f in figures]
    parts += ["## Method", ""] + [f"- {m}" for m in methods]
    return "\n".join(parts) + "\n"


def distinct_names(runs: Sequence[RunData]) -> list[RunData]:
    """The runs, where runs of the same model from different folders (e.g. chat and base prompts)
    get the folder name appended to their display name, so a report or notebook tells them apart.

    >>> from pathlib import Path
    >>> from simbench.stats import RunData
    >>> def run(folder):
    ...     return RunData(Path(folder), "smollm2", {}, (), None, None, None)
    >>> [r.name for r in distinct_names([run("runs/chat"), run("runs/base"), run("runs/chat")])]
    ['smollm2 (chat)', 'smollm2 (base)', 'smollm2 (chat)']
    >>> [r.name for r in distinct_names([run("runs/chat")])]
    ['smollm2']
    >>> [r.name for r in distinct_names([run("a/run"), run("b/run")])]  # same folder names
    ['smollm2 (a/run)', 'smollm2 (b/run)']
    """
    runs = list(runs)

    def clash(r: RunData) -> bool:
        return any(o.name == r.name and o.path != r.path for o in runs)

    def label(r: RunData) -> str:
        same = [o for o in runs if o.name == r.name and o.path.name == r.path.name]
        return r.path.as_posix() if any(o.path != r.path for o in same) else r.path.name

    return [replace(r, name=f"{r.name} ({label(r)})") if clash(r) else r for r in runs]


def build_report(
    run_dir: str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    *,
    compare: Sequence[str | os.PathLike[str]] = (),
    items: Sequence[Item] | None = None,
    source: str | os.PathLike[str] | None = None,
    seed: int = 0,
    n_resamples: int = 1000,
    n_draws: int = 200,
    level: float = 0.95,
) -> dict[str, Path]:
    """Analyse ``run_dir`` (and compare it with each of ``compare``) and write the report files.

    Args:
        run_dir: the run folder to report on (run A of every comparison).
        out_dir: output folder (created).
        compare: run folders to compare with (each is run B, on the same items).
        items, source: the full items, or where to load them (default ``$SIMBENCH_DATA``).
        seed, n_resamples, n_draws, level: settings of the bootstrap, permutations and ceiling.

    Returns:
        ``{"html", "markdown", "json"}`` paths.

    Raises:
        simbench.errors.RunMismatchError: a compared run covers other items or other data.
    """
    import jinja2

    if items is None:
        from ..data.load import load_items

        items = load_items("both", source=source)
    compare, calibration, source_note = _calibration_source(run_dir, compare)
    run, *others = distinct_names([load_run(p, items=items) for p in [run_dir, *compare]])
    analysis = analyse_run(run, seed=seed, n_resamples=n_resamples, level=level, n_draws=n_draws)
    comps = [analyse_comparison(run, o, seed=seed, n_resamples=n_resamples, level=level)
             for o in others]
    figures = run_figures(analysis) + comparison_figures(comps)
    tables = _tables(analysis.summary, [c.summary for c in comps])
    if calibration is not None:
        tables.insert(1, calibration_table(calibration, source_note))
    bias, bias_table, bias_figure, elicitation = position_bias_section(run)
    tables.append(bias_table)
    figures.append(bias_figure)
    stats = {"schema_version": 1, "simbench_version": __version__,
             "created_at": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
             "seed": seed, "n_resamples": n_resamples, "n_draws": n_draws, "level": level,
             "run": analysis.summary, "comparisons": [c.summary for c in comps],
             "position_bias": bias}
    title = run.name + (f" compared with {', '.join(o.name for o in others)}" if others else "")
    meta = (f"{len(run.items)} items from {run.path}; seed {seed}, {n_resamples} bootstrap resamples; "
            f"simbench {__version__}.")
    methods = [elicitation, *_methods(stats)]
    out = Path(out_dir)
    (out / "figures").mkdir(parents=True, exist_ok=True)
    for f in figures:
        (out / "figures" / f"{f.id}.png").write_bytes(f.png)
    env = jinja2.Environment(autoescape=True)
    html = env.from_string(_TEMPLATE).render(
        title=title, meta=meta, tables=tables, methods=methods,
        figures=[{"id": f.id, "title": f.title, "caption": f.caption,
                  "b64": base64.b64encode(f.png).decode("ascii")} for f in figures])
    paths = {"html": out / "report.html", "markdown": out / "report.md", "json": out / "stats.json"}
    paths["html"].write_text(html, encoding="utf-8")
    paths["markdown"].write_text(_markdown(title, meta, tables, figures, methods), encoding="utf-8")
    paths["json"].write_text(json.dumps(stats, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    logger.info("wrote %s (%d plots)", paths["html"], len(figures))
    return paths
