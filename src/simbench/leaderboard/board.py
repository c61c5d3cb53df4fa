"""Leaderboard rows: the published results beside submissions re-scored from their predictions.

Each submission in a folder (a leaderboard entry / bundled ``.json`` file, or a run folder) is
validated strictly and re-scored from its per-item predictions; the ``results`` it carries are never
used. The 45 published results are added, marked "reported in the paper".

Examples
--------
>>> rows = published_rows()
>>> rows[0].model, rows[0].score, rows[0].source
('Claude-3.7-Sonnet', 40.8, 'reported in the paper')
>>> print(to_markdown(rows[:1]).splitlines()[2])
| 1 | Claude-3.7-Sonnet | instruct | verbalized | 40.80 |  |  |  | reported in the paper |
"""

from __future__ import annotations

import csv
import io
import logging
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..data.schema import Item
from ..runs import RunFolder
from .published import PUBLISHED_RESULTS, below_baseline, fmt_score
from .submission import SubmissionError, read_submission, validate_submission

__all__ = [
    "PAPER_SOURCE",
    "BoardRow",
    "find_submissions",
    "published_rows",
    "rank_rows",
    "submission_rows",
    "to_csv",
    "to_markdown",
]

logger = logging.getLogger(__name__)

PAPER_SOURCE = "reported in the paper"
SUBMITTED_SOURCE = "submitted"


@dataclass(frozen=True)
class BoardRow:
    """One leaderboard row.

    Attributes:
        model: model name (paper) or model id (submission).
        model_type: ``"base"``, ``"instruct"``, ``"baseline"`` (the uniform run) or ``"unknown"``.
        method: ``"token_probs"``, ``"verbalized"`` or ``"uniform"``.
        score: the SimBench score (mean of Pop and Grouped).
        low, high: the interval bounds (``None`` for published rows: the paper gives none).
        pop, grouped: split scores when known.
        source: ``"reported in the paper"`` or ``"submitted"``.
        protocol, revision, submitted_at, entry: provenance of submitted rows.
        dtype: the weights' dtype the run recorded (``"float32"``, ``"bfloat16"``...; ``None``
            when unknown: published rows, servers). Shown, never refused.
        splits: the scored splits (``"pop+grouped"``, or one split: then ``score`` is that split's
            score alone, which the page and the tables point out).
    """

    model: str
    model_type: str
    method: str
    score: float
    low: float | None = None
    high: float | None = None
    pop: float | None = None
    grouped: float | None = None
    source: str = SUBMITTED_SOURCE
    protocol: str | None = None
    revision: str | None = None
    submitted_at: str | None = None
    entry: str | None = None
    splits: str = "pop+grouped"
    dtype: str | None = None


def published_rows() -> list[BoardRow]:
    """The 45 results of the paper as rows (no intervals, no split scores)."""
    return [BoardRow(r.model, r.model_type, r.method, r.score, source=PAPER_SOURCE)
            for r in PUBLISHED_RESULTS]


def find_submissions(folder: str | os.PathLike[str]) -> list[Path]:
    """Submissions under ``folder``: run folders (with a provenance file) and bundled ``.json``
    files.

    In a clone of the leaderboard dataset repository only its ``submissions/`` folder is read.
    """
    root = Path(folder)
    if not root.is_dir():
        raise FileNotFoundError(f"submissions folder not found: {root}")
    if (root / "submissions").is_dir():  # a clone of the leaderboard dataset repository
        root = root / "submissions"
    return sorted(_walk(root))


def _walk(folder: Path) -> Iterator[Path]:
    if RunFolder(folder).has_run_info():
        yield folder
        return
    for p in sorted(folder.iterdir()):
        if p.is_dir() and not p.name.startswith("."):
            yield from _walk(p)
        elif p.is_file() and p.suffix == ".json":
            yield p


def _model_type(run_type: str | None, prompt_mode: str | None) -> str:
    if run_type == "baseline":
        return "baseline"
    if run_type == "chat" or (run_type is None and prompt_mode == "chat"):
        return "instruct"
    if run_type == "base" or (run_type is None and prompt_mode == "base"):
        return "base"
    return "unknown"


