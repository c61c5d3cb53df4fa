"""The run folder format's owner: its file names, and the one reader and writer of its files.

A run folder (``docs/run-folder.md``) holds:

- :data:`PREDICTIONS_FILE` (``predictions.jsonl``): one JSON object per item
  (:class:`~simbench.runs.records.PredictionRow`), appended as items finish;
- :data:`RUN_INFO_FILE` (``run.json``): the provenance (:class:`~simbench.runs.records.RunInfo`);
- :data:`SCORES_FILE` (``scores.json``): what ``simbench score`` computes from the predictions;
- while a multi-process run is going, one part file per rank (:meth:`RunFolder.part_path`).

Nothing else in the package spells these names: the scorer, the statistics, the report and the
leaderboard all open folders and prediction files through :class:`RunFolder` and
:func:`read_prediction_lines`.

Writing is crash-safe in the way resuming needs: each prediction line is checked
(:func:`simbench.distributions.check_distribution`, ``policy="strict"``), written and flushed to the
operating system as soon as it arrives (a killed process loses nothing already yielded), the file
is fsynced at most once a second and on close, and a partial last line (a process killed
mid-write) is dropped and rewritten on resume. Whole-file rewrites (resume clean-up, final
ordering) go to a temporary file that replaces the original atomically.

Examples
--------
>>> import tempfile
>>> from simbench.extraction.base import Prediction
>>> folder = RunFolder(tempfile.mkdtemp())
>>> with folder.writer() as w:
...     w.write(Prediction("pop/1", {"A": 0.5, "B": 0.5}, 0.9, "0" * 16))
>>> sorted(folder.read_predictions())
['pop/1']
>>> folder.predictions_path.name == PREDICTIONS_FILE, folder.read_run_info() is None
(True, True)
"""

from __future__ import annotations

import json
import logging
import os
import re
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from types import TracebackType
from typing import IO, TYPE_CHECKING, Any

from pydantic import ValidationError

from ..data.schema import parse_item_id
from ..distributions import check_distribution
from ..errors import DistributionError, RunError, RunFolderError
from .records import PredictionRow, RunInfo

if TYPE_CHECKING:
    from ..extraction.base import Prediction

__all__ = [
    "PREDICTIONS_FILE",
    "RUN_INFO_FILE",
    "SCORES_FILE",
    "PredictionWriter",
    "RunError",
    "RunFolder",
    "RunFolderError",
    "item_order_key",
    "predictions_file",
    "read_prediction_lines",
]

logger = logging.getLogger(__name__)

#: The predictions of a run: one JSON object per line, one line per item.
PREDICTIONS_FILE = "predictions.jsonl"
#: The provenance of a run (:class:`~simbench.runs.records.RunInfo`).
RUN_INFO_FILE = "run.json"
#: The scores of a run, as ``simbench score`` computes them.
SCORES_FILE = "scores.json"
_PART_NAME = "predictions.rank{rank}.jsonl"
_PART = re.compile(r"^predictions\.rank(\d+)\.jsonl$")
_FSYNC_EVERY_S = 1.0


def item_order_key(item_id: str) -> tuple[int, int]:
    """Canonical item order: Pop rows, then Grouped rows, each by row index.

    >>> sorted(["grouped/0", "pop/10", "pop/2"], key=item_order_key)
    ['pop/2', 'pop/10', 'grouped/0']
    """
    split, idx = parse_item_id(item_id)
    return (0 if split == "pop" else 1, idx)


