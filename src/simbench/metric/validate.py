"""Validating prediction rows against the items and building the aligned distribution matrix.

Row structure (ids, status, labels, lengths) is checked row by row; the numbers (NaN, infinite,
negative, all zeros, the sum) are checked on the whole matrix at once, and only the offending rows get
a detailed message. Every problem names the row and the item; all of them are raised together. What
makes a distribution valid, and the wording of each problem, come from :mod:`simbench.distributions`
(``policy="renormalise"`` for scoring, ``"strict"`` for submissions).

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
from itertools import chain
from typing import Any, Literal

import numpy as np

from ..data.schema import Item
from ..distributions import (
    SILENT_SUM_TOLERANCE,
    Policy,
    default_sum_tolerance,
    distribution_problem,
    in_label_order,
    invalid_rows,
    number_problems,
)
from ..errors import PredictionError
from .core import MAX_OPTIONS

__all__ = ["FailureRule", "ValidatedPredictions", "validate_predictions"]

logger = logging.getLogger(__name__)

FailureRule = Literal["uniform", "exclude"]
_PLAIN_NUMBERS = frozenset({float, int})


@dataclass(frozen=True)
class ValidatedPredictions:
    """Predictions checked against the items, aligned with them.

    Attributes:
        items: the predicted items, in the order of the item list given (release order).
        matrix: ``(n, MAX_OPTIONS)`` float64 distributions, zero-padded, rows summing to 1. A failed
            row holds the uniform distribution over the item's options.
        failed: ``(n,)`` bool, True where the row had ``status: failed``.
        renormalised: ids of rows whose sum was off by more than
            :data:`~simbench.distributions.SILENT_SUM_TOLERANCE` (within the tolerance).
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
    sum_tolerance: float | None = None,
    source: str | None = None,
    policy: Policy = "renormalise",
) -> ValidatedPredictions:
    """Check prediction rows against ``items`` and build the aligned distribution matrix.

    Args:
        rows: prediction mappings, or ``(where, mapping)`` pairs naming each row's position.
        items: every item a prediction may refer to (normally the full splits).
        sum_tolerance: rows whose sum is within this of 1 are renormalised (with a warning when
            off by more than :data:`~simbench.distributions.SILENT_SUM_TOLERANCE`); beyond it
            they are an error. ``None``: the policy's default (0.01 under ``"renormalise"``,
            1e-6 under ``"strict"``).
        source: a name for the input, used in the error message.
        policy: ``"renormalise"`` (scoring: sums within the tolerance are rescaled) or
            ``"strict"`` (submissions: the tolerance only allows rounding error, so the matrix
            holds the values as given up to it); see :mod:`simbench.distributions`.

    Raises:
        PredictionError: listing every problem (unknown or duplicate ``item_id``, missing or extra
            labels, wrong list length, non-numeric/negative/NaN/infinite values, all zeros, a sum
            beyond the tolerance, a bad ``status``).
    """
    policy_tolerance = default_sum_tolerance(policy)  # also refuses an unknown policy
    if sum_tolerance is None:
        sum_tolerance = policy_tolerance
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
    if type(dist) is list and len(dist) == len(labels):  # the common case, without a copy
        return None, _Row(pos, where, idx, dist)
    values, problem = in_label_order(dist, labels)
    if values is None:
        return f"{_here(where, item_id)}: field 'distribution': {problem}", None
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
        for j in np.flatnonzero(invalid_rows(mat, sum_tolerance=tol)).tolist():
            r, it = dist_rows[j], items[dist_rows[j].index]
            problem = distribution_problem(mat[j, : it.n_options], it.option_labels,
                                           sum_tolerance=tol)
            problems.append((r.pos, f"{_here(r.where, it.item_id)}: field 'distribution': "
                                    f"{problem}"))
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
        bad = number_problems(r.values or [], items[r.index].option_labels)
        if bad:
            problems.append((r.pos, f"{_here(r.where, items[r.index].item_id)}: field "
                                    f"'distribution': {'; '.join(bad)}"))
        else:
            r.values = [float(v) for v in r.values or []]
            out.append(r)
    return out


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
