"""Fixtures of the extraction tests: loaded tiny models and a small sample of real items.

The sample mixes prompts that share long prefixes (one Choices13k preamble, one MoralMachine
persona, one Grouped persona asked several questions) with unrelated short ones, so batching,
padding and the prefix cache are all exercised on real SimBench prompts.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from simbench import Item


def _load(path: Path, dtype: Any = None) -> tuple[Any, Any]:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    model = AutoModelForCausalLM.from_pretrained(path, dtype=dtype or torch.float32)
    return model.eval(), AutoTokenizer.from_pretrained(path)


@pytest.fixture(scope="session")
def tiny_llama(tiny_llama_dir: Path) -> tuple[Any, Any]:
    """(model, tokenizer) of the tiny Llama, float32."""
    return _load(tiny_llama_dir)


@pytest.fixture(scope="session")
def tiny_gpt2(tiny_gpt2_dir: Path) -> tuple[Any, Any]:
    """(model, tokenizer) of the tiny GPT-2, float32."""
    return _load(tiny_gpt2_dir)


@pytest.fixture(scope="session", params=["llama", "gpt2"])
def tiny_lm(request: pytest.FixtureRequest) -> tuple[Any, Any]:
    """Both tiny families in turn."""
    return request.getfixturevalue(f"tiny_{request.param}")


def _first(items: list[Item], n: int, **match: Any) -> list[Item]:
    found = [i for i in items if all(getattr(i, k) == v for k, v in match.items())]
    return found[:n]


@pytest.fixture(scope="session")
def engine_items(all_items: list[Item]) -> list[Item]:
    """Twelve real items: three prefix-sharing clusters and short unrelated prompts."""
    grouped = [i for i in all_items if i.split == "grouped" and i.study == "opinion_qa"]
    persona = Counter(i.persona for i in grouped).most_common(1)[0][0]
    mm = Counter(i.persona for i in all_items if i.study == "moral_machine").most_common(1)[0][0]
    sample = (_first(all_items, 3, split="pop", study="choices13k")
              + [i for i in grouped if i.persona == persona][:3]
              + _first(all_items, 2, split="pop", study="moral_machine", persona=mm)
              + _first(all_items, 2, split="pop", study="osp_mgkt")
              + _first(all_items, 1, split="pop", study="number_game")
              + _first(all_items, 1, split="pop", study="conspiracy_corr"))
    assert len(sample) == 12
    return sample
