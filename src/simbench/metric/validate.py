"""Validating prediction rows against the items and building the aligned distribution matrix.

Row structure (ids, status, labels, lengths) is checked row by row; the numbers (NaN, infinite,
negative, all zeros, the sum) are checked on the whole matrix at once, and only the offending rows get
a detailed message. Every problem names the row and the item; all of them are raised together.

Examples
--------
>>> from simbench.data.schema import Item
>>> item = Item("pop/0", "pop", 0, "Jester", "jester", "You like jokes.", "Q", ("A", "B"),
...             ("Funny", "Not funny"), (0.25, 0.75), (25.0, 75.0), 10)
>>> v = validate_predictions([{"item_id": "pop/0", "distribution": {"A": 0.5, "B": 0.5}}], [item])
>>> v.matrix[0, :3], v.failed
(array([0.5, 0.5, 0. ]), array([False]))
>>> validate_predictions([{"item_id": "pop/0", "distribution": [1.0]}], [item])
Traceback (most recent call last):
...
simbench.errors.PredictionError: 1 problem in the predictions:
  - row 0 (item 'pop/0'): field 'distribution': 1 values for 2 labels (A..B)
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import chain
from typing import Any, Literal

import numpy as np

from ..data.schema import Item
from .core import MAX_OPTIONS
from .predictions import PredictionError

__all__ = ["FailureRule", "ValidatedPredictions", "validate_predictions"]

logger = logging.getLogger(__name__)

FailureRule = Literal["uniform", "exclude"]
#: Rows whose sum is within this of 1 are taken as normalised (no warning).
SILENT_SUM_TOLERANCE = 1e-6
_PLAIN_NUMBERS = frozenset({float, int})


@dataclass(frozen=True)
class ValidatedPredictions:
    """Predictions checked against the items, aligned with them.

    Attributes:
        items: the predicted items, in the order of the item list given (release order).
        matrix: ``(n, MAX_OPTIONS)`` float64 distributions, zero-padded, rows summing to 1. A failed
            row holds the uniform distribution over the item's options.
        failed: ``(n,)`` bool, True where the row had ``status: failed``.
        renormalised: ids of rows whose sum was off by more than 1e-6 (within the tolerance).
    """

    items: tuple[Item, ...]
    matrix: np.ndarray
    failed: np.ndarray
    renormalised: tuple[str, ...]


@dataclass
class _Row:
    pos: int
    where: str
    index: int  # position of the item in the item list
    values: list[Any] | None  # None: a failed row


def validate_predictions(
    rows: Sequence[Mapping[str, Any]] | Sequence[tuple[str, Mapping[str, Any]]],
    items: Sequence[Item],
    *,
    sum_tolerance: float = 1e-2,
    source: str | None = None,
) -> ValidatedPredictions:
    """Check prediction rows against ``items`` and build the aligned distribution matrix.

    Args:
        rows: prediction mappings, or ``(where, mapping)`` pairs naming each row's position.
        items: every item a prediction may refer to (normally the full splits).
        sum_tolerance: rows whose sum is within this of 1 are renormalised (with a warning);
            beyond it they are an error.
        source: a name for the input, used in the error message.

    Raises:
        PredictionError: listing every problem (unknown or duplicate ``item_id``, missing or extra
            labels, wrong list length, non-numeric/negative/NaN/infinite values, all zeros, a sum
            beyond the tolerance, a bad ``status``).
    """
    if not (sum_tolerance >= 0 and math.isfinite(sum_tolerance)):
        raise ValueError(f"sum_tolerance must be a finite number >= 0, got {sum_tolerance}")
    by_id = {it.item_id: i for i, it in enumerate(items)}
    pairs = [r if isinstance(r, tuple) else (f"row {i}", r) for i, r in enumerate(rows)]
    problems: list[tuple[int, str]] = []
    seen: dict[str, str] = {}
    good: list[_Row] = []
    for pos, (where, row) in enumerate(pairs):
        msg, found = _check_structure(pos, where, row, items, by_id, seen)
        if msg:
            problems.append((pos, msg))
        elif found is not None:
            good.append(found)
    good = _check_numbers(good, items, sum_tolerance, problems)
    if problems:
        raise PredictionError([m for _, m in sorted(problems, key=lambda t: t[0])], source=source)
    return _assemble(good, items)


def _here(where: str, item_id: str) -> str:
    return f"{where} (item {item_id!r})"


def _check_structure(
    pos: int,
    where: str,
    row: Mapping[str, Any],
    items: Sequence[Item],
    by_id: Mapping[str, int],
    seen: dict[str, str],
) -> tuple[str | None, _Row | None]:
    """Check ids, status and the distribution's shape; return ``(problem, row)``."""
    item_id = row.get("item_id")
    if type(item_id) is not str:
        if item_id is None:
            return f"{where}: missing field 'item_id'", None
        return f"{where}: field 'item_id': expected text like 'pop/17', got {item_id!r}", None
    if item_id in seen:
        return f"{_here(where, item_id)}: duplicate item_id (first at {seen[item_id]})", None
    seen[item_id] = where
    idx = by_id.get(item_id)
    if idx is None:
        return f"{_here(where, item_id)}: field 'item_id': unknown item_id (not in the loaded items)", None
    status = row.get("status")
    dist = row.get("distribution")
    if status is not None and status != "ok":
        return _failed_row(pos, where, item_id, idx, status, dist)
    if dist is None:
        return (f"{_here(where, item_id)}: field 'distribution': missing or null, but status is "
                "not 'failed' (mark failed items with \"status\": \"failed\")"), None
    labels = items[idx].option_labels
    if type(dist) is list:
        values = dist
    elif isinstance(dist, Mapping):
        if dist.keys() != _label_set(labels):
            return _label_problem(_here(where, item_id), dist, labels), None
        return None, _Row(pos, where, idx, [dist[lab] for lab in labels])
    elif isinstance(dist, str | bytes) or not isinstance(dist, Sequence | np.ndarray):
        return (f"{_here(where, item_id)}: field 'distribution': expected an object label -> "
                f"probability or a list in label order, got {type(dist).__name__}"), None
    else:
        values = list(dist)
    if len(values) != len(labels):
        return (f"{_here(where, item_id)}: field 'distribution': {len(values)} values for "
                f"{len(labels)} labels ({labels[0]}..{labels[-1]})"), None
    return None, _Row(pos, where, idx, values)


