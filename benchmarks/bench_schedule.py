"""The engine's forward passes on a sample, counted without running the model.

Plans the work of :class:`simbench.extraction.TransformersLogprobBackend` (default protocol,
``batch_size="auto"``, prefix cache on) exactly as a run would: distinct prompts, shared prefixes,
chunks, then batches of each chunk by suffix length (prefixes mixed in a batch). For comparison it
also counts the batches of the earlier schedule, which batched the requests of one prefix at a
time (the engine until 2026-12-07). Prints, for each: forward passes over the prefixes and the
suffixes, rows and padded tokens, and the median rows and tokens per suffix pass. Only the
tokenizer is used (seconds for the whole benchmark).

    SIMBENCH_DATA=../shared/data/simbench python benchmarks/bench_schedule.py --all
    python benchmarks/bench_schedule.py --limit-per-study 10
"""

from __future__ import annotations

import argparse
import statistics
from collections.abc import Sequence
from typing import Any


def _passes(sizer: Any, rows: Sequence[Any], width: Any) -> list[tuple[int, int]]:
    """``(rows, padded tokens)`` of each batch the sizer makes of ``rows``."""
    return [(len(batch), len(batch) * max(width(r) for r in batch))
            for batch, _ in sizer.run(rows, lambda batch: None, length=width)]


def count(backend: Any, items: Sequence[Any]) -> dict[str, list[tuple[int, int]]]:
    """The passes of both schedules: ``prefix``, ``suffix`` (now) and ``suffix by prefix``."""
    from simbench.extraction.hf.token_probs import _prefix_rows

    requests = backend._requests(items)
    backend._plan(requests)
    sizer = backend._sizer
    out: dict[str, list[tuple[int, int]]] = {"prefix": [], "suffix": [], "suffix by prefix": []}
    for chunk in backend._schedule(requests):
        out["prefix"] += _passes(sizer, _prefix_rows(chunk), lambda r: r.prefix_len)
        out["suffix"] += _passes(sizer, chunk, lambda r: len(r.suffix))
        units: dict[int, list[Any]] = {}
        for request in chunk:
            units.setdefault(request.group, []).append(request)
        for unit in units.values():
            unit.sort(key=lambda r: len(r.suffix), reverse=True)
            out["suffix by prefix"] += _passes(sizer, unit, lambda r: len(r.suffix))
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="smollm2", help="alias, local folder or Hub id")
    parser.add_argument("--limit-per-study", type=int, default=10)
    parser.add_argument("--all", action="store_true", help="every item of both splits (13,510)")
    args = parser.parse_args(argv)

    from simbench import load_items, select_items
    from simbench.extraction import TransformersLogprobBackend, load_model

    items = load_items("both")
    if not args.all:
        items = select_items(items, limit_per_study=args.limit_per_study, seed=0)
    loaded = load_model(args.model, device="cpu")
    backend = TransformersLogprobBackend(loaded.model, loaded.tokenizer)
    passes = count(backend, items)
    print(f"{len(items)} items, {args.model}, batch_size auto (CPU: at most "
          f"{backend._sizer.max_tokens} padded tokens per pass)")
    print("| passes over | forward passes | rows | padded tokens | median rows | median tokens |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, rows in passes.items():
        label = {"prefix": "shared prefixes", "suffix": "suffixes (now: prefixes mixed)",
                 "suffix by prefix": "suffixes, one prefix per pass (before)"}[name]
        print(f"| {label} | {len(rows):,} | {sum(r for r, _ in rows):,} | "
              f"{sum(t for _, t in rows):,} | {statistics.median(r for r, _ in rows):g} | "
              f"{statistics.median(t for _, t in rows):g} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
