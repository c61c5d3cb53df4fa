"""Token-probability extraction speed: the simbench engine vs a release-style loop vs lm-eval.

On the same items, model and prompts (default protocol), in one process:

- ``engine``: :class:`simbench.extraction.TransformersLogprobBackend` (sorted left-padded batches,
  ``logits_to_keep=1``, shared-prefix KV reuse).
- ``release loop``: the release's style: one prompt at a time, logits at every position, softmax
  at the last one.
- ``lm-eval``: lm-evaluation-harness 0.4 ``HFLM`` on a custom multiple-choice task whose documents
  are the same rendered prompts and whose choices are the labels (one-token continuations).
- ``vllm``: :class:`simbench.extraction.vllm.VLLMLogprobBackend` (vLLM's offline engine, prefix
  caching, ``logprob_token_ids``); its engine start is timed apart (``load s``). It runs where vLLM
  is installed (``.venv-vllm``, ``bash scripts/setup-vllm.sh``); elsewhere, and for lm-eval where
  it is missing, the row is skipped with a note.

Checks that the three agree (max absolute difference of the renormalised distributions), then
prints items/s (wall and process CPU time), ratios, achieved model FLOP/s against a measured float32
matmul peak, and the peak resident memory growth of each phase.

    SIMBENCH_DATA=../shared/data/simbench python benchmarks/bench_extraction.py  # 10 per study
    python benchmarks/bench_extraction.py --all --skip release,lm-eval           # the whole benchmark
    .venv-vllm/bin/python benchmarks/bench_extraction.py --limit-per-study 1       # with vLLM

Model FLOPs count ``2 * parameters`` per computed token for the transformer body and
``2 * vocab * hidden`` per position whose logits are computed; attention score FLOPs are left out.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

_DIST = dict[str, dict[str, float]]


class PeakRSS:
    """Samples this process's resident memory in a thread; ``peak_mb`` is the growth over the start."""

    def __init__(self) -> None:
        self.start = self.peak = _rss()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.02):
            self.peak = max(self.peak, _rss())

    def __enter__(self) -> PeakRSS:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, _rss())

    @property
    def peak_mb(self) -> float:
        return (self.peak - self.start) / 2**20


def _rss() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def matmul_peak(seconds: float = 3.0, n: int = 1024) -> float:
    """Best float32 matmul FLOP/s over repeated ``n x n`` products (same threads as the model)."""
    import torch

    a, b = torch.randn(n, n), torch.randn(n, n)
    best, end = 0.0, time.perf_counter() + seconds
    while time.perf_counter() < end:
        t = time.perf_counter()
        for _ in range(4):
            torch.mm(a, b)
        best = max(best, 4 * 2 * n**3 / (time.perf_counter() - t))
    return best


def timed(name: str, fn: Callable[[], tuple[_DIST, float]]) -> dict[str, Any]:
    """Run ``fn`` (returning distributions and model FLOPs), timing wall and CPU, sampling memory."""
    print(f"running {name} ...", flush=True)
    wall, cpu = time.perf_counter(), _cpu()
    with PeakRSS() as mem:
        dists, flops = fn()
    wall, cpu = time.perf_counter() - wall, _cpu() - cpu
    return {"name": name, "dists": dists, "flops": flops, "wall_s": wall, "cpu_s": cpu,
            "peak_mb": mem.peak_mb}


def run_engine(model: Any, tok: Any, items: Sequence[Any], batch_size: Any,
               flop_params: tuple[int, int]) -> tuple[_DIST, float]:
    from simbench.extraction import TransformersLogprobBackend

    backend = TransformersLogprobBackend(model, tok, batch_size=batch_size)
    dists = {p.item_id: p.distribution or {} for p in backend.predict(items, progress=False)}
    requests = backend._requests(items)  # re-plan to count the tokens computed (cheap)
    if backend.prefix_cache:
        from simbench.extraction.hf._prefix_cache import plan_prefixes

        plan = plan_prefixes([r.ids for r in requests], min_prefix=backend.min_prefix_tokens)
        computed = sum(len(r.ids) for r in requests) - plan.saved_tokens
    else:
        computed = sum(len(r.ids) for r in requests)
    body, head = flop_params
    return dists, 2.0 * (body * computed + head * len(requests))


