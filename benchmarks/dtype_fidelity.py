"""How far does one run move from another? Scores per study and |Δp| between two run folders.

Made for float32 against bfloat16 (docs/extraction.md, "bfloat16 on CPU"), but any two runs over
the same items compare: prints a Markdown table of the split and per-study scores of both runs,
their difference, and the mean and max absolute difference of the option probabilities.

    python benchmarks/dtype_fidelity.py runs/smol-fp32 runs/smol-bf16
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any


def _predictions(folder: Path) -> dict[str, dict[str, Any]]:
    with (folder / "predictions.jsonl").open() as f:
        rows = [json.loads(line) for line in f if line.strip()]
    return {r["item_id"]: r for r in rows if r.get("status") == "ok"}


def _diffs(a: dict[str, Any], b: dict[str, Any], ids: Sequence[str]) -> tuple[float, float]:
    values = [abs(a[i]["distribution"][k] - b[i]["distribution"][k])
              for i in ids for k in a[i]["distribution"]]
    return sum(values) / len(values), max(values)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("reference", type=Path, help="run folder, e.g. the float32 run")
    parser.add_argument("other", type=Path, help="run folder, e.g. the bfloat16 run")
    args = parser.parse_args(argv)

    from simbench import load_items

    a, b = _predictions(args.reference), _predictions(args.other)
    common = sorted(set(a) & set(b))
    if len(common) != len(a) or len(common) != len(b):
        raise SystemExit(f"the runs differ in their ok items: {len(a)}, {len(b)}, "
                         f"{len(common)} in common")
    items = {it.item_id: it for it in load_items("both")}
    sa, sb = (json.loads((f / "scores.json").read_text()) for f in (args.reference, args.other))
    print(f"| split | study | {args.reference.name} | {args.other.name} | Δ score "
          "| mean \\|Δp\\| | max \\|Δp\\| |\n|---|---|---:|---:|---:|---:|---:|")
    for split in ("pop", "grouped"):
        if split not in sa["splits"]:
            continue
        ps_a, ps_b = sa["splits"][split]["per_study"], sb["splits"][split]["per_study"]
        for study in ps_a:
            ids = [i for i in common if items[i].split == split and items[i].study == study]
            x, y = ps_a[study]["score"], ps_b[study]["score"]
            print(f"| {split} | {study} | {x:.2f} | {y:.2f} | {y - x:+.2f} | "
                  "{:.4f} | {:.4f} |".format(*_diffs(a, b, ids)))
        ids = [i for i in common if items[i].split == split]
        x, y = sa["splits"][split]["score"], sb["splits"][split]["score"]
        print(f"| {split} | **split** | {x:.2f} | {y:.2f} | {y - x:+.2f} | "
              "{:.4f} | {:.4f} |".format(*_diffs(a, b, ids)))
    x, y = sa["simbench_score"], sb["simbench_score"]
    print(f"| both | **SimBench score** | {x:.2f} | {y:.2f} | {y - x:+.2f} | "
          "{:.4f} | {:.4f} |".format(*_diffs(a, b, common)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
