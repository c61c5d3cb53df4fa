"""``simbench submit``: validate a run, re-score it and open the Hub pull requests."""

from __future__ import annotations

import argparse
import os
from typing import Any

from ..runs import RUN_INFO_FILE, SCORES_FILE

__all__ = ["register"]

_EXAMPLE = f"""examples:
  simbench submit runs/smollm2 --leaderboard me/simbench-leaderboard --dry-run
  simbench submit runs/qwen --leaderboard me/simbench-leaderboard --model-repo me/my-model

Every item of each submitted split must be present exactly once with a valid distribution (summing
to 1 within 1e-6), and {RUN_INFO_FILE} must carry the provenance (model id and revision, method,
protocol, package version, data hash). Scores are recomputed from the per-item predictions;
{SCORES_FILE} is never read."""

#: Prediction lines shown by --dry-run (the rest are counted; --write-files writes them all).
_SHOW_PREDICTIONS = 3


def register(sub: Any) -> None:
    p = sub.add_parser(
        "submit", help="validate, re-score and submit a run to a leaderboard (Hub pull requests)",
        description="Validate a run folder (or bundled submission .json) strictly, recompute its\n"
                    "scores with confidence intervals, and open two pull requests: the entry in\n"
                    "the leaderboard dataset repository and .eval_results/simbench.yaml in the\n"
                    "model repository. Token from $HF_TOKEN or 'hf auth login'.",
        epilog=_EXAMPLE, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("run_dir", metavar="RUN_DIR", help="run folder or bundled submission .json")
    p.add_argument("--leaderboard", required=True, metavar="REPO_ID",
                   help="leaderboard dataset repository id, e.g. me/simbench-leaderboard")
    p.add_argument("--model-repo", metavar="REPO_ID", default="auto",
                   help="model repository for .eval_results/simbench.yaml (default: the run's "
                        "model id when it is a Hub id; 'none' to skip)")
    p.add_argument("--dataset-id", default=None, help="benchmark dataset id in the evaluation "
                                                      "results (default: pitehu/SimBench)")
    p.add_argument("--data", help="SimBench data folder or file (default: $SIMBENCH_DATA, the Hub)")
    p.add_argument("--n-resamples", type=int, default=1000,
                   help="bootstrap resamples (default 1000)")
    p.add_argument("--seed", type=int, default=0, help="bootstrap seed (default 0)")
    p.add_argument("--dry-run", action="store_true",
                   help="print the exact commit operations and file contents; upload nothing")
    p.add_argument("--write-files", metavar="DIR",
                   help="also write the files that would be committed under DIR/<repo id>/")
    p.add_argument("--token-env", default="HF_TOKEN",
                   help="environment variable holding the Hub token (default HF_TOKEN; else the "
                        "'hf auth login' cache)")
    p.set_defaults(func=_submit)


def _show(plan: Any) -> None:
    for commit in (plan.leaderboard, plan.model):
        if commit is None:
            print("\n(no model repository: .eval_results/simbench.yaml is not committed; pass "
                  "--model-repo)")
            continue
        print(f"\n=== pull request on {commit.repo_type} {commit.repo_id}: {commit.title}")
        print(commit.description)
        for op in commit.operations():
            data = op.path_or_fileobj
            print(f"CommitOperationAdd(path_in_repo={op.path_in_repo!r}, {len(data):,} bytes)")
            print(f"--- {op.path_in_repo}")
            print(_abridged(data.decode("utf-8")), end="")


def _abridged(text: str) -> str:
    """The file as is, but only the first few of its one-per-line predictions."""
    lines = text.splitlines(keepends=True)
    try:
        start = lines.index('  "predictions": [\n') + 1
    except ValueError:
        return text
    end = len(lines) - 2  # the closing "  ]" and "}"
    if end - start <= _SHOW_PREDICTIONS:
        return text
    hidden = end - start - _SHOW_PREDICTIONS
    note = (f"    ... {hidden:,} more prediction lines, one per item "
            "(--write-files DIR writes the file in full)\n")
    return "".join(lines[:start + _SHOW_PREDICTIONS] + [note] + lines[end - 1:])


def _write(plan: Any, folder: str) -> None:
    for commit in (plan.leaderboard, plan.model):
        if commit is None:
            continue
        for path, data in commit.files:
            target = os.path.join(folder, commit.repo_id, path)
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with open(target, "wb") as f:
                f.write(data)
            print(f"wrote {target}")


def _submit(args: argparse.Namespace) -> int:
    from ..data.load import HUB_REPO_ID
    from ..leaderboard import prepare_submission, upload_submission
    from ..leaderboard.published import fmt_score

    model_repo = None if str(args.model_repo).lower() == "none" else args.model_repo
    plan, results = prepare_submission(
        args.run_dir, leaderboard_repo=args.leaderboard, model_repo=model_repo,
        dataset_id=args.dataset_id or HUB_REPO_ID, source=args.data,
        n_resamples=args.n_resamples, seed=args.seed)
    lo, hi = results["low"], results["high"]
    ci = (f" [{fmt_score(lo)}, {fmt_score(hi)}]" if lo is not None and hi is not None
          else f" ({results.get('not_estimable', 'interval not estimable')})")
    failures = results["failures"]
    print(f"accepted: SimBench score {fmt_score(results['simbench_score'])}{ci} recomputed from "
          f"{failures['n_items']} predictions ({failures['n_failed']} failed)")
    if results["data"]["matches"] is False:
        print(f"warning: the run's data hash {results['data']['run_sha256'][:12]} differs from "
              f"the data it was re-scored on ({str(results['data']['scored_with_sha256'])[:12]})")
    if args.dry_run:
        print("dry run: nothing is uploaded. The pull requests would be:")
        _show(plan)
    if args.write_files:
        _write(plan, args.write_files)
    if args.dry_run:
        return 0
    infos = upload_submission(plan, token=os.environ.get(args.token_env) or None)
    for info in infos:
        print(f"opened {getattr(info, 'pr_url', None) or getattr(info, 'commit_url', info)}")
    return 0
