"""Extraction backends: turn SimBench items into model answer distributions.

Layout: the shared pieces sit at the top and never import an engine; each engine has its wing.

==========================  ==================================================================
module                      what
==========================  ==================================================================
:mod:`.base`                :class:`Backend` (the interface), :class:`Prediction` (one result)
:mod:`.factory`             the registry of ``(method, backend)`` classes; :func:`create_backend`
:mod:`.attempts`            the verbalized attempt schedule and per-item outcome
:mod:`.parsing`             the verbalized answer parser and the stop-generation tests
:mod:`.labels`              which token ids stand for an answer label
:mod:`.baselines`           :class:`UniformBackend`, the uniform baseline
:mod:`.adapters`            PEFT LoRA adapters: :func:`resolve_adapter` (files, content hash),
                            :func:`check_base_model` (made for this model?)
``hf/``                     the transformers wing (torch): model loading, the token-probability
                            engine, verbalized generation, batching, prefix cache, decoding
``server/``                 the servers wing (httpx): OpenAI-compatible HTTP servers
``vllm/`` (planned)         a vLLM wing registers the same way (see :mod:`.factory`)
==========================  ==================================================================

``import simbench.extraction`` stays light (no torch, no httpx): the wings' classes below are
imported on first use of their names.

Examples
--------
>>> import simbench.extraction as ex
>>> backend = ex.create_backend("token_probs", *ex.resolve_backend("transformers", "uniform"))
>>> type(backend).__name__, backend.provenance()["method"]
('UniformBackend', 'token_probs')
>>> ex.resolve_backend("transformers", "smollm2")
('transformers', 'smollm2')
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ..choices import METHODS, STATUSES
from ..errors import ExtractionError, LabelTokenError
from .adapters import AdapterSpec, check_base_model, resolve_adapter
from .attempts import AttemptSchedule
from .base import Backend, Prediction, prompt_hash
from .baselines import UniformBackend
from .factory import backend_class, create_backend, model_input, resolve_backend
from .parsing import ParseResult, parse_verbalized

if TYPE_CHECKING:  # imported on first use (``__getattr__``), never by ``import simbench.extraction``
    from .hf.models import LoadedModel, load_model, resolve_device
    from .hf.token_probs import TransformersLogprobBackend
    from .hf.verbalized import VerbalizedBackend
    from .server.openai_backend import OpenAIBackend

__all__ = [
    "AdapterSpec",
    "AttemptSchedule",
    "Backend",
    "ExtractionError",
    "LabelTokenError",
    "LoadedModel",
    "METHODS",
    "OpenAIBackend",
    "ParseResult",
    "Prediction",
    "STATUSES",
    "TransformersLogprobBackend",
    "UniformBackend",
    "VerbalizedBackend",
    "backend_class",
    "check_base_model",
    "create_backend",
    "load_model",
    "model_input",
    "parse_verbalized",
    "prompt_hash",
    "resolve_adapter",
    "resolve_backend",
    "resolve_device",
]

#: Names imported from a wing on first use: name -> module.
_LAZY = {
    "LoadedModel": "simbench.extraction.hf.models",
    "load_model": "simbench.extraction.hf.models",
    "resolve_device": "simbench.extraction.hf.models",
    "TransformersLogprobBackend": "simbench.extraction.hf.token_probs",
    "VerbalizedBackend": "simbench.extraction.hf.verbalized",
    "OpenAIBackend": "simbench.extraction.server.openai_backend",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