def run_release_loop(model: Any, tok: Any, items: Sequence[Any],
                     flop_params: tuple[int, int]) -> tuple[_DIST, float]:
    import torch

    from simbench.extraction.labels import InContextLabels
    from simbench.prompts import PromptRenderer

    renderer = PromptRenderer.create(tok)
    labels = InContextLabels(tok, add_special_tokens=renderer.add_special_tokens)
    dists, tokens = {}, 0
    for item in items:
        text = renderer.text(item)
        ids = renderer.token_ids(text)
        label_ids = labels.ids(text, ids, item.option_labels, item_id=item.item_id)
        with torch.no_grad():
            logits = model(torch.tensor([ids], device=model.device)).logits  # every position
            probs = torch.softmax(logits[0, -1, :].float(), dim=-1)
        values = [float(probs[i]) for i in label_ids]
        dists[item.item_id] = {lab: v / sum(values) for lab, v in zip(item.option_labels, values)}
        tokens += len(ids)
    body, head = flop_params
    return dists, 2.0 * (body + head) * tokens


def run_lm_eval(model: Any, tok: Any, items: Sequence[Any], batch_size: int,
                flop_params: tuple[int, int]) -> tuple[_DIST, float]:
    import math

    from lm_eval import simple_evaluate
    from lm_eval.models.huggingface import HFLM
    from lm_eval.tasks import TaskManager

    from simbench.prompts import PromptRenderer

    renderer = PromptRenderer.create(tok)
    with tempfile.TemporaryDirectory() as tmp:
        docs = Path(tmp) / "docs.jsonl"
        with docs.open("w") as f:
            for item in items:
                f.write(json.dumps({"item_id": item.item_id, "prompt": renderer.text(item),
                                    "choices": list(item.option_labels)}) + "\n")
        (Path(tmp) / "simbench_bench.yaml").write_text(
            "task: simbench_bench\ndataset_path: json\ndataset_kwargs:\n  data_files:\n"
            f"    test: {docs}\ntest_split: test\noutput_type: multiple_choice\n"
            "doc_to_text: prompt\ndoc_to_choice: choices\ndoc_to_target: 0\n"
            "target_delimiter: \"\"\nmetric_list:\n  - metric: acc\n")
        lm = HFLM(pretrained=model, tokenizer=tok, batch_size=batch_size)
        out = simple_evaluate(model=lm, tasks=["simbench_bench"], num_fewshot=0, log_samples=True,
                              task_manager=TaskManager(include_path=tmp), bootstrap_iters=0)
    dists, tokens = {}, 0
    for sample in out["samples"]["simbench_bench"]:
        logliks = [resp[0][0] for resp in sample["resps"]]
        top = max(logliks)
        weights = [math.exp(v - top) for v in logliks]
        dists[sample["doc"]["item_id"]] = dict(zip(sample["doc"]["choices"],
                                                    (w / sum(weights) for w in weights)))
        tokens += len(renderer.token_ids(sample["doc"]["prompt"]))
    body, head = flop_params
    return dists, 2.0 * (body + head) * tokens


def run_vllm(model_name: str, dtype: str, items: Sequence[Any], batch_size: Any,
             flop_params: tuple[int, int], load: dict[str, float]) -> tuple[_DIST, float]:
    from simbench.extraction.vllm import VLLMLogprobBackend, load_engine

    t0 = time.perf_counter()
    engine = load_engine(model_name, dtype=dtype)
    load["vllm"] = time.perf_counter() - t0
    backend = VLLMLogprobBackend(engine=engine, batch_size=batch_size)
    try:
        dists = {p.item_id: p.distribution or {} for p in backend.predict(items, progress=False)}
        # every prompt token counted (vLLM's prefix cache hits are not reported per request)
        computed = sum(len(r.ids) for r in backend._requests(items))
        n_requests = len(backend._requests(items))
    finally:
        engine.close()
    body, head = flop_params
    return dists, 2.0 * (body * computed + head * n_requests)


def _available(module: str, row: str) -> bool:
    import importlib.util

    spec = importlib.util.find_spec(module)
    if spec is None or spec.origin is None:  # missing, or only a folder of that name
        print(f"skipping {row}: {module} is not installed in this environment")
        return False
    return True


