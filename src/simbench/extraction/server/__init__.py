"""The servers wing: models behind an HTTP server (OpenAI-compatible), reached with ``httpx``.

Never imports torch: a tokenizer named for chat-template rendering is loaded through the
transformers wing (:func:`simbench.extraction.hf.models.load_tokenizer`) only when asked for.
"""

from __future__ import annotations

from .openai_backend import MISSING_RULES, OpenAIBackend, ServerError

__all__ = ["MISSING_RULES", "OpenAIBackend", "ServerError"]
