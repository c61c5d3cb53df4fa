"""The run folder on disk: ``predictions.jsonl`` streaming, resume bookkeeping, ``run.json``.

The format is specified in ``docs/run-folder.md``. Writing is crash-safe in the way resuming needs:
each prediction line is written and flushed to the operating system as soon as it arrives (a killed
process loses nothing already yielded), the file is fsynced at most once a second and on close, and a
partial last line (a process killed mid-write) is dropped and rewritten on resume. Whole-file
rewrites (resume clean-up, final ordering) go to a temporary file that replaces the original
atomically.

Examples
--------
>>> import tempfile
>>> from simbench.extraction.base import Prediction
>>> folder = RunFolder(tempfile.mkdtemp())
>>> with folder.writer() as w:
...     w.write(Prediction("pop/1", {"A": 0.5, "B": 0.5}, 0.9, "0" * 16))
>>> sorted(folder.read_predictions())
['pop/1']
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
from typing import IO, Any

from ..data.schema import parse_item_id
from ..errors import RunError, RunFolderError
from ..extraction.base import Prediction

__all__ = [
    "PREDICTIONS",
    "RUN_INFO",
    "SCORES",
    "PredictionWriter",
    "RunError",
    "RunFolder",
    "RunFolderError",
    "item_order_key",
]

logger = logging.getLogger(__name__)

PREDICTIONS = "predictions.jsonl"
RUN_INFO = "run.json"
SCORES = "scores.json"
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
    """Append :class:`Prediction` lines to a JSON Lines file, flushed per line, fsynced each second.

    Use as a context manager; :meth:`close` fsyncs.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._f: IO[bytes] | None = self.path.open("ab")
        self._last_sync = time.monotonic()
        self.count = 0

    def write(self, prediction: Prediction) -> None:
        """Write one line and flush it to the OS (fsync at most once per second)."""
        if self._f is None:
            raise RunFolderError(f"{self.path}: writer is closed")
        line = json.dumps(prediction.to_json(), ensure_ascii=False, allow_nan=False)
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


def _read_lines(path: Path) -> tuple[list[dict[str, Any]], bool]:
    """Parse a predictions file; return the records and whether a partial last line was dropped.

    A malformed line that is not the last one is corruption, not an interrupted write: it raises.
    """
    data = path.read_bytes()
    lines = data.split(b"\n")
    truncated = False
    if lines and lines[-1] == b"":
        lines.pop()
    elif lines:  # no trailing newline: the last line was being written when the process died
        truncated = True
    records: list[dict[str, Any]] = []
    for n, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        try:
            obj = json.loads(raw)
        except ValueError as e:
            if n == len(lines):
                truncated = True
                continue
            raise RunFolderError(f"{path}: line {n} is not valid JSON ({e}); the file is damaged "
                                 "beyond an interrupted last line: fix or remove it") from None
        if truncated and n == len(lines):
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


class RunFolder:
    """A run folder (``predictions.jsonl``, per-rank parts, ``run.json``, ``scores.json``)."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)

    @property
    def predictions_path(self) -> Path:
        return self.path / PREDICTIONS

    @property
    def run_info_path(self) -> Path:
        return self.path / RUN_INFO

    @property
    def scores_path(self) -> Path:
        return self.path / SCORES

    def part_path(self, rank: int) -> Path:
        """The per-rank predictions file of a multi-process run."""
        return self.path / f"predictions.rank{rank}.jsonl"

    def create(self) -> None:
        """Create the folder (and parents); refuse a path that is a file."""
        if self.path.exists() and not self.path.is_dir():
            raise RunFolderError(f"--out {self.path} exists and is not a folder")
        self.path.mkdir(parents=True, exist_ok=True)

    def writer(self, rank: int | None = None) -> PredictionWriter:
        """A writer appending to ``predictions.jsonl`` (or to rank ``rank``'s part file)."""
        self.create()
        return PredictionWriter(self.predictions_path if rank is None else self.part_path(rank))

    def read_run_info(self) -> dict[str, Any] | None:
        """``run.json`` as a dict, or ``None`` when there is none yet."""
        if not self.run_info_path.is_file():
            return None
        try:
            info = json.loads(self.run_info_path.read_text(encoding="utf-8"))
        except ValueError as e:
            raise RunFolderError(f"{self.run_info_path} is not valid JSON ({e})") from None
        if not isinstance(info, dict):
            raise RunFolderError(f"{self.run_info_path}: expected a JSON object")
        return info

    def write_run_info(self, info: Mapping[str, Any]) -> None:
        """Write ``run.json`` atomically."""
        self._write_json(self.run_info_path, info)

    def write_scores(self, scores: Mapping[str, Any]) -> None:
        """Write ``scores.json`` atomically."""
        self._write_json(self.scores_path, scores)

    def _write_json(self, path: Path, obj: Mapping[str, Any]) -> None:
        self.create()
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_text(json.dumps(obj, indent=2, ensure_ascii=False, allow_nan=False) + "\n",
                       encoding="utf-8")
        os.replace(tmp, path)

    def read_predictions(self) -> dict[str, dict[str, Any]]:
        """The records of ``predictions.jsonl`` by item id (read-only; tolerates a partial last line).

        Raises:
            RunFolderError: on a damaged line other than the last, or a duplicate item id.
        """
        if not self.predictions_path.is_file():
            return {}
        records, _ = _read_lines(self.predictions_path)
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

    def consolidate(self, *, retry: Iterable[str] = (), ordered: bool = False) -> dict[str, dict[str, Any]]:
        """Bring ``predictions.jsonl`` into a clean state and return its records by item id.

        Merges per-rank part files (then deletes them), drops a partial last line, keeps one record
        per item (an ``ok`` record wins over a ``failed`` one; among equals the first), and drops the
        ``failed`` records of the items in ``retry`` (they are about to be recomputed). The file is
        rewritten atomically only when something changed, or when ``ordered`` asks for canonical item
        order (:func:`item_order_key`).
        """
        records: list[dict[str, Any]] = []
        changed = False
        if self.predictions_path.is_file():
            records, changed = _read_lines(self.predictions_path)
        parts = self.part_files()
        for part in parts:
            recs, _ = _read_lines(part)
            records.extend(recs)
            changed = True
        retry_set = set(retry)
        kept: dict[str, dict[str, Any]] = {}
        for rec in records:
            iid = rec["item_id"]
            if rec.get("status", "ok") != "ok" and iid in retry_set:
                changed = True
                continue
            old = kept.get(iid)
            if old is None:
                kept[iid] = rec
                continue
            changed = True
            if old.get("status", "ok") != "ok" and rec.get("status", "ok") == "ok":
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
