"""Closed choices defined once (simbench.choices), the backend factory, and the shared helpers of the
transformers wing (one copy each, with the behaviour chosen on purpose)."""

from __future__ import annotations

import typing
from typing import Any

import pytest

from simbench import choices
from simbench.errors import ExtractionError, OptionError, SimBenchError


def test_every_tuple_is_the_values_of_its_literal() -> None:
    pairs = {"METHODS": "Method", "PROTOCOLS": "Protocol", "PROMPT_MODES": "PromptMode",
             "RESOLVED_PROMPT_MODES": "ResolvedPromptMode", "BACKENDS": "BackendName",
             "STATUSES": "Status", "DTYPES": "Dtype"}
    for values, literal in pairs.items():
        assert getattr(choices, values) == typing.get_args(getattr(choices, literal))
    assert set(choices.RESOLVED_PROMPT_MODES) < set(choices.PROMPT_MODES)
    assert choices.__all__ == sorted(choices.__all__)


def test_check_choice_returns_the_value_or_names_the_parameter() -> None:
    assert choices.check_choice("verbalized", choices.METHODS, "method") == "verbalized"
    with pytest.raises(OptionError, match=r"^backend 'vllm2' is not one of 'transformers', ") as e:
        choices.check_choice("vllm2", choices.BACKENDS, "backend")
    assert isinstance(e.value, ValueError) and isinstance(e.value, SimBenchError)
    with pytest.raises(OptionError):
        choices.check_choice(None, choices.PROTOCOLS, "protocol")


def test_the_prompt_protocol_has_an_ending_for_every_method() -> None:
    from simbench.prompts import ending
    from simbench.prompts.protocol import _ENDINGS

    assert set(_ENDINGS) == set(choices.METHODS)
    assert ending(("A", "B"), "token_probs").endswith("**Answer**: (")
    assert ending(("A", "B"), "sampling") == ending(("A", "B"), "token_probs")
    with pytest.raises(OptionError, match="method 'greedy' is not one of"):
        ending(("A", "B"), "greedy")  # type: ignore[arg-type]


def test_no_second_copy_of_a_choice_remains() -> None:
    """The values are spelled once: no other module of the package defines them again."""
    from pathlib import Path

    import simbench

    root = Path(simbench.__file__).parent
    spelled = {"('token_probs', 'verbalized')", '("token_probs", "verbalized")',
               "('default', 'release')", '("default", "release")',
               "('auto', 'chat', 'base')", '("auto", "chat", "base")'}
    found = [f"{p.relative_to(root)}: {s}" for p in root.rglob("*.py") if p.name != "choices.py"
             for s in spelled if s in p.read_text(encoding="utf-8")]
    assert found == []


def test_resolve_backend_is_the_one_place_for_baseline_names() -> None:
    from simbench.extraction import resolve_backend

    assert resolve_backend("transformers", "uniform") == ("uniform", "uniform")
    assert resolve_backend("transformers", "Uniform") == ("uniform", "uniform")
    assert resolve_backend("uniform", None) == ("uniform", "uniform")
    assert resolve_backend("openai", "uniform") == ("openai", "uniform")  # a served model's name
    assert resolve_backend("transformers", "smollm2") == ("transformers", "smollm2")
    with pytest.raises(OptionError, match="backend 'uniform' takes no model"):
        resolve_backend("uniform", "gpt2")
    with pytest.raises(OptionError, match="backend 'transformers' needs a model name"):
        resolve_backend("transformers", None)
    with pytest.raises(OptionError, match="backend 'tgi' is not one of"):
        resolve_backend("tgi", "m")


def test_factory_messages_name_parameters_not_flags(tiny_gpt2_dir: Any) -> None:
    from simbench.extraction import create_backend, load_model

    with pytest.raises(OptionError, match="option 'temperature' does not apply to method "
                                          "'token_probs' on backend 'transformers'") as e:
        create_backend("token_probs", "transformers", load_model(str(tiny_gpt2_dir)),
                       temperature=0.5)
    assert "--" not in str(e.value)
    with pytest.raises(OptionError, match="option 'batch_size' does not apply") as e:
        create_backend("verbalized", "uniform", batch_size=4)
    with pytest.raises(ExtractionError, match="takes no model"):
        create_backend("token_probs", "uniform", "gpt2")


def test_uniform_backend_records_what_was_asked() -> None:
    from simbench.extraction import UniformBackend, create_backend

    backend = create_backend("verbalized", "uniform", protocol="release", prompt_mode="base",
                             seed=3)
    prov = backend.provenance()
    assert isinstance(backend, UniformBackend)
    assert (prov["method"], prov["backend"], prov["protocol"], prov["prompt_mode"]) == (
        "verbalized", "uniform", "release", "base")
    assert prov["model"]["type"] == "baseline" and prov["model"]["id"] == "uniform"
    with pytest.raises(OptionError, match="prompt_mode 'chat' does not apply"):
        UniformBackend(prompt_mode="chat")


# --------------------------------------------------------------------------- shared hf helpers


@pytest.fixture
def tokenizer() -> Any:
    from simbench.extraction.hf.tiny import tiny_tokenizer

    return tiny_tokenizer("llama")


def test_pad_id_prefers_pad_then_eos_then_unk_and_refuses_none(tokenizer: Any) -> None:
    from simbench.extraction.hf._batching import pad_id

    eos, unk = tokenizer.eos_token_id, tokenizer.unk_token_id
    assert tokenizer.pad_token_id is None and pad_id(tokenizer) == eos
    tokenizer.add_special_tokens({"pad_token": "<pad>"})
    assert pad_id(tokenizer) == tokenizer.pad_token_id not in (eos, unk)
    tokenizer.pad_token = None
    tokenizer.eos_token = None
    assert pad_id(tokenizer) == unk
    tokenizer.unk_token = None
    with pytest.raises(ExtractionError, match="no pad, EOS or unknown token"):
        pad_id(tokenizer)


def test_both_transformers_backends_share_the_helpers(tokenizer: Any) -> None:
    """One rule for padding, device and batch sizes: the two backends agree, and refuse alike."""
    import torch

    from simbench.extraction import TransformersLogprobBackend, VerbalizedBackend
    from simbench.extraction.hf._batching import AUTO_BATCH
    from simbench.extraction.hf.tiny import tiny_model

    model, _ = tiny_model("llama")
    tokenizer.eos_token = None  # pad falls back to the unknown token in both
    logprobs = TransformersLogprobBackend(model, tokenizer)
    verbalized = VerbalizedBackend(model, tokenizer)
    assert logprobs._pad_id == verbalized._pad_id == tokenizer.unk_token_id
    assert logprobs.device == verbalized.device == torch.device("cpu")
    assert logprobs.batch_size == AUTO_BATCH["token_probs"]["cpu"]
    assert verbalized.batch_size == AUTO_BATCH["verbalized"]["cpu"]
    for cls in (TransformersLogprobBackend, VerbalizedBackend):
        with pytest.raises(OptionError, match="batch_size must be 'auto' or a positive integer"):
            cls(model, tokenizer, batch_size=0)
        assert cls(model, tokenizer, batch_size=3).batch_size == 3
    tokenizer.unk_token = None
    for cls in (TransformersLogprobBackend, VerbalizedBackend):
        with pytest.raises(ExtractionError, match="no pad, EOS or unknown token"):
            cls(model, tokenizer)
