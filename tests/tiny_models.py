"""Tiny random-weight causal LMs as session-scoped pytest fixtures, saved for the Auto classes.

The models and tokenizers are the package's own (:mod:`simbench.extraction.hf.tiny`, the ones the
doctests use), saved with ``save_pretrained`` so tests load them by path as a user would:

- ``tiny_llama_dir``: a Llama model; a SentencePiece-like tokenizer that adds BOS, and a chat
  template that writes BOS itself, so the release protocol duplicates it and ``encode("A")`` is
  the space-prefixed piece ``"▁A"`` while the token after ``"("`` is the bare ``"A"``: exactly the
  release's faults.
- ``tiny_gpt2_dir``: a GPT-2 model (absolute positions, so left padding needs ``position_ids``);
  a byte-level BPE tokenizer without BOS and a ChatML chat template, like SmolLM2.
- ``tiny_llama_base_dir``: the Llama model and tokenizer without a chat template.

The letters A-O, ``"("`` and ``")"`` are single tokens in both.
"""

from __future__ import annotations

import string
from pathlib import Path

import pytest

__all__ = ["LABELS", "build_tiny_model", "tiny_gpt2_dir", "tiny_llama_base_dir", "tiny_llama_dir"]

LABELS = tuple(string.ascii_uppercase[:15])


def build_tiny_model(family: str, folder: Path, *, chat: bool = True, seed: int = 0) -> Path:
    """Save a tiny ``family`` ("llama" or "gpt2") model and tokenizer in ``folder``."""
    from simbench.extraction.hf.tiny import save_tiny_model

    if family not in ("llama", "gpt2"):
        raise ValueError(f"family must be 'llama' or 'gpt2', got {family!r}")
    return save_tiny_model(folder, "llama" if family == "llama" else "gpt2", chat=chat, seed=seed)


@pytest.fixture(scope="session")
def tiny_llama_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A saved tiny Llama model whose tokenizer has a chat template (writes BOS) and adds BOS."""
    return build_tiny_model("llama", tmp_path_factory.mktemp("tiny-llama"))


@pytest.fixture(scope="session")
def tiny_llama_base_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny Llama model with a tokenizer without chat template (a 'base' model)."""
    return build_tiny_model("llama", tmp_path_factory.mktemp("tiny-llama-base"), chat=False)


@pytest.fixture(scope="session")
def tiny_gpt2_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A saved tiny GPT-2 model with a ChatML chat template and no BOS."""
    return build_tiny_model("gpt2", tmp_path_factory.mktemp("tiny-gpt2"))