def _failed_row(
    pos: int, where: str, item_id: str, idx: int, status: Any, dist: Any
) -> tuple[str | None, _Row | None]:
    if status != "failed":
        return f"{_here(where, item_id)}: field 'status': {status!r} is not 'ok' or 'failed'", None
    if dist is not None:
        return (f"{_here(where, item_id)}: field 'distribution': status is 'failed' but a "
                "distribution is given (expected null)"), None
    return None, _Row(pos, where, idx, None)


@lru_cache(maxsize=64)
def _label_set(labels: tuple[str, ...]) -> frozenset[str]:
    return frozenset(labels)


def _label_problem(here: str, dist: Mapping[str, Any], labels: Sequence[str]) -> str:
    missing = [lab for lab in labels if lab not in dist]
    extra = [str(k) for k in dist if k not in labels]
    parts = ([f"missing label(s) {missing}"] if missing else []) + (
        [f"extra label(s) {extra}"] if extra else [])
    return f"{here}: field 'distribution': {' and '.join(parts)}; expected {list(labels)}"


def _check_numbers(
    rows: list[_Row], items: Sequence[Item], tol: float, problems: list[tuple[int, str]]
) -> list[_Row]:
    """Vectorised checks of the values; append problems; return the rows that passed."""
    dist_rows = _numeric_rows([r for r in rows if r.values is not None], items, problems)
    rejected: set[int] = set()
    if dist_rows:
        lens = np.array([len(r.values or ()) for r in dist_rows])
        mat = np.zeros((len(dist_rows), MAX_OPTIONS))
        mat[np.arange(MAX_OPTIONS)[None, :] < lens[:, None]] = np.fromiter(
            chain.from_iterable(r.values or () for r in dist_rows), dtype=np.float64,
            count=int(lens.sum()))
        sums = mat.sum(axis=1)
        with np.errstate(invalid="ignore"):
            bad = ~np.isfinite(mat).all(axis=1) | (mat < 0).any(axis=1) | (sums == 0) | (
                np.abs(sums - 1.0) > tol)
        for j in np.flatnonzero(bad).tolist():
            r, it = dist_rows[j], items[dist_rows[j].index]
            problems.append((r.pos, f"{_here(r.where, it.item_id)}: field 'distribution': "
                                    f"{_value_problem(mat[j, : it.n_options], it.option_labels, tol)}"))
            rejected.add(r.pos)
    kept = {r.pos for r in dist_rows} - rejected
    return [r for r in rows if r.values is None or r.pos in kept]


