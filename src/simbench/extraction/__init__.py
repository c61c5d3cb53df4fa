"""Extraction backends: turn SimBench items into model answer distributions.

``import simbench.extraction`` stays light (no torch); the transformers engine is imported on first
use of :class:`TransformersLogprobBackend`.
"""

from __future__ import annotations

from typing import Any

from .base import (
    METHODS,
    STATUSES,
    Backend,
    ExtractionError,
    LabelTokenError,
    Prediction,
    prompt_hash,
)

__all__ = [
    "METHODS",
    "STATUSES",
    "Backend",
    "ExtractionError",
    "LabelTokenError",
    "Prediction",
    "TransformersLogprobBackend",
    "prompt_hash",
]


def __getattr__(name: str) -> Any:
    if name == "TransformersLogprobBackend":
        from .hf.token_probs import TransformersLogprobBackend

        return TransformersLogprobBackend
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
