"""The progress bar of ``simbench run``: items done, and an ETA weighted by each item's cost.

The transformers engine computes the longest prompts first (sorted batches, shared prefixes), so
items finish slowly at the start and fast at the end, and a rate *per item* predicts too long a
run early on. The backend says what each item costs (:meth:`~simbench.extraction.Backend.item_costs`:
the tokens the engine computes for it, counted when it computes them); the ETA is the remaining
cost at the rate of the latest half of the elapsed time (:class:`EtaEstimator`), which leaves the
warm-up of the first batches behind and follows a machine whose other load changes:

    remaining = (total_cost - done_cost) * (now - t_half) / (done_cost - done_cost_at_t_half)

A backend without costs counts every item alike. The bar itself counts items. How well this holds
(measured on SmolLM2, and tested on recorded timings): ``docs/extraction.md``, "Progress and ETA".

Examples
--------
>>> eta = EtaEstimator(total=100.0)
>>> for t, done in [(10.0, 10.0), (20.0, 30.0), (40.0, 70.0)]:
...     eta.update(t, done)
>>> eta.seconds_left()  # 40 units in the last 20 s: the remaining 30 take 15 s
15.0
>>> EtaEstimator(total=5.0).seconds_left() is None  # nothing finished yet
True
>>> # rows of 80, 40, then 10 tokens, at 2 ms a token and 50 ms a row; 20 rows of 10 tokens left
>>> two, one, t, done = EtaEstimator(900.0, total_rows=40), EtaEstimator(900.0), 0.0, 0.0
>>> for row, tokens in enumerate([80] * 5 + [40] * 5 + [10] * 10, start=1):
...     t, done = t + 0.002 * tokens + 0.05, done + tokens
...     two.update(t, done, row)
...     one.update(t, done)
>>> round(two.seconds_left(), 6), round(one.seconds_left(), 2)  # the truth is 20 * 0.07 s
(1.4, 0.99)
>>> format_eta(3725.4), format_eta(59.6), format_eta(None)
('1:02:05', '1:00', '?')
>>> with RunProgress(["a", "b"], [3.0, 1.0], disable=True) as bar:
...     bar.advance("a", failed=False)
...     round(bar.done_fraction, 2)
0.75
"""

from __future__ import annotations

import bisect
import math
import time
from collections.abc import Sequence
from types import TracebackType
from typing import Any

__all__ = ["EtaEstimator", "RunProgress", "format_eta"]


class EtaEstimator:
    """Seconds left from the finishing times of work: the rate over the latest half of the
    elapsed time (all of it while that half holds no finished work).

    With ``rows`` (how many rows, i.e. items, the work holds besides its cost) the time is
    modelled as ``a * cost + b * rows``: a per-token and a per-row term, fitted by least squares
    on the latest half. The transformers engine needs both: in bfloat16 on CPU a fixed cost per
    row (the softmax, the label read-out, the batch set-up) is most of the time, in float32 the
    tokens are, and as the prompts get shorter through the run the mix changes. Where the fit
    is not determined (the rows' lengths vary too little so far) or gives a negative term, the
    cost rate alone is used.

    Args:
        total: the total cost of the run.
        total_rows: the rows of the run, to fit the per-row term (``None``: cost alone).
    """

    def __init__(self, total: float, total_rows: float | None = None) -> None:
        self.total = float(total)
        self.total_rows = None if total_rows is None else float(total_rows)
        self._times: list[float] = [0.0]
        self._done: list[float] = [0.0]
        self._rows: list[float] = [0.0]
        # running sums of t, c, r, c*c, c*r, r*r, c*t, r*t (c: cost done, r: rows done) over
        # the records so far: any window's least-squares sums are differences of two entries,
        # so an update and an estimate are O(1) however long the run
        self._sums: list[tuple[float, ...]] = [(0.0,) * 8]

    def update(self, elapsed: float, done: float, rows: float | None = None) -> None:
        """Record that ``done`` cost (and ``rows`` rows) was finished ``elapsed`` seconds after
        the start."""
        t, c = float(elapsed), float(done)
        r = float(rows) if rows is not None else self._rows[-1]
        self._times.append(t)
        self._done.append(c)
        self._rows.append(r)
        last = self._sums[-1]
        self._sums.append(tuple(a + b for a, b in zip(
            last, (t, c, r, c * c, c * r, r * r, c * t, r * t))))

    def seconds_left(self) -> float | None:
        """The estimate (``None`` before any work is done)."""
        now, done = self._times[-1], self._done[-1]
        if done <= 0 or now <= 0:
            return None
        # the window starts at the first record in the latest half (or the one before the last)
        i = min(bisect.bisect_left(self._times, now / 2), len(self._times) - 2)
        work, seconds = done - self._done[i], now - self._times[i]
        if work <= 0 or seconds <= 0:
            i, work, seconds = 0, done, now
        if self.total_rows is not None:
            two = self._two_term(i)
            if two is not None:
                per_cost, per_row = two
                return max(0.0, per_cost * (self.total - done)
                           + per_row * (self.total_rows - self._rows[-1]))
        return max(0.0, (self.total - done) * seconds / work)

    def _two_term(self, i: int) -> tuple[float, float] | None:
        """``(seconds per cost, seconds per row)`` fitted on the records after ``i``, as
        differences from record ``i``; ``None`` where it is not determined or not positive."""
        t0, c0, r0 = self._times[i], self._done[i], self._rows[i]
        m = len(self._times) - 1 - i
        st, sc, sr, scc, scr, srr, sct, srt = (
            b - a for a, b in zip(self._sums[i], self._sums[-1]))
        # sums of x = c - c0, y = r - r0 and dt = t - t0 over the window, expanded
        sxx = scc - 2 * c0 * sc + m * c0 * c0
        syy = srr - 2 * r0 * sr + m * r0 * r0
        sxy = scr - c0 * sr - r0 * sc + m * c0 * r0
        sxt = sct - c0 * st - t0 * sc + m * c0 * t0
        syt = srt - r0 * st - t0 * sr + m * r0 * t0
        det = sxx * syy - sxy * sxy
        # collinear cost and rows (every row of the same length): no per-row term to be had
        if sxx <= 0 or syy <= 0 or det <= _MIN_DETERMINANT * sxx * syy:
            return None
        per_cost, per_row = (syy * sxt - sxy * syt) / det, (sxx * syt - sxy * sxt) / det
        if per_cost <= 0 or per_row <= 0:
            return None
        return per_cost, per_row


