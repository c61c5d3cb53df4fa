"""``simbench run``: evaluate a model on SimBench into a resumable run folder."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from ..runs import PREDICTIONS_FILE, RUN_INFO_FILE, SCORES_FILE

__all__ = ["register"]

_EPILOG = """\
examples:
  # a real evaluation: SmolLM2-135M-Instruct, 3 items per study of both splits (~3 min on 2 CPUs)
  simbench run --model smollm2 --limit-per-study 3 --out runs/smollm2
  # any causal LM from the Hub or a local folder, all 13,510 items, on a GPU in bfloat16
  simbench run --model Qwen/Qwen2.5-0.5B --device cuda --dtype bfloat16 --out runs/qwen05
  # the uniform baseline (scores exactly 0)
  simbench run --model uniform --out runs/uniform
  # verbalized distributions from a model served by vLLM / llama.cpp / a hosted API
  simbench run --backend openai --base-url http://localhost:8000/v1 --model NAME \\
      --method verbalized --out runs/served
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
    return value if value == "auto" else _positive_int(value)


def register(sub: Any) -> None:
    p = sub.add_parser(
        "run", help="evaluate a model: write predictions, provenance and scores to a run folder",
        description="Elicit a model's answer distribution for SimBench items and score it. The run "
                    "folder is resumable: killed and restarted, it computes only what is missing.",
        epilog=_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    m = p.add_argument_group("model")
    m.add_argument("--model", required=True,
                   help="Hub id, local folder, 'smollm2' (SmolLM2-135M-Instruct) or 'uniform'")
    m.add_argument("--method", choices=("token_probs", "verbalized"), default="token_probs",
                   help="token probabilities after '(' (default) or verbalized percentages")
    m.add_argument("--backend", choices=("transformers", "openai"), default="transformers",
                   help="in-process transformers (default) or an OpenAI-compatible server")
    m.add_argument("--protocol", choices=("default", "release"), default="default",
                   help="'release' reproduces the original release's prompt quirks exactly")
    m.add_argument("--prompt-mode", choices=("auto", "chat", "base"), default="auto",
                   help="chat template or plain text (auto: chat when the tokenizer has a template)")
    m.add_argument("--dtype", choices=("auto", "float32", "bfloat16", "float16"), default="auto",
                   help="weights dtype (auto: float32 on CPU, bfloat16 on GPU)")
    m.add_argument("--device", default="auto", help="cpu, cuda, cuda:N or auto (default)")
    m.add_argument("--device-map", choices=("auto",), default=None,
                   help="'auto': spread a model too large for one device over all of them")
    m.add_argument("--batch-size", type=_batch_size, default="auto",
                   help="prompts per forward pass, or 'auto' (backs off on out-of-memory)")
    m.add_argument("--no-prefix-cache", action="store_true",
                   help="do not reuse the key/value cache of shared prompt prefixes")
    d = p.add_argument_group("data")
    d.add_argument("--data", help="SimBench release file or folder (default: $SIMBENCH_DATA, then "
                                  "the Hub dataset)")
    d.add_argument("--split", choices=("pop", "grouped", "both"), default="both")
    d.add_argument("--studies", nargs="+", metavar="STUDY", help="study slugs or release names")
    d.add_argument("--limit-per-study", type=_positive_int, metavar="N",
                   help="a seeded stratified sample of N items per split and study")
    d.add_argument("--seed", type=int, default=0, help="seed of the sample and of sampling (0)")
    g = p.add_argument_group("verbalized and server options (passed to the backend)")
    g.add_argument("--max-new-tokens", type=_positive_int, help="generation budget (verbalized)")
    g.add_argument("--temperature", type=float, help="sampling temperature of retries")
    g.add_argument("--retries", type=int, help="attempts per item before it is recorded as failed")
    g.add_argument("--base-url", help="OpenAI-compatible server, e.g. http://localhost:8000/v1")
    g.add_argument("--api-key-env", help="environment variable holding the API key")
    g.add_argument("--concurrency", type=_positive_int, help="parallel requests to the server")
    g.add_argument("--timeout", type=float, help="seconds per request")
    g.add_argument("--tokenizer", help="tokenizer folder or Hub id of the served model: renders its "
                                       "chat template for --method token_probs --backend openai")
    p.add_argument("--out", required=True, help="run folder (created; resumed if it exists)")
    p.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    p.set_defaults(func=_run)


def _backend_options(args: argparse.Namespace) -> dict[str, Any]:
    """The options the chosen backend class receives (``None``: not set by the user)."""
    opts: dict[str, Any] = {"seed": args.seed, "protocol": args.protocol,
                            "prompt_mode": args.prompt_mode,
                            "max_new_tokens": args.max_new_tokens,
                            "temperature": args.temperature, "retries": args.retries,
                            "concurrency": args.concurrency, "timeout": args.timeout}
    if args.backend == "transformers":
        opts.update(batch_size=args.batch_size,
                    prefix_cache=False if args.no_prefix_cache else None)
    else:
        opts.update(base_url=args.base_url, api_key_env=args.api_key_env, tokenizer=args.tokenizer)
    return opts


def _check_args(args: argparse.Namespace) -> None:
    from . import CLIError

    if args.backend == "openai":
        if not args.base_url:
            raise CLIError("--backend openai needs --base-url (e.g. http://localhost:8000/v1)")
        local = [f for f in ("device_map",) if getattr(args, f)]
        if local or args.dtype != "auto" or args.device != "auto":
            raise CLIError("--dtype, --device and --device-map apply to --backend transformers only")
    elif args.base_url or args.api_key_env or args.concurrency or args.timeout or args.tokenizer:
        raise CLIError("--base-url, --api-key-env, --concurrency, --timeout and --tokenizer need "
                       "--backend openai")


def _run(args: argparse.Namespace) -> int:
    from ..runs import run_evaluation

    _check_args(args)
    result = run_evaluation(
        args.model, out=args.out, method=args.method, backend=args.backend, data=args.data,
        split=args.split, studies=args.studies, limit_per_study=args.limit_per_study,
        seed=args.seed, dtype=args.dtype, device=args.device, device_map=args.device_map,
        backend_options=_backend_options(args), progress=not args.no_progress)
    if result.scores is not None:
        _print_summary(result)
    return 0


def _print_summary(result: Any) -> None:
    from ..metric import format_score_table

    if result.scores is not None:
        print(format_score_table(result.scores))
    info = result.run_info or {}
    t = info.get("timings") or {}
    print(f"\n{result.n_items} items ({result.n_skipped} resumed, {result.n_failed} failed) in "
          f"{t.get('predict_s', 0):.1f}s ({t.get('items_per_s') or 0:.2f} items/s; model load "
          f"{t.get('load_s') or 0:.1f}s). Run folder: {result.folder}", file=sys.stdout)

