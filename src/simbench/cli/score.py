"""``simbench score``: score a predictions file and print the SimBench table.

Examples
--------
::

    simbench score runs/smollm2 --data ../shared/data/simbench --json results/smollm2.json
    simbench score my-preds.jsonl --norms scored-rows   # release-compatible norms
"""

from __future__ import annotations

import argparse
import json
import math
import time
from pathlib import Path
from typing import Any

from ..runs import PREDICTIONS_FILE, SCORES_FILE

__all__ = ["register"]


def register(sub: Any) -> None:
    """Add the ``score`` parser."""
    p = sub.add_parser(
        "score", help="score a predictions file (JSON Lines) and print the SimBench table",
        description="Validate predictions against the SimBench items and compute the SimBench score "
                    "(headline, per split, per study). Invalid input exits non-zero and lists every "
                    "problem, each naming the row and the item.",
        epilog=f"Example: simbench score run/{PREDICTIONS_FILE} --data ../shared/data/simbench "
               f"--json run/{SCORES_FILE}")
    p.add_argument("predictions", help="predictions .jsonl file, or a run folder holding "
                                       f"{PREDICTIONS_FILE}")
    p.add_argument("--data", help="SimBench data: a release file or folder, or a folder built by "
                                  "'simbench data build' (default: $SIMBENCH_DATA, then the Hub)")
    p.add_argument("--json", metavar="OUT", help="also write the results as JSON to OUT")
    p.add_argument("--norms", choices=("full-split", "scored-rows"), default="full-split",
                   help="study norms from every row of the split (default) or only from the scored "
                        "rows (reproduces the release script)")
    p.add_argument("--failures", choices=("uniform", "exclude"), default="uniform",
                   help="rows with status 'failed': score them as the uniform distribution (default) "
                        "or leave them out (coverage is reported)")
    p.add_argument("--sum-tolerance", type=float, default=1e-2, metavar="X",
                   help="renormalise a distribution whose sum is within X of 1 (with a warning); "
                        "beyond X it is an error (default: 0.01)")
    p.set_defaults(func=_score)


def _score(args: argparse.Namespace) -> int:
    from ..data.load import load_items
    from ..metric import format_score_table, score_predictions
    from . import CLIError

    if not (math.isfinite(args.sum_tolerance) and args.sum_tolerance >= 0):
        raise CLIError(f"--sum-tolerance must be a number >= 0, got {args.sum_tolerance}")
    t0 = time.perf_counter()
    items = load_items("both", source=args.data)
    result = score_predictions(args.predictions, items=items, norms=args.norms,
                               failures=args.failures, sum_tolerance=args.sum_tolerance)
    if args.json:
        out = Path(args.json)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(result, indent=2, allow_nan=False) + "\n", encoding="utf-8")
    print(format_score_table(result))
    if args.json:
        print(f"\nwrote {args.json}")
    print(f"\nscored {sum(s['n'] for s in result['splits'].values())} rows in "
          f"{time.perf_counter() - t0:.1f}s")
    return 0