def max_diff(a: _DIST, b: _DIST) -> float:
    assert a.keys() == b.keys(), "the methods scored different items"
    return max(abs(a[i][k] - b[i][k]) for i in a for k in a[i])


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="smollm2", help="alias, local folder or Hub id")
    parser.add_argument("--dtype", default="float32")
    parser.add_argument("--limit-per-study", type=int, default=10)
    parser.add_argument("--all", action="store_true", help="every item of both splits (13,510)")
    parser.add_argument("--batch-size", default="auto")
    parser.add_argument("--lm-eval-batch-size", type=int, default=16)
    parser.add_argument("--skip", default="", help="comma list of: release, lm-eval, vllm")
    parser.add_argument("--device", default="cpu", help="cpu or cuda (the transformers engine)")
    parser.add_argument("--json", help="also write the figures to this file")
    parser.add_argument("--tolerance", type=float, default=1e-4,
                        help="largest |dist - engine| accepted (float32: 1e-4; bf16 needs more)")
    args = parser.parse_args(argv)

    import torch

    from simbench import load_items, select_items
    from simbench.extraction import load_model

    items = load_items("both")
    if not args.all:
        items = select_items(items, limit_per_study=args.limit_per_study, seed=0)
    loaded = load_model(args.model, dtype=args.dtype, device=args.device)
    model, tok = loaded.model, loaded.tokenizer
    embed = model.get_input_embeddings().weight
    n_params = sum(p.numel() for p in model.parameters())
    head = embed.shape[0] * embed.shape[1]
    tied = model.get_output_embeddings().weight is embed
    body = n_params - embed.numel() - (0 if tied else head)
    bs = args.batch_size if args.batch_size == "auto" else int(args.batch_size)
    peak = matmul_peak()
    print(f"{len(items)} items, model {loaded.model_id} ({n_params / 1e6:.0f}M params, "
          f"{args.dtype}), torch threads {torch.get_num_threads()}, "
          f"float32 matmul peak {peak / 1e9:.1f} GFLOP/s, load average {os.getloadavg()[0]:.1f}")

    skip = {s.strip() for s in args.skip.split(",") if s.strip()}
    load = {"engine": loaded.load_s, "release loop": loaded.load_s, "lm-eval": loaded.load_s}
    results = [timed("engine", lambda: run_engine(model, tok, items, bs, (body, head)))]
    if "release" not in skip:
        results.append(timed("release loop", lambda: run_release_loop(model, tok, items,
                                                                      (body, head))))
    if "lm-eval" not in skip and _available("lm_eval", "lm-eval"):
        results.append(timed("lm-eval", lambda: run_lm_eval(model, tok, items,
                                                            args.lm_eval_batch_size, (body, head))))
    if "vllm" not in skip and _available("vllm", "vllm"):
        # the engine start is timed apart: timed() covers both, so subtract it after
        row = timed("vllm", lambda: run_vllm(args.model, args.dtype, items, bs, (body, head),
                                             load))
        row["wall_s"] -= load["vllm"]
        row["cpu_s"] = float("nan")  # the engine runs in vLLM's own processes: not measured here
        results.append(row)
    for r in results:
        r["load_s"] = load.get(r["name"])
    return report(results, len(items), peak, args.json, args.tolerance)


def report(results: list[dict[str, Any]], n_items: int, peak: float, path: str | None,
           tolerance: float = 1e-4) -> int:
    engine = results[0]
    print("\n| method | items/s (wall) | items/s (CPU) | engine speed-up wall / CPU | "
          "model GFLOP/s (CPU) | % of matmul peak | peak RSS growth MB | max |dist - engine| | "
          "load s |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    rows = []
    for r in results:
        gflops = r["flops"] / r["cpu_s"] / 1e9 * 1.0
        row = {"method": r["name"], "items_per_s_wall": n_items / r["wall_s"],
               "items_per_s_cpu": n_items / r["cpu_s"],
               "speedup_wall": r["wall_s"] / engine["wall_s"],
               "speedup_cpu": r["cpu_s"] / engine["cpu_s"], "model_gflops_per_cpu_s": gflops,
               "peak_fraction": r["flops"] / r["wall_s"] / peak, "peak_rss_mb": r["peak_mb"],
               "max_abs_diff": max_diff(r["dists"], engine["dists"]),
               "wall_s": r["wall_s"], "cpu_s": r["cpu_s"], "load_s": r.get("load_s")}
        rows.append(row)
        print(f"| {row['method']} | {row['items_per_s_wall']:.2f} | {row['items_per_s_cpu']:.2f} "
              f"| {row['speedup_wall']:.2f}x / {row['speedup_cpu']:.2f}x | {gflops:.1f} "
              f"| {100 * row['peak_fraction']:.0f}% | {row['peak_rss_mb']:.0f} "
              f"| {row['max_abs_diff']:.2e} | {row['load_s'] or 0:.1f} |")
    if path:
        Path(path).write_text(json.dumps({"n_items": n_items, "matmul_peak_flops": peak,
                                          "rows": rows}, indent=2))
    worst = max(r["max_abs_diff"] for r in rows)
    print(f"\ndistributions agree to {worst:.2e}" + ("" if worst < tolerance else "  (DISAGREE)"))
    return 0 if worst < tolerance else 1


if __name__ == "__main__":
    raise SystemExit(main())
