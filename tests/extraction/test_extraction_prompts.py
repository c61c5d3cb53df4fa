"""Prompts rendered byte-exactly: base and chat modes, default and release protocols."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from simbench import Item
from simbench.prompts import PromptRenderer, chat_template_hash, resolve_prompt_mode

SYSTEM = "You are a group of individuals with these shared characteristics:\n"
ENDING = "Do not provide any explanation, only answer with one of the following options: "


def user_text(item: Item) -> str:
    return ("**Question**: " + item.question + "\n" + ENDING + ", ".join(item.option_labels)
            + ".\n**Answer**: (")


@pytest.fixture(scope="module")
def item(engine_items: list[Item]) -> Item:
    return engine_items[3]  # a Grouped item (persona with demographics)


def test_base_prompt_is_plain_text(tiny_llama_base_dir: Path, item: Item) -> None:
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(tiny_llama_base_dir)
    renderer = PromptRenderer.create(tok)
    assert renderer.mode == "base"
    assert renderer.text(item) == SYSTEM + item.persona + "\n" + user_text(item)
    ids = renderer.token_ids(renderer.text(item))
    assert ids[0] == tok.bos_token_id and ids[1] != tok.bos_token_id  # the model's one BOS


def test_chat_prompt_llama(tiny_llama: tuple[Any, Any], item: Item) -> None:
    tok = tiny_llama[1]
    renderer = PromptRenderer.create(tok)
    assert renderer.mode == "chat"
    expected = ("<s><|start_header_id|>system<|end_header_id|>\n\n" + SYSTEM + item.persona
                + "<|eot_id|><|start_header_id|>user<|end_header_id|>\n\n" + user_text(item)
                + "<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n(")
    assert renderer.text(item) == expected
    ids = renderer.token_ids(expected)
    assert ids[0] == tok.bos_token_id and ids[1] != tok.bos_token_id  # no duplicated BOS


def test_chat_prompt_chatml(tiny_gpt2: tuple[Any, Any], item: Item) -> None:
    renderer = PromptRenderer.create(tiny_gpt2[1])
    assert renderer.text(item) == (
        "<|im_start|>system\n" + SYSTEM + item.persona + "<|im_end|>\n<|im_start|>user\n"
        + user_text(item) + "<|im_end|>\n<|im_start|>assistant\n(")


def test_release_protocol_reproduces_the_release(tiny_llama: tuple[Any, Any], item: Item) -> None:
    tok = tiny_llama[1]
    renderer = PromptRenderer.create(tok, protocol="release")
    text = renderer.text(item)
    assert text == ("<s><|start_header_id|>system<|end_header_id|>\n\n" + SYSTEM + item.persona
                    + "<|eot_id|><|start_header_id|>user<|end_header_id|>\n\n" + user_text(item)
                    + "<|eot_id|>")  # no generation prompt: the next token follows end-of-turn
    ids = renderer.token_ids(text)
    assert ids[:2] == [tok.bos_token_id, tok.bos_token_id]  # default special tokens: BOS twice
    assert ids == tok.encode(text)


def test_verbalized_prompts(tiny_gpt2: tuple[Any, Any], item: Item) -> None:
    for protocol in ("default", "release"):
        renderer = PromptRenderer.create(tiny_gpt2[1], protocol=protocol, method="verbalized")
        text = renderer.text(item)
        assert text.endswith("Replace X with your estimated percentages for each option.\n"
                             "**Answer**:<|im_end|>\n<|im_start|>assistant\n")
        labels = item.option_labels
        assert ("4. Use this exact valid JSON format: {" + ", ".join(f'"{lab}": X' for lab in labels)
                + "} and do NOT include anything else.\n") in text
        assert "**Question**: " + item.question + "\n\nEstimate what percentage" in text


def test_prompt_mode_choice(tiny_gpt2: tuple[Any, Any], tiny_llama_base_dir: Path, item: Item) -> None:
    from transformers import AutoTokenizer

    chat_tok, base_tok = tiny_gpt2[1], AutoTokenizer.from_pretrained(tiny_llama_base_dir)
    assert resolve_prompt_mode(chat_tok) == "chat" and resolve_prompt_mode(base_tok) == "base"
    forced = PromptRenderer.create(chat_tok, prompt_mode="base")
    assert forced.text(item) == SYSTEM + item.persona + "\n" + user_text(item)
    with pytest.raises(ValueError, match="needs a tokenizer with a chat template"):
        PromptRenderer.create(base_tok, prompt_mode="chat")
    assert chat_template_hash(base_tok) is None and len(chat_template_hash(chat_tok) or "") == 64
