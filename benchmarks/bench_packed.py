"""bfloat16 on CPU: the engine with its linear layers' weights packed once, against plain ``nn.Linear``.

A candidate for the bfloat16 goal of issue 13 (4x the float32 release loop), measured in one
run: with plain ``nn.Linear`` in bfloat16, torch's CPU matmul (oneDNN) brings each weight into the
blocked layout its AMX/AVX512-BF16 kernels read on every call; packing every weight once
(``torch.ops.mkldnn._reorder_linear_weight``) and calling ``torch.ops.mkldnn._linear_pointwise``
skips that. This script runs the engine (``TransformersLogprobBackend``, batch size auto, prefix
cache on) on the same items: float32 once as the reference, then bfloat16 plain and packed,
alternated ``--repeat`` times, and prints items/s, the packed/plain ratio and max |Δp| against
the float32 engine and between the two bfloat16 forms. The packing is not in the engine: this
is the measurement that decides whether it goes there.

    export HF_HUB_OFFLINE=1 SIMBENCH_DATA=../shared/data/simbench
    python benchmarks/bench_packed.py --limit-per-study 2 --repeat 2
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence
from typing import Any

from _extraction_methods import Dists


def pack_linears(model: Any) -> int:
    """Replace every ``nn.Linear`` of ``model`` (bfloat16, CPU) by a packed-weight module."""
    import torch

    class Packed(torch.nn.Module):
        def __init__(self, linear: torch.nn.Linear) -> None:
            super().__init__()
            self.weight = torch.ops.mkldnn._reorder_linear_weight(linear.weight.detach(), None)
            self.bias = None if linear.bias is None else linear.bias.detach()

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return torch.ops.mkldnn._linear_pointwise(x, self.weight, self.bias, "none", [], "")

    count = 0
    for module in list(model.modules()):
        for name, child in list(module.named_children()):
            if isinstance(child, torch.nn.Linear):
                setattr(module, name, Packed(child))
                count += 1
    return count


def run(items: Sequence[Any], dtype: str, packed: bool) -> tuple[float, Dists]:
    """Load SmolLM2 in ``dtype``, warm up on two items, then time the engine on ``items``."""
    from _extraction_methods import run_engine

    from simbench.extraction.hf.models import load_model

    lm = load_model("smollm2", dtype=dtype, device="cpu")
    if packed:
        pack_linears(lm.model)
    run_engine(lm.model, lm.tokenizer, items[:2], "auto")
    start = time.perf_counter()
    work = run_engine(lm.model, lm.tokenizer, items, "auto")
    return time.perf_counter() - start, work.dists


def max_dp(a: Dists, b: Dists) -> float:
    return max(abs(a[i][k] - b[i][k]) for i in a for k in a[i])


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--limit-per-study", type=int, default=2, help="items per study (default 2)")
    parser.add_argument("--repeat", type=int, default=2, help="plain/packed pairs (default 2)")
    args = parser.parse_args(argv)
    from simbench import load_items, select_items
    from simbench.extraction._hardware import cpu_flags

    flags = cpu_flags()
    print("cpu bf16 instructions:", sorted(f for f in flags if "bf16" in f) or "none")
    items = select_items(load_items("both"), limit_per_study=args.limit_per_study, seed=0)
    seconds, ref = run(items, "float32", False)
    print(f"float32 plain   {len(items) / seconds:6.2f} items/s")
    rates: dict[bool, list[float]] = {False: [], True: []}
    last: dict[bool, Dists] = {}
    for _ in range(args.repeat):
        for packed in (False, True):
            seconds, dists = run(items, "bfloat16", packed)
            rates[packed].append(len(items) / seconds)
            last[packed] = dists
            print(f"bfloat16 {'packed' if packed else 'plain '} {rates[packed][-1]:6.2f} items/s, "
                  f"max |dp| vs float32 {max_dp(ref, dists):.1e}", flush=True)
    best = {k: max(v) for k, v in rates.items()}
    print(f"{len(items)} items: packed / plain bfloat16 {best[True] / best[False]:.2f}x (best of "
          f"{args.repeat}); max |dp| packed vs plain {max_dp(last[False], last[True]):.1e}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
