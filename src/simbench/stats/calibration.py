"""Temperature scaling of label distributions, fitted to minimise the mean total variation.

A model's distribution over an item's labels is rescaled as ``p_i`` proportional to
``p_i ** (1 / T)``: ``T > 1`` flattens it towards uniform (over the labels with non-zero
probability), ``T < 1`` sharpens it towards its most likely label, ``T = 1`` leaves it as it is.
A label with probability 0 keeps probability 0 at every temperature.

:func:`fit_temperature` finds the ``T`` that minimises the mean total variation (TV) between the
rescaled distributions and the human ones over the rows it is given: a grid over ``log T`` on the
search interval (:data:`DEFAULT_BOUNDS`), then a bounded Brent search
(:func:`scipy.optimize.minimize_scalar`) between the grid neighbours of the best grid point. The
grid holds ``T = 1``, so the fitted ``T`` never does worse than the raw distributions on the fit
rows; on a tie the ``T`` closest to 1 wins. :func:`cross_fit_temperatures` fits, for each group
(study), on the rows of every other group. The objective is the plain mean TV over rows, not the
SimBench score (which weighs the studies equally and divides by their norms).

Matrices are ``(n, MAX_OPTIONS)`` float64, zero-padded beyond each item's labels, as in
:mod:`simbench.metric.core`.

Examples
--------
A model twice as sharp as the humans (``p = h ** 2``, renormalised) is fitted with ``T`` near 2:

>>> import numpy as np
>>> human = np.array([[0.6, 0.3, 0.1], [0.5, 0.5, 0.0], [0.2, 0.7, 0.1], [0.45, 0.35, 0.2]])
>>> model = human ** 2 / (human ** 2).sum(axis=1, keepdims=True)
>>> fit = fit_temperature(model, human)
>>> round(fit.temperature, 4), fit.mean_tv_raw > fit.mean_tv_calibrated, fit.at_bound
(2.0, True, False)
>>> np.allclose(apply_temperature(model, fit.temperature), human)
True
>>> np.array_equal(apply_temperature(model, 1.0), model)  # temperature 1 changes nothing
True
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import numpy as np

from ..errors import CalibrationError

__all__ = [
    "DEFAULT_BOUNDS",
    "TemperatureFit",
    "apply_temperature",
    "cross_fit_temperatures",
    "fit_temperature",
    "mean_total_variation",
]

#: The interval searched for ``T``: from nearly one-hot to nearly uniform.
DEFAULT_BOUNDS = (0.01, 100.0)
_GRID_POINTS = 81
_TIE = 1e-12  # mean-TV differences below this are ties (the T closest to 1 wins)


@dataclass(frozen=True)
class TemperatureFit:
    """One fitted temperature.

    Attributes:
        temperature: the fitted ``T``.
        n_fit: rows it was fitted on.
        mean_tv_raw: mean TV on those rows before rescaling (``T = 1``).
        mean_tv_calibrated: mean TV on those rows at ``temperature``.
        at_bound: ``T`` lies at a bound of the search interval (the optimum may lie beyond it).
    """

    temperature: float
    n_fit: int
    mean_tv_raw: float
    mean_tv_calibrated: float
    at_bound: bool


def _check_matrix(p: np.ndarray, name: str) -> np.ndarray:
    p = np.asarray(p, dtype=np.float64)
    if p.ndim != 2:
        raise CalibrationError(f"{name}: expected a 2-D (rows, labels) matrix, got shape {p.shape}")
    if not np.isfinite(p).all() or (p < 0).any():
        row = int(np.flatnonzero(~(np.isfinite(p) & (p >= 0)).all(axis=1))[0])
        raise CalibrationError(f"{name}: row {row} holds a negative or non-finite value")
    empty = np.flatnonzero(p.sum(axis=1) <= 0)
    if empty.size:
        raise CalibrationError(f"{name}: row {int(empty[0])} has no probability mass")
    return p


def _check_temperature(t: np.ndarray) -> None:
    if not (np.isfinite(t).all() and (t > 0).all()):
        raise CalibrationError(f"temperature must be a finite number > 0, got {t.ravel()[:3]}")


def apply_temperature(p: np.ndarray, temperature: float | np.ndarray) -> np.ndarray:
    """Rescale each row: ``p_i ** (1 / T)``, renormalised over the row.

    Args:
        p: ``(n, K)`` distributions (zero-padded; rows need not sum exactly to 1).
        temperature: one ``T > 0``, or one per row (shape ``(n,)``).

    Returns:
        A new ``(n, K)`` matrix. Rows with ``T == 1`` are returned exactly as given (not even
        renormalised): temperature 1 changes nothing.

    Raises:
        CalibrationError: a negative, non-finite or all-zero row, or a temperature that is not > 0.

    >>> apply_temperature(np.array([[0.8, 0.2, 0.0]]), 2.0).round(4)
    array([[0.6667, 0.3333, 0.    ]])
    """
    p = _check_matrix(p, "p")
    t = np.broadcast_to(np.asarray(temperature, dtype=np.float64), (p.shape[0],))
    _check_temperature(t)
    with np.errstate(divide="ignore"):
        logp = np.log(p)  # log 0 = -inf: a zero stays zero at every temperature
    scaled = (logp - logp.max(axis=1, keepdims=True)) / t[:, None]  # max first: no underflow
    q = np.exp(scaled)
    q /= q.sum(axis=1, keepdims=True)
    same = t == 1.0
    q[same] = p[same]
    return q


def mean_total_variation(p: np.ndarray, human: np.ndarray, temperature: float = 1.0) -> float:
    """The mean TV between ``apply_temperature(p, temperature)`` and ``human`` over the rows.

    >>> mean_total_variation(np.array([[1.0, 0.0]]), np.array([[0.5, 0.5]]))
    0.5
    """
    q = apply_temperature(p, temperature)
    h = _check_matrix(human, "human")
    if h.shape != q.shape:
        raise CalibrationError(f"p has shape {q.shape} but human has shape {h.shape}")
    h = h / h.sum(axis=1, keepdims=True)
    q = q / q.sum(axis=1, keepdims=True)
    return float(0.5 * np.abs(q - h).sum(axis=1).mean())


def _check_bounds(bounds: tuple[float, float]) -> tuple[float, float]:
    lo, hi = (float(b) for b in bounds)
    if not (math.isfinite(lo) and math.isfinite(hi) and 0 < lo < 1 < hi):
        raise CalibrationError(f"bounds must satisfy 0 < low < 1 < high (T = 1 inside), got {bounds}")
    return lo, hi


def fit_temperature(p: np.ndarray, human: np.ndarray, *,
                    bounds: tuple[float, float] = DEFAULT_BOUNDS) -> TemperatureFit:
    """The ``T`` in ``bounds`` minimising the mean TV between rescaled ``p`` and ``human``.

    Args:
        p: ``(n, K)`` model distributions of the fit rows.
        human: ``(n, K)`` human distributions of the same rows.
        bounds: the search interval ``(low, high)``, with ``low < 1 < high``.

    Raises:
        CalibrationError: no rows, mismatched shapes, bad values or bounds.
    """
    from scipy.optimize import minimize_scalar

    p, h = _check_matrix(p, "p"), _check_matrix(human, "human")
    if p.shape[0] == 0:
        raise CalibrationError("no rows to fit a temperature on")
    if p.shape != h.shape:
        raise CalibrationError(f"p has shape {p.shape} but human has shape {h.shape}")
    lo, hi = _check_bounds(bounds)
    h = h / h.sum(axis=1, keepdims=True)
    with np.errstate(divide="ignore"):
        logp = np.log(p)
    logp = logp - logp.max(axis=1, keepdims=True)

    def objective(log_t: float) -> float:
        q = np.exp(logp / math.exp(log_t))
        q /= q.sum(axis=1, keepdims=True)
        return float(0.5 * np.abs(q - h).sum(axis=1).mean())

    grid = np.union1d(np.linspace(math.log(lo), math.log(hi), _GRID_POINTS), [0.0])
    values = np.array([objective(x) for x in grid])
    best = int(np.argmin(values))
    refined = minimize_scalar(objective, method="bounded", options={"xatol": 1e-7},
                              bounds=(grid[max(best - 1, 0)], grid[min(best + 1, len(grid) - 1)]))
    candidates = [(float(v), float(x)) for v, x in zip(values, grid)]
    if refined.success:
        candidates.append((float(refined.fun), float(refined.x)))
    low = min(v for v, _ in candidates)
    log_t = min((x for v, x in candidates if v <= low + _TIE), key=abs)
    raw = float(0.5 * np.abs(p / p.sum(axis=1, keepdims=True) - h).sum(axis=1).mean())
    calibrated = raw if log_t == 0.0 else objective(log_t)
    at_bound = min(abs(log_t - math.log(lo)), abs(log_t - math.log(hi))) < 1e-6
    temperature = min(max(math.exp(log_t), lo), hi)  # exp(log(hi)) may round above hi
    return TemperatureFit(temperature, int(p.shape[0]), raw, calibrated, at_bound)


def cross_fit_temperatures(p: np.ndarray, human: np.ndarray, groups: Sequence[Hashable], *,
                           bounds: tuple[float, float] = DEFAULT_BOUNDS
                           ) -> dict[Hashable, TemperatureFit]:
    """For each group, the temperature fitted on the rows of every *other* group.

    Args:
        p, human: ``(n, K)`` model and human distributions.
        groups: ``n`` group keys (study slugs), one per row.
        bounds: the search interval (:func:`fit_temperature`).

    Returns:
        group -> the fit applied to that group's rows, in order of first appearance.

    Raises:
        CalibrationError: fewer than two groups (nothing to fit on), or a length mismatch.

    >>> human = np.array([[0.6, 0.4], [0.3, 0.7], [0.55, 0.45], [0.2, 0.8]])
    >>> model = np.array([[0.8, 0.2], [0.1, 0.9], [0.7, 0.3], [0.05, 0.95]])
    >>> fits = cross_fit_temperatures(model, human, ["a", "a", "b", "b"])
    >>> [(g, f.n_fit, f.temperature > 1) for g, f in fits.items()]
    [('a', 2, True), ('b', 2, True)]
    """
    keys = list(groups)
    if len(keys) != np.asarray(p).shape[0]:
        raise CalibrationError(f"{len(keys)} group keys for {np.asarray(p).shape[0]} rows")
    uniq = list(dict.fromkeys(keys))
    if len(uniq) < 2:
        raise CalibrationError(f"cross-fitting needs rows of at least 2 groups, got {uniq}")
    code = {g: i for i, g in enumerate(uniq)}
    codes = np.array([code[k] for k in keys])
    p, h = np.asarray(p, dtype=np.float64), np.asarray(human, dtype=np.float64)
    return {g: fit_temperature(p[codes != i], h[codes != i], bounds=bounds)
            for i, g in enumerate(uniq)}
