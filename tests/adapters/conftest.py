"""LoRA adapters made here with peft, for the tiny Llama of ``tests/tiny_models.py``.

``lora_dir``: a ``LoraConfig`` adapter (rank 4 on the attention and MLP projections) whose ``B``
weights are random, not zero (``init_lora_weights=False``), so it changes the model's outputs;
saved with ``save_pretrained``. ``merged_dir``: the same adapter merged into a copy of the model
with peft's ``merge_and_unload``, saved as a plain model folder (with the tokenizer): the
reference that ``--adapter`` must reproduce.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from adapter_helpers import make_lora


@pytest.fixture(scope="session")
def lora_dir(tiny_llama_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A LoRA adapter for the tiny Llama (its folder recorded as the base model)."""
    return make_lora(tiny_llama_dir, tmp_path_factory.mktemp("tiny-lora"))


@pytest.fixture(scope="session")
def merged_dir(tiny_llama_dir: Path, lora_dir: Path,
               tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny Llama with ``lora_dir`` merged by peft (``merge_and_unload``), saved as a model."""
    import torch
    from peft import PeftModel
    from transformers import AutoModelForCausalLM, AutoTokenizer

    out = tmp_path_factory.mktemp("tiny-merged")
    model = AutoModelForCausalLM.from_pretrained(tiny_llama_dir, dtype=torch.float32)
    merged = PeftModel.from_pretrained(model, lora_dir).merge_and_unload()
    merged.save_pretrained(out)
    AutoTokenizer.from_pretrained(tiny_llama_dir).save_pretrained(out)
    return out
