"""``simbench leaderboard build``: the leaderboard as CSV, Markdown and a static HTML page;
``simbench leaderboard space``: the leaderboard as a Hub Space (a Gradio app), written and pushed."""

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

    s = lsub.add_parser(
        "space", help="write (and push) the leaderboard as a Gradio Space",
        description="Write a ready Hugging Face Space folder: README.md with the Space front matter "
                    "(sdk: gradio, pinned sdk_version, tags: [leaderboard]), app.py and "
                    "requirements.txt. The app reads submissions/ of the leaderboard dataset "
                    "(or $SIMBENCH_SUBMISSIONS_DIR), validates and re-scores every entry as "
                    "'leaderboard build' does, and serves the board, per-model panels, a scaling "
                    "panel and a Submit tab. Run it locally with "
                    "'SIMBENCH_SUBMISSIONS_DIR=<folder> python DIR/app.py'.",
        epilog="Example: simbench leaderboard space --out space --submissions-repo "
               "me/simbench-leaderboard --push --repo me/simbench-board")
    s.add_argument("--out", required=True, help="folder to write the Space into")
    s.add_argument("--submissions-repo", metavar="ID",
                   help="leaderboard dataset repository the app reads (default: the Space "
                        "variable SIMBENCH_SUBMISSIONS_REPO)")
    s.add_argument("--title", default="SimBench leaderboard", help="the Space title")
    s.add_argument("--package", metavar="SPEC",
                   help="requirement line installing simbench in the Space (default: "
                        "simbench-eval[report]==<this version>)")
    s.add_argument("--push", action="store_true", help="upload the folder as a Gradio Space")
    s.add_argument("--repo", metavar="ID", help="the Space repository id for --push")
    s.add_argument("--private", action="store_true", help="create the Space as private")
    s.add_argument("--pr", action="store_true", help="open a pull request instead of committing")
    s.add_argument("--dry-run", action="store_true",
                   help="with --push: list what would be committed, upload nothing")
    s.set_defaults(func=_space)


def _build(args: argparse.Namespace) -> int:
    from ..leaderboard import build_leaderboard

    paths = build_leaderboard(args.submissions, args.out, source=args.data,
                              n_resamples=args.n_resamples, seed=args.seed)
    rows = paths["csv"].read_text(encoding="utf-8").count("\n") - 1
    print(f"wrote {rows} rows: " + ", ".join(str(p) for p in paths.values()))
    return 0


def _space(args: argparse.Namespace) -> int:
    from ..errors import CLIError
    from ..leaderboard.space import plan_space_upload, push_space, write_space

    if args.push and not args.repo:
        raise CLIError("--push needs --repo OWNER/NAME (the Space repository)")
    if args.repo and not args.push:
        raise CLIError("--repo is only used with --push")
    paths = write_space(args.out, submissions_repo=args.submissions_repo, title=args.title,
                        package=args.package)
    print(f"wrote the Space: {', '.join(str(p) for p in paths.values())}")
    if not args.push:
        print(f"try it: SIMBENCH_SUBMISSIONS_DIR=<submissions folder> python {paths['app']}")
        return 0
    plan = plan_space_upload(args.out)
    if args.dry_run:
        print(f"would commit {len(plan)} files to Space {args.repo}"
              f"{' as a pull request' if args.pr else ''}:")
        for rel, size in plan:
            print(f"  add {rel} ({size:,} bytes)")
        return 0
    info = push_space(args.out, args.repo, private=args.private, create_pr=args.pr)
    print(f"committed {len(plan)} files: {getattr(info, 'commit_url', info)}")
    return 0