class PredictionWriter:
    """Append prediction lines to a JSON Lines file, flushed per line, fsynced each second.

    Every line goes through :class:`~simbench.runs.records.PredictionRow` and its distribution
    through the strict distribution check, so a file this writer wrote is always readable. Use as
    a context manager; :meth:`close` fsyncs.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._f: IO[bytes] | None = self.path.open("ab")
        self._last_sync = time.monotonic()
        self.count = 0

    def write(self, prediction: Prediction | PredictionRow) -> None:
        """Check one prediction, write its line and flush it to the OS (fsync at most once a second).

        Raises:
            RunFolderError: the writer is closed, or the prediction is not a valid line (the
                message names the item and the field).
        """
        if self._f is None:
            raise RunFolderError(f"{self.path}: writer is closed")
        line = json.dumps(_checked_row(prediction), ensure_ascii=False, allow_nan=False)
        self._f.write(line.encode("utf-8") + b"\n")
        self._f.flush()
        self.count += 1
        if time.monotonic() - self._last_sync >= _FSYNC_EVERY_S:
            self.sync()

    def sync(self) -> None:
        """Force the written lines to disk."""
        if self._f is not None:
            self._f.flush()
            os.fsync(self._f.fileno())
            self._last_sync = time.monotonic()

    def close(self) -> None:
        """Fsync and close (idempotent)."""
        if self._f is not None:
            self.sync()
            self._f.close()
            self._f = None

    def __enter__(self) -> PredictionWriter:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


def _checked_row(prediction: Prediction | PredictionRow) -> dict[str, Any]:
    """The line of ``prediction`` as a JSON object, validated by the record and the strict check."""
    if isinstance(prediction, PredictionRow):
        row = prediction
    else:
        try:
            row = PredictionRow.model_validate(prediction.to_json())
        except ValidationError as e:
            raise RunFolderError(f"prediction of item {prediction.item_id!r} is not a valid line: "
                                 f"{e.errors()[0]['msg']}") from None
    dist = row.distribution
    if isinstance(dist, dict):
        try:
            check_distribution(dist, tuple(dist), policy="strict", where=f"item {row.item_id!r}")
        except DistributionError as e:
            raise RunFolderError(f"refusing to write an invalid prediction: {e}") from None
    return row.model_dump(mode="json", exclude_unset=True)


def _parse_lines(data: bytes) -> tuple[list[tuple[int, Any]], list[tuple[int, str]], int, bool]:
    """Parse JSON Lines: ``([(line, object)], [(line, problem)], n_lines, last unterminated)``.

    Blank lines are skipped; ``problem`` is ``"not valid JSON (...)"``.
    """
    lines = data.split(b"\n")
    unterminated = lines[-1] != b""
    if not unterminated:
        lines.pop()
    parsed: list[tuple[int, Any]] = []
    bad: list[tuple[int, str]] = []
    for n, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        try:
            parsed.append((n, json.loads(raw)))
        except json.JSONDecodeError as e:
            bad.append((n, f"not valid JSON ({e.msg} at column {e.colno})"))
        except UnicodeDecodeError as e:
            bad.append((n, f"not valid JSON (not UTF-8: {e.reason})"))
    return parsed, bad, len(lines), unterminated


def predictions_file(path: str | os.PathLike[str]) -> Path:
    """The predictions file that ``path`` names: a run folder's, or ``path`` itself.

    >>> import tempfile
    >>> predictions_file(tempfile.mkdtemp()).name == PREDICTIONS_FILE
    True
    >>> predictions_file("my_predictions.jsonl").name
    'my_predictions.jsonl'
    """
    path = Path(path)
    return path / PREDICTIONS_FILE if path.is_dir() else path


def read_prediction_lines(
    path: str | os.PathLike[str],
) -> tuple[list[tuple[str, dict[str, Any]]], list[str]]:
    """Every line of a predictions file: ``([(where, object)], problems)``, ``where`` = ``"line N"``.

    ``path`` may be a run folder (its :data:`PREDICTIONS_FILE` is read). Lines that are not JSON
    objects are returned as problems (``"line 3: not valid JSON (...)"``) so that a caller can list
    them with every other problem; nothing is dropped silently. Blank lines are skipped.

    Raises:
        FileNotFoundError: when there is no predictions file.

    >>> import pathlib, tempfile
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "p.jsonl"
    >>> _ = p.write_text('{"item_id": "pop/0"}\\n[1]\\n{oops\\n')
    >>> rows, problems = read_prediction_lines(p)
    >>> rows
    [('line 1', {'item_id': 'pop/0'})]
    >>> problems
    ['line 2: expected a JSON object, got list', 'line 3: not valid JSON (Expecting property name enclosed in double quotes at column 2)']
    """
    file = predictions_file(path)
    if not file.is_file():
        raise FileNotFoundError(f"predictions file not found: {file}")
    parsed, bad, _, _ = _parse_lines(file.read_bytes())
    problems = dict(bad)
    rows: list[tuple[str, dict[str, Any]]] = []
    for n, obj in parsed:
        if isinstance(obj, dict):
            rows.append((f"line {n}", obj))
        else:
            problems[n] = f"expected a JSON object, got {type(obj).__name__}"
    return rows, [f"line {n}: {problems[n]}" for n in sorted(problems)]


def _read_records(path: Path) -> tuple[list[dict[str, Any]], bool]:
    """Parse a predictions file for resuming: the records, and whether a partial last line was dropped.

    A malformed line that is not the last one is corruption, not an interrupted write: it raises.
    A malformed last line, or a parseable but unterminated one, is dropped (its item is
    recomputed).
    """
    parsed, bad, last, truncated = _parse_lines(path.read_bytes())
    for n, problem in bad:
        if n == last:
            truncated = True
            continue
        raise RunFolderError(f"{path}: line {n} is {problem}; the file is damaged beyond an "
                             "interrupted last line: fix or remove it")
    records: list[dict[str, Any]] = []
    for n, obj in parsed:
        if truncated and n == last:
            continue  # parseable but unterminated: rewrite it, the item is recomputed
        if not isinstance(obj, dict) or "item_id" not in obj:
            raise RunFolderError(f"{path}: line {n} has no 'item_id'")
        records.append(obj)
    return records, truncated


def _write_atomic(path: Path, records: Iterable[Mapping[str, Any]]) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    with tmp.open("wb") as f:
        for rec in records:
            f.write(json.dumps(rec, ensure_ascii=False, allow_nan=False).encode("utf-8") + b"\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def _is_ok(record: Mapping[str, Any]) -> bool:
    return record.get("status", "ok") == "ok"


class RunFolder:
    """A run folder: the paths of its files, and reading and writing them.

    Reading comes in two strengths. :meth:`load_run_info` and :meth:`prediction_lines` report
    problems as text (the leaderboard lists every problem of a submission at once);
    :meth:`read_run_info`, :meth:`run_info` and :meth:`read_predictions` raise
    :class:`~simbench.errors.RunFolderError` on the first one.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)

    def __repr__(self) -> str:
        return f"RunFolder({str(self.path)!r})"

    @property
    def predictions_path(self) -> Path:
        """The predictions file (:data:`PREDICTIONS_FILE`)."""
        return self.path / PREDICTIONS_FILE

    @property
    def run_info_path(self) -> Path:
        """The provenance file (:data:`RUN_INFO_FILE`)."""
        return self.path / RUN_INFO_FILE

    @property
    def scores_path(self) -> Path:
        """The scores file (:data:`SCORES_FILE`)."""
        return self.path / SCORES_FILE

    def part_path(self, rank: int) -> Path:
        """The per-rank predictions file of a multi-process run."""
        return self.path / _PART_NAME.format(rank=rank)

    def has_run_info(self) -> bool:
        """Whether the folder holds a provenance file (what makes a folder a run folder)."""
        return self.run_info_path.is_file()

    def create(self) -> None:
        """Create the folder (and parents); refuse a path that is a file."""
        if self.path.exists() and not self.path.is_dir():
            raise RunFolderError(f"{self.path} exists and is not a folder")
        self.path.mkdir(parents=True, exist_ok=True)

    def writer(self, rank: int | None = None) -> PredictionWriter:
        """A writer appending to the predictions file (or to rank ``rank``'s part file)."""
        self.create()
        return PredictionWriter(self.predictions_path if rank is None else self.part_path(rank))

    # -- provenance ------------------------------------------------------------------------
    def load_run_info(self) -> tuple[dict[str, Any] | None, str | None]:
        """The provenance as a plain JSON object, without raising.

        Returns:
            ``(object, None)``; ``(None, None)`` when the file does not exist; ``(None, problem)``
            when it cannot be used (``"not valid JSON (...)"``, ``"expected a JSON object"``).
        """
        try:
            text = self.run_info_path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None, None
        except UnicodeDecodeError as e:
            return None, f"not valid JSON (not UTF-8: {e.reason})"
        try:
            info = json.loads(text)
        except ValueError as e:
            return None, f"not valid JSON ({e})"
        if not isinstance(info, dict):
            return None, f"expected a JSON object, got {type(info).__name__}"
        return info, None

    def read_run_info(self) -> dict[str, Any] | None:
        """The provenance as a plain JSON object, or ``None`` when there is none yet.

        Raises:
            RunFolderError: the file is not a JSON object.
        """
        info, problem = self.load_run_info()
        if problem:
            raise RunFolderError(f"{self.run_info_path}: {problem}")
        return info

    def run_info(self) -> RunInfo | None:
        """The provenance as a validated :class:`~simbench.runs.records.RunInfo` (``None``: none yet).

        Raises:
            RunFolderError: the file is unreadable or does not match the record, listing every
                field that does not.
        """
        info = self.read_run_info()
        if info is None:
            return None
        try:
            return RunInfo.model_validate(info)
        except ValidationError as e:
            fields = "; ".join(f"field {'.'.join(map(str, err['loc']))!r}: {err['msg']}"
                               for err in e.errors())
            raise RunFolderError(f"{self.run_info_path}: {fields}") from None

    def write_run_info(self, info: RunInfo | Mapping[str, Any]) -> RunInfo:
        """Validate ``info`` as a :class:`~simbench.runs.records.RunInfo` and write it atomically.

        Returns:
            The record written.

        Raises:
            RunFolderError: ``info`` does not match the record (naming every field).
        """
        if not isinstance(info, RunInfo):
            try:
                info = RunInfo.model_validate(info)
            except ValidationError as e:
                fields = "; ".join(f"field {'.'.join(map(str, err['loc']))!r}: {err['msg']}"
                                   for err in e.errors())
                raise RunFolderError(f"refusing to write an invalid {RUN_INFO_FILE}: "
                                     f"{fields}") from None
        self._write_json(self.run_info_path, info.to_json())
        return info

    def write_scores(self, scores: Mapping[str, Any]) -> None:
        """Write the scores file atomically."""
        self._write_json(self.scores_path, scores)

    def _write_json(self, path: Path, obj: Mapping[str, Any]) -> None:
        self.create()
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_text(json.dumps(obj, indent=2, ensure_ascii=False, allow_nan=False) + "\n",
                       encoding="utf-8")
        os.replace(tmp, path)

    # -- predictions -----------------------------------------------------------------------
    def prediction_lines(self) -> tuple[list[tuple[str, dict[str, Any]]], list[str]]:
        """Every line of the predictions file, problems as text (:func:`read_prediction_lines`).

        Raises:
            FileNotFoundError: when the folder has no predictions file.
        """
        return read_prediction_lines(self.predictions_path)

    def read_predictions(self) -> dict[str, dict[str, Any]]:
        """The records of the predictions file by item id (tolerates a partial last line).

        Raises:
            RunFolderError: on a damaged line other than the last, or a duplicate item id.
        """
        if not self.predictions_path.is_file():
            return {}
        records, _ = _read_records(self.predictions_path)
        out: dict[str, dict[str, Any]] = {}
        for rec in records:
            if rec["item_id"] in out:
                raise RunFolderError(f"{self.predictions_path}: item {rec['item_id']} appears twice")
            out[rec["item_id"]] = rec
        return out

    def part_files(self) -> list[Path]:
        """Per-rank part files left in the folder, by rank."""
        if not self.path.is_dir():
            return []
        parts = [(int(m.group(1)), p) for p in self.path.iterdir() if (m := _PART.match(p.name))]
        return [p for _, p in sorted(parts)]

    def consolidate(self, *, retry: Iterable[str] = (), ordered: bool = False
                    ) -> dict[str, dict[str, Any]]:
        """Bring the predictions file into a clean state and return its records by item id.

        Merges per-rank part files (then deletes them), drops a partial last line, keeps one record
        per item (an ``ok`` record wins over a ``failed`` one; among equals the first), and drops the
        ``failed`` records of the items in ``retry`` (they are about to be recomputed). The file is
        rewritten atomically only when something changed, or when ``ordered`` asks for canonical item
        order (:func:`item_order_key`).
        """
        records: list[dict[str, Any]] = []
        changed = False
        if self.predictions_path.is_file():
            records, changed = _read_records(self.predictions_path)
        parts = self.part_files()
        for part in parts:
            recs, _ = _read_records(part)
            records.extend(recs)
            changed = True
        retry_set = set(retry)
        kept: dict[str, dict[str, Any]] = {}
        for rec in records:
            iid = rec["item_id"]
            if not _is_ok(rec) and iid in retry_set:
                changed = True
                continue
            old = kept.get(iid)
            if old is None:
                kept[iid] = rec
                continue
            changed = True
            if not _is_ok(old) and _is_ok(rec):
                kept[iid] = rec
        if ordered:
            kept = dict(sorted(kept.items(), key=lambda kv: item_order_key(kv[0])))
        if changed or ordered:
            self.create()
            _write_atomic(self.predictions_path, kept.values())
            logger.info("rewrote %s with %d records", self.predictions_path, len(kept))
        for part in parts:
            part.unlink()
        return kept
