"""Label tokens in context, the release's label ids, and the errors for labels that are not one token."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest
import torch

from simbench import Item
from simbench.extraction import LabelTokenError, TransformersLogprobBackend
from simbench.extraction.labels import InContextLabels, release_label_ids


def test_label_in_context_is_the_bare_letter(tiny_llama: tuple[Any, Any]) -> None:
    tok = tiny_llama[1]
    labels = InContextLabels(tok, add_special_tokens=True)
    prompt = "**Answer**: ("
    got = labels.ids(prompt, tok(prompt)["input_ids"], ("A", "B"))
    assert tok.convert_ids_to_tokens(list(got)) == ["A", "B"]
    # encode(label) is the space-prefixed piece: the release's label token is a different one
    assert tok.convert_ids_to_tokens(tok("A", add_special_tokens=False)["input_ids"]) == ["▁A"]
    assert release_label_ids(tok, "A")[0] == tok.convert_tokens_to_ids("▁A")


def test_multi_token_and_merging_labels_are_errors(tiny_gpt2: tuple[Any, Any]) -> None:
    tok = tiny_gpt2[1]
    labels = InContextLabels(tok, add_special_tokens=False)
    prompt = "**Answer**: ("
    with pytest.raises(LabelTokenError, match=r"item pop/7: label 'Zebra-crossing' is \d+ tokens"):
        labels.ids(prompt, tok(prompt)["input_ids"], ("Zebra-crossing",), item_id="pop/7")
    with pytest.raises(LabelTokenError, match="label 'swer' merges with the end of the prompt"):
        labels.ids("**An", tok("**An")["input_ids"], ("swer",), item_id="pop/8")


def test_backend_refuses_a_tokenizer_that_merges_paren_and_label(tiny_gpt2_dir: Path,
                                                                 engine_items: list[Item]) -> None:
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tok = AutoTokenizer.from_pretrained(tiny_gpt2_dir)
    tok.add_tokens(["(A"])
    backend = TransformersLogprobBackend(AutoModelForCausalLM.from_pretrained(tiny_gpt2_dir), tok)
    item = engine_items[0]
    with pytest.raises(LabelTokenError, match=f"item {item.item_id}: label 'A' merges"):
        list(backend.predict([item], progress=False))


def test_release_protocol_engine_equals_release_computation(tiny_llama: tuple[Any, Any],
                                                            engine_items: list[Item]) -> None:
    """The release: chat template without generation prompt, encode() with default special
    tokens, label probability = sum over encode(label) + encode("_" + label) ids."""
    model, tok = tiny_llama
    backend = TransformersLogprobBackend(model, tok, protocol="release", batch_size=7,
                                         min_prefix_tokens=4)
    preds = {p.item_id: p for p in backend.predict(engine_items, progress=False)}
    for item in engine_items[:6]:
        text = tok.apply_chat_template(
            [{"role": "system", "content": backend.renderer.messages(item)[0]["content"]},
             {"role": "user", "content": backend.renderer.messages(item)[1]["content"]}],
            tokenize=False)
        ids = tok.encode(text, return_tensors="pt")
        with torch.no_grad():
            probs = torch.softmax(model(ids).logits[0, -1].double(), dim=-1)
        per_label = {}
        for label in item.option_labels:
            encs = (tok.encode(label, add_special_tokens=False)
                    + tok.encode("_" + label, add_special_tokens=False))
            per_label[label] = sum(float(probs[e]) for e in encs)
        total = sum(per_label.values())
        pred = preds[item.item_id]
        assert pred.label_mass == pytest.approx(total, abs=1e-5)
        assert pred.distribution is not None
        for label, p in per_label.items():
            assert pred.distribution[label] == pytest.approx(p / total, abs=1e-5)
    assert backend.provenance()["label_token_ids"]["A"] == list(release_label_ids(tok, "A"))


def test_prompt_hash_is_of_the_exact_text(tiny_gpt2: tuple[Any, Any], engine_items: list[Item]) -> None:
    import hashlib

    backend = TransformersLogprobBackend(*tiny_gpt2)
    item = dataclasses.replace(engine_items[0])
    pred = next(iter(backend.predict([item], progress=False)))
    text = backend.prompt_text(item)
    assert pred.prompt_hash == hashlib.sha256(text.encode()).hexdigest()[:16] == backend.prompt_hash(item)
