"""Sampling-based elicitation through vLLM's offline engine (``--backend vllm --method sampling``).

The transformers sampling backend's rules (:mod:`simbench.extraction.hf.sampling`) with vLLM
drawing the samples:

- the token-probability prompt and in-context label tokens of
  :class:`~.token_probs.VLLMLogprobBackend`, sent as token ids;
- one request per item: ``SamplingParams(n=samples, max_tokens=1, temperature=temperature,
  seed=<the item's seed>)``: vLLM computes the prompt once (its prefix cache also shares it with
  the item's other requests, e.g. the orders of ``--permutations``) and draws ``n`` one-token
  continuations from the full-vocabulary softmax (no top-k, no top-p);
- a sample counts for a label when its token id is the label's in-context token; the others are
  unparsed and kept with their text (:func:`~simbench.extraction.sampling.tally`).

vLLM's sampler is not numpy's inverse CDF: for a seed the counts differ from the transformers
backend's, with the same distribution. Temperature 0 asks one greedy token and repeats it.

**vLLM's CPU build** (0.32) fails on a seeded request whose prefill the scheduler splits
(chunked prefill: ``RuntimeError: CPU Generator does not use offset``, and the engine dies), and
the ``n`` samples of a request are ``n`` child requests that each recompute the prompt's tail
after the last full cached block (128 tokens on CPU). So on CPU this backend starts its engine
with ``enable_chunked_prefill=False`` and refuses an engine started with chunked prefill; it
costs about as much as ``n`` short prefills per item there (20 s for 6 items at ``n=30`` on 2
busy cores), where on a GPU the children are cheap.

Examples
--------
Bad settings are refused before an engine starts:

>>> VLLMSamplingBackend("smollm2", samples=0)
Traceback (most recent call last):
...
simbench.errors.OptionError: samples must be a whole number >= 1, got 0

With vLLM installed: ``VLLMSamplingBackend("smollm2", samples=30).predict(items)``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ...choices import Method, PromptMode, Protocol
from ...errors import ExtractionError, OptionError
from ..sampling import DEFAULT_SAMPLES, SamplingSettings, tally
from ._common import chunks
from .engine import VLLMEngine
from .token_probs import VLLMLogprobBackend

if TYPE_CHECKING:
    from ...data.schema import Item
    from ..base import Prediction

__all__ = ["VLLMSamplingBackend"]


class VLLMSamplingBackend(VLLMLogprobBackend):
    """Label histograms of one-token answers sampled by vLLM (see the module docstring).

    Args:
        model: ``--model``: ``smollm2``, a local folder or a Hub id (ignored with ``engine``).
        method: must be ``"sampling"``.
        samples: answers per item (30).
        temperature: sampling temperature (1.0).
        seed: the run seed; each item's request seed derives from it and the item id.
        protocol: ``"default"`` only.
        **options: the engine options of :class:`~.token_probs.VLLMLogprobBackend`.
    """

    method: Method = "sampling"
    _METHOD: Method = "sampling"

    def __init__(self, model: str | None = None, *, method: Method | str = "sampling",
                 samples: int = DEFAULT_SAMPLES, temperature: float = 1.0,
                 protocol: Protocol | str = "default", prompt_mode: PromptMode | str = "auto",
                 batch_size: int | str = "auto", seed: int = 0, data_parallel_size: int = 1,
                 engine: VLLMEngine | None = None, model_id: str | None = None,
                 dtype: str = "auto", prefix_cache: bool = True,
                 tensor_parallel_size: int | None = None,
                 pipeline_parallel_size: int | None = None,
                 gpu_memory_utilization: float | None = None, max_model_len: int | None = None,
                 quantization: str | None = None, lora: str | None = None, lora_rank: int = 64,
                 engine_args: Mapping[str, Any] | None = None) -> None:
        if protocol != "default":
            raise OptionError(f"protocol {protocol!r} does not apply to method 'sampling' (the "
                              "release never sampled): use protocol 'default'")
        # set before the base class starts data-parallel workers (_worker_kwargs)
        self.settings = SamplingSettings(samples=samples, temperature=temperature, seed=seed)
        if engine is None and (engine_args or {}).get("enable_chunked_prefill") is None \
                and _on_cpu():
            engine_args = {**(engine_args or {}), "enable_chunked_prefill": False}
        super().__init__(model, method=method, protocol=protocol, prompt_mode=prompt_mode,
                         batch_size=batch_size, seed=seed, data_parallel_size=data_parallel_size,
                         engine=engine, model_id=model_id, dtype=dtype, prefix_cache=prefix_cache,
                         tensor_parallel_size=tensor_parallel_size,
                         pipeline_parallel_size=pipeline_parallel_size,
                         gpu_memory_utilization=gpu_memory_utilization,
                         max_model_len=max_model_len, quantization=quantization, lora=lora,
                         lora_rank=lora_rank, engine_args=engine_args)
        if self.engine is not None:
            _check_engine(self.engine)

    def _worker_kwargs(self) -> dict[str, Any]:
        return {"samples": self.settings.samples, "temperature": self.settings.temperature}

    def provenance(self) -> dict[str, Any]:
        """The token-probability backend's provenance, with ``method`` and ``generation``."""
        return {**super().provenance(), "method": self.method,
                "generation": {**self.settings.provenance(), "sampler": "vllm"}}

    def _params(self, item_id: str) -> Any:
        from vllm import SamplingParams

        greedy = self.settings.temperature == 0
        return SamplingParams(n=1 if greedy else self.settings.samples, max_tokens=1,
                              temperature=float(self.settings.temperature),
                              seed=self.settings.seed_for(item_id) % 2**63)

    def _predict_local(self, items: Sequence[Item]) -> Iterator[Prediction]:
        engine = self._engine()
        limit = self._max_prompt_tokens()
        asks: list[tuple[Any, str]] = []
        for request in self._requests(items):
            if len(request.ids) > limit:
                raise ExtractionError(f"item {request.item_ids[0]}: the prompt has "
                                      f"{len(request.ids)} tokens, more than the engine's "
                                      f"max_model_len - 1 = {limit} (raise --max-model-len)")
            asks.extend((request, item_id) for item_id in request.item_ids)
        n = self.settings.samples
        for chunk in chunks(asks, self.chunk_size):
            outputs = engine.generate([list(r.ids) for r, _ in chunk],
                                      [self._params(item_id) for _, item_id in chunk])
            for (request, item_id), out in zip(chunk, outputs):
                by_id = {ids[0]: label for label, ids in zip(request.labels, request.label_ids)}
                samples = [(list(c.token_ids)[:1], c.text) for c in out.outputs]
                if len(samples) == 1 and n > 1:  # greedy: one answer, n times
                    samples = samples * n
                parsed = [by_id.get(ids[0]) if ids else None for ids, _ in samples]
                yield tally(item_id, request.labels, parsed, [t for _, t in samples],
                            request.prompt_hash)


def _on_cpu() -> bool:
    """Whether vLLM runs on its CPU platform (importing vLLM; only when an engine is to start)."""
    from .engine import vllm_installed

    if not vllm_installed():
        return False  # load_engine says what to install
    from vllm.platforms import current_platform

    return str(current_platform.device_type or "cpu") == "cpu"


def _check_engine(engine: VLLMEngine) -> None:
    """Refuse a CPU engine with chunked prefill: its seeded sampling fails (module docstring)."""
    config = getattr(getattr(engine.llm, "llm_engine", None), "vllm_config", None)
    chunked = getattr(getattr(config, "scheduler_config", None), "enable_chunked_prefill", False)
    if str(engine.device).startswith("cpu") and chunked:
        raise ExtractionError("method 'sampling' on vLLM's CPU build needs an engine without "
                              "chunked prefill (its seeded sampling fails on a split prefill): "
                              "start it with engine_args={'enable_chunked_prefill': False} "
                              "(--engine-arg enable_chunked_prefill=false)")
