"""What the Space shows, as plain HTML and Markdown strings (no gradio here, so it is testable).

:func:`board_html` is the table: rank, model, SimBench score with its 95% interval, Pop, Grouped,
method, protocol, dtype, date and source (published or submitted), with the uniform baseline as a
line between the rows above and below 0. :func:`model_details` is the per-model panel's text and
:func:`per_study_rows` its table of per-study scores.

Examples
--------
>>> from simbench.leaderboard.space import published_entries
>>> page = board_html(published_entries(), total=45)
>>> page.count('<tr class="entry published"'), page.count('class="baseline"')
(45, 1)
>>> "showing 45 of 45 models" in page
True
"""

from __future__ import annotations

import base64
import html
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .. import PAPER_CITATION, PUBLISHED_RESULTS, UNIFORM_BASELINE, below_baseline, fmt_score
from .entries import BoardEntry, Rejected

__all__ = ["BOARD_CSS", "board_html", "model_details", "per_study_html", "per_study_rows",
           "plots_html", "rejected_markdown", "status_markdown"]

_HEADERS = ("#", "Model", "Type", "Score", "95% CI", "Pop", "Grouped", "Method", "Protocol", "dtype",
            "Date", "Source")

#: Styles of the board table (passed to ``gr.Blocks.launch(css=...)``).
BOARD_CSS = """
#simbench-board{border-collapse:collapse;font-size:14px;width:100%}
#simbench-board th,#simbench-board td{padding:4px 8px;border-bottom:1px solid #e4e4e4;
 text-align:left;white-space:nowrap}
#simbench-board th{background:#f3f4f6;position:sticky;top:0}
#simbench-board td.num{text-align:right;font-variant-numeric:tabular-nums}
#simbench-board tr.submitted{background:#fff8e6}
#simbench-board tr.submitted td.src{color:#8a5a00;font-weight:600}
#simbench-board tr.published td.src{color:#555;font-style:italic}
#simbench-board tr.baseline td{border-top:2px dashed #d62728;border-bottom:2px dashed #d62728;
 color:#d62728;font-weight:600;background:#fff}
#simbench-count{color:#444;margin:4px 0 8px}
#simbench-plots figure{margin:0 0 18px} #simbench-plots img{max-width:100%;height:auto;
 border:1px solid #ddd} #simbench-plots figcaption{font-weight:600;margin:0 0 4px}
"""


def _cell(text: str, cls: str = "") -> str:
    c = f' class="{cls}"' if cls else ""
    return f"<td{c}>{html.escape(text)}</td>"


def _ci(e: BoardEntry) -> str:
    r = e.row
    return "" if r.low is None or r.high is None else f"[{fmt_score(r.low)}, {fmt_score(r.high)}]"


def _source(e: BoardEntry) -> str:
    if e.source == "published":
        return "published (paper)"
    only = "" if e.row.splits == "pop+grouped" else f", {e.row.splits} split only"
    return f"submitted{only}"


def _row_html(rank: int, e: BoardEntry) -> str:
    r = e.row
    cells = [_cell(str(rank), "num"), _cell(r.model, "model"), _cell(r.model_type),
             _cell(fmt_score(r.score), "num score"), _cell(_ci(e), "num ci"),
             _cell(fmt_score(r.pop), "num"), _cell(fmt_score(r.grouped), "num"),
             _cell(r.method), _cell(r.protocol or ""), _cell(e.dtype), _cell(e.date),
             _cell(_source(e), "src")]
    attrs = (f'data-model="{html.escape(r.model)}" data-source="{e.source}" '
             f'data-method="{html.escape(r.method)}" data-splits="{html.escape(r.splits)}"')
    return f'<tr class="entry {e.source}" {attrs}>' + "".join(cells) + "</tr>"


def board_html(entries: Sequence[BoardEntry], *, total: int,
               ranks: dict[str, int] | None = None) -> str:
    """The board table for ``entries`` (already ranked and filtered).

    Args:
        entries: the rows to show, in board order.
        total: how many rows the unfiltered board has (for "showing N of M models").
        ranks: the rank of each entry key on the unfiltered board (default: position here).
    """
    body: list[str] = []
    baseline = (f'<tr class="baseline"><td></td><td colspan="{len(_HEADERS) - 1}">uniform '
                f"baseline: {fmt_score(UNIFORM_BASELINE)} (every option equally likely; rows "
                "below score worse than guessing uniformly)</td></tr>")
    for i, e in enumerate(entries, start=1):
        if baseline and below_baseline(e.row.score):
            body.append(baseline)
            baseline = ""
        body.append(_row_html(ranks.get(e.key, i) if ranks else i, e))
    if baseline:
        body.append(baseline)
    head = "".join(f"<th>{h}</th>" for h in _HEADERS)
    return (f'<div id="simbench-count">showing {len(entries)} of {total} models</div>'
            f'<table id="simbench-board"><thead><tr>{head}</tr></thead><tbody>'
            + "\n".join(body) + "</tbody></table>")


