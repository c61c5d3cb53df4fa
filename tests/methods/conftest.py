"""Fixtures of the elicitation-method tests (answer-order permutations, sampling).

- ``tiny_llama`` / ``tiny_gpt2`` / ``tiny_lm``: the tiny random models of ``tests/tiny_models.py``,
  loaded in float32 (the letters A-O are single tokens after ``"("``).
- ``method_items``: a few real release items with 2 to 9 options, a MoralMachine item among them
  (its options are multi-line case descriptions).
- ``methods_data``: a release folder holding the real Pop rows of two small studies (37 rows)
  and OpinionQA's Grouped rows,
  written at test time into a temporary folder, never into the repository: a full Pop split
  that a tiny model covers in seconds, so ``simbench submit`` accepts it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from simbench import Item

#: The release studies of ``methods_data``: the runs cover the Pop split; Grouped rows are there
#: because a release has both splits (and the scores' norms read them).
SMALL_POP = ("MoralMachineClassic", "OSPsychRWAS")
SMALL_GROUPED = ("OpinionQA",)


def _load(path: Path) -> tuple[Any, Any]:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    model = AutoModelForCausalLM.from_pretrained(path, dtype=torch.float32)
    return model.eval(), AutoTokenizer.from_pretrained(path)


@pytest.fixture(scope="session")
def tiny_llama(tiny_llama_dir: Path) -> tuple[Any, Any]:
    """(model, tokenizer) of the tiny Llama (SentencePiece-like tokenizer, BOS in the template)."""
    return _load(tiny_llama_dir)


@pytest.fixture(scope="session")
def tiny_gpt2(tiny_gpt2_dir: Path) -> tuple[Any, Any]:
    """(model, tokenizer) of the tiny GPT-2 (byte-level BPE, ChatML template, like SmolLM2)."""
    return _load(tiny_gpt2_dir)


@pytest.fixture(scope="session", params=["llama", "gpt2"])
def tiny_lm(request: pytest.FixtureRequest) -> tuple[Any, Any]:
    """Both tiny families in turn."""
    return request.getfixturevalue(f"tiny_{request.param}")


@pytest.fixture(scope="session")
def method_items(all_items: list[Item]) -> list[Item]:
    """Six real items: 2, 3, 4, 5 and 9 options, a MoralMachine dilemma, one Grouped row."""
    wanted = [("pop", "moral_machine", 2), ("pop", "choices13k", 2), ("pop", "chaos_nli", 3),
              ("grouped", "opinion_qa", 5), ("pop", "opinion_qa", 4), ("pop", "osp_rwas", 9)]
    out = []
    for split, study, k in wanted:
        out.append(next(it for it in all_items
                        if it.split == split and it.study == study and it.n_options == k))
    return out


@pytest.fixture(scope="session")
def methods_data(simbench_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A release folder with the real Pop rows of two studies (see the module docstring)."""
    out = tmp_path_factory.mktemp("methods-simbench")
    for stem, studies in (("SimBenchPop", SMALL_POP), ("SimBenchGrouped", SMALL_GROUPED)):
        with (simbench_data / f"{stem}.jsonl").open(encoding="utf-8") as f:
            keep = [line for line in f if json.loads(line)["dataset_name"] in studies]
        (out / f"{stem}.jsonl").write_text("".join(keep), encoding="utf-8")
    return out
