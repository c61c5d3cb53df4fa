"""How fast is scoring all 13,510 SimBench rows? The vectorised core against a per-row loop.

Runs on the real release (``$SIMBENCH_DATA`` or ``--data``) with seeded random predictions and
reports the best of ``--repeat`` wall-clock and CPU (process) timings for:

- ``core``: ``score_matrix`` + ``aggregate`` on an already-validated ``(n, 15)`` matrix;
- ``score_predictions(list)``: validation of the dict rows + norms + scoring + aggregation;
- ``score_predictions(file)``: the same from a JSON Lines file (what ``simbench score`` does, minus
  loading the items);
- ``per-row loop``: the release script's approach (pandas ``DataFrame.apply`` row by row for the TV
  to the prediction and to uniform, ``groupby`` norms, row-wise score).

All four must give the same score (checked). Usage::

    python benchmarks/bench_score.py --data ../shared/data/simbench --repeat 5
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np


def _best(fn: Callable[[], Any], repeat: int) -> tuple[float, float, Any]:
    """Best wall-clock and best CPU (process) time over ``repeat`` calls, and the last result."""
    best, best_cpu, out = float("inf"), float("inf"), None
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        out = fn()
        best = min(best, time.perf_counter() - t0)
        best_cpu = min(best_cpu, time.process_time() - c0)
    return best, best_cpu, out


def release_style_loop(items: list[Any], preds: dict[str, list[float]]) -> float:
    """The release script's per-row computation (one split at a time), via ``DataFrame.apply``."""
    import pandas as pd

    def tv(p: list[float], q: list[float]) -> float:
        a, b = np.array(p, dtype=float), np.array(q, dtype=float)
        return float(0.5 * np.sum(np.abs(a / a.sum() - b / b.sum())))

    scores = []
    for split in ("pop", "grouped"):
        df = pd.DataFrame({"dataset_name": [it.dataset_name for it in items if it.split == split],
                           "human": [list(it.human_percent) for it in items if it.split == split],
                           "model": [preds[it.item_id] for it in items if it.split == split]})
        df["tv"] = df.apply(lambda r: tv(r["human"], r["model"]), axis=1)
        df["tv_u"] = df.apply(lambda r: tv(r["human"], [1.0 / len(r["human"])] * len(r["human"])),
                              axis=1)
        norms = df.groupby("dataset_name")["tv_u"].mean()
        df["score"] = df.apply(lambda r, norms=norms: 100 * (1 - r["tv"] / norms[r["dataset_name"]]),
                               axis=1)
        scores.append(df["score"].mean())
    return float(np.mean(scores))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", help="SimBench data folder (default: $SIMBENCH_DATA)")
    parser.add_argument("--repeat", type=int, default=5, help="timings per method (best is kept)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    from simbench import load_items
    from simbench.metric import aggregate, compute_norms, score_matrix, score_predictions
    from simbench.metric.validate import validate_predictions

    items = load_items("both", source=args.data)
    rng = np.random.default_rng(args.seed)
    preds = {it.item_id: rng.dirichlet(np.ones(it.n_options)).tolist() for it in items}
    rows = [{"item_id": k, "distribution": v} for k, v in preds.items()]
    norms = compute_norms(items)
    matrix = validate_predictions(rows, items).matrix
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "predictions.jsonl"
        path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
        results = {
            "core (score_matrix + aggregate)": _best(
                lambda: aggregate(score_matrix(items, matrix, norms))["simbench_score"], args.repeat),
            "score_predictions(list of dicts)": _best(
                lambda: score_predictions(rows, items=items)["simbench_score"], args.repeat),
            "score_predictions(JSONL file)": _best(
                lambda: score_predictions(path, items=items)["simbench_score"], args.repeat),
            "per-row loop (release style)": _best(
                lambda: release_style_loop(items, preds), max(1, args.repeat // 2)),
        }
    loop_s, loop_cpu, _ = results["per-row loop (release style)"]
    print(f"{len(items)} rows (seed {args.seed}), best of {args.repeat}; load average "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print(f"{'method':34s} {'wall s':>8s} {'CPU s':>8s} {'vs loop (wall)':>15s} "
          f"{'vs loop (CPU)':>14s} {'score':>9s}")
    for name, (sec, cpu, score) in results.items():
        print(f"{name:34s} {sec:8.4f} {cpu:8.4f} {loop_s / sec:14.1f}x {loop_cpu / max(cpu, 1e-9):13.1f}x "
              f"{score:9.4f}")
    scores = [s for _, _, s in results.values()]
    assert max(scores) - min(scores) < 1e-9, f"the methods disagree: {scores}"


if __name__ == "__main__":
    main()
