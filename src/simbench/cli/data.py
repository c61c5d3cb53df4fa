"""``simbench data``: build the Hub dataset folder, push it, and inspect the release."""

from __future__ import annotations

import argparse
import sys
import time
from types import ModuleType
from typing import Any

from . import CLIError

__all__ = ["register"]


def register(sub: Any) -> None:
    p = sub.add_parser("data", help="build and publish the SimBench dataset configs",
                       description="Build the script-free Hugging Face dataset folder and push it.")
    dsub = p.add_subparsers(dest="data_command", metavar="<action>", required=True)

    b = dsub.add_parser("build", help="write the Hub dataset folder (parquet + README.md card)",
                        description="Read the release (JSONL, CSV or pickle) and write one config per "
                                    "study plus 'all', loadable with datasets.load_dataset(OUT, CONFIG).",
                        epilog="Examples: simbench data build --source ../shared/data/simbench --out simbench-hub\n"
                               "  simbench data build --from-raw osp_big5 --raw ../shared/data/ospsych_big5 "
                               "--extended --out big5",
                        formatter_class=argparse.RawDescriptionHelpFormatter)
    b.add_argument("--source", help="release file or folder (default: $SIMBENCH_DATA, then the Hub); "
                                    "with --from-raw, the release rows to key and check against")
    b.add_argument("--out", required=True, help="folder to write")
    raw = b.add_argument_group("rebuilding one study from its raw source data (loading_scripts/)")
    raw.add_argument("--from-raw", metavar="STUDY",
                     help="study slug to rebuild: chaos_nli, choices13k, osp_big5, osp_rwas, "
                          "wisdom_of_crowds")
    raw.add_argument("--raw", metavar="FOLDER", help="folder holding the study's raw files")
    raw.add_argument("--extended", action="store_true",
                     help="also build the study's extended config (e.g. osp_big5_extended), kept apart "
                          "from the official configs")
    raw.add_argument("--min-group-size", type=int, metavar="N",
                     help="smallest group kept in the extended config (default: the converter's)")
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
    if args.from_raw:
        return _build_from_raw(args)
    for flag, value in (("--raw", args.raw), ("--extended", args.extended),
                        ("--min-group-size", args.min_group_size)):
        if value:
            raise CLIError(f"{flag} needs --from-raw STUDY")
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


def _converters() -> ModuleType:
    """The per-study converters, ``simbench.converters`` (the top-level ``loading_scripts/`` folder)."""
    try:
        from .. import converters
    except ImportError as e:
        raise CLIError(f"the per-study converters (simbench.converters) cannot be imported: {e}; "
                       "reinstall simbench-eval (pip install simbench-eval, or pip install -e . "
                       "--config-settings editable_mode=compat from a source checkout)") from e
    return converters


def _release_for(args: argparse.Namespace) -> list[Any] | None:
    from ..data.load import DataNotFoundError, load_items

    try:
        return load_items("pop", source=args.source)
    except DataNotFoundError as e:
        if args.source:
            raise
        print(f"warning: no SimBench release found ({e}); official rows cannot be keyed or checked",
              file=sys.stderr)
        return None


def _build_from_raw(args: argparse.Namespace) -> int:
    from ..data.hub_folder import build_hub_folder

    if not args.raw:
        raise CLIError("--from-raw needs --raw FOLDER (the folder holding the study's raw files)")
    if args.min_group_size is not None and args.min_group_size < 1:
        raise CLIError(f"--min-group-size must be at least 1, got {args.min_group_size}")
    t0 = time.perf_counter()
    scripts = _converters()
    try:
        scripts.get_converter(args.from_raw)
    except KeyError as e:
        raise CLIError(e.args[0]) from None
    release = _release_for(args)
    conv = scripts.convert(args.from_raw, args.raw, release, extended=args.extended,
                           min_group_size=args.min_group_size)
    print(conv.report.summary())
    report_path = conv.report.write(args.out)
    print(f"wrote the reproduction report to {report_path}")
    if not conv.items and not conv.extended:
        raise CLIError(f"{conv.study}: no rows to build: " + "; ".join(conv.report.notes[-1:]))
    counts = build_hub_folder(list(conv.items), args.out, extended=dict(conv.extended),
                              extra_sections=_raw_card_section(conv))
    for config, splits in counts.items():
        print(f"{config:24s} " + "  ".join(f"{s}={n}" for s, n in splits.items()))
    print(f"wrote {len(counts)} configs to {args.out} in {time.perf_counter() - t0:.1f}s "
          f"(load with datasets.load_dataset({str(args.out)!r}, {conv.study!r}, split='pop'))")
    return 0


def _raw_card_section(conv: Any) -> str:
    """Markdown for the card: how the rows were rebuilt, and what the extended configs are."""
    rep = conv.report
    diff = "n/a" if rep.max_dist_diff is None else f"{rep.max_dist_diff:.3g}"
    lines = ["## Rebuilt from raw source data", "",
             f"The `{conv.study}` rows of this folder were rebuilt from the study's raw public data by "
             f"`loading_scripts/{conv.study}.py` of simbench-eval: {rep.matched} of {rep.release_rows} "
             f"release rows reproduced exactly (largest distribution difference {diff}); details in "
             f"`{conv.study}_reproduction.json`.", ""]
    if conv.extended:
        lines += ["### Extended configs (not part of the official benchmark)", ""]
        for name, splits in conv.extended.items():
            n = sum(len(rows) for rows in splits.values())
            lines.append(f"- `{name}` ({n} rows): built by the same recipe beyond the release rows. "
                         "Its item ids are its own (`pop/<position>`), and it must be scored with its "
                         "own norms, never mixed with the official configs.")
        lines += ["", *(f"- {note}" for note in rep.notes), ""]
    return "\n".join(lines)


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
