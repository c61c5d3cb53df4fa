"""``simbench data``: build the Hub dataset folder, push it, and inspect the release."""

from __future__ import annotations

import argparse
import time
from typing import Any

__all__ = ["register"]


def register(sub: Any) -> None:
    p = sub.add_parser("data", help="build and publish the SimBench dataset configs",
                       description="Build the script-free Hugging Face dataset folder and push it.")
    dsub = p.add_subparsers(dest="data_command", metavar="<action>", required=True)

    b = dsub.add_parser("build", help="write the Hub dataset folder (parquet + README.md card)",
                        description="Read the release (JSONL, CSV or pickle) and write one config per "
                                    "study plus 'all', loadable with datasets.load_dataset(OUT, CONFIG).",
                        epilog="Example: simbench data build --source ../shared/data/simbench --out simbench")
    b.add_argument("--source", help="release file or folder (default: $SIMBENCH_DATA, then the Hub)")
    b.add_argument("--out", required=True, help="folder to write")
    b.set_defaults(func=_build)

    s = dsub.add_parser("push", help="upload a built folder to the Hub",
                        description="Upload the folder written by 'simbench data build' as a dataset "
                                    "repository (token from $HF_TOKEN or 'hf auth login').")
    s.add_argument("--folder", required=True, help="folder written by 'simbench data build'")
    s.add_argument("--repo", required=True, help="dataset repository id, e.g. me/SimBench")
    s.add_argument("--pr", action="store_true", help="open a pull request instead of committing to main")
    s.add_argument("--private", action="store_true", help="create the repository as private")
    s.add_argument("--dry-run", action="store_true", help="list what would be committed, upload nothing")
    s.set_defaults(func=_push)

    i = dsub.add_parser("info", help="row counts per study and split, and the study norms")
    i.add_argument("--source", help="release file or folder (default: $SIMBENCH_DATA, then the Hub)")
    i.set_defaults(func=_info)


def _build(args: argparse.Namespace) -> int:
    from ..data.hub_folder import build_hub_folder
    from ..data.load import load_items, resolve_source

    t0 = time.perf_counter()
    src = resolve_source(args.source)
    items = load_items("both", source=src)
    counts = build_hub_folder(items, args.out)
    for config, splits in counts.items():
        print(f"{config:24s} " + "  ".join(f"{s}={n}" for s, n in splits.items()))
    print(f"wrote {len(counts)} configs to {args.out} in {time.perf_counter() - t0:.1f}s "
          f"(load with datasets.load_dataset({str(args.out)!r}, 'moral_machine', split='pop'))")
    return 0


def _push(args: argparse.Namespace) -> int:
    from ..data.push import plan_upload, push_folder

    plan = plan_upload(args.folder)
    if args.dry_run:
        print(f"would commit {len(plan)} files to dataset {args.repo}"
              f"{' as a pull request' if args.pr else ''}:")
        for rel, size in plan:
            print(f"  add {rel} ({size:,} bytes)")
        return 0
    info = push_folder(args.folder, args.repo, create_pr=args.pr, private=args.private)
    print(f"committed {len(plan)} files: {getattr(info, 'commit_url', info)}")
    return 0


def _info(args: argparse.Namespace) -> int:
    from ..data.load import load_items
    from ..data.registry import STUDIES
    from ..metric.core import compute_norms

    items = load_items("both", source=args.source)
    norms = compute_norms(items)
    print(f"{'study':24s} {'pop':>6s} {'grouped':>8s} {'norm pop':>9s} {'norm grp':>9s}")
    for st in STUDIES:
        n = {s: sum(1 for it in items if it.study == st.slug and it.split == s) for s in ("pop", "grouped")}
        np_, ng = norms.get(("pop", st.slug)), norms.get(("grouped", st.slug))
        print(f"{st.slug:24s} {n['pop']:6d} {n['grouped'] or '':>8} "
              f"{'' if np_ is None else f'{np_:.4f}':>9s} {'' if ng is None else f'{ng:.4f}':>9s}")
    return 0
