"""Sampling and answer-order permutations through a real vLLM engine (SmolLM2, CPU build)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from simbench import Item

pytestmark = pytest.mark.vllm


def _by_id(preds: Any) -> dict[str, Any]:
    return {p.item_id: p for p in preds}


@pytest.fixture(scope="module")
def sampling_engine(need_vllm: None) -> Iterator[Any]:
    """SmolLM2 in an engine without chunked prefill (what seeded sampling needs on CPU)."""
    from simbench.extraction.vllm import load_engine

    engine = load_engine("smollm2", dtype="float32",
                         engine_args={"enable_chunked_prefill": False})
    yield engine
    engine.close()


def test_a_cpu_engine_with_chunked_prefill_is_refused(vllm_engine: Any) -> None:
    from simbench.errors import ExtractionError
    from simbench.extraction.vllm.sampling import VLLMSamplingBackend

    with pytest.raises(ExtractionError, match="enable_chunked_prefill"):
        VLLMSamplingBackend(engine=vllm_engine, samples=3)


def test_sampling_is_seeded_and_estimates_the_token_probabilities(
        sampling_engine: Any, agreement_items: list[Item]) -> None:
    from simbench.extraction.vllm import VLLMLogprobBackend
    from simbench.extraction.vllm.sampling import VLLMSamplingBackend

    items = agreement_items[:6]
    engine = sampling_engine
    first = _by_id(VLLMSamplingBackend(engine=engine, samples=30, seed=0)
                   .predict(items, progress=False))
    again = _by_id(VLLMSamplingBackend(engine=engine, samples=30, seed=0, batch_size=1)
                   .predict(items[::-1], progress=False))
    other = _by_id(VLLMSamplingBackend(engine=engine, samples=30, seed=1)
                   .predict(items, progress=False))
    for item in items:
        p = first[item.item_id]
        assert p.samples["n"] == 30
        assert sum(p.samples["counts"].values()) + p.samples["n_unparsed"] == 30
        assert len(p.raw_outputs) == p.samples["n_unparsed"]
        assert again[item.item_id] == p          # the item's seed, not its chunk, decides
    assert any(other[i].samples != first[i].samples for i in first)
    # 300 samples: standard errors below 0.03; 4 of them as tolerance
    many = _by_id(VLLMSamplingBackend(engine=engine, samples=300, seed=0)
                  .predict(items[:3], progress=False))
    exact = _by_id(VLLMLogprobBackend(engine=engine).predict(items[:3], progress=False))
    for item in items[:3]:
        s, e = many[item.item_id].samples, exact[item.item_id]
        assert 1 - s["n_unparsed"] / s["n"] == pytest.approx(e.label_mass, abs=0.12)
        n_parsed = s["n"] - s["n_unparsed"]
        for label, c in s["counts"].items():
            assert c / n_parsed == pytest.approx(e.distribution[label], abs=0.12)
    prov = VLLMSamplingBackend(engine=engine, samples=7).provenance()
    assert prov["method"] == "sampling" and prov["generation"]["samples"] == 7


def test_cyclic_permutations_agree_with_the_transformers_engine(
        vllm_engine: Any, hf_smollm2: Any, agreement_items: list[Item]) -> None:
    from simbench.extraction.hf import TransformersLogprobBackend
    from simbench.extraction.permuted import PermutedBackend
    from simbench.extraction.vllm import VLLMLogprobBackend
    from simbench.prompts import PermutationSpec

    items = agreement_items[:6]
    spec = PermutationSpec.parse("cyclic")
    got = _by_id(PermutedBackend(VLLMLogprobBackend(engine=vllm_engine), spec)
                 .predict(items, progress=False))
    ref = TransformersLogprobBackend(hf_smollm2.model, hf_smollm2.tokenizer)
    want = _by_id(PermutedBackend(ref, spec).predict(items, progress=False))
    for item in items:
        g, w = got[item.item_id], want[item.item_id]
        assert [r["prompt_hash"] for r in g.permutations] == \
            [r["prompt_hash"] for r in w.permutations]
        assert max(abs(g.distribution[k] - w.distribution[k]) for k in w.distribution) < 5e-5