def _numeric_rows(
    rows: list[_Row], items: Sequence[Item], problems: list[tuple[int, str]]
) -> list[_Row]:
    """The rows whose values are all numbers (as floats); a problem for each other row."""
    flat = chain.from_iterable(r.values or () for r in rows)
    if _PLAIN_NUMBERS.issuperset(map(type, flat)):  # the common case, checked in C
        return rows
    out = []
    for r in rows:
        bad = _type_problems(r.values or [], items[r.index].option_labels)
        if bad:
            problems.append((r.pos, f"{_here(r.where, items[r.index].item_id)}: field "
                                    f"'distribution': {'; '.join(bad)}"))
        else:
            r.values = [float(v) for v in r.values or []]
            out.append(r)
    return out


def _type_problems(values: Sequence[Any], labels: Sequence[str]) -> list[str]:
    return [f"{lab}={v!r} is not a number" for lab, v in zip(labels, values)
            if isinstance(v, bool) or not isinstance(v, int | float | np.integer | np.floating)]


def _value_problem(row: np.ndarray, labels: Sequence[str], tol: float) -> str:
    """Describe what is wrong with one row of numbers."""
    bad = []
    for lab, x in zip(labels, row.tolist()):
        if math.isnan(x):
            bad.append(f"{lab} is NaN")
        elif math.isinf(x):
            bad.append(f"{lab} is infinite")
        elif x < 0:
            bad.append(f"{lab}={x!r} is negative")
    if bad:
        return "; ".join(bad)
    total = math.fsum(row.tolist())
    if total == 0:
        return "all values are zero"
    hint = " (percentages? divide by 100)" if abs(total - 100) <= 100 * tol else ""
    return f"values sum to {total:.6g}, more than sum_tolerance={tol:g} away from 1{hint}"


def _assemble(rows: list[_Row], items: Sequence[Item]) -> ValidatedPredictions:
    """Sort the valid rows into item order and build the normalised matrix."""
    rows = sorted(rows, key=lambda r: r.index)
    scored = tuple(items[r.index] for r in rows)
    lens = np.array([it.n_options for it in scored], dtype=np.int64)
    failed = np.array([r.values is None for r in rows], dtype=bool)
    mat = np.zeros((len(rows), MAX_OPTIONS))
    fill = [r.values if r.values is not None else [1.0 / k] * k for r, k in zip(rows, lens.tolist())]
    mat[np.arange(MAX_OPTIONS)[None, :] < lens[:, None]] = np.fromiter(
        chain.from_iterable(fill), dtype=np.float64, count=int(lens.sum()))
    sums = mat.sum(axis=1)
    off = np.abs(sums - 1.0) > SILENT_SUM_TOLERANCE
    renorm = tuple(scored[j].item_id for j in np.flatnonzero(off))
    if renorm:
        logger.warning("renormalised %d prediction(s) whose sum was more than %g from 1 (within "
                       "the sum tolerance), e.g. %s", len(renorm), SILENT_SUM_TOLERANCE,
                       ", ".join(renorm[:5]))
    return ValidatedPredictions(scored, mat / sums[:, None], failed, renorm)
