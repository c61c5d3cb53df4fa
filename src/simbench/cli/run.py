"""``simbench run``: evaluate a model on SimBench into a resumable run folder."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from ..choices import BACKENDS, DTYPES, METHODS, PROMPT_MODES, PROTOCOLS
from ..runs import PREDICTIONS_FILE, RUN_INFO_FILE, SCORES_FILE

__all__ = ["register"]

_EPILOG = """\
examples:
  # a real evaluation: SmolLM2-135M-Instruct, 3 items per study of both splits
  # (75 items: about 3 CPU-minutes)
  simbench run --model smollm2 --limit-per-study 3 --out runs/smollm2
  # any causal LM from the Hub or a local folder, all 13,510 items, on a GPU in bfloat16
  simbench run --model Qwen/Qwen2.5-0.5B --device cuda --dtype bfloat16 --out runs/qwen05
  # the uniform baseline (scores exactly 0); '--model uniform' says the same
  simbench run --backend uniform --out runs/uniform
  # verbalized distributions from a model served by vLLM / llama.cpp / a hosted API
  simbench run --backend openai --base-url http://localhost:8000/v1 --model NAME \\
      --method verbalized --out runs/served
  # every item in its K cyclic answer orders (position bias averaged out; docs/methods.md)
  simbench run --model smollm2 --permutations cyclic --limit-per-study 2 --out runs/smol-cyclic
  # 30 sampled one-token answers per item, counted (docs/methods.md)
  simbench run --model smollm2 --method sampling --samples 30 --out runs/smol-sampling
  # a PEFT LoRA adapter (folder or Hub id) on its base model (docs/methods.md)
  simbench run --model smollm2 --adapter runs/my-lora --limit-per-study 2 --out runs/smol-lora
  # data parallel over 2 processes
  torchrun --nproc_per_node 2 -m simbench.cli run --model smollm2 --out runs/smollm2

