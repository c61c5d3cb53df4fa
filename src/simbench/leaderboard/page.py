"""The leaderboard as one static, self-contained HTML page.

The table is rendered on the server side (readable without JavaScript); a small inline script adds
sorting (click a column header; click again to reverse) and filters by model type, method and
source. Each row carries a bar of its score with its interval as a whisker; a vertical line at 0
through the bar column and a separator row mark the uniform baseline.

Examples
--------
>>> from simbench.leaderboard.board import published_rows
>>> page = render_page(published_rows())
>>> page.count('<tr class="entry paper"'), 'data-score="40.8"' in page
(45, True)
"""

from __future__ import annotations

import html
from collections.abc import Sequence

from .._version import __version__
from .board import PAPER_SOURCE, BoardRow, interval_text, is_baseline, rank_rows
from .published import PAPER_CITATION, UNIFORM_BASELINE, below_baseline, fmt_score

__all__ = ["render_page"]

_COLUMNS = (  # (key, label, type)
    ("rank", "#", "num"), ("model", "Model", "text"), ("type", "Type", "text"),
    ("method", "Method", "text"), ("score", "Score", "num"), ("ci", "95% CI", "num"),
    ("pop", "Pop", "num"), ("grouped", "Grouped", "num"), ("source", "Source", "text"),
)

_STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px;color:#1b1b1b}
h1{font-size:1.5em;margin:0 0 4px} p.lead{color:#444;margin:0 0 14px;max-width:70em}
.controls{display:flex;gap:18px;align-items:center;margin:10px 0 14px;flex-wrap:wrap}
.controls label{font-weight:600} select{margin-left:6px;padding:2px 4px}
table{border-collapse:collapse;font-size:14px}
th,td{padding:4px 8px;border-bottom:1px solid #e4e4e4;text-align:left;white-space:nowrap}
th{background:#f3f4f6;cursor:pointer;user-select:none;position:sticky;top:0}
th[aria-sort=ascending]::after{content:" \\25B2"} th[aria-sort=descending]::after{content:" \\25BC"}
td.num{text-align:right;font-variant-numeric:tabular-nums}
tr.paper td.src{color:#555;font-style:italic} tr.submitted{background:#fff8e6}
tr.submitted td.src{color:#8a5a00;font-weight:600} span.dtype{color:#666;font-size:85%}
tr.baseline td{border-top:2px dashed #d62728;border-bottom:2px dashed #d62728;color:#d62728;
 font-weight:600;background:#fff}
td.chart{width:260px;padding:0 8px}
.track{position:relative;height:16px;width:260px}
.zero{position:absolute;top:-5px;bottom:-5px;width:0;border-left:2px solid #d62728}
.bar{position:absolute;top:3px;height:10px;background:#0072b2;opacity:.85}
.bar.neg{background:#e69f00} .ci{position:absolute;top:7px;height:0;border-top:2px solid #222}
.ci::before,.ci::after{content:"";position:absolute;top:-5px;height:8px;border-left:2px solid #222}
.ci::before{left:-1px} .ci::after{right:-1px}
tr.hidden{display:none} #count{color:#444}
"""

_SCRIPT = """
(function(){
  const table=document.getElementById('leaderboard'), body=table.tBodies[0];
  const heads=[...table.tHead.rows[0].cells];
  function val(tr,key,type){
    const v=tr.dataset[key];
    if(type==='num'){return v===undefined||v===''?NaN:parseFloat(v);} return (v||'').toLowerCase();
  }
  function sortBy(th,dir){
    const key=th.dataset.key,type=th.dataset.type;
    const entries=[...body.querySelectorAll('tr.entry')];
    const base=body.querySelector('tr.baseline');
    const rows=key==='score'||key==='ci'?entries.concat([base]):entries;
    rows.sort((a,b)=>{
      const x=val(a,key,type),y=val(b,key,type);
      if(type==='num'){
        if(isNaN(x)&&isNaN(y))return 0; if(isNaN(x))return 1; if(isNaN(y))return -1;
        return dir*(x-y);
      }
      return dir*(x<y?-1:x>y?1:0);
    });
    rows.forEach(r=>body.appendChild(r));
    if(rows.indexOf(base)<0){body.appendChild(base);}
    heads.forEach(h=>h.removeAttribute('aria-sort'));
    th.setAttribute('aria-sort',dir>0?'ascending':'descending');
  }
  heads.forEach(th=>th.addEventListener('click',()=>{
    const cur=th.getAttribute('aria-sort');
    const dir=cur?(cur==='ascending'?-1:1):(th.dataset.type==='num'&&th.dataset.key!=='rank'?-1:1);
    sortBy(th,dir);
  }));
  const filters={type:document.getElementById('filter-type'),
                 method:document.getElementById('filter-method'),
                 source:document.getElementById('filter-source')};
  function applyFilters(){
    let shown=0,total=0;
    body.querySelectorAll('tr.entry').forEach(tr=>{
      total++;
      const ok=Object.entries(filters).every(([k,s])=>s.value==='all'||tr.dataset[k]===s.value);
      tr.classList.toggle('hidden',!ok); if(ok)shown++;
    });
    document.getElementById('count').textContent='showing '+shown+' of '+total+' models';
  }
  Object.values(filters).forEach(s=>s.addEventListener('change',applyFilters));
  applyFilters();
})();
"""


def _num(x: float | None) -> str:
    return "" if x is None else repr(round(float(x), 6))


def _fmt(x: float | None) -> str:
    return fmt_score(x)


class _Scale:
    """Maps scores to percentages of the bar track (shared by every row)."""

    def __init__(self, rows: Sequence[BoardRow]) -> None:
        vals = [UNIFORM_BASELINE] + [v for r in rows for v in (r.score, r.low, r.high)
                                     if v is not None]
        self.lo, self.hi = min(vals) - 2.0, max(vals) + 2.0

    def pct(self, x: float) -> float:
        return round(100.0 * (x - self.lo) / (self.hi - self.lo), 3)

    def cell(self, r: BoardRow | None) -> str:
        z = self.pct(UNIFORM_BASELINE)
        parts = [f'<div class="zero" style="left:{z}%"></div>']
        if r is not None:
            a, b = sorted((z, self.pct(r.score)))
            neg = " neg" if below_baseline(r.score) else ""
            parts.insert(0, f'<div class="bar{neg}" style="left:{a}%;width:{round(b - a, 3)}%">'
                            "</div>")
            if r.low is not None and r.high is not None:
                lo, hi = self.pct(r.low), self.pct(r.high)
                width = round(hi - lo, 3)
                parts.append(f'<div class="ci" style="left:{lo}%;width:{width}%"></div>')
        return '<td class="chart"><div class="track">' + "".join(parts) + "</div></td>"


def _row(rank: int, r: BoardRow, scale: _Scale) -> str:
    paper = r.source == PAPER_SOURCE
    e = html.escape
    data = {"rank": str(rank), "model": r.model, "type": r.model_type, "method": r.method,
            "score": _num(r.score), "ci": _num(None if r.low is None or r.high is None
                                                else r.high - r.low),
            "pop": _num(r.pop), "grouped": _num(r.grouped),
            "source": "paper" if paper else "submitted", "dtype": r.dtype or ""}
    attrs = " ".join(f'data-{k}="{e(v)}"' for k, v in data.items())
    ci = interval_text(r)
    about = f"revision {r.revision}; protocol {r.protocol}; dtype {r.dtype or 'unknown'}"
    dtype = f' <span class="dtype">{e(r.dtype)}</span>' if r.dtype else ""  # shown, never refused
    title = "" if paper else f' title="{e(about)}"'
    src = PAPER_SOURCE if paper else f"submitted {e((r.submitted_at or '')[:10])}"
    if r.splits != "pop+grouped":
        src += f" ({e(r.splits)} split only)"
    cells = [f'<td class="num">{rank}</td>', f"<td{title}>{e(r.model)}</td>",
             f"<td>{e(r.model_type)}</td>", f"<td>{e(r.method)}{dtype}</td>",
             f'<td class="num score">{fmt_score(r.score)}</td>', f'<td class="num">{ci}</td>',
             f'<td class="num">{_fmt(r.pop)}</td>', f'<td class="num">{_fmt(r.grouped)}</td>',
             f'<td class="src">{src}</td>', scale.cell(r)]
    cls = "entry paper" if paper else "entry submitted"
    if is_baseline(r):  # a submitted uniform run is the baseline line itself (one row, not two)
        cls, cells[1] = "baseline", f"<td{title}>uniform baseline</td>"
        cells[8] = f'<td class="src">{src}: every option equally likely</td>'
    return f'<tr class="{cls}" {attrs}>' + "".join(cells) + "</tr>"


def _select(name: str, label: str, options: Sequence[tuple[str, str]]) -> str:
    e = html.escape
    opts = "".join(f'<option value="{e(v)}">{e(t)}</option>' for v, t in options)
    return (f'<label for="filter-{name}">{label}<select id="filter-{name}">'
            f'<option value="all">all</option>{opts}</select></label>')


def render_page(rows: Sequence[BoardRow], *, title: str = "SimBench leaderboard") -> str:
    """The full HTML page for ``rows`` (ranked by score; the uniform baseline shown as a line)."""
    ranked = rank_rows(rows)
    scale = _Scale(ranked)
    body: list[str] = []
    baseline = ('<tr class="baseline" data-score="0" data-ci="" data-rank=""><td></td>'
                '<td colspan="8">uniform baseline: 0.00 (every option equally likely)</td>'
                + scale.cell(None) + "</tr>")
    for rank, r in enumerate(ranked, start=1):
        if is_baseline(r):
            if baseline:
                body.append(_row(rank, r, scale))
                baseline = ""
            continue
        if baseline and below_baseline(r.score):
            body.append(baseline)
            baseline = ""
        body.append(_row(rank, r, scale))
    if baseline:
        body.append(baseline)
    types = sorted({r.model_type for r in ranked})
    methods = sorted({r.method for r in ranked})
    heads = "".join(f'<th data-key="{k}" data-type="{t}"'
                    + (' aria-sort="descending"' if k == "score" else "") + f">{lab}</th>"
                    for k, lab, t in _COLUMNS) + '<th data-key="score" data-type="num">' \
        "score (bar), interval, uniform baseline (red line)</th>"
    controls = "".join([
        _select("type", "Model type", [(t, t) for t in types]),
        _select("method", "Method", [(m, m) for m in methods]),
        _select("source", "Source", [("paper", PAPER_SOURCE), ("submitted", "submitted")]),
    ])
    lead = (f"SimBench score (mean of the Pop and Grouped split scores; 100 = the human "
            f"distribution, 0 = the uniform baseline, negative = worse than uniform). Rows marked "
            f"&ldquo;{PAPER_SOURCE}&rdquo; are from {html.escape(PAPER_CITATION)}; submitted rows "
            "were re-scored from their per-item predictions and are shown with their 95% "
            "intervals.")
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head><body>"
            f"<h1>{html.escape(title)}</h1><p class=\"lead\">{lead}</p>"
            f'<div class="controls">{controls}<span id="count"></span></div>'
            f'<table id="leaderboard"><thead><tr>{heads}</tr></thead><tbody>'
            + "\n".join(body)
            + f"</tbody></table><p class=\"lead\">Generated by simbench-eval {__version__}.</p>"
            f"<script>{_SCRIPT}</script></body></html>\n")
