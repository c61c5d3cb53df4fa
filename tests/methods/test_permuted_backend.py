"""``--permutations`` on real tiny models: equal to an independent loop over the shifted prompts."""

from __future__ import annotations

from typing import Any

import pytest

from simbench import Item
from simbench.extraction import TransformersLogprobBackend, VerbalizedBackend, create_backend
from simbench.extraction.permuted import PermutedBackend
from simbench.prompts import QUESTION_PREFIX, SYSTEM_PREFIX, PermutationSpec, token_probs_ending


def _shifted_prompt(tokenizer: Any, item: Item, shift: int) -> str:
    """The chat prompt of ``item`` with original option ``(i + shift) mod K`` at position ``i``,
    built from the protocol strings and the chat template by hand."""
    k = item.n_options
    head = item.question.rpartition("\n\nOptions:\n")[0]
    lines = [f"({item.option_labels[i]}): {item.option_texts[(i + shift) % k]}" for i in range(k)]
    user = (QUESTION_PREFIX + head + "\n\nOptions:\n" + "\n".join(lines) + "\n"
            + token_probs_ending(item.option_labels))
    messages = [{"role": "system", "content": SYSTEM_PREFIX + item.persona},
                {"role": "user", "content": user}]
    return tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True) + "("


def _brute_force(model: Any, tokenizer: Any, item: Item) -> tuple[list[float], list[list[float]]]:
    """One unbatched forward pass per shift; the mean of the shifts mapped back, and each shift."""
    import torch

    k = item.n_options
    mean = [0.0] * k
    shown_all = []
    for shift in range(k):
        text = _shifted_prompt(tokenizer, item, shift)
        ids = tokenizer(text, add_special_tokens=False)["input_ids"]
        label_ids = []
        for label in item.option_labels:
            extra = tokenizer(text + label, add_special_tokens=False)["input_ids"][len(ids):]
            assert len(extra) == 1
            label_ids.append(extra[0])
        with torch.no_grad():
            logits = model(torch.tensor([ids])).logits[0, -1].float()
        shown = torch.softmax(torch.log_softmax(logits, -1)[label_ids], -1).tolist()
        shown_all.append(shown)
        for i in range(k):
            mean[(i + shift) % k] += shown[i] / k
    return mean, shown_all


def test_cyclic_equals_an_independent_loop_over_the_shifted_prompts(
        tiny_lm: tuple[Any, Any], method_items: list[Item]) -> None:
    model, tokenizer = tiny_lm
    inner = TransformersLogprobBackend(model, tokenizer, batch_size=3)
    backend = PermutedBackend(inner, PermutationSpec.parse("cyclic"))
    got = {p.item_id: p for p in backend.predict(method_items, progress=False)}
    assert set(got) == {it.item_id for it in method_items}
    for item in method_items:
        want, shown = _brute_force(model, tokenizer, item)
        pred = got[item.item_id]
        assert pred.status == "ok" and pred.distribution is not None
        assert list(pred.distribution.values()) == pytest.approx(want, abs=1e-5)
        k = item.n_options
        assert [r["order"] for r in pred.permutations] == \
            [[(i + s) % k for i in range(k)] for s in range(k)]
        for record, expected in zip(pred.permutations, shown):
            assert list(record["distribution"].values()) == pytest.approx(expected, abs=1e-5)
        # the identity order is the unpermuted prompt
        assert pred.prompt_hash == inner.prompt_hash(item)
        assert pred.permutations[0]["prompt_hash"] == pred.prompt_hash
        assert len({r["prompt_hash"] for r in pred.permutations}) == k


def test_random_orders_map_back_each_order(tiny_gpt2: tuple[Any, Any],
                                           method_items: list[Item]) -> None:
    """random:N through the factory: each order's record maps back to the item's mean."""
    from simbench.extraction.hf.models import LoadedModel

    model, tokenizer = tiny_gpt2
    loaded = LoadedModel(model=model, tokenizer=tokenizer, model_id="tiny-gpt2", source="memory",
                         revision=None, content_hash=None, dtype="float32", device="cpu",
                         load_s=0.0)
    backend = create_backend("token_probs", "transformers", loaded, permutations="random:3",
                             seed=5)
    assert isinstance(backend, PermutedBackend)
    items = method_items[2:5]
    for pred, item in zip(sorted(backend.predict(items, progress=False),
                                 key=lambda p: [i.item_id for i in items].index(p.item_id)),
                          items):
        orders = [tuple(r["order"]) for r in pred.permutations]
        assert orders == list(PermutationSpec.parse("random:3", seed=5).orders(item.item_id,
                                                                              item.n_options))
        k = item.n_options
        mean = [0.0] * k
        for record in pred.permutations:
            for i, j in enumerate(record["order"]):
                mean[j] += list(record["distribution"].values())[i] / len(orders)
        assert pred.distribution is not None
        assert list(pred.distribution.values()) == pytest.approx(mean, abs=1e-12)
    assert backend.provenance()["permutations"]["seed"] == 5


def test_a_failed_order_fails_the_item_and_keeps_every_order(
        tiny_gpt2: tuple[Any, Any], method_items: list[Item]) -> None:
    """Verbalized on a random model never parses: the item fails, each order's raw text kept."""
    model, tokenizer = tiny_gpt2
    inner = VerbalizedBackend(model, tokenizer, retries=1, max_new_tokens=3)
    backend = PermutedBackend(inner, PermutationSpec.parse("cyclic"))
    pred = next(backend.predict(method_items[:1], progress=False))
    assert pred.status == "failed" and pred.distribution is None
    assert pred.error is not None and pred.error.startswith("2 of 2 answer orders failed")
    assert [r["status"] for r in pred.permutations] == ["failed", "failed"]
    assert all(len(r["raw_outputs"]) == 1 for r in pred.permutations)
