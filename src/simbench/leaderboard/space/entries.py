"""The rows of the Space: the 45 published results and every submission, validated and re-scored.

Each submission under the submissions folder goes through the same functions as
``simbench leaderboard build`` (:func:`~simbench.leaderboard.read_submission`,
:func:`~simbench.leaderboard.validate_submission`, :func:`~simbench.leaderboard.recompute_results`);
the only difference is what happens to an invalid one: the build stops, the Space leaves it off the
board and lists its problems. Re-scoring is cached per file (path, size and modification time), so a
reload scores only new or changed entries.

Examples
--------
>>> entries = published_entries()
>>> len(entries), entries[0].row.model, entries[0].source
(45, 'Claude-3.7-Sonnet', 'published')
>>> [e.row.model for e in filter_entries(entries, query="qwen2.5-7b")]
['Qwen2.5-7B', 'Qwen2.5-7B-Instruct']
>>> len(filter_entries(entries, method="token_probs")), len(filter_entries(entries, source="submitted"))
(18, 0)
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from ...data import Item
from ...errors import SubmissionError
from .. import (
    BoardRow,
    published_rows,
    rank_rows,
    read_submission,
    recompute_results,
    validate_submission,
)
from .scaling import ModelSize, lookup_size, model_family

__all__ = [
    "COVERAGE_CHOICES",
    "SOURCE_CHOICES",
    "BoardEntry",
    "Rejected",
    "ScoreCache",
    "SubmissionScan",
    "filter_entries",
    "find_entries",
    "published_entries",
    "rank_entries",
    "scan_submissions",
    "score_entry",
]

logger = logging.getLogger(__name__)

Source = Literal["published", "submitted"]
#: Split coverage filter values and the ``BoardRow.splits`` they match.
COVERAGE_CHOICES: Mapping[str, str] = {"both splits": "pop+grouped", "Pop only": "pop",
                                       "Grouped only": "grouped"}
SOURCE_CHOICES = ("published", "submitted")


@dataclass(frozen=True)
class BoardEntry:
    """One row of the Space with what its panels need.

    Attributes:
        row: the leaderboard row (the same record ``simbench leaderboard build`` writes).
        source: ``"published"`` (the paper) or ``"submitted"``.
        results: the recomputed results of a submission (``recompute_results``), else ``None``.
        run: the submission's run record as JSON, else ``None``.
        path: the submission file or run folder, else ``None``.
        entry: the path relative to the submissions folder (a stable key), else ``None``.
        family: the model family (``simbench.leaderboard.space.scaling.model_family``).
        size: the parameter count, when known.
    """

    row: BoardRow
    source: Source
    results: dict[str, Any] | None = None
    run: dict[str, Any] | None = None
    path: Path | None = None
    entry: str | None = None
    family: str = "others"
    size: ModelSize | None = None

    @property
    def key(self) -> str:
        """A unique, readable key: the model name, with the entry for submissions."""
        return self.row.model if self.entry is None else f"{self.row.model} [{self.entry}]"

    @property
    def dtype(self) -> str:
        """The dtype of the weights recorded by the run (``""`` when unknown)."""
        model = (self.run or {}).get("model") or {}
        return str(model.get("dtype") or "")

    @property
    def date(self) -> str:
        """The day the run finished (``YYYY-MM-DD``; ``""`` for published rows)."""
        return (self.row.submitted_at or "")[:10]


@dataclass(frozen=True)
class Rejected:
    """A submission left off the board, with every problem found (each naming item or field)."""

    entry: str
    problems: tuple[str, ...]


@dataclass(frozen=True)
class SubmissionScan:
    """The result of reading a submissions folder."""

    entries: tuple[BoardEntry, ...]
    rejected: tuple[Rejected, ...]


@dataclass
class ScoreCache:
    """Re-scored entries by ``(path, size, mtime)``: a reload scores only new or changed files."""

    done: dict[tuple[str, ...], BoardEntry | Rejected] = field(default_factory=dict)

    @staticmethod
    def stamp(path: Path) -> tuple[str, ...]:
        files = [path] if path.is_file() else sorted(p for p in path.iterdir() if p.is_file())
        return (str(path), *(f"{p.name}:{p.stat().st_size}:{p.stat().st_mtime_ns}" for p in files))


def published_entries() -> list[BoardEntry]:
    """The 45 published results as entries (family and parameter count from the package table)."""
    return [BoardEntry(r, "published", family=model_family(r.model), size=lookup_size(r.model))
            for r in published_rows()]


def find_entries(folder: str | os.PathLike[str]) -> list[Path]:
    """Submissions under ``folder`` (its ``submissions/`` folder when there is one): run folders
    and bundled ``.json`` files, as ``simbench leaderboard build`` reads them."""
    from .. import find_submissions

    return find_submissions(folder)


def _model_type(run_type: str | None, prompt_mode: str | None) -> str:
    # The same mapping as the board of ``simbench leaderboard build``.
    if run_type == "baseline":
        return "baseline"
    if run_type == "chat" or (run_type is None and prompt_mode == "chat"):
        return "instruct"
    if run_type == "base" or (run_type is None and prompt_mode == "base"):
        return "base"
    return "unknown"


def score_entry(path: Path, rel: str, all_items: Sequence[Item], *, n_resamples: int = 1000,
                seed: int = 0) -> BoardEntry:
    """Validate and re-score one submission into an entry.

    Raises:
        SubmissionError: listing every problem of the submission.
    """
    sub = validate_submission(read_submission(path), all_items)
    res = recompute_results(sub, all_items, n_resamples=n_resamples, seed=seed)
    run = sub.run
    splits = res["splits"]
    row = BoardRow(
        model=run.model.label, model_type=_model_type(run.model.type, run.prompt_mode),
        method=run.method_label, score=res["simbench_score"], low=res["low"], high=res["high"],
        pop=splits["pop"]["score"] if "pop" in splits else None,
        grouped=splits["grouped"]["score"] if "grouped" in splits else None,
        protocol=run.protocol, revision=run.model.revision or run.model.content_hash,
        submitted_at=run.finished_at or run.created_at, entry=rel, splits="+".join(sub.splits),
        dtype=run.model.dtype)
    info = run.model_dump(mode="json")
    return BoardEntry(row, "submitted", results=res, run=info, path=path, entry=rel,
                      family=model_family(run.model.id), size=lookup_size(run.model.id, info))


def scan_submissions(folder: str | os.PathLike[str], all_items: Sequence[Item], *,
                     n_resamples: int = 1000, seed: int = 0,
                     cache: ScoreCache | None = None) -> SubmissionScan:
    """Validate and re-score every submission under ``folder``; invalid ones are rejected (kept
    with their problems), never silently dropped."""
    root = Path(folder)
    if (root / "submissions").is_dir():
        root = root / "submissions"
    cache = cache if cache is not None else ScoreCache()
    entries: list[BoardEntry] = []
    rejected: list[Rejected] = []
    for path in find_entries(root):
        rel = path.relative_to(root).as_posix()
        stamp = cache.stamp(path)
        done = cache.done.get(stamp)
        if done is None:
            try:
                done = score_entry(path, rel, all_items, n_resamples=n_resamples, seed=seed)
            except SubmissionError as e:
                done = Rejected(rel, tuple(e.problems))
                logger.warning("submission %s rejected: %d problems", rel, len(e.problems))
            cache.done[stamp] = done
        (entries if isinstance(done, BoardEntry) else rejected).append(done)  # type: ignore[arg-type]
    logger.info("%d submissions accepted, %d rejected, from %s", len(entries), len(rejected), root)
    return SubmissionScan(tuple(entries), tuple(rejected))


def rank_entries(entries: Sequence[BoardEntry]) -> list[BoardEntry]:
    """Entries in the board's order (``rank_rows``: score, published first on ties, name)."""
    order = {id(r): i for i, r in enumerate(rank_rows([e.row for e in entries]))}
    return sorted(entries, key=lambda e: order[id(e.row)])


def filter_entries(entries: Sequence[BoardEntry], *, method: str = "all", coverage: str = "all",
                   source: str = "all", query: str = "") -> list[BoardEntry]:
    """The entries that pass every filter, in the given order.

    Args:
        method: ``"all"`` or a method (``token_probs``, ``verbalized``, ``sampling``,
            ``uniform``): a row's method label begins with it (``token_probs + permutations
            cyclic`` is a ``token_probs`` row).
        coverage: ``"all"`` or a key of :data:`COVERAGE_CHOICES`.
        source: ``"all"``, ``"published"`` or ``"submitted"``.
        query: case-insensitive substring of the model name (blank: everything).
    """
    q = query.strip().lower()
    splits = COVERAGE_CHOICES.get(coverage)
    return [e for e in entries
            if (method == "all" or e.row.method.split(" ", 1)[0] == method)
            and (splits is None or e.row.splits == splits)
            and (source == "all" or e.source == source)
            and (not q or q in e.row.model.lower())]
