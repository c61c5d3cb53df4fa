"""The one check of a probability distribution over an item's labels, with named policies.

Every layer that takes a distribution (a prediction row read from a file, a submission, the
metric's input, a backend's output) checks it here, so "valid" means the same thing everywhere:

- every value is a number (not a bool), finite and ``>= 0``;
- there is one value per label: a mapping has exactly the labels as keys, a sequence has one value
  per label, in label order;
- the values sum to 1 within ``sum_tolerance`` (an all-zero row is never valid).

Two policies say what happens to a valid row:

``"strict"``
    The values are returned as given (files, submissions: what was written is what is checked).
    The default tolerance, :data:`STRICT_SUM_TOLERANCE`, allows only rounding error.
``"renormalise"``
    The values are rescaled to sum to 1 and the result says whether that changed them by more
    than :data:`SILENT_SUM_TOLERANCE` (the metric: it warns about such rows). The default
    tolerance is :data:`RENORMALISE_SUM_TOLERANCE`, the documented ``sum_tolerance`` of the score.

A row that fails raises :class:`simbench.errors.DistributionError` naming ``where``, the field and
the problem. The steps are public so that a caller checking many rows at once (the metric validates
whole files) gets the same messages: :func:`in_label_order` (shape), :func:`number_problems`
(types), :func:`invalid_rows` (the values of a zero-padded matrix, in one vectorised pass) and
:func:`distribution_problem` (the values of one row, in words).

Examples
--------
>>> check_distribution({"A": 0.25, "B": 0.75}, ("A", "B"), policy="strict", where="row 0")
CheckedDistribution(values=(0.25, 0.75), renormalised=False)
>>> check_distribution([2, 2], ("A", "B"), policy="renormalise", where="row 1",
...                    sum_tolerance=5.0)
CheckedDistribution(values=(0.5, 0.5), renormalised=True)
>>> check_distribution([0.5, 0.6], ("A", "B"), policy="strict", where="row 2")
Traceback (most recent call last):
...
simbench.errors.DistributionError: row 2: field 'distribution': values sum to 1.1, more than sum_tolerance=1e-06 away from 1
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any, Literal, NamedTuple

import numpy as np

from .errors import DistributionError

__all__ = [
    "POLICIES",
    "RENORMALISE_SUM_TOLERANCE",
    "SILENT_SUM_TOLERANCE",
    "STRICT_SUM_TOLERANCE",
    "CheckedDistribution",
    "Policy",
    "check_distribution",
    "default_sum_tolerance",
    "distribution_problem",
    "in_label_order",
    "invalid_rows",
    "number_problems",
]

Policy = Literal["strict", "renormalise"]
#: The policies, in the order of :data:`Policy`.
POLICIES: tuple[Policy, ...] = ("strict", "renormalise")
#: Default tolerance on the sum under ``"strict"``: rounding error only.
STRICT_SUM_TOLERANCE = 1e-6
#: Default tolerance on the sum under ``"renormalise"`` (the score's ``sum_tolerance``).
RENORMALISE_SUM_TOLERANCE = 1e-2
#: A renormalised row whose sum was within this of 1 is not reported as renormalised.
SILENT_SUM_TOLERANCE = 1e-6

_DEFAULT_TOLERANCE: dict[str, float] = {"strict": STRICT_SUM_TOLERANCE,
                                        "renormalise": RENORMALISE_SUM_TOLERANCE}


class CheckedDistribution(NamedTuple):
    """A distribution that passed :func:`check_distribution`.

    Attributes:
        values: one float per label, in label order (rescaled under ``"renormalise"``).
        renormalised: True when ``"renormalise"`` changed the sum by more than
            :data:`SILENT_SUM_TOLERANCE`; always False under ``"strict"``.
    """

    values: tuple[float, ...]
    renormalised: bool


def check_distribution(
    values: Mapping[str, Any] | Sequence[Any] | np.ndarray,
    labels: Sequence[str],
    *,
    policy: Policy,
    where: str,
    field: str = "distribution",
    sum_tolerance: float | None = None,
) -> CheckedDistribution:
    """Check one distribution over ``labels`` and apply ``policy`` (see the module docstring).

    Args:
        values: label -> probability, or one probability per label in label order.
        labels: the item's option labels, in order.
        policy: ``"strict"`` (return the values as given) or ``"renormalise"`` (rescale them).
        where: what the row is, for the message (``"row 3 (item 'pop/7')"``, ``"pop/7"``).
        field: the field holding the distribution, for the message.
        sum_tolerance: how far from 1 the sum may be; ``None`` takes the policy's default
            (:data:`STRICT_SUM_TOLERANCE` or :data:`RENORMALISE_SUM_TOLERANCE`); ``math.inf``
            accepts any positive sum (scale-free input, e.g. counts or percentages).

    Returns:
        The values as floats in label order, and whether they were renormalised.

    Raises:
        DistributionError: naming ``where``, ``field`` and the problem: missing or extra labels,
            a wrong number of values, a value that is not a number, NaN, infinite or negative,
            all zeros, or a sum beyond the tolerance.
        ValueError: for an unknown ``policy`` or a tolerance that is not a number >= 0.

    Examples
    --------
    >>> check_distribution({"B": 0.5, "C": 0.5}, ("A", "B"), policy="strict", where="pop/0")
    Traceback (most recent call last):
    ...
    simbench.errors.DistributionError: pop/0: field 'distribution': missing label(s) ['A'] and extra label(s) ['C']; expected ['A', 'B']
    >>> try:
    ...     check_distribution([0.5, float("nan")], ("A", "B"), policy="renormalise", where="r")
    ... except ValueError as err:  # a DistributionError is a ValueError
    ...     print(err.field, "|", err.problem)
    distribution | B is NaN
    """
    tol = _tolerance(policy, sum_tolerance)
    labels = tuple(labels)
    raw, problem = in_label_order(values, labels)
    if raw is None:
        raise DistributionError(where, field, problem or "invalid")
    not_numbers = number_problems(raw, labels)
    if not_numbers:
        raise DistributionError(where, field, "; ".join(not_numbers))
    floats = [float(v) for v in raw]
    problem = distribution_problem(floats, labels, sum_tolerance=tol)
    if problem is not None:
        raise DistributionError(where, field, problem)
    if policy == "strict":
        return CheckedDistribution(tuple(floats), False)
    total = math.fsum(floats)
    return CheckedDistribution(tuple(v / total for v in floats),
                               abs(total - 1.0) > SILENT_SUM_TOLERANCE)


def invalid_rows(matrix: np.ndarray, *, sum_tolerance: float) -> np.ndarray:
    """Which rows of a zero-padded ``(n, k)`` float matrix fail the value checks (vectorised).

    A row fails when a value is NaN, infinite or negative, when it is all zeros, or when its sum
    is more than ``sum_tolerance`` from 1; padding zeros change none of these. Describe a failing
    row with :func:`distribution_problem` on its unpadded values.

    >>> invalid_rows(np.array([[0.5, 0.5, 0.0], [0.5, -0.5, 1.0], [0.0, 0.0, 0.0]]),
    ...              sum_tolerance=1e-6)
    array([False,  True,  True])
    """
    _check_tolerance(sum_tolerance)
    mat = np.asarray(matrix, dtype=np.float64)
    sums = mat.sum(axis=1)
    with np.errstate(invalid="ignore"):
        return ~np.isfinite(mat).all(axis=1) | (mat < 0).any(axis=1) | (sums == 0) | (
            np.abs(sums - 1.0) > sum_tolerance)


def distribution_problem(
    values: Sequence[float] | np.ndarray, labels: Sequence[str], *, sum_tolerance: float
) -> str | None:
    """What is wrong with one row of numbers (one per label), or ``None`` when nothing is.

    >>> distribution_problem([50.0, 50.0], ("A", "B"), sum_tolerance=0.01)
    'values sum to 100, more than sum_tolerance=0.01 away from 1 (percentages? divide by 100)'
    >>> distribution_problem([-0.5, 1.5], ("A", "B"), sum_tolerance=0.01)
    'A=-0.5 is negative'
    >>> distribution_problem([0.4, 0.6], ("A", "B"), sum_tolerance=0.01) is None
    True
    """
    bad = []
    row = [float(x) for x in values]
    for lab, x in zip(labels, row):
        if math.isnan(x):
            bad.append(f"{lab} is NaN")
        elif math.isinf(x):
            bad.append(f"{lab} is infinite")
        elif x < 0:
            bad.append(f"{lab}={x!r} is negative")
    if bad:
        return "; ".join(bad)
    total = math.fsum(row)
    if total == 0:
        return "all values are zero"
    if abs(total - 1.0) <= sum_tolerance:
        return None
    hint = " (percentages? divide by 100)" if abs(total - 100) <= 100 * sum_tolerance else ""
    return f"values sum to {total:.6g}, more than sum_tolerance={sum_tolerance:g} away from 1{hint}"


def in_label_order(
    values: Mapping[str, Any] | Sequence[Any] | np.ndarray, labels: Sequence[str]
) -> tuple[list[Any] | None, str | None]:
    """``(values in label order, None)``, or ``(None, problem)`` when their shape is wrong.

    A mapping must have exactly the labels as keys; a sequence one value per label. The values
    themselves are not checked (see :func:`number_problems` and :func:`distribution_problem`).

    >>> in_label_order({"B": 0.7, "A": 0.3}, ("A", "B"))
    ([0.3, 0.7], None)
    >>> in_label_order([0.3], ("A", "B"))
    (None, '1 values for 2 labels (A..B)')
    """
    if isinstance(values, Mapping):
        if values.keys() != _label_set(tuple(labels)):
            return None, _label_problem(values, labels)
        return [values[lab] for lab in labels], None
    if isinstance(values, str | bytes) or not isinstance(values, Sequence | np.ndarray):
        return None, ("expected an object label -> probability or a list in label order, got "
                      f"{type(values).__name__}")
    out = list(values)
    if len(out) != len(labels):
        return None, _length_problem(len(out), labels)
    return out, None


def number_problems(values: Sequence[Any], labels: Sequence[str]) -> list[str]:
    """One problem per value that is not a number (bools and text are not numbers).

    >>> number_problems([True, "0.5", 0.5], ("A", "B", "C"))
    ['A=True is not a number', "B='0.5' is not a number"]
    """
    return [f"{lab}={v!r} is not a number" for lab, v in zip(labels, values)
            if isinstance(v, bool) or not isinstance(v, int | float | np.integer | np.floating)]


def default_sum_tolerance(policy: Policy) -> float:
    """The tolerance on the sum that ``policy`` uses when none is given.

    >>> default_sum_tolerance("strict"), default_sum_tolerance("renormalise")
    (1e-06, 0.01)
    """
    if policy not in _DEFAULT_TOLERANCE:
        raise ValueError(f"unknown policy {policy!r}: expected one of {POLICIES}")
    return _DEFAULT_TOLERANCE[policy]


def _tolerance(policy: Policy, sum_tolerance: float | None) -> float:
    tol = default_sum_tolerance(policy) if sum_tolerance is None else sum_tolerance
    _check_tolerance(tol)
    return tol


def _check_tolerance(tol: float) -> None:
    if isinstance(tol, bool) or not isinstance(tol, int | float) or not tol >= 0:
        raise ValueError(f"sum_tolerance must be a number >= 0 (math.inf: any positive sum), "
                         f"got {tol!r}")


@lru_cache(maxsize=256)
def _label_set(labels: tuple[str, ...]) -> frozenset[str]:
    return frozenset(labels)


def _label_problem(dist: Mapping[Any, Any], labels: Sequence[str]) -> str:
    missing = [lab for lab in labels if lab not in dist]
    extra = [str(k) for k in dist if k not in labels]
    parts = ([f"missing label(s) {missing}"] if missing else []) + (
        [f"extra label(s) {extra}"] if extra else [])
    return f"{' and '.join(parts)}; expected {list(labels)}"


def _length_problem(n: int, labels: Sequence[str]) -> str:
    span = f" ({labels[0]}..{labels[-1]})" if labels else ""
    return f"{n} values for {len(labels)} labels{span}"
