"""How well does ``simbench run``'s ETA hold? Predicted against actual run time, from one real run.

Runs the transformers engine over a sample (as ``simbench run`` does: the same backend, the same
order) and records when each item finished. Then, at 5%, 10%, 25% and 50% of the items, it compares
the run's total time predicted by

- the ETA ``simbench run`` prints (``simbench.runs._progress.EtaEstimator``: a per-token and a
  per-row term fitted on the latest half of the elapsed time, the tokens being the backend's
  cost units, :meth:`item_costs`), and
- a plain per-item mean rate (what a tqdm bar over items shows),

with the actual total. ``--trace`` writes the item order, the costs and the finishing times
(no item text) for ``tests/runs/test_runs_eta.py``, which replays them.

``--log`` reads instead what ``simbench run`` itself printed: its progress bar, saved from
standard error (``simbench run ... 2> run.log``), and reports the ETA the bar showed when 5%,
10%, 25% and 50% of the items were done against the run's actual length; no model is run.

    OMP_NUM_THREADS=1 SIMBENCH_DATA=../shared/data/simbench \\
      python benchmarks/bench_eta.py --limit-per-study 10 --trace eta_trace.json
    simbench run --model smollm2 --dtype bfloat16 --out runs/bf16-all 2> bf16-all.log
    python benchmarks/bench_eta.py --log bf16-all.log
"""

from __future__ import annotations

import argparse
import json
import os
import re
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

FRACTIONS = (0.05, 0.10, 0.25, 0.50)


def predictions_at(trace: dict[str, Any], fraction: float) -> tuple[float, float, float]:
    """(the run's prediction, a per-item mean-rate prediction, actual) of the total seconds,
    after the first ``fraction`` of the items finished (times from the start of prediction)."""
    from simbench.runs._progress import EtaEstimator

    times, costs = trace["t"], trace["costs"]
    n = len(times)
    k = max(1, round(fraction * n))
    eta, done = EtaEstimator(sum(costs), n), 0.0  # as RunProgress: cost and rows
    for row, (t, cost) in enumerate(zip(times[:k], costs[:k]), start=1):
        done += cost
        eta.update(t, done, row)
    by_cost = times[k - 1] + (eta.seconds_left() or 0.0)
    by_item = times[k - 1] * n / k
    return by_cost, by_item, times[-1]


def record(model_name: str, dtype: str, limit: int | None) -> dict[str, Any]:
    """Run the engine over the sample; the trace of finishing times."""
    import torch

    from simbench import load_items, select_items
    from simbench.extraction import TransformersLogprobBackend, load_model

    items = load_items("both")
    if limit is not None:
        items = select_items(items, limit_per_study=limit, seed=0)
    loaded = load_model(model_name, dtype=dtype, device="cpu")
    backend = TransformersLogprobBackend(loaded.model, loaded.tokenizer)
    load_start = os.getloadavg()[0]
    t0 = time.perf_counter()
    costs = dict(zip((it.item_id for it in items), backend.item_costs(items)))
    plan_s = time.perf_counter() - t0
    order, times = [], []
    t0 = time.perf_counter()
    for pred in backend.predict(items, progress=False):
        order.append(pred.item_id)
        times.append(round(time.perf_counter() - t0, 4))
    return {"model": loaded.model_id, "dtype": loaded.dtype, "n_items": len(items),
            "limit_per_study": limit, "torch_threads": torch.get_num_threads(),
            "load_average": [round(load_start, 2), round(os.getloadavg()[0], 2)],
            "cost_s": round(plan_s, 3), "item_ids": order,
            "costs": [costs[i] for i in order], "t": times}


def report(trace: dict[str, Any]) -> None:
    print(f"{trace['n_items']} items, {trace['model']} {trace['dtype']}, "
          f"{trace['torch_threads']} threads, load average {trace['load_average']}, "
          f"total {trace['t'][-1]:.1f} s (costs computed in {trace['cost_s']:.1f} s)")
    print("| after | predicted total (simbench run) | error | per-item mean rate | error |")
    print("|---:|---:|---:|---:|---:|")
    for f in FRACTIONS:
        by_cost, by_item, actual = predictions_at(trace, f)
        print(f"| {100 * f:.0f}% | {by_cost:.0f} s | {100 * (by_cost / actual - 1):+.0f}% "
              f"| {by_item:.0f} s | {100 * (by_item / actual - 1):+.0f}% |")


_BAR = re.compile(r"simbench run:.*?\| (\d+)/(\d+) \[([\d:]+), ETA ([\d:?]+)")


def _seconds(clock: str) -> float:
    """``H:MM:SS`` or ``M:SS`` as seconds."""
    total = 0.0
    for part in clock.split(":"):
        total = total * 60 + int(part)
    return total


def bar_states(log: str) -> list[tuple[int, int, float, float | None]]:
    """(items done, items in all, elapsed s, ETA s or None) of each progress-bar state that
    ``simbench run`` wrote to a log of its standard error (tqdm's ``\\r``-separated updates).

    >>> bar_states("simbench run:  40%|####  | 2/5 [01:04, ETA 1:36, 0.03 item/s]\\r")
    [(2, 5, 64.0, 96.0)]
    """
    states = []
    for match in _BAR.finditer(log):
        done, total, elapsed, eta = match.groups()
        states.append((int(done), int(total), _seconds(elapsed),
                       None if eta == "?" else _seconds(eta)))
    return states


def report_log(path: str) -> None:
    """The printed ETA at 5%, 10%, 25% and 50% of the items against the run's actual length."""
    states = bar_states(Path(path).read_text(errors="replace"))
    if not states or states[-1][0] != states[-1][1]:
        raise SystemExit(f"{path}: no finished simbench run progress bar in this log")
    n, actual = states[-1][1], states[-1][2]
    print(f"{path}: {n} items, actual {actual:.0f} s (the bar's clock, whole seconds)")
    print("| after | items | elapsed | printed ETA | predicted total | error |")
    print("|---:|---:|---:|---:|---:|---:|")
    for f in FRACTIONS:
        # the first state at or past the fraction whose ETA is known
        state = next((s for s in states if s[0] >= f * n and s[3] is not None), None)
        if state is None:
            continue
        done, _, elapsed, eta = state
        assert eta is not None
        predicted = elapsed + eta
        print(f"| {100 * f:.0f}% | {done} | {elapsed:.0f} s | {eta:.0f} s | {predicted:.0f} s "
              f"| {100 * (predicted / actual - 1):+.0f}% |")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="smollm2")
    parser.add_argument("--dtype", default="float32")
    parser.add_argument("--limit-per-study", type=int, default=10)
    parser.add_argument("--all", action="store_true", help="every item of both splits")
    parser.add_argument("--trace", help="write the trace to this JSON file")
    parser.add_argument("--replay", help="report on a trace written before (runs nothing)")
    parser.add_argument("--log", help="report on the progress bar simbench run wrote to this "
                        "log of its standard error (runs nothing)")
    args = parser.parse_args(argv)
    if args.log:
        report_log(args.log)
        return 0
    if args.replay:
        trace = json.loads(Path(args.replay).read_text())
    else:
        trace = record(args.model, args.dtype, None if args.all else args.limit_per_study)
        if args.trace:
            Path(args.trace).write_text(json.dumps(trace) + "\n")
    report(trace)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
