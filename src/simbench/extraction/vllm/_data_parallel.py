"""``--data-parallel-size N`` for the vLLM backends: N engines in N processes, one shard each.

``vllm.LLM`` refuses ``data_parallel_size > 1`` in one process, so simbench starts the replicas
itself: N spawned processes, each with its own ``CUDA_VISIBLE_DEVICES`` slice of
``tensor_parallel_size x pipeline_parallel_size`` GPUs (on CPU: no binding), each building the
same backend with ``data_parallel_size=1``. ``predict`` gives each worker a contiguous block of the
items sorted by persona and question (prompts that share a prefix stay on one engine, whose prefix cache
they hit) and yields the workers' predictions as they arrive, so the run folder streams and
resumes as with one engine.
"""

from __future__ import annotations

import logging
import os
import queue
import time
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ...errors import ExtractionError
from ..base import Prediction

if TYPE_CHECKING:
    from ...data.schema import Item

logger = logging.getLogger(__name__)
_POLL_S = 5.0


def _visible_gpus() -> list[str]:
    env = os.environ.get("CUDA_VISIBLE_DEVICES")
    if env is not None:
        return [d for d in env.split(",") if d.strip()]
    from vllm.platforms import current_platform

    if current_platform.device_type == "cpu":
        return []
    return [str(i) for i in range(current_platform.device_count())]  # type: ignore[attr-defined]


def _worker(rank: int, module: str, cls_name: str, model: str, kwargs: Mapping[str, Any],
            env: Mapping[str, str], inbox: Any, outbox: Any) -> None:
    """One replica: build the backend, report ready, then score each shard it is sent."""
    os.environ.update(env)
    parent = os.getppid()
    try:
        import importlib

        cls = getattr(importlib.import_module(module), cls_name)
        backend = cls(model, data_parallel_size=1, **kwargs)
    except Exception as e:  # noqa: BLE001 - reported to the parent, which raises
        outbox.put(("error", rank, f"{type(e).__name__}: {e}"))
        return
    outbox.put(("ready", rank, {"model": backend.model_info, "details": backend._details,
                                "device": backend.device, "load_s": backend.load_s}))
    try:
        while True:
            try:
                message = inbox.get(timeout=_POLL_S)
            except queue.Empty:
                if os.getppid() != parent:  # the parent died (e.g. killed): stop
                    return
                continue
            if message[0] == "stop":
                return
            try:
                for pred in backend.predict(message[1], progress=False):
                    outbox.put(("pred", rank, pred.to_json()))
            except Exception as e:  # noqa: BLE001
                outbox.put(("error", rank, f"{type(e).__name__}: {e}"))
                return
            outbox.put(("done", rank, None))
    finally:
        backend.close()


class DataParallelPool:
    """N replicas of a vLLM backend class in spawned processes (see the module docstring)."""

    def __init__(self, cls: type, model: str, *, size: int, kwargs: Mapping[str, Any],
                 tensor_parallel_size: int = 1, pipeline_parallel_size: int = 1) -> None:
        import multiprocessing

        from ..hf.models import load_tokenizer
        from .engine import _resolve

        t0 = time.perf_counter()
        path, _ = _resolve(model)
        self.tokenizer = load_tokenizer(path)
        per = tensor_parallel_size * pipeline_parallel_size
        gpus = _visible_gpus()
        if gpus and len(gpus) < size * per:
            raise ExtractionError(f"--data-parallel-size {size} x {per} GPU(s) per replica needs "
                                  f"{size * per} GPUs, {len(gpus)} are visible")
        ctx = multiprocessing.get_context("spawn")
        self._outbox = ctx.Queue()
        self._inboxes = [ctx.Queue() for _ in range(size)]
        self._procs = []
        for rank in range(size):
            env = ({"CUDA_VISIBLE_DEVICES": ",".join(gpus[rank * per:(rank + 1) * per])} if gpus
                   else {"VLLM_CPU_OMP_THREADS_BIND": "nobind"})
            proc = ctx.Process(target=_worker, name=f"simbench-vllm-dp{rank}",
                               args=(rank, cls.__module__, cls.__name__, model, dict(kwargs), env,
                                     self._inboxes[rank], self._outbox))
            proc.start()
            self._procs.append(proc)
        ready: dict[int, Any] = {}
        while len(ready) < size:
            kind, rank, payload = self._get()
            if kind == "error":
                self.close()
                raise ExtractionError(f"data-parallel replica {rank} failed to start: {payload}")
            ready[rank] = payload
        first = ready[0]
        self.model, self.details, self.device = first["model"], first["details"], first["device"]
        self.device = f"{self.device} x {size} replicas"
        self.load_s = time.perf_counter() - t0

    def _get(self) -> tuple[str, int, Any]:
        while True:
            try:
                kind, rank, payload = self._outbox.get(timeout=_POLL_S)
                return kind, rank, payload
            except queue.Empty:
                dead = [p.name for p in self._procs if not p.is_alive() and p.exitcode != 0]
                if dead:
                    raise ExtractionError(f"data-parallel replica(s) {dead} died") from None

    def predict(self, items: Sequence[Item]) -> Iterator[Prediction]:
        """Split ``items`` into contiguous blocks of the prompt-sorted order; yield as they come."""
        # the prompt starts with the persona (system message), then the question
        order = sorted(items, key=lambda it: (it.persona, it.question, it.item_id))
        size = len(self._inboxes)
        step = -(-len(order) // size) if order else 0
        busy = 0
        for rank, inbox in enumerate(self._inboxes):
            shard = order[rank * step:(rank + 1) * step]
            if shard:
                inbox.put(("predict", shard))
                busy += 1
        while busy:
            kind, rank, payload = self._get()
            if kind == "pred":
                yield Prediction.from_json(payload)
            elif kind == "done":
                busy -= 1
            elif kind == "error":
                raise ExtractionError(f"data-parallel replica {rank} failed: {payload}")

    def close(self) -> None:
        """Stop the replicas (and their engines)."""
        for inbox in self._inboxes:
            try:
                inbox.put(("stop",))
            except (OSError, ValueError):
                pass
        for proc in self._procs:
            proc.join(timeout=60)
            if proc.is_alive():
                proc.terminate()
                proc.join(timeout=10)
        self._procs = []
