"""Helpers of the adapter tests (uniquely named: every test folder has a conftest)."""

from __future__ import annotations

import json
from pathlib import Path

TARGETS = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]


def make_lora(base: Path, out: Path, *, seed: int = 0, rank: int = 4,
              base_name: str | None = None) -> Path:
    """Save a LoRA adapter with non-zero weights for the model in ``base``.

    ``base_name`` replaces the ``base_model_name_or_path`` peft records (the folder ``base``),
    e.g. with the Hub id the adapter claims to be made for.
    """
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(base, dtype=torch.float32)
    torch.manual_seed(seed)
    config = LoraConfig(r=rank, lora_alpha=2 * rank, target_modules=TARGETS,
                        init_lora_weights=False, task_type="CAUSAL_LM")
    peft_model = get_peft_model(model, config)
    with torch.no_grad():  # larger than peft's random init, so the outputs move visibly
        for name, param in peft_model.named_parameters():
            if "lora_B" in name:
                param.normal_(0.0, 0.5)
    peft_model.save_pretrained(out)
    if base_name is not None:
        cfg_file = out / "adapter_config.json"
        cfg = json.loads(cfg_file.read_text())
        cfg["base_model_name_or_path"] = base_name
        cfg_file.write_text(json.dumps(cfg, indent=2))
    return out
