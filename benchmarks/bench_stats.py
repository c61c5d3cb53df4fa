"""Speed of the statistics on all 13,510 rows of the real release.

Times (best of ``--repeat``, wall-clock and CPU) the 1,000-resample cluster bootstrap, the paired
comparison (1,000 resamples + 1,000 sign-flip permutations), the noise ceiling and the attribute
breakdown, and, for scale, a straightforward per-resample Python loop over question clusters (run on
a few resamples and extrapolated to 1,000). Checks that two bootstraps with the same seed agree
exactly.

    SIMBENCH_DATA=../shared/data/simbench python benchmarks/bench_stats.py --repeat 3
"""

from __future__ import annotations

import argparse
import json
import time
from collections import defaultdict
from collections.abc import Callable
from typing import Any

import numpy as np

from simbench import load_items
from simbench.metric import score_matrix, uniform_matrix
from simbench.stats import attribute_deltas, bootstrap_ci, noise_ceiling, paired_comparison
from simbench.stats._layout import human_matrix


def _best(fn: Callable[[], Any], repeat: int) -> tuple[float, float, Any]:
    walls, cpus, out = [], [], None
    for _ in range(repeat):
        w, c = time.perf_counter(), time.process_time()
        out = fn()
        walls.append(time.perf_counter() - w)
        cpus.append(time.process_time() - c)
    return min(walls), min(cpus), out


def loop_bootstrap(items: list, scores: np.ndarray, n_resamples: int, seed: int) -> list[float]:
    """Reference: one resample at a time, clusters gathered with Python lists."""
    rng = np.random.default_rng(seed)
    strata: dict[tuple[str, str], dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    for i, it in enumerate(items):
        strata[(it.split, it.study)][it.cluster_id].append(i)
    out = []
    for _ in range(n_resamples):
        per_split: dict[str, list[float]] = defaultdict(list)
        for (split, _), clusters in sorted(strata.items()):
            keys = list(clusters)
            for k in rng.integers(0, len(keys), size=len(keys)):
                per_split[split].extend(scores[j] for j in clusters[keys[k]])
        out.append(float(np.mean([np.mean(v) for v in per_split.values()])))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--n-resamples", type=int, default=1000)
    parser.add_argument("--loop-resamples", type=int, default=20)
    args = parser.parse_args()
    items = load_items("both")
    human = human_matrix(items)
    uniform = uniform_matrix([it.n_options for it in items])
    a, b = 0.6 * human + 0.4 * uniform, 0.5 * human + 0.5 * uniform
    rows = score_matrix(items, a)
    n = args.n_resamples
    results = {}
    results["bootstrap_ci (1,000 resamples, from the padded matrix)"] = _best(
        lambda: bootstrap_ci(items, a, n_resamples=n, seed=0), args.repeat)
    results["paired_comparison (1,000 resamples + 1,000 sign flips)"] = _best(
        lambda: paired_comparison(items, a, b, n_resamples=n, seed=0), args.repeat)
    results["noise_ceiling (200 multinomial draws per row)"] = _best(
        lambda: noise_ceiling(items, n_draws=200, seed=0), args.repeat)
    results["attribute_deltas (1,000 resamples)"] = _best(
        lambda: attribute_deltas(items, rows.score, n_resamples=n, seed=0), args.repeat)
    w, c, _ = _best(lambda: loop_bootstrap(items, rows.score, args.loop_resamples, 0), 1)
    scale = n / args.loop_resamples
    results[f"per-resample Python loop (x{scale:g} from {args.loop_resamples} resamples)"] = (
        w * scale, c * scale, None)
    same = json.dumps(bootstrap_ci(items, a, n_resamples=n, seed=0)) == \
        json.dumps(bootstrap_ci(items, a, n_resamples=n, seed=0))
    print(f"{len(items)} rows, {len({it.cluster_id for it in items})} question clusters; "
          f"same seed identical: {same}")
    print("| task | wall s | CPU s |\n|---|---:|---:|")
    for name, (wall, cpu, _) in results.items():
        print(f"| {name} | {wall:.3f} | {cpu:.3f} |")


if __name__ == "__main__":
    main()
