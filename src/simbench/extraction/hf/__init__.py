"""The transformers wing: every extraction module that imports torch or transformers lives here.

Imported only when a transformers backend is chosen (``simbench.extraction.factory`` imports it by
name), so ``import simbench.extraction`` stays light.

- :mod:`.models`: resolve ``model`` names and load a causal LM with its tokenizer and provenance.
- :mod:`.token_probs`: :class:`TransformersLogprobBackend`, the token-probability engine.
- :mod:`.verbalized`: :class:`VerbalizedBackend`, verbalized distributions by generation.
- :mod:`.tiny`: tiny random-weight models and made-up items, to try the API offline.
- internals: ``_batching`` (left padding, batch sizes, out-of-memory back-off), ``_prefix_cache``
  (shared-prefix KV caches), ``_decoding`` (the generation loop), ``_generation_hooks``
  (seeded sampling and stopping for ``model.generate``).
"""

from __future__ import annotations

from .models import (
    ALIASES,
    CACHE_ENV_VAR,
    LoadedModel,
    ModelSpec,
    cache_dir,
    folder_content_hash,
    load_model,
    load_tokenizer,
    resolve_device,
    resolve_dtype,
    resolve_model_spec,
    smollm2_folder,
)
from .tiny import example_items, save_tiny_model, tiny_model, tiny_tokenizer
from .token_probs import TransformersLogprobBackend
from .verbalized import DEFAULT_MAX_NEW_TOKENS, VerbalizedBackend

__all__ = [
    "ALIASES",
    "CACHE_ENV_VAR",
    "DEFAULT_MAX_NEW_TOKENS",
    "LoadedModel",
    "ModelSpec",
    "TransformersLogprobBackend",
    "VerbalizedBackend",
    "cache_dir",
    "example_items",
    "folder_content_hash",
    "load_model",
    "load_tokenizer",
    "resolve_device",
    "resolve_dtype",
    "resolve_model_spec",
    "save_tiny_model",
    "smollm2_folder",
    "tiny_model",
    "tiny_tokenizer",
]