#: The least share of independent variation between cost and rows for the two-term fit
#: (1 - their squared correlation, uncentred).
_MIN_DETERMINANT = 0.01


def format_eta(seconds: float | None) -> str:
    """``H:MM:SS`` or ``M:SS``; ``"?"`` when unknown."""
    if seconds is None or not math.isfinite(seconds):
        return "?"
    s = round(seconds)
    h, rest = divmod(s, 3600)
    m, sec = divmod(rest, 60)
    return f"{h}:{m:02d}:{sec:02d}" if h else f"{m}:{sec:02d}"


class RunProgress:
    """A tqdm bar over ``item_ids`` whose ETA weighs each item by its cost.

    Args:
        item_ids: the items to be done, in any order.
        costs: one cost per item (same order), or ``None``: every item costs 1.
        disable: no bar (the ETA is still computed: :attr:`eta`).
    """

    def __init__(self, item_ids: Sequence[str], costs: Sequence[float] | None, *,
                 disable: bool) -> None:
        from tqdm.auto import tqdm

        weights = list(costs) if costs is not None else [1.0] * len(item_ids)
        if len(weights) != len(item_ids) or any(not math.isfinite(w) or w < 0 for w in weights):
            weights = [1.0] * len(item_ids)  # a backend's bad estimate must not break the run
        self._cost = dict(zip(item_ids, weights))
        self.total = sum(weights)
        self.done = 0.0
        # the per-row term is fitted only where the costs are the backend's own
        self._eta = EtaEstimator(self.total, len(item_ids) if costs is not None else None)
        self.failed = 0
        self._start = time.perf_counter()
        self._bar: Any = tqdm(total=len(item_ids), unit="item", desc="simbench run",
                              dynamic_ncols=True, disable=disable,
                              bar_format="{l_bar}{bar}| {n_fmt}/{total_fmt} [{elapsed}{postfix}]")

    @property
    def done_fraction(self) -> float:
        """The share of the total cost done."""
        return self.done / self.total if self.total > 0 else 1.0

    @property
    def eta(self) -> float | None:
        """Seconds left (see :class:`EtaEstimator`)."""
        return self._eta.seconds_left()

    def advance(self, item_id: str, *, failed: bool) -> None:
        """One item finished."""
        self.done += self._cost.get(item_id, 0.0)
        self.failed += bool(failed)
        elapsed = time.perf_counter() - self._start
        self._eta.update(elapsed, self.done, self._bar.n + 1)
        rate = (self._bar.n + 1) / elapsed if elapsed > 0 else 0.0
        postfix = f"ETA {format_eta(self.eta)}, {rate:.2f} item/s"
        if self.failed:
            postfix += f", failed={self.failed}"
        self._bar.postfix = postfix  # tqdm writes it after ", "
        self._bar.update(1)

    def __enter__(self) -> RunProgress:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._bar.close()
