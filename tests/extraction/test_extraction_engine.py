"""The transformers engine equals a brute-force computation, at any batch size, with or without
the prefix cache, for both tiny model families and both prompt modes."""

from __future__ import annotations

import dataclasses
import importlib.util
from pathlib import Path
from typing import Any

import pytest
import torch

from simbench import Item
from simbench.extraction import Prediction, TransformersLogprobBackend
from simbench.extraction.hf._batching import is_oom

TOL = 1e-5


def brute_force(model: Any, tokenizer: Any, text: str, labels: tuple[str, ...], *,
                add_special_tokens: bool) -> tuple[dict[str, float], float]:
    """One prompt, no padding, full forward (logits at every position), manual float32 softmax."""
    ids = tokenizer(text, add_special_tokens=add_special_tokens)["input_ids"]
    with torch.no_grad():
        logits = model(torch.tensor([ids])).logits[0, -1].double()
    probs = torch.exp(logits - torch.logsumexp(logits, dim=0))
    label_p = {}
    for label in labels:
        full = tokenizer(text + label, add_special_tokens=add_special_tokens)["input_ids"]
        assert full[:len(ids)] == ids and len(full) == len(ids) + 1
        label_p[label] = float(probs[full[-1]])
    mass = sum(label_p.values())
    return {k: v / mass for k, v in label_p.items()}, mass


def assert_close(pred: Prediction, dist: dict[str, float], mass: float) -> None:
    assert pred.status == "ok" and pred.distribution is not None and pred.label_mass is not None
    assert list(pred.distribution) == list(dist)
    for label, p in dist.items():
        assert pred.distribution[label] == pytest.approx(p, abs=TOL), (pred.item_id, label)
    assert pred.label_mass == pytest.approx(mass, abs=TOL, rel=1e-4)
    assert sum(pred.distribution.values()) == pytest.approx(1.0, abs=1e-9)


@pytest.fixture(scope="module", params=["chat", "base"])
def reference(request: pytest.FixtureRequest, tiny_lm: tuple[Any, Any],
              engine_items: list[Item]) -> tuple[str, dict[str, tuple[dict[str, float], float]]]:
    model, tok = tiny_lm
    backend = TransformersLogprobBackend(model, tok, prompt_mode=request.param, batch_size=1,
                                         prefix_cache=False)
    add = backend.renderer.add_special_tokens
    ref = {item.item_id: brute_force(model, tok, backend.prompt_text(item), item.option_labels,
                                     add_special_tokens=add) for item in engine_items}
    return request.param, ref


@pytest.mark.parametrize(("batch_size", "prefix_cache"),
                         [(1, False), (7, False), (32, False), (7, True), (32, True),
                          ("auto", True)])
def test_engine_equals_brute_force(tiny_lm: tuple[Any, Any], engine_items: list[Item],
                                   reference: tuple[str, dict[str, Any]], batch_size: int | str,
                                   prefix_cache: bool) -> None:
    mode, ref = reference
    backend = TransformersLogprobBackend(*tiny_lm, prompt_mode=mode, batch_size=batch_size,
                                         prefix_cache=prefix_cache, min_prefix_tokens=4)
    preds = list(backend.predict(engine_items, progress=False))
    assert sorted(p.item_id for p in preds) == sorted(ref)
    for pred in preds:
        assert_close(pred, *ref[pred.item_id])


def test_prefix_cache_is_used_and_saves_tokens(tiny_gpt2: tuple[Any, Any],
                                               engine_items: list[Item]) -> None:
    backend = TransformersLogprobBackend(*tiny_gpt2, batch_size=4)
    requests = backend._requests(engine_items)
    list(backend._score(requests))
    shared = [r for r in requests if r.group >= 0]
    assert len(shared) >= 6  # the Choices13k, MoralMachine and Grouped clusters
    assert all(0 < r.prefix_len < len(r.ids) for r in shared)


