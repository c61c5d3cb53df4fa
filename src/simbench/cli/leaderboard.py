"""``simbench leaderboard build``: the leaderboard as CSV, Markdown and a static HTML page."""

from __future__ import annotations

import argparse
from typing import Any

__all__ = ["register"]


def register(sub: Any) -> None:
    p = sub.add_parser("leaderboard", help="build the leaderboard page from submissions",
                       description="Leaderboard tools.")
    lsub = p.add_subparsers(dest="leaderboard_command", metavar="<action>", required=True)
    b = lsub.add_parser(
        "build", help="write leaderboard.csv, leaderboard.md and index.html",
        description="Validate and re-score every submission in a folder (leaderboard entries "
                    "submissions/<model>/<time>.json or run folders), add the 45 results reported "
                    "in the paper, and write the leaderboard as CSV, Markdown and a static HTML "
                    "page (sortable, filterable, with intervals and the uniform baseline).",
        epilog="Example: simbench leaderboard build submissions --out site")
    b.add_argument("submissions", help="folder of submissions (entries or run folders)")
    b.add_argument("--out", required=True, help="folder to write")
    b.add_argument("--data", help="SimBench data folder or file (default: $SIMBENCH_DATA, the Hub)")
    b.add_argument("--n-resamples", type=int, default=1000,
                   help="bootstrap resamples (default 1000)")
    b.add_argument("--seed", type=int, default=0, help="bootstrap seed (default 0)")
    b.set_defaults(func=_build)


def _build(args: argparse.Namespace) -> int:
    from ..leaderboard import build_leaderboard

    paths = build_leaderboard(args.submissions, args.out, source=args.data,
                              n_resamples=args.n_resamples, seed=args.seed)
    rows = paths["csv"].read_text(encoding="utf-8").count("\n") - 1
    print(f"wrote {rows} rows: " + ", ".join(str(p) for p in paths.values()))
    return 0
