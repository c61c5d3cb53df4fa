"""The vLLM wing: ``--backend vllm``, vLLM's offline engine (``vllm.LLM``) in this process.

vLLM is imported only inside functions: importing this package (and running its examples) needs
neither vLLM nor a GPU. The backends are registered in :mod:`simbench.extraction.factory`.

- :mod:`.engine`: :func:`load_engine` resolves ``--model`` as the transformers engine does and
  starts ``vllm.LLM`` with simbench's defaults (:func:`engine_kwargs`: prefix caching, raw
  log-probabilities, CPU settings) and records its provenance (:class:`VLLMEngine`).
- :mod:`.token_probs`: :class:`VLLMLogprobBackend`, exact label probabilities
  (``logprob_token_ids``), the same prompts, labels and arithmetic as the transformers engine.
- :mod:`.verbalized`: :class:`VLLMVerbalizedBackend`, verbalized distributions with the
  transformers backend's attempt schedule, parser and failure accounting.
- internal: ``_common`` (what both share), ``_data_parallel`` (``--data-parallel-size``: one
  engine per process).

See ``docs/scaling.md`` for installing vLLM (CUDA and CPU builds), multi-GPU and multi-node runs.

Examples
--------
>>> engine_kwargs("/models/m", device="cpu")["logprobs_mode"]
'raw_logprobs'
"""

from __future__ import annotations

from .engine import (
    CPU_KV_CACHE_BYTES,
    SCALE_OPTIONS,
    VLLMEngine,
    engine_kwargs,
    load_engine,
    vllm_installed,
    vllm_version,
)
from .token_probs import VLLMLogprobBackend, label_prediction
from .verbalized import VLLMVerbalizedBackend, cut_at_answer

__all__ = [
    "CPU_KV_CACHE_BYTES",
    "SCALE_OPTIONS",
    "VLLMEngine",
    "VLLMLogprobBackend",
    "VLLMVerbalizedBackend",
    "cut_at_answer",
    "engine_kwargs",
    "label_prediction",
    "load_engine",
    "vllm_installed",
    "vllm_version",
]
