"""``simbench report``: statistics and plots of a run folder, optionally compared with others."""

from __future__ import annotations

import argparse

from ..runs import PREDICTIONS_FILE

__all__ = ["register"]


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``report`` sub-command."""
    p = subparsers.add_parser(
        "report",
        help="write an HTML + Markdown report (intervals, noise ceiling, plots) of a run folder",
        description="Analyse a run folder: cluster-bootstrap intervals, noise ceiling, breakdowns by "
                    "study, entropy and demographic attribute; with --compare, paired differences "
                    "and the alignment-simulation analysis against each other run (same items). "
                    "Writes report.html (self-contained), report.md, stats.json and figures/.",
    )
    p.add_argument("run_dir", metavar="RUN_DIR", help=f"run folder (holding {PREDICTIONS_FILE})")
    p.add_argument("--compare", metavar="RUN_DIR", nargs="+", default=[],
                   help="run folders to compare RUN_DIR with (difference RUN_DIR minus each)")
    p.add_argument("--out", required=True, metavar="DIR", help="output folder (created)")
    p.add_argument("--data", default=None, metavar="SOURCE",
                   help="benchmark data (folder or file; default $SIMBENCH_DATA, then the Hub)")
    p.add_argument("--seed", type=int, default=0, help="seed of every random step (default 0)")
    p.add_argument("--n-resamples", type=int, default=1000, metavar="N",
                   help="bootstrap resamples and sign-flip permutations (default 1000)")
    p.add_argument("--n-draws", type=int, default=200, metavar="N",
                   help="Monte Carlo samples per row for the noise ceiling (default 200)")
    p.add_argument("--level", type=float, default=0.95, help="interval level (default 0.95)")
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from ..report.build import build_report
    from . import CLIError

    try:
        import jinja2  # noqa: F401
        import matplotlib  # noqa: F401
    except ImportError as e:
        raise CLIError(f"the report needs matplotlib and jinja2 ({e}); "
                       "install them with: pip install 'simbench-eval[report]'") from None

    for d in [args.run_dir, *args.compare]:
        if not Path(d).exists():
            raise CLIError(f"{d}: no such run folder")
    if args.n_resamples < 1 or args.n_draws < 1:
        raise CLIError("--n-resamples and --n-draws must be at least 1")
    if not 0.0 < args.level < 1.0:
        raise CLIError(f"--level must lie strictly between 0 and 1, got {args.level}")
    paths = build_report(args.run_dir, args.out, compare=args.compare, source=args.data,
                         seed=args.seed, n_resamples=args.n_resamples, n_draws=args.n_draws,
                         level=args.level)
    import json

    from ..report.tables import summary_lines

    print("\n".join(summary_lines(json.loads(paths["json"].read_text(encoding="utf-8"))["run"])))
    print(f"wrote {paths['html']}")
    print(f"wrote {paths['markdown']}")
    print(f"wrote {paths['json']}")
    return 0
