"""Forward-pass throughput by batch shape: is one prompt at a time slower per token than a batch?

Times ``model(input_ids, attention_mask, logits_to_keep=1)`` on random token ids for several
``rows x length`` shapes (best of a few repeats) and prints tokens/s and model GFLOP/s
(``2 x body parameters`` per token). On the 2-core CPU it shows why the release-style loop
(one prompt at a time) is already near the engine's rate per token (see README.md).

The float32 roofline candidates are options, one configuration per run, so that a quiet session
can compare them (``benchmarks/README.md``): ``--threads`` (``torch.set_num_threads``), ``--attn``
(``sdpa`` or ``eager`` attention), ``--compile`` (``torch.compile`` of the model, timed after a
warm-up call per shape; the compile time is printed apart), ``--compile-hot`` (the engine's
``--compile``: the MLP and RMSNorm modules only, ``simbench.extraction.hf._compile``).

``--profile`` adds a roofline of the timed calls (``torch.profiler``, self CPU time by operator):
the share of the time in the matmuls, their own FLOP rate against the matmul peak measured in the
same run, and so the most the model's FLOP rate can reach while the rest of the time stays.

    python benchmarks/bench_forward.py --length 400 --rows 1,2,4,8,16
    python benchmarks/bench_forward.py --rows 4 --threads 1 --attn eager --compile
    python benchmarks/bench_forward.py --rows 4 --length 256 --profile
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="smollm2", help="alias, local folder or Hub id")
    parser.add_argument("--dtype", default="float32")
    parser.add_argument("--length", type=int, default=400, help="tokens per row")
    parser.add_argument("--rows", default="1,2,4,8,16", help="comma list of batch rows")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--threads", type=int, help="torch.set_num_threads (default: torch's)")
    parser.add_argument("--attn", choices=("sdpa", "eager"), help="attention implementation")
    parser.add_argument("--compile", action="store_true", help="torch.compile the model")
    parser.add_argument("--compile-hot", action="store_true",
                        help="compile the MLP and RMSNorm modules only (simbench run --compile)")
    parser.add_argument("--profile", action="store_true",
                        help="print the time by operator and the matmul roofline")
    args = parser.parse_args(argv)

    import os

    import torch

    from simbench.extraction import load_model

    if args.threads:
        torch.set_num_threads(args.threads)
    model = load_model(args.model, dtype=args.dtype, device="cpu").model
    if args.attn:
        model.set_attn_implementation(args.attn)
    embed = model.get_input_embeddings().weight
    body = sum(p.numel() for p in model.parameters()) - embed.numel()
    if args.compile_hot:
        from simbench.extraction.hf._compile import compile_hot_modules

        compile_hot_modules(model)
    forward = torch.compile(model) if args.compile else model
    compiled = "whole model" if args.compile else "MLP+RMSNorm" if args.compile_hot else "no"
    print(f"model {args.model} {args.dtype}, torch threads {torch.get_num_threads()}, attention "
          f"{model.config._attn_implementation}, compile {compiled}, length {args.length}, "
          f"load average {os.getloadavg()[0]:.1f}")
    print("| rows | tokens/s | model GFLOP/s |\n|---:|---:|---:|")
    for rows in (int(r) for r in args.rows.split(",")):
        ids = torch.randint(100, 1000, (rows, args.length))
        mask = torch.ones_like(ids)
        best = float("inf")
        with torch.inference_mode():
            start = time.perf_counter()
            forward(input_ids=ids, attention_mask=mask, logits_to_keep=1, use_cache=False)
            if args.compile or args.compile_hot:
                print(f"(first call, compile included: {time.perf_counter() - start:.1f} s)")
            for _ in range(args.repeat):
                start = time.perf_counter()
                forward(input_ids=ids, attention_mask=mask, logits_to_keep=1, use_cache=False)
                best = min(best, time.perf_counter() - start)
        tokens = rows * args.length / best
        print(f"| {rows} | {tokens:.0f} | {2 * body * tokens / 1e9:.1f} |", flush=True)
        if args.profile:
            _roofline(forward, ids, mask, args.repeat, 2 * body * rows * args.length,
                      args.dtype, model.config)
    return 0


def _roofline(forward: object, ids: object, mask: object, repeat: int, flops: float,
              dtype: str, config: object) -> None:
    """Profile ``repeat`` calls: time by operator, and the FLOP rate the matmul time allows."""
    import sys
    from pathlib import Path

    import torch

    sys.path.insert(0, str(Path(__file__).parent))
    from bench_extraction import MATMULS, _shapes, matmul_peak, print_profile, profile_ops

    def calls() -> None:
        with torch.inference_mode():
            for _ in range(repeat):
                forward(input_ids=ids, attention_mask=mask,  # type: ignore[operator]
                        logits_to_keep=1, use_cache=False)

    wall, total, shares = profile_ops(calls)
    wall, total = wall / repeat, total / repeat
    mm = sum(share for key, share in shares if key in MATMULS) * total
    peak = matmul_peak(dtype, _shapes(config), seconds=1.0)
    # ceilings: the matmuls at their in-model rate with nothing else, and at the peak with the
    # other operators' time kept
    at_peak = flops / peak / (total - mm + flops / peak)
    print(f"  profile: {wall:.3f} s per call ({total:.3f} s of operator self time), matmuls "
          f"{mm / total:.0%} of it at {flops / mm / 1e9:.0f} GFLOP/s "
          f"({flops / mm / peak:.0%} of the {peak / 1e9:.0f} GFLOP/s peak); the model's rate "
          f"{flops / wall / peak:.0%} of peak; {flops / mm / peak:.0%} at most with the other "
          f"operators at zero, {at_peak:.0%} with the matmuls at the peak and the rest kept")
    print_profile("by operator", shares)


if __name__ == "__main__":
    raise SystemExit(main())
