"""Read a submission (run folder or bundled file) and validate it strictly, listing every problem.

Checks, each problem naming the item id or the field:

1. the provenance against :class:`simbench.runs.RunInfo` (unknown fields refused; provenance
   present: model id and revision or content hash, method, protocol, package version, data hash
   and splits; a finished run), see :func:`provenance_problems`;
2. every prediction row against :class:`simbench.runs.PredictionRow`;
3. every distribution against its item (the metric's own validation,
   :func:`simbench.metric.validate_predictions` with the strict distribution policy of
   :mod:`simbench.distributions`: unknown or duplicate ids, labels, negative/NaN values, a sum
   more than 1e-6 from 1);
4. coverage: every item of each submitted split present exactly once, and no item of another split.

A run folder is read through :class:`simbench.runs.RunFolder`; its scores file is never read.

Examples
--------
A run of the uniform baseline on three made-up Pop items (``items`` stands for the full
benchmark here):

>>> import tempfile
>>> from pathlib import Path
>>> from simbench.data.schema import Item
>>> from simbench.extraction.baselines import UniformBackend
>>> from simbench.runs import RunSettings, execute_run
>>> def item(i, human):
...     return Item(f"pop/{i}", "pop", i, "Jester", "jester", "You like jokes.", "Rate it.",
...                 ("A", "B"), ("Funny", "Not funny"), human, tuple(100 * p for p in human), 10)
>>> items = [item(0, (0.25, 0.75)), item(1, (0.5, 0.5)), item(2, (0.9, 0.1))]
>>> run = Path(tempfile.mkdtemp()) / "uniform"
>>> settings = RunSettings(data_source="made-up", data_sha256="0" * 64, splits=("pop",))
>>> _ = execute_run(UniformBackend(), items, run, settings=settings, progress=False)
>>> sub = validate_submission(read_submission(run), items)
>>> sub.splits, sub.matrix.shape, [r.item_id for r in sub.rows]
(('pop',), (3, 15), ['pop/0', 'pop/1', 'pop/2'])
>>> validate_submission(read_submission(run), items + [item(3, (0.3, 0.7))])
Traceback (most recent call last):
...
simbench.errors.SubmissionError: submission .../uniform rejected: submissions need every item of a split: 1 of the 4 items of pop have no prediction (a sample run?); complete the run (it resumes, computing only the missing items): simbench run --model uniform --split pop --out .../uniform
1 problem:
  - item 'pop/3': missing (every item of a submitted split must be predicted exactly once)
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import ValidationError

from ..data.schema import Item
from ..errors import SubmissionError
from ..runs import PREDICTIONS_FILE, RUN_INFO_FILE, PredictionRow, RunFolder, RunInfo
from .bundle import Submission

__all__ = [
    "RawSubmission",
    "SubmissionError",
    "ValidatedSubmission",
    "provenance_problems",
    "read_submission",
    "validate_submission",
]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RawSubmission:
    """A submission as read from disk, before validation.

    Attributes:
        origin: the path it was read from.
        run: the parsed provenance object (``None`` when unreadable).
        rows: ``(where, row)`` pairs, ``where`` naming the line or position of each row.
        problems: problems found while reading (unreadable JSON, missing files).
    """

    origin: str
    run: Any
    rows: tuple[tuple[str, Any], ...]
    problems: tuple[str, ...]


@dataclass(frozen=True)
class ValidatedSubmission:
    """A submission that passed every check.

    Attributes:
        run: the validated provenance.
        rows: the prediction rows in item order.
        items: the full items of the submitted splits, in release order.
        matrix: ``(n, 15)`` predicted distributions aligned with ``items`` (failed rows uniform).
        failed: ``(n,)`` bool, True where the row had ``status: failed``.
    """

    run: RunInfo
    rows: tuple[PredictionRow, ...]
    items: tuple[Item, ...]
    matrix: np.ndarray
    failed: np.ndarray

    @property
    def splits(self) -> tuple[str, ...]:
        """The submitted splits in canonical order."""
        return tuple(s for s in ("pop", "grouped") if s in self.run.data.splits)


def read_submission(path: str | os.PathLike[str]) -> RawSubmission:
    """Read a run folder (provenance and predictions) or a bundled submission file.

    The folder's scores file is never read: scores are always recomputed.

    Raises:
        FileNotFoundError: when ``path`` does not exist.
    """
    path = Path(path)
    if path.is_dir():
        return _read_folder(path)
    if path.is_file():
        return _read_bundle(path)
    raise FileNotFoundError(f"no submission at {path}: expected a run folder or a submission .json")


def _load_json(path: Path, problems: list[str]) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        problems.append(f"{path.name}: file missing")
    except (ValueError, UnicodeDecodeError) as e:
        problems.append(f"{path.name}: not valid JSON ({e})")
    return None


def _read_folder(path: Path) -> RawSubmission:
    folder = RunFolder(path)
    problems: list[str] = []
    run, problem = folder.load_run_info()
    if problem:
        problems.append(f"{RUN_INFO_FILE}: {problem}")
    elif run is None:
        problems.append(f"{RUN_INFO_FILE}: file missing")
    rows: list[tuple[str, Any]] = []
    try:
        lines, bad = folder.prediction_lines()
    except FileNotFoundError:
        problems.append(f"{PREDICTIONS_FILE}: file missing")
    else:
        rows = [(f"{PREDICTIONS_FILE} {where}", row) for where, row in lines]
        problems.extend(f"{PREDICTIONS_FILE} {p}" for p in bad)
    return RawSubmission(str(path), run, tuple(rows), tuple(problems))


def _read_bundle(path: Path) -> RawSubmission:
    problems: list[str] = []
    data = _load_json(path, problems)
    if data is None:
        return RawSubmission(str(path), None, (), tuple(problems))
    try:
        bundle = Submission.model_validate(data)
    except ValidationError as e:
        problems.extend(_pydantic_problems(e, path.name))
        return RawSubmission(str(path), None, (), tuple(problems))
    rows = tuple((f"predictions[{i}]", row) for i, row in enumerate(bundle.predictions))
    return RawSubmission(str(path), bundle.run, rows, tuple(problems))


def _pydantic_problems(e: ValidationError, prefix: str) -> list[str]:
    out = []
    for err in e.errors():
        loc = ".".join(str(p) for p in err["loc"])
        field = f"field {loc!r}" if loc else "provenance"
        detail = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            detail = "unknown field (not part of the submission schema)"
        out.append(f"{prefix}: {field}: {detail}")
    return out


def validate_submission(raw: RawSubmission, items: Sequence[Item]) -> ValidatedSubmission:
    """Validate a read submission against the benchmark items.

    Args:
        raw: what :func:`read_submission` returned.
        items: the benchmark items of (at least) the submitted splits, normally both full splits.

    Raises:
        SubmissionError: listing every problem, each naming the item id or the field.
    """
    from ..metric import PredictionError, validate_predictions

    problems = list(raw.problems)
    run = _validate_run(raw.run, problems)
    good, models, ids = _validate_rows(raw.rows, problems)
    splits: set[str] = (set(run.data.splits) if run is not None
                        else {i.partition("/")[0] for i in ids})
    wanted = [it for it in items if it.split in splits]
    validated = None
    try:
        validated = validate_predictions(good, list(items), policy="strict")
    except PredictionError as e:
        problems.extend(e.problems)
    problems.extend(_coverage_problems(ids, wanted, splits, {it.split for it in items}))
    if problems or run is None or validated is None:
        raise SubmissionError(problems or [f"{RUN_INFO_FILE}: missing"], raw.origin,
                              summary=_incomplete_summary(ids, wanted, raw))
    by_id = {m.item_id: m for m in models}
    return ValidatedSubmission(
        run=run,
        rows=tuple(by_id[it.item_id] for it in validated.items),
        items=validated.items,
        matrix=validated.matrix,
        failed=validated.failed,
    )


def provenance_problems(run: Any) -> list[str]:
    """What a submission needs beyond the record's types: a finished run, and for model runs a
    protocol and pinned weights (the uniform baseline, ``backend: "uniform"``, needs neither).

    Each problem starts with the provenance file's name (:data:`simbench.runs.RUN_INFO_FILE`).

    >>> for p in provenance_problems({"method": "token_probs", "model": {"id": "m"}}):
    ...     print(p.partition(": ")[2])
    field 'protocol': null (expected 'default' or 'release')
    field 'model.revision': null and there is no model.content_hash: ...
    >>> [p.partition(": ")[2] for p in provenance_problems({"method": "uniform",
    ...                                                     "status": "running"})]
    ["field 'status': 'running' (the run has not finished: complete it, then submit)"]
    """
    if not isinstance(run, dict):
        return []
    out = []
    if run.get("status") == "running":
        out.append(f"{RUN_INFO_FILE}: field 'status': 'running' (the run has not finished: "
                   "complete it, then submit)")
    if run.get("backend") == "uniform" or run.get("method") == "uniform":  # (older runs: method)
        return out
    if run.get("protocol") is None:
        out.append(f"{RUN_INFO_FILE}: field 'protocol': null (expected 'default' or 'release')")
    model = run.get("model")
    if isinstance(model, dict) and not model.get("revision") and not model.get("content_hash"):
        out.append(f"{RUN_INFO_FILE}: field 'model.revision': null and there is no "
                   "model.content_hash: the weights cannot be identified")
    return out


def _validate_run(run: Any, problems: list[str]) -> RunInfo | None:
    if run is None:
        if not problems:
            problems.append(f"{RUN_INFO_FILE}: missing")
        return None
    found = provenance_problems(run)
    try:
        info = RunInfo.model_validate(run)
    except ValidationError as e:
        found = _pydantic_problems(e, RUN_INFO_FILE) + found
        info = None
    problems.extend(found)
    return None if found else info


def _validate_rows(
    rows: Sequence[tuple[str, Any]], problems: list[str]
) -> tuple[list[tuple[str, dict[str, Any]]], list[PredictionRow], list[str]]:
    """Schema-check each row; return the rows that pass (raw and parsed) and all ids seen."""
    good: list[tuple[str, dict[str, Any]]] = []
    models: list[PredictionRow] = []
    ids: list[str] = []
    for where, row in rows:
        item_id = row.get("item_id") if isinstance(row, dict) else None
        if isinstance(item_id, str):
            ids.append(item_id)
        here = f"{where} (item {item_id!r})" if isinstance(item_id, str) else where
        try:
            models.append(PredictionRow.model_validate(row))
        except ValidationError as e:
            problems.extend(_pydantic_problems(e, here))
            continue
        good.append((where, row))
    return good, models, ids


def _incomplete_summary(ids: Sequence[str], wanted: Sequence[Item], raw: RawSubmission) -> str | None:
    """One line for a submission that lacks items (a sample run): the rule and the command that
    completes the run; ``None`` when no item is missing.

    >>> raw = RawSubmission("runs/smol", {"model": {"id": "smollm2"}, "method": "token_probs",
    ...                     "data": {"splits": ["pop", "grouped"]}}, (), ())
    >>> _incomplete_summary([], [], raw) is None
    True
    """
    present = set(ids)
    missing = sum(1 for it in wanted if it.item_id not in present)
    if not missing:
        return None
    splits = sorted({it.split for it in wanted}, key=("pop", "grouped").index)
    return (f"submissions need every item of a split: {missing:,} of the {len(wanted):,} items of "
            f"{' and '.join(splits)} have no prediction (a sample run?); complete the run (it "
            f"resumes, computing only the missing items): {_full_run_command(raw.run, raw.origin)}")


def _full_run_command(run: Any, origin: str) -> str:
    """The ``simbench run`` command that completes a run recorded by ``run`` (its provenance).

    >>> _full_run_command({"model": {"id": "smollm2"}, "method": "token_probs",
    ...                   "backend": "transformers", "protocol": "default", "prompt_mode": "auto",
    ...                   "data": {"splits": ["pop", "grouped"]}}, "smol.json")
    'simbench run --model smollm2 --out runs/smollm2'
    >>> _full_run_command({"model": {"id": "m"}, "method": "verbalized", "backend": "openai",
    ...                   "data": {"splits": ["pop"]}}, "sub.json")
    'simbench run --model m --method verbalized --backend openai --base-url URL --split pop --out runs/m'
    >>> _full_run_command({"model": {"id": "uniform"}, "backend": "uniform", "prompt_mode": "base",
    ...                    "data": {"splits": ["pop", "grouped"]}}, "sub.json")
    'simbench run --model uniform --out runs/uniform'
    >>> _full_run_command({"model": {"id": "m", "adapter": {"id": "me/lora"}},
    ...                    "calibration": {"cross_fit": "study", "source": {"path": "runs/m"}},
    ...                    "data": {"splits": ["pop"]}}, "runs/m-T")
    'simbench run --model m --adapter me/lora --split pop --out runs/m, then simbench calibrate runs/m --cross-fit study --out runs/m-T-full'
    """
    run = run if isinstance(run, dict) else {}
    model = run.get("model") if isinstance(run.get("model"), dict) else {}
    name = str(model.get("id") or "MODEL")
    parts = ["simbench", "run", "--model", name]
    if isinstance(model.get("adapter"), dict):
        parts += ["--adapter", str(model["adapter"].get("id"))]
    options = (("--method", "method", "token_probs"), ("--backend", "backend", "transformers"),
               ("--protocol", "protocol", "default"), ("--prompt-mode", "prompt_mode", "auto"))
    for flag, key, default in options if run.get("backend") != "uniform" else ():
        value = run.get(key)
        if value and value != default:
            parts += [flag, str(value)]
    if run.get("backend") == "openai":
        parts += ["--base-url", "URL"]
    parts += _method_flags(run)
    splits = (run.get("data") or {}).get("splits") if isinstance(run.get("data"), dict) else None
    if isinstance(splits, list) and len(splits) == 1:
        parts += ["--split", str(splits[0])]
    out = origin if Path(origin).is_dir() else f"runs/{name.replace('/', '--')}"
    cal = run.get("calibration")
    if isinstance(cal, dict) and isinstance(cal.get("source"), dict):
        # a calibrated run: complete its source run, then calibrate that into a new folder
        source = str(cal["source"].get("path"))
        how = (f"--cross-fit {cal['cross_fit']}" if cal.get("cross_fit")
               else "--fit " + " ".join(cal.get("fit") or ["PART"]))
        return (" ".join(parts + ["--out", source])
                + f", then simbench calibrate {source} {how} --out {origin}-full")
    return " ".join(parts + ["--out", out])


def _method_flags(run: dict[str, Any]) -> list[str]:
    """The ``--permutations``, ``--samples``, ``--temperature`` and ``--seed`` flags that a run's
    provenance records (``docs/methods.md``), so that completing it is the same run.

    >>> _method_flags({"method": "sampling", "seed": 3, "permutations": {"scheme": "cyclic"},
    ...                "generation": {"samples": 30, "temperature": 0.7}})
    ['--permutations', 'cyclic', '--samples', '30', '--temperature', '0.7', '--seed', '3']
    >>> _method_flags({"method": "token_probs", "seed": 0,
    ...                "permutations": {"scheme": "random", "n": 6, "seed": 0}})
    ['--permutations', 'random:6']
    """
    flags: list[str] = []
    perm = run.get("permutations")
    if isinstance(perm, dict):
        flags += ["--permutations",
                  f"random:{perm.get('n')}" if perm.get("scheme") == "random" else "cyclic"]
    found = run.get("generation")
    generation: dict[str, Any] = found if isinstance(found, dict) else {}
    if run.get("method") == "sampling":
        flags += ["--samples", str(generation.get("samples", 30))]
        if generation.get("temperature", 1.0) != 1.0:
            flags += ["--temperature", f"{generation['temperature']:g}"]
    seeded = run.get("method") in ("sampling", "verbalized") or \
        (isinstance(perm, dict) and perm.get("scheme") == "random")
    if seeded and run.get("seed"):
        flags += ["--seed", str(run["seed"])]
    return flags


def _coverage_problems(ids: Sequence[str], wanted: Sequence[Item], splits: set[str],
                       known_splits: set[str]) -> list[str]:
    """Every item of each submitted split present; nothing from a split that was not submitted."""
    present = set(ids)
    out = []
    for it in wanted:
        if it.item_id not in present:
            out.append(f"item {it.item_id!r}: missing (every item of a submitted split must be "
                       "predicted exactly once)")
    for item_id in dict.fromkeys(ids):
        split = item_id.partition("/")[0]
        if split in known_splits and split not in splits:
            out.append(f"item {item_id!r}: split {split!r} is not listed in {RUN_INFO_FILE} "
                       "data.splits")
    return out