def test_identical_prompts_are_computed_once(tiny_gpt2: tuple[Any, Any],
                                             engine_items: list[Item]) -> None:
    model, tok = tiny_gpt2
    twin = dataclasses.replace(engine_items[0], item_id="pop/999999", row_index=999999)
    rows_seen: list[int] = []
    hook = model.register_forward_pre_hook(
        lambda _m, _a, kw: rows_seen.append(kw["input_ids"].shape[0]), with_kwargs=True)
    try:
        backend = TransformersLogprobBackend(model, tok, batch_size=32, prefix_cache=False)
        preds = {p.item_id: p for p in backend.predict([*engine_items[:3], twin], progress=False)}
    finally:
        hook.remove()
    assert sum(rows_seen) == 3
    assert preds["pop/999999"].distribution == preds[engine_items[0].item_id].distribution
    assert preds["pop/999999"].prompt_hash == preds[engine_items[0].item_id].prompt_hash


def test_predictions_stream_per_batch(tiny_gpt2: tuple[Any, Any], engine_items: list[Item]) -> None:
    model, tok = tiny_gpt2
    calls: list[int] = []
    hook = model.register_forward_pre_hook(lambda *_: calls.append(1))
    try:
        backend = TransformersLogprobBackend(model, tok, batch_size=2, prefix_cache=False)
        stream = backend.predict(engine_items, progress=False)
        next(stream)
        assert len(calls) == 1  # the first prediction comes after the first batch
        rest = list(stream)
    finally:
        hook.remove()
    assert len(rest) == len(engine_items) - 1 and len(calls) == len(engine_items) // 2


def test_token_budget_batches_bound_size_and_padding() -> None:
    """On CPU, ``auto`` batches hold at most ``max_tokens`` padded tokens and little padding."""
    from simbench.extraction.hf._batching import BatchSizer

    lengths = [500, 480, 300, 290, 280, 100, 95, 94, 93, 92, 91, 90, 10]
    sizer = BatchSizer(64, auto=True, max_tokens=1024, min_fill=0.9)
    batches = [list(batch) for batch, _ in sizer.run(lengths, len, length=lambda n: n)]
    assert batches == [[500, 480], [300, 290, 280], [100, 95, 94, 93, 92, 91, 90], [10]]
    assert [b for b, _ in BatchSizer(4, auto=False).run(lengths, len)][0] == [500, 480, 300, 290]
    one = BatchSizer(64, auto=True, max_tokens=100, min_fill=0.9)
    assert [len(b) for b, _ in one.run([400, 399], len, length=lambda n: n)] == [1, 1]


def test_auto_batch_size_backs_off_on_out_of_memory(tiny_llama: tuple[Any, Any],
                                                    engine_items: list[Item]) -> None:
    """A real model that runs out of memory on more than one row (injected in a forward hook)."""
    model, tok = tiny_llama

    def fail_large(_module: Any, _args: Any, kwargs: dict[str, Any]) -> None:
        if kwargs["input_ids"].shape[0] > 1:
            raise torch.OutOfMemoryError("CUDA out of memory (injected)")

    expected = {p.item_id: p for p in TransformersLogprobBackend(model, tok, batch_size=1)
                .predict(engine_items, progress=False)}
    hook = model.register_forward_pre_hook(fail_large, with_kwargs=True)
    try:
        auto = TransformersLogprobBackend(model, tok, batch_size="auto")
        preds = list(auto.predict(engine_items, progress=False))
        fixed = TransformersLogprobBackend(model, tok, batch_size=8)
        with pytest.raises(RuntimeError, match="out of memory at batch size 8"):
            list(fixed.predict(engine_items, progress=False))
    finally:
        hook.remove()
    assert auto.batch_size == 1 and auto._sizer.max_tokens < 1024  # rows and tokens halved
    for pred in preds:
        assert_close(pred, expected[pred.item_id].distribution or {},
                     expected[pred.item_id].label_mass or 0.0)
    assert is_oom(RuntimeError("CUDA out of memory. Tried to allocate 2.00 GiB"))
    assert not is_oom(ValueError("out of range"))


@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float16])
def test_half_precision_models(tiny_llama_dir: Any, engine_items: list[Item],
                               dtype: torch.dtype) -> None:
    from transformers import AutoModelForCausalLM, AutoTokenizer

    model = AutoModelForCausalLM.from_pretrained(tiny_llama_dir, dtype=dtype, device_map="auto")
    backend = TransformersLogprobBackend(model, AutoTokenizer.from_pretrained(tiny_llama_dir))
    full = TransformersLogprobBackend(
        AutoModelForCausalLM.from_pretrained(tiny_llama_dir, dtype=torch.float32),
        AutoTokenizer.from_pretrained(tiny_llama_dir))
    ref = {p.item_id: p for p in full.predict(engine_items[:4], progress=False)}
    for pred in backend.predict(engine_items[:4], progress=False):
        assert pred.distribution is not None
        assert sum(pred.distribution.values()) == pytest.approx(1.0, abs=1e-9)
        want = ref[pred.item_id].distribution or {}
        assert max(abs(pred.distribution[k] - want[k]) for k in want) < 0.1
    assert backend.provenance()["model"]["dtype"] == str(dtype).removeprefix("torch.")


