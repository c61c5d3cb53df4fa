"""A bad model or an option vLLM cannot take gives a clear error, before a long engine start."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from simbench.errors import ExtractionError, OptionError, SimBenchError

pytestmark = pytest.mark.vllm


def test_missing_model_folder(vllm_engine: Any) -> None:
    from simbench.extraction.vllm import load_engine

    with pytest.raises(ExtractionError, match="model folder '/nonexistent/model' does not exist"):
        load_engine("/nonexistent/model")


def test_model_folder_vllm_cannot_load(tmp_path: Path, vllm_engine: Any) -> None:
    """A folder whose config names an architecture vLLM does not know: vLLM's reason, wrapped."""
    from simbench.extraction.vllm import load_engine

    source = Path(vllm_engine.engine_args["model"])
    for name in ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"):
        if (source / name).is_file():
            shutil.copy(source / name, tmp_path / name)
    config = json.loads((source / "config.json").read_text())
    config["architectures"] = ["NotAModelForCausalLM"]
    (tmp_path / "config.json").write_text(json.dumps(config))
    with pytest.raises(ExtractionError, match="vLLM could not start an engine for model") as info:
        load_engine(str(tmp_path))
    assert "NotAModelForCausalLM" in str(info.value)


def test_unknown_engine_argument(vllm_engine: Any) -> None:
    from simbench.extraction.vllm import load_engine

    with pytest.raises(ExtractionError, match="--engine-arg not_an_arg: not an argument of vLLM"):
        load_engine("smollm2", engine_args={"not_an_arg": 1})


def test_not_a_lora_adapter(tmp_path: Path, vllm_engine: Any) -> None:
    from simbench.extraction.vllm import load_engine

    with pytest.raises(ExtractionError, match="not a LoRA adapter folder"):
        load_engine("smollm2", lora=str(tmp_path))


def test_options_that_do_not_apply(vllm_engine: Any) -> None:
    from simbench.extraction.factory import create_backend
    from simbench.extraction.vllm import VLLMLogprobBackend

    # token probabilities do not sample: the factory names the option, no engine starts
    with pytest.raises(OptionError, match="temperature"):
        create_backend("token_probs", "vllm", "smollm2", temperature=0.5)
    with pytest.raises(OptionError, match="data_parallel_size > 1 starts its own engines"):
        VLLMLogprobBackend(engine=vllm_engine, data_parallel_size=2)
    with pytest.raises(OptionError, match="batch_size must be a positive integer"):
        VLLMLogprobBackend(engine=vllm_engine, batch_size=0)
    with pytest.raises(SimBenchError, match="protocol"):
        VLLMLogprobBackend(engine=vllm_engine, protocol="paper")


def test_prompt_longer_than_the_engine_takes(vllm_engine: Any, all_items: list[Any]) -> None:
    import dataclasses

    from simbench.extraction.vllm import VLLMLogprobBackend

    item = all_items[0]
    long = dataclasses.replace(item, question="word " * 10000 + item.question)
    with pytest.raises(ExtractionError, match=rf"item {item.item_id}: the prompt has \d+ tokens"):
        list(VLLMLogprobBackend(engine=vllm_engine).predict([long], progress=False))