def submission_rows(folder: str | os.PathLike[str], all_items: Sequence[Item], *,
                    n_resamples: int = 1000, seed: int = 0) -> list[BoardRow]:
    """Validate and re-score every submission under ``folder``.

    Raises:
        SubmissionError: listing the problems of every invalid submission (each prefixed by its
            file), so one bad entry cannot slip onto the board.
    """
    from .results import recompute_results

    root = Path(folder)
    rows: list[BoardRow] = []
    problems: list[str] = []
    incomplete: list[str] = []  # entries that lack items: said first, in one line
    for path in find_submissions(root):
        rel = path.relative_to(root).as_posix()
        try:
            sub = validate_submission(read_submission(path), all_items)
        except SubmissionError as e:
            if e.summary:
                incomplete.append(rel)
            problems.extend(f"{rel}: {p}" for p in e.problems)
            continue
        res = recompute_results(sub, all_items, n_resamples=n_resamples, seed=seed)
        run = sub.run
        splits = res["splits"]
        rows.append(BoardRow(
            # a LoRA run is named by its base model and adapter ("smollm2 + LoRA my-lora")
            model=run.model.label, model_type=_model_type(run.model.type, run.prompt_mode),
            # a baseline answers every method alike: the board names it by its backend
            method="uniform" if run.backend == "uniform" else run.method_label,
            score=res["simbench_score"], low=res["low"], high=res["high"],
            pop=splits["pop"]["score"] if "pop" in splits else None,
            grouped=splits["grouped"]["score"] if "grouped" in splits else None,
            protocol=run.protocol, revision=run.model.revision or run.model.content_hash,
            submitted_at=run.finished_at or run.created_at, entry=rel,
            splits="+".join(sub.splits), dtype=run.model.dtype))
    if problems:
        summary = None
        if incomplete:
            summary = (f"submissions need every item of a split, and {len(incomplete)} lack items "
                       f"({', '.join(incomplete[:3])}{', ...' if len(incomplete) > 3 else ''}): "
                       "complete each run with 'simbench run' on its folder (it resumes), then "
                       "submit it again")
        raise SubmissionError(problems, str(root), summary=summary)
    logger.info("re-scored %d submissions from %s", len(rows), root)
    return rows


def rank_rows(rows: Sequence[BoardRow]) -> list[BoardRow]:
    """Rows in descending score order (ties: published first, then by name)."""
    return sorted(rows, key=lambda r: (-r.score, r.source != PAPER_SOURCE, r.model))


CSV_FIELDS = ("rank", "model", "model_type", "method", "score", "ci_low", "ci_high", "pop",
              "grouped", "splits", "source", "protocol", "revision", "submitted_at", "entry",
              "dtype")


def _fmt(x: float | None) -> str:
    return fmt_score(x)


def to_csv(rows: Sequence[BoardRow]) -> str:
    """The ranked rows as CSV (scores with two decimals; empty cells where unknown)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(CSV_FIELDS)
    for rank, r in enumerate(rank_rows(rows), start=1):
        w.writerow([rank, r.model, r.model_type, r.method, _fmt(r.score), _fmt(r.low),
                    _fmt(r.high), _fmt(r.pop), _fmt(r.grouped), r.splits, r.source,
                    r.protocol or "", r.revision or "", r.submitted_at or "", r.entry or "",
                    r.dtype or ""])
    return buf.getvalue()


_BASELINE_MD = "| | **uniform baseline** | | | **0.00** | | | | every option equally likely |"


def source_text(r: BoardRow) -> str:
    """``reported in the paper`` or ``submitted``, saying when only one split was scored."""
    if r.splits != "pop+grouped":
        return f"{r.source} ({r.splits} split only)"
    return r.source


def interval_text(r: BoardRow) -> str:
    """``[low, high]``; ``""`` for a published row (the paper gives none); ``"not estimable"`` for
    a submitted row whose interval could not be estimated (docs/statistics.md)."""
    if r.low is None or r.high is None:
        return "" if r.source == PAPER_SOURCE else "not estimable"
    return f"[{fmt_score(r.low)}, {fmt_score(r.high)}]"


def is_baseline(r: BoardRow) -> bool:
    """Whether ``r`` is a submitted uniform run: it *is* the baseline, so the Markdown and HTML
    boards show it once, as the baseline line, not as a row beside that line."""
    return r.method == "uniform" or r.model_type == "baseline"


def to_markdown(rows: Sequence[BoardRow]) -> str:
    """A Markdown table in score order, with the uniform baseline as a separator row (a submitted
    uniform run takes that row's place, with its rank and interval)."""
    out = ["| # | Model | Type | Method | Score | 95% CI | Pop | Grouped | Source |",
           "|---:|---|---|---|---:|---|---:|---:|---|"]
    baseline_done = False
    for rank, r in enumerate(rank_rows(rows), start=1):
        if is_baseline(r):
            if not baseline_done:
                out.append(f"| {rank} | **uniform baseline** | {r.model_type} | {r.method} | "
                           f"**{fmt_score(r.score)}** | {interval_text(r)} | {_fmt(r.pop)} | "
                           f"{_fmt(r.grouped)} | {source_text(r)}: every option equally likely |")
                baseline_done = True
            continue
        if not baseline_done and below_baseline(r.score):
            out.append(_BASELINE_MD)
            baseline_done = True
        ci = interval_text(r)
        name = r.model.replace("|", "\\|")
        method = f"{r.method} ({r.dtype})" if r.dtype else r.method  # shown, never refused
        out.append(f"| {rank} | {name} | {r.model_type} | {method} | {fmt_score(r.score)} | "
                   f"{ci} | {_fmt(r.pop)} | {_fmt(r.grouped)} | {source_text(r)} |")
    if not baseline_done and len(rows) > 1:
        out.append(_BASELINE_MD)
    return "\n".join(out) + "\n"
