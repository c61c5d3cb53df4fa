"""``simbench calibrate``: temperature-calibrate a run into a new run folder."""

from __future__ import annotations

import argparse
from typing import Any

from ..choices import CROSS_FITS
from ..runs import PREDICTIONS_FILE, RUN_INFO_FILE, SCORES_FILE

__all__ = ["register"]

_EPILOG = f"""\
examples:
  # one temperature fitted on the Pop split, applied to every item (in-sample on Pop)
  simbench calibrate runs/smollm2 --fit pop --out runs/smollm2-T-pop
  # fitted on two studies (slugs or release names), applied to every item
  simbench calibrate runs/smollm2 --fit opinion_qa jester --out runs/smollm2-T-oqa
  # each study scored with the temperature fitted on the other studies (out of sample)
  simbench calibrate runs/smollm2 --cross-fit study --out runs/smollm2-T-cv

Each distribution is rescaled as p_i ~ p_i ** (1 / T), with T minimising the mean total
variation to the human distributions on the fit part. The new folder holds {PREDICTIONS_FILE},
{SCORES_FILE} and {RUN_INFO_FILE} (the source's provenance plus the calibration: T, the fit part,
the source run and its file hashes); the source run is never changed. 'simbench report' on the
new folder shows it beside its source run. docs/methods.md says more.
"""


def register(sub: Any) -> None:
    p = sub.add_parser(
        "calibrate", help="fit temperature scaling of a run's distributions into a new run folder",
        description="Fit temperature scaling of the label distributions of a finished run "
                    "(minimising mean TV on a fit part, or cross-fitted by study) and write the "
                    "calibrated predictions as a new run folder.",
        epilog=_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("run_dir", metavar="RUN", help="a finished run folder (only read)")
    how = p.add_mutually_exclusive_group(required=True)
    how.add_argument("--fit", nargs="+", metavar="PART",
                     help="fit on these splits (pop, grouped, both) and/or studies (slugs or "
                          "release names); one temperature for every item")
    how.add_argument("--cross-fit", choices=CROSS_FITS,
                     help="'study': each study gets the temperature fitted on the other studies")
    p.add_argument("--out", required=True, metavar="DIR", help="the new run folder (must not exist "
                                                               "or be empty)")
    p.add_argument("--data", metavar="SOURCE", help="benchmark data (default: $SIMBENCH_DATA, then "
                                                    "the Hub); must be the run's data")
    p.set_defaults(func=_calibrate)


def _calibrate(args: argparse.Namespace) -> int:
    from pathlib import Path

    from ..stats import calibrate_run
    from . import CLIError

    if not Path(args.run_dir).is_dir():
        raise CLIError(f"{args.run_dir}: no such run folder")
    result = calibrate_run(args.run_dir, args.out, fit=args.fit, cross_fit=args.cross_fit,
                           data=args.data)
    cal = result.info.calibration
    assert cal is not None  # calibrate_run always writes it
    if cal.fitted is not None:
        f = cal.fitted
        print(f"temperature {f.temperature:.4g} fitted on {'+'.join(cal.fit or ())} "
              f"({f.n_fit} items): mean TV {f.mean_tv_raw:.4f} -> {f.mean_tv_calibrated:.4f}"
              + (" (at a bound of the search interval)" if f.at_bound else ""))
    for study, f in (cal.per_study or {}).items():
        print(f"  {study}: temperature {f.temperature:.4g}, fitted on the other studies "
              f"({f.n_fit} items): mean TV there {f.mean_tv_raw:.4f} -> "
              f"{f.mean_tv_calibrated:.4f}" + (" (at a bound)" if f.at_bound else ""))
    print()
    print(_side_by_side(result.raw_scores, result.scores))
    print(f"\nwrote {result.folder} ({result.info.method_label}) in {result.seconds:.1f}s")
    return 0


def _side_by_side(raw: dict[str, Any], calibrated: dict[str, Any]) -> str:
    """The headline, split and study scores of the source run and the calibrated run.

    >>> s = {"simbench_score": 1.0, "splits": {"pop": {"score": 1.0, "n": 2, "per_study": {
    ...     "jester": {"score": 1.0, "n": 2}}}}}
    >>> c = {"simbench_score": 3.5, "splits": {"pop": {"score": 3.5, "n": 2, "per_study": {
    ...     "jester": {"score": 3.5, "n": 2}}}}}
    >>> print(_side_by_side(s, c))
                                     raw  calibrated      n
    SimBench score                  1.00        3.50
    pop                             1.00        3.50      2
      jester (pop)                  1.00        3.50      2
    """
    def row(name: str, a: float, b: float, n: int | str = "") -> str:
        return f"{name:28s} {a:8.2f} {b:11.2f} {n!s:>6s}"

    lines = [f"{'':28s} {'raw':>8s} {'calibrated':>11s} {'n':>6s}",
             row("SimBench score", raw["simbench_score"], calibrated["simbench_score"]).rstrip()]
    for split, s in raw["splits"].items():
        c = calibrated["splits"][split]
        lines.append(row(split, s["score"], c["score"], s["n"]))
        lines += [row(f"  {study} ({split})", v["score"], c["per_study"][study]["score"], v["n"])
                  for study, v in s["per_study"].items()]
    return "\n".join(lines)