Running the same command again resumes: finished items are skipped. The folder holds
""" + (f"{PREDICTIONS_FILE}, {RUN_INFO_FILE} (provenance) and {SCORES_FILE} (what 'simbench score' "
       "prints).\n")


def _positive_int(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value!r}") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {n}")
    return n


def _batch_size(value: str) -> int | str:
    """``'auto'`` or a positive integer."""
    if value == "auto":
        return value
    try:
        return _positive_int(value)
    except argparse.ArgumentTypeError:
        raise argparse.ArgumentTypeError(f"expected 'auto' or a positive integer, got {value!r}") from None


def _permutations(value: str) -> str:
    """``none``, ``cyclic`` or ``random:N`` (checked here, passed on as written)."""
    from ..errors import OptionError
    from ..prompts import PermutationSpec

    try:
        return PermutationSpec.parse(value).label
    except OptionError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def _study(value: str) -> str:
    """A study slug or release name, as its slug (an unknown one names the closest)."""
    from ..data.registry import get_study

    try:
        return get_study(value).slug
    except KeyError as e:
        raise argparse.ArgumentTypeError(e.args[0]) from None


def _engine_arg(value: str) -> tuple[str, Any]:
    """``KEY=VALUE`` as ``(key, value)``, the value parsed as JSON when it is JSON."""
    import json

    key, sep, raw = value.partition("=")
    if not sep or not key.strip():
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {value!r}")
    try:
        return key.strip(), json.loads(raw)
    except ValueError:
        return key.strip(), raw


def register(sub: Any) -> None:
    p = sub.add_parser(
        "run", help="evaluate a model: write predictions, provenance and scores to a run folder",
        description="Elicit a model's answer distribution for SimBench items and score it. The run "
                    "folder is resumable: killed and restarted, it computes only what is missing.",
        epilog=_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    m = p.add_argument_group("model")
    m.add_argument("--model",
                   help="Hub id, local folder or 'smollm2' (SmolLM2-135M-Instruct); the served "
                        "model's name with --backend openai; 'uniform' is --backend uniform")
    m.add_argument("--adapter", metavar="PATH_OR_HUB_ID",
                   help="a PEFT LoRA adapter of the model: merged into the weights "
                        "(transformers) or applied per request (vllm); its content hash and base "
                        "model are recorded (docs/methods.md)")
    m.add_argument("--method", choices=METHODS, default="token_probs",
                   help="token probabilities after '(' (default), verbalized percentages, or "
                        "sampling (one-token answers after '(' counted; docs/methods.md)")
    m.add_argument("--permutations", type=_permutations, default="none", metavar="SPEC",
                   help="ask every item in several answer orders and average them mapped back: "
                        "'none' (default), 'cyclic' (the K shifts of a K-option item) or "
                        "'random:N' (N seeded orders, the identity included)")
    m.add_argument("--backend", choices=BACKENDS, default="transformers",
                   help="in-process transformers (default), an OpenAI-compatible server, or the "
                        "uniform baseline (no model)")
    m.add_argument("--protocol", choices=PROTOCOLS, default="default",
                   help="'release' reproduces the original release's prompt quirks exactly")
    m.add_argument("--prompt-mode", choices=PROMPT_MODES, default="auto",
                   help="chat template or plain text (auto: chat when the tokenizer has a template)")
    m.add_argument("--dtype", choices=DTYPES, default="auto",
                   help="weights dtype (auto: float32 on CPU, bfloat16 on GPU; auto-fast: also "
                        "bfloat16 on a CPU with native bfloat16, faster, not exact: "
                        "docs/extraction.md)")
    m.add_argument("--device", default="auto", help="cpu, cuda, cuda:N or auto (default)")
    m.add_argument("--device-map", choices=("auto",), default=None,
                   help="'auto': spread a model too large for one device over all of them")
    m.add_argument("--batch-size", type=_batch_size, default="auto",
                   help="prompts per forward pass, or 'auto' (backs off on out-of-memory)")
    m.add_argument("--no-prefix-cache", action="store_true",
                   help="do not reuse the key/value cache of shared prompt prefixes")
    m.add_argument("--compile", action="store_true",
                   help="compile the model's MLP and RMSNorm modules with torch.compile (a few "
                        "seconds; exact to 1e-5; needs a C++ compiler; its speed-up on CPU is "
                        "small, measured in benchmarks/README.md)")
    d = p.add_argument_group("data")
    d.add_argument("--data", help="SimBench release file or folder (default: $SIMBENCH_DATA, then "
                                  "the Hub dataset)")
    d.add_argument("--split", choices=("pop", "grouped", "both"), default="both",
                   help="SimBenchPop (7,167 items), SimBenchGrouped (6,343) or both (default: both)")
    d.add_argument("--studies", nargs="+", metavar="STUDY", type=_study,
                   help="study slugs or release names (default: all 20)")
    d.add_argument("--limit-per-study", type=_positive_int, metavar="N",
                   help="a seeded stratified sample of N items per split and study")
    d.add_argument("--seed", type=int, default=0, help="seed of the sample and of sampling (0)")
    g = p.add_argument_group("verbalized, sampling and server options (passed to the backend)")
    g.add_argument("--max-new-tokens", type=_positive_int, help="generation budget (verbalized)")
    g.add_argument("--temperature", type=float,
                   help="sampling temperature of retries (verbalized) or of the samples "
                        "(sampling, default 1)")
    g.add_argument("--samples", type=_positive_int, metavar="N",
                   help="answers sampled per item (--method sampling; default 30)")
    g.add_argument("--retries", type=int, help="attempts per item before it is recorded as failed")
    g.add_argument("--base-url", help="OpenAI-compatible server, e.g. http://localhost:8000/v1")
    g.add_argument("--api-key-env", help="environment variable holding the API key")
    g.add_argument("--concurrency", type=_positive_int, help="parallel requests to the server")
    g.add_argument("--timeout", type=float, help="seconds per request")
    g.add_argument("--tokenizer", help="tokenizer folder or Hub id of the served model: renders its "
                                       "chat template for --method token_probs --backend openai")
    v = p.add_argument_group("vLLM engine (--backend vllm; docs/scaling.md)")
    v.add_argument("--tensor-parallel-size", type=_positive_int, metavar="N",
                   help="GPUs per model replica, splitting each layer")
    v.add_argument("--pipeline-parallel-size", type=_positive_int, metavar="N",
                   help="stages of layers per replica (across nodes with the Ray executor)")
    v.add_argument("--data-parallel-size", type=_positive_int, metavar="N",
                   help="replicas, one process each, each scoring part of the items")
    v.add_argument("--gpu-memory-utilization", type=float, metavar="F",
                   help="fraction of each GPU's memory vLLM may take (on CPU: of the memory)")
    v.add_argument("--max-model-len", type=_positive_int, metavar="TOKENS",
                   help="longest prompt plus generation the engine reserves KV cache for")
    v.add_argument("--quantization", help="vLLM quantization method, e.g. fp8, awq, gptq")
    v.add_argument("--engine-arg", action="append", type=_engine_arg, metavar="KEY=VALUE",
                   help="any other vllm.EngineArgs field (value read as JSON when it parses); "
                        "repeatable")
    p.add_argument("--out", required=True, help="run folder (created; resumed if it exists)")
    p.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    p.set_defaults(func=_run)


_ALL = METHODS
_GENERATING = ("verbalized",)
#: Flags that apply to some backends or methods only: flag -> (``args`` attribute, default, the
#: backends and the methods it applies to, the backend class's option it sets or ``None`` when it
#: says how to load the model).
_BACKEND_FLAGS: dict[str, tuple[str, Any, tuple[str, ...], tuple[str, ...], str | None]] = {
    "--dtype": ("dtype", "auto", ("transformers", "vllm"), _ALL, None),
    "--device": ("device", "auto", ("transformers",), _ALL, None),
    "--device-map": ("device_map", None, ("transformers",), _ALL, None),
    "--batch-size": ("batch_size", "auto", ("transformers", "vllm"), _ALL, "batch_size"),
    "--no-prefix-cache": ("no_prefix_cache", False, ("transformers", "vllm"), ("token_probs",),
                          "prefix_cache"),
    "--compile": ("compile", False, ("transformers",), ("token_probs",), "compile"),
    "--max-new-tokens": ("max_new_tokens", None, ("transformers", "openai", "vllm"), _GENERATING,
                         "max_new_tokens"),
    "--temperature": ("temperature", None, ("transformers", "openai", "vllm"),
                      (*_GENERATING, "sampling"), "temperature"),
    "--samples": ("samples", None, ("transformers", "openai", "vllm"), ("sampling",), "samples"),
    "--retries": ("retries", None, ("transformers", "openai", "vllm"), _GENERATING, "retries"),
    "--base-url": ("base_url", None, ("openai",), _ALL, "base_url"),
    "--api-key-env": ("api_key_env", None, ("openai",), _ALL, "api_key_env"),
    "--concurrency": ("concurrency", None, ("openai",), _ALL, "concurrency"),
    "--timeout": ("timeout", None, ("openai",), _ALL, "timeout"),
    "--tokenizer": ("tokenizer", None, ("openai",), ("token_probs",), "tokenizer"),
    **{f"--{name.replace('_', '-')}": (name, None, ("vllm",), _ALL, name)
       for name in ("tensor_parallel_size", "pipeline_parallel_size", "data_parallel_size",
                    "gpu_memory_utilization", "max_model_len", "quantization")},
    "--engine-arg": ("engine_arg", None, ("vllm",), _ALL, "engine_args"),
    "--adapter": ("adapter", None, ("transformers", "vllm"), _ALL, None),
}
#: The on/off flags' options: the value a given flag passes (not given: ``None``, the backend's
#: default).
_SWITCHES = {"prefix_cache": False, "compile": True}


def _backend_options(args: argparse.Namespace, backend: str) -> dict[str, Any]:
    """The options the chosen backend class receives (``None``: not set by the user)."""
    opts: dict[str, Any] = {"seed": args.seed, "protocol": args.protocol,
                            "prompt_mode": args.prompt_mode, "permutations": args.permutations}
    for attr, _default, backends, methods, option in _BACKEND_FLAGS.values():
        if option is not None and backend in backends and args.method in methods:
            value = getattr(args, attr)
            if option in _SWITCHES:
                value = _SWITCHES[option] if value else None
            opts[option] = value
    if backend == "vllm":  # vLLM loads the model itself: it takes the dtype as an option
        opts["dtype"] = args.dtype
        opts["engine_args"] = dict(opts.get("engine_args") or []) or None
    return opts


def _resolve(args: argparse.Namespace) -> tuple[str, str]:
    """The run's backend and model (``--model uniform`` is ``--backend uniform``), with every
    backend- or method-specific flag checked against them."""
    from ..extraction import model_input, resolve_backend
    from . import CLIError

    if args.model is None and model_input(args.backend) != "none":
        raise CLIError(f"--backend {args.backend} needs --model")
    backend, model = resolve_backend(args.backend, args.model)
    for flag, (attr, default, backends, methods, _option) in _BACKEND_FLAGS.items():
        if getattr(args, attr) == default:
            continue
        if backend not in backends:
            raise CLIError(f"{flag} does not apply to --backend {backend}: it needs --backend "
                           f"{' or '.join(backends)}")
        if args.method not in methods:
            raise CLIError(f"{flag} does not apply to --method {args.method}: it needs --method "
                           f"{' or '.join(methods)}")
    if backend == "openai" and not args.base_url:
        raise CLIError("--backend openai needs --base-url (e.g. http://localhost:8000/v1)")
    return backend, model


def _run(args: argparse.Namespace) -> int:
    from ..runs import run_evaluation

    backend, model = _resolve(args)
    result = run_evaluation(
        model, out=args.out, method=args.method, backend=backend, data=args.data,
        split=args.split, studies=args.studies, limit_per_study=args.limit_per_study,
        seed=args.seed, dtype=args.dtype, device=args.device, device_map=args.device_map,
        backend_options=_backend_options(args, backend), progress=not args.no_progress,
        adapter=args.adapter)
    if result.scores is not None:
        _print_summary(result)
    return 0


def _print_summary(result: Any) -> None:
    from ..metric import format_score_table

    if result.scores is not None:
        print(format_score_table(result.scores))
    info = result.run_info or {}
    t = info.get("timings") or {}
    if result.n_items and result.n_skipped == result.n_items:
        print(f"\n{result.n_items} items ({result.n_skipped} resumed, {result.n_failed} failed): "
              f"all were finished before, so the run was re-scored without loading the model. "
              f"Run folder: {result.folder}")
        return
    print(f"\n{result.n_items} items ({result.n_skipped} resumed, {result.n_failed} failed) in "
          f"{t.get('predict_s', 0):.1f}s ({t.get('items_per_s') or 0:.2f} items/s; model load "
          f"{t.get('load_s') or 0:.1f}s). Run folder: {result.folder}", file=sys.stdout)