def status_markdown(n_rows: int, n_submitted: int, loaded_at: str, origin: str,
                    error: str | None, rejected: Sequence[Rejected]) -> str:
    """The line under the title: what is on the board, from where, since when."""
    text = (f"**{n_rows} models**: {len(PUBLISHED_RESULTS)} published in the paper and "
            f"{n_submitted} submitted (from {origin}; loaded {loaded_at}).")
    if error:
        text += f"\n\n**The submissions could not be loaded**: {error}"
    if rejected:
        text += (f"\n\n{len(rejected)} submission{'s' if len(rejected) != 1 else ''} rejected "
                 "(left off the board): see the Submit tab.")
    return text


def rejected_markdown(rejected: Sequence[Rejected], *, limit: int = 20) -> str:
    """The rejected entries with their problems (the first ``limit`` per entry)."""
    if not rejected:
        return "Every submission in the repository passed validation."
    out = []
    for r in rejected:
        out.append(f"- `{r.entry}`: {len(r.problems)} problems")
        out += [f"  - {p}" for p in r.problems[:limit]]
        if len(r.problems) > limit:
            out.append(f"  - ... and {len(r.problems) - limit} more")
    return "\n".join(out)


def per_study_rows(results: dict[str, Any]) -> list[list[str]]:
    """``[split, study, score, 95% CI, n, mean TV]`` per study of each split, then the split."""
    out = []
    for split, s in results["splits"].items():
        for study, v in sorted(s["per_study"].items()):
            ci = "" if v.get("low") is None else f"[{fmt_score(v['low'])}, {fmt_score(v['high'])}]"
            out.append([split, study, fmt_score(v["score"]), ci, str(v["n"]),
                        f"{v['mean_tv']:.4f}"])
        ci = "" if s.get("low") is None else f"[{fmt_score(s['low'])}, {fmt_score(s['high'])}]"
        out.append([split, "(all studies)", fmt_score(s["score"]), ci, str(s["n"]),
                    f"{s['mean_tv']:.4f}"])
    return out


def per_study_html(results: dict[str, Any]) -> str:
    """:func:`per_study_rows` as an HTML table (``id="simbench-studies"``)."""
    head = "".join(f"<th>{h}</th>" for h in ("Split", "Study", "Score", "95% CI", "Rows",
                                             "Mean TV"))
    rows = "".join("<tr>" + "".join(_cell(c, "num" if i >= 2 else "") for i, c in enumerate(r))
                   + "</tr>" for r in per_study_rows(results))
    return (f'<table id="simbench-studies" class="simbench-table"><thead><tr>{head}</tr></thead>'
            f"<tbody>{rows}</tbody></table>")


def model_details(e: BoardEntry) -> str:
    """The per-model panel's Markdown: headline, provenance, size and family."""
    r = e.row
    lines = [f"### {r.model}", "",
             f"SimBench score **{fmt_score(r.score)}**"
             + (f" (95% CI {_ci(e)})" if _ci(e) else "")
             + (f"; Pop {fmt_score(r.pop)}" if r.pop is not None else "")
             + (f"; Grouped {fmt_score(r.grouped)}" if r.grouped is not None else "") + ".", ""]
    size = (f"{e.size.billions:.3g}B parameters ({e.size.source})"
            if e.size is not None and e.size.billions is not None else "size unknown")
    lines.append(f"- family: {e.family}; type: {r.model_type}; method: {r.method}; {size}")
    if e.source == "published":
        lines.append(f"- published in {PAPER_CITATION}; the paper gives the headline score only, "
                     "so there are no per-study scores or plots for this row.")
        return "\n".join(lines)
    res = e.results or {}
    fail = res.get("failures", {})
    lines += [f"- protocol: {r.protocol}; dtype: {e.dtype or 'unknown'}; revision: "
              f"`{r.revision}`; finished: {r.submitted_at or 'unknown'}",
              f"- entry: `{e.entry}`; failed items: {fail.get('n_failed', 0)} of "
              f"{fail.get('n_items', '?')} (scored as uniform)",
              f"- intervals: {res.get('interval', {}).get('method', 'unknown')}; recomputed by "
              f"simbench-eval {res.get('computed_with', {}).get('simbench', '?')}"]
    return "\n".join(lines)


def plots_html(figures: Sequence[tuple[Path, str]]) -> str:
    """The report's PNG plots as figures with their titles, embedded (``id="simbench-plots"``)."""
    parts = []
    for png, title in figures:
        data = base64.b64encode(Path(png).read_bytes()).decode("ascii")
        parts.append(f"<figure><figcaption>{html.escape(title)}</figcaption>"
                     f'<img src="data:image/png;base64,{data}" alt="{html.escape(title)}">'
                     "</figure>")
    return '<div id="simbench-plots">' + "".join(parts) + "</div>"
