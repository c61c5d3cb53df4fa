"""``simbench install`` / ``simbench uninstall``: the bare names in the datasets and evaluate caches."""

from __future__ import annotations

import argparse
from typing import Any

__all__ = ["register"]

_EPILOG = """\
afterwards, from any folder, online or offline:
  python -c "from datasets import load_dataset; print(load_dataset('simbench', 'moral_machine', split='pop'))"
  python -c "import evaluate; print(evaluate.load('simbench').name)"

Rerunning is cheap: nothing is written when everything registered is current. After an upgrade of
simbench-eval or a new release file, a rerun replaces the stale copies. The caches are the current
environment's ($HF_HOME, $HF_DATASETS_CACHE, $HF_MODULES_CACHE).
"""


def register(sub: Any) -> None:
    p = sub.add_parser(
        "install", help="register the dataset configs and the metric under the bare name 'simbench'",
        description="Build the Hub configs from the release and register them in the datasets cache "
                    "as 'simbench', and the metric in evaluate's module cache, so that "
                    "load_dataset('simbench', CONFIG) and evaluate.load('simbench') work from any "
                    "folder, offline too (about 20 s).",
        epilog=_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--source", help="release file or folder (default: $SIMBENCH_DATA, then the Hub "
                                    "dataset pitehu/SimBench)")
    p.add_argument("--check", action="store_true",
                   help="write nothing: say what is registered and whether it matches this version "
                        "and this data (exit code 1 when something is missing or stale)")
    p.add_argument("--force", action="store_true", help="rebuild even when everything is current")
    p.add_argument("--no-metric", action="store_true",
                   help="register the dataset configs only (the metric needs the 'evaluate' package)")
    p.set_defaults(func=_install)

    u = sub.add_parser("uninstall", help="remove what 'simbench install' registered",
                       description="Remove the 'simbench' configs from the datasets cache and the "
                                   "metric from evaluate's module cache (folders that 'simbench "
                                   "install' did not write are kept).")
    u.set_defaults(func=_uninstall)


def _install(args: argparse.Namespace) -> int:
    from ..install import install, install_status

    if args.check:
        if args.force:
            from . import CLIError

            raise CLIError("--check writes nothing: drop --force")
        status = install_status(args.source, metric=not args.no_metric)
        print("\n".join(status.lines()))
        print("everything is current" if status.ok else "not current: run 'simbench install'")
        return 0 if status.ok else 1
    result = install(args.source, force=args.force, metric=not args.no_metric)
    status = result.status
    if not status.ok:  # a library did not find what was written: show everything
        print("\n".join(status.lines()))
        return 1
    metric = f" and the metric in {status.metric_root}" if status.metric_state == "current" else ""
    if result.skipped:
        print(f"already registered and current: {len(status.configs)} configs in "
              f"{status.dataset_root}{metric}; nothing to do (--check lists them, --force rebuilds)")
    else:
        print(f"registered {len(status.configs)} configs in {status.dataset_root}{metric} in "
              f"{result.seconds:.1f}s ('simbench install --check' lists them)")
    print("use them from any folder: load_dataset('simbench', 'moral_machine', split='pop')"
          + (", evaluate.load('simbench')" if metric else ""))
    return 0


def _uninstall(args: argparse.Namespace) -> int:
    from ..install import uninstall

    removed = uninstall()
    for path in removed:
        print(f"removed {path}")
    print(f"removed {len(removed)} registrations" if removed else "nothing registered: nothing to do")
    return 0
