"""Report tables as plain rows (header + list of string cells), shared by the HTML and Markdown."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["Table", "attribute_table", "calibration_table", "comparison_tables", "entropy_table",
           "fmt", "headline_table", "interval_text", "markdown_table", "study_table",
           "summary_lines"]


@dataclass(frozen=True)
class Table:
    """A titled table of string cells."""

    title: str
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


def fmt(x: float | None, digits: int = 2) -> str:
    """A number with fixed decimals, or an em dash for missing values.

    >>> fmt(3.14159), fmt(None), fmt(0.00012, 4)
    ('3.14', '—', '0.0001')
    """
    return "—" if x is None else f"{x:.{digits}f}"


def interval_text(v: Mapping[str, Any]) -> str:
    """``[low, high]``, the reason when the interval is not estimable, and ``(pooled)`` for a split
    whose studies were resampled as one stratum.

    >>> interval_text({"low": -1.234, "high": 2.0, "not_estimable": None})
    '[-1.23, 2.00]'
    >>> interval_text({"low": None, "high": None,
    ...                "not_estimable": "not estimable (fewer than 2 clusters per study)"})
    'not estimable (fewer than 2 clusters per study)'
    """
    if v.get("not_estimable") or v.get("low") is None or v.get("high") is None:
        return str(v.get("not_estimable") or "not estimable")
    return f"[{fmt(v['low'])}, {fmt(v['high'])}]" + (" (pooled)" if v.get("pooled") else "")


def _p(p: float | None) -> str:
    return "—" if p is None else f"{p:.3g}"


def headline_table(summary: Mapping[str, Any]) -> Table:
    """Headline and per-split scores with intervals and noise ceilings."""
    iv, ceil = summary["intervals"], summary["ceiling"]
    rows = [("SimBench score", fmt(iv["simbench_score"]["estimate"]), interval_text(iv["simbench_score"]),
             fmt(ceil["simbench_score"]), str(sum(s["n"] for s in iv["splits"].values())), "")]
    for split, s in iv["splits"].items():
        rows.append((f"{split} split", fmt(s["estimate"]), interval_text(s), fmt(ceil["splits"][split]["score"]),
                     str(s["n"]), str(s["n_clusters"])))
    level = f"{iv['level']:.0%} interval"
    return Table("Headline", ("", "score", level, "noise ceiling", "items", "question clusters"),
                 tuple(rows))


def study_table(summary: Mapping[str, Any]) -> Table:
    """Per-study score, interval, ceiling and mean TV."""
    iv, ceil, scores = summary["intervals"], summary["ceiling"], summary["scores"]
    rows = []
    for split, s in iv["splits"].items():
        for study, v in s["per_study"].items():
            rows.append((split, study, str(v["n"]), str(v["n_clusters"]), fmt(v["estimate"]), interval_text(v),
                         fmt(ceil["splits"][split]["per_study"][study]["score"]),
                         fmt(scores["splits"][split]["per_study"][study]["mean_tv"], 3)))
    return Table("Per study", ("split", "study", "items", "clusters", "score", "interval",
                               "noise ceiling", "mean TV"), tuple(rows))


def entropy_table(bins: Sequence[Mapping[str, Any]], title: str = "Score by human entropy") -> Table:
    """One row per entropy bin."""
    rows = tuple((f"{b['low']:.1f}–{b['high']:.1f}", str(b["n"]), fmt(b["mean"]), fmt(b["sem"]))
                 for b in bins)
    return Table(title, ("normalised entropy", "items", "mean", "standard error"), rows)


def attribute_table(attributes: Mapping[str, Any]) -> Table:
    """Per-attribute deltas against the country rows."""
    rows = tuple((name, str(v["n"]), fmt(v["group_score"]), fmt(v["country_score"]), fmt(v["delta"]),
                  interval_text(v), ", ".join(v["keys"])) for name, v in attributes["attributes"].items())
    return Table("Subgroups against their country (Grouped)",
                 ("attribute", "rows", "subgroup score", "country score", "delta", "interval",
                  "release keys"), rows)


def comparison_tables(c: Mapping[str, Any]) -> list[Table]:
    """Headline/split/study differences and the alignment summary of one comparison."""
    a, b = c["run_a"]["name"], c["run_b"]["name"]
    rows = [("SimBench score", fmt(c["difference"]["score_a"]), fmt(c["difference"]["score_b"]),
             fmt(c["difference"]["estimate"]), interval_text(c["difference"]), _p(c["difference"]["p_value"]))]
    for split, s in c["splits"].items():
        rows.append((f"{split} split", fmt(s["score_a"]), fmt(s["score_b"]), fmt(s["estimate"]),
                     interval_text(s), _p(s["p_value"])))
        rows += [(f"{study} ({split})", fmt(v["score_a"]), fmt(v["score_b"]), fmt(v["estimate"]),
                  interval_text(v), _p(v["p_value"])) for study, v in s["per_study"].items()]
    w, al = c["win_rate"], c["alignment"]
    extra = (
        ("items where A scores higher", f"{w['a_better']:.1%}"),
        ("items where B scores higher", f"{w['b_better']:.1%}"),
        ("ties", f"{w['ties']:.1%}"),
        ("correlation of the difference with human entropy (items)", fmt(al["pearson_r_items"], 3)),
        ("correlation over entropy bins", fmt(al["pearson_r_bins"], 3)),
        ("slope of the difference per unit of entropy", fmt(al["slope"])),
        ("entropy where the fitted difference crosses zero", fmt(al["zero_crossing_fit"], 3)),
        ("entropy where the binned difference crosses zero", fmt(al["zero_crossing_bins"], 3)),
    )
    return [Table(f"Paired comparison: A = {a}, B = {b}",
                  ("", "A", "B", "A - B", "interval", "p-value"), tuple(rows)),
            Table(f"Win rate and alignment analysis: {a} vs {b}", ("", "value"), extra)]


def calibration_table(calibration: Mapping[str, Any], source_note: str) -> Table:
    """How a calibrated run (``simbench calibrate``) was made: its temperature(s), the part each was
    fitted on with the mean TV there before and after, and where its source run is.

    >>> cal = {"kind": "temperature", "fit": ["pop"], "cross_fit": None, "per_study": None,
    ...        "fitted": {"temperature": 1.8, "n_fit": 40, "mean_tv_raw": 0.31,
    ...                   "mean_tv_calibrated": 0.27, "at_bound": False},
    ...        "source": {"path": "runs/raw"}}
    >>> calibration_table(cal, "compared below").rows[1]
    ('temperature 1.8 (all items)', 'pop (40 items)', '0.310', '0.270')
    """
    rows: list[tuple[str, ...]] = [("source run", str(calibration["source"]["path"]), source_note,
                                    "")]
    fits = ([("all items", "+".join(calibration["fit"]), calibration["fitted"])]
            if calibration.get("fitted") else
            [(study, "the other studies", f) for study, f in (calibration["per_study"] or {}).items()])
    for applied, fitted_on, f in fits:
        bound = " (at a bound)" if f.get("at_bound") else ""
        rows.append((f"temperature {f['temperature']:.4g} ({applied}){bound}",
                     f"{fitted_on} ({f['n_fit']} items)", fmt(f["mean_tv_raw"], 3),
                     fmt(f["mean_tv_calibrated"], 3)))
    return Table(f"Calibration: {calibration['kind']} scaling (p_i ~ p_i^(1/T))",
                 ("", "fitted on", "mean TV there, raw", "calibrated"), tuple(rows))


def markdown_table(t: Table) -> str:
    """Render a table as GitHub Markdown (pipes in cells escaped)."""
    def cell(x: str) -> str:
        return x.replace("|", "\\|")
    lines = [f"### {t.title}", "", "| " + " | ".join(cell(h) for h in t.header) + " |",
             "|" + "---|" * len(t.header)]
    lines += ["| " + " | ".join(cell(x) for x in r) + " |" for r in t.rows]
    return "\n".join(lines) + "\n"


def summary_lines(summary: Mapping[str, Any]) -> list[str]:
    """A few plain-text lines for the terminal: the headline and split scores with their intervals,
    and the studies whose interval is not estimable (``simbench report`` prints them).

    >>> iv = {"estimate": 1.0, "low": 0.0, "high": 2.0, "not_estimable": None}
    >>> ess = {"estimate": -19.87, "low": None, "high": None,
    ...        "not_estimable": "not estimable (fewer than 2 clusters per study)"}
    >>> summary = {"run": {"name": "m"}, "intervals": {"level": 0.95, "simbench_score": iv,
    ...            "splits": {"grouped": {**iv, "pooled": True, "per_study": {"ess": ess}}}}}
    >>> print("\\n".join(summary_lines(summary)))
    m: SimBench score 1.00, 95% interval [0.00, 2.00]
      grouped split 1.00 [0.00, 2.00] (pooled)
      ess (grouped) -19.87: not estimable (fewer than 2 clusters per study)
    """
    iv = summary["intervals"]
    head = iv["simbench_score"]
    lines = [f"{summary['run']['name']}: SimBench score {fmt(head['estimate'])}, "
             f"{iv['level']:.0%} interval {interval_text(head)}"]
    lines += [f"  {split} split {fmt(s['estimate'])} {interval_text(s)}"
              for split, s in iv["splits"].items()]
    lines += [f"  {study} ({split}) {fmt(v['estimate'])}: {interval_text(v)}"
              for split, s in iv["splits"].items() for study, v in s["per_study"].items()
              if v.get("low") is None]
    return lines
