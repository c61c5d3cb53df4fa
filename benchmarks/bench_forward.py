"""Forward-pass throughput by batch shape: is one prompt at a time slower per token than a batch?

Times ``model(input_ids, attention_mask, logits_to_keep=1)`` on random token ids for several
``rows x length`` shapes (best of a few repeats) and prints tokens/s and model GFLOP/s
(``2 x body parameters`` per token). On the 2-core CPU it shows why the release-style loop
(one prompt at a time) is already near the engine's rate per token (see README.md).

The float32 roofline candidates are options, one configuration per run, so that a quiet session
can compare them (``benchmarks/README.md``): ``--threads`` (``torch.set_num_threads``), ``--attn``
(``sdpa`` or ``eager`` attention), ``--compile`` (``torch.compile`` of the model, timed after a
warm-up call per shape; the compile time is printed apart).

    python benchmarks/bench_forward.py --length 400 --rows 1,2,4,8,16
    python benchmarks/bench_forward.py --rows 4 --threads 1 --attn eager --compile
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
    forward = torch.compile(model) if args.compile else model
    print(f"model {args.model} {args.dtype}, torch threads {torch.get_num_threads()}, attention "
          f"{model.config._attn_implementation}, compile {args.compile}, length {args.length}, "
          f"load average {os.getloadavg()[0]:.1f}")
    print("| rows | tokens/s | model GFLOP/s |\n|---:|---:|---:|")
    for rows in (int(r) for r in args.rows.split(",")):
        ids = torch.randint(100, 1000, (rows, args.length))
        mask = torch.ones_like(ids)
        best = float("inf")
        with torch.inference_mode():
            start = time.perf_counter()
            forward(input_ids=ids, attention_mask=mask, logits_to_keep=1, use_cache=False)
            if args.compile:
                print(f"(first call, compile included: {time.perf_counter() - start:.1f} s)")
            for _ in range(args.repeat):
                start = time.perf_counter()
                forward(input_ids=ids, attention_mask=mask, logits_to_keep=1, use_cache=False)
                best = min(best, time.perf_counter() - start)
        tokens = rows * args.length / best
        print(f"| {rows} | {tokens:.0f} | {2 * body * tokens / 1e9:.1f} |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