def test_bad_arguments_are_clear_errors(tiny_gpt2: tuple[Any, Any]) -> None:
    with pytest.raises(ValueError, match="batch_size must be 'auto' or a positive integer"):
        TransformersLogprobBackend(*tiny_gpt2, batch_size=0)
    with pytest.raises(ValueError, match="protocol 'paper' is not one of"):
        TransformersLogprobBackend(*tiny_gpt2, protocol="paper")
    with pytest.raises(ValueError, match="prompt_mode 'instruct' is not one of"):
        TransformersLogprobBackend(*tiny_gpt2, prompt_mode="instruct")


def test_provenance(tiny_gpt2: tuple[Any, Any]) -> None:
    backend = TransformersLogprobBackend(*tiny_gpt2, model_id="tiny-gpt2", content_hash="abc")
    prov = backend.provenance()
    assert prov["method"] == "token_probs" and prov["backend"] == "transformers"
    assert prov["protocol"] == "default" and prov["prompt_mode"] == "chat"
    assert prov["model"] == {"id": "tiny-gpt2", "revision": None, "content_hash": "abc",
                             "dtype": "float32", "type": "chat"}
    assert len(prov["chat_template_hash"]) == 64
    tok = tiny_gpt2[1]
    assert prov["label_token_ids"] == {c: tok.convert_tokens_to_ids(c) for c in "ABCDEFGHIJKLMNO"}


def test_batches_mix_prefixes(tiny_gpt2: tuple[Any, Any], engine_items: list[Item]) -> None:
    """Rows of different shared prefixes (and rows without one) share a forward pass: batches are
    made by suffix length alone, so they fill up (exactness: test_engine_equals_brute_force)."""
    backend = TransformersLogprobBackend(*tiny_gpt2, batch_size=32, min_prefix_tokens=4)
    groups_per_pass: list[set[int]] = []
    forward = backend._forward

    def spy(rows: Any, kv: Any) -> Any:
        groups_per_pass.append({r.group for r in rows})
        return forward(rows, kv)

    backend._forward = spy  # type: ignore[method-assign]
    preds = list(backend.predict(engine_items, progress=False))
    assert sorted(p.item_id for p in preds) == sorted(i.item_id for i in engine_items)
    assert any(len(groups - {-1}) > 1 for groups in groups_per_pass)
    # fewer forward passes than one per prefix (and one for the rows without one)
    assert len(groups_per_pass) < len(set().union(*groups_per_pass))


def test_schedule_counts_are_the_engines_passes(tiny_gpt2: tuple[Any, Any],
                                                engine_items: list[Item]) -> None:
    """benchmarks/bench_schedule.py counts the forward passes the engine makes, without running it,
    and the passes of batching one prefix at a time (more of them, over the same rows)."""
    spec = importlib.util.spec_from_file_location(
        "bench_schedule", Path(__file__).parents[2] / "benchmarks" / "bench_schedule.py")
    assert spec is not None and spec.loader is not None
    bench_schedule = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench_schedule)
    model, tok = tiny_gpt2
    backend = TransformersLogprobBackend(model, tok, batch_size=4, min_prefix_tokens=4)
    counted = bench_schedule.count(backend, engine_items)
    shapes: list[tuple[int, int]] = []
    hook = model.register_forward_pre_hook(
        lambda _m, _a, kw: shapes.append(tuple(kw["input_ids"].shape)), with_kwargs=True)
    try:
        list(backend.predict(engine_items, progress=False))
    finally:
        hook.remove()
    assert sorted((b, b * w) for b, w in shapes) == sorted(counted["prefix"] + counted["suffix"])
    before = counted["suffix by prefix"]
    distinct = len(backend._requests(engine_items))
    assert sum(r for r, _ in before) == sum(r for r, _ in counted["suffix"]) == distinct
    assert len(before) > len(counted["suffix"])
