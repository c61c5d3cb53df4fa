"""The in-process verbalized backend on tiny real models and real SimBench items."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from simbench import load_items
from simbench.extraction.attempts import AttemptSchedule, item_seed
from simbench.extraction.base import Prediction
from simbench.metric import score_predictions


@pytest.fixture(scope="module")
def few_items(all_items):
    """Five real items with 2 to 5 options, from several studies."""
    chosen, seen = [], set()
    for item in all_items:
        if item.study not in seen and 2 <= item.n_options <= 5:
            chosen.append(item)
            seen.add(item.study)
        if len(chosen) == 5:
            break
    return chosen


def _load(folder: Path):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    return AutoModelForCausalLM.from_pretrained(folder).eval(), AutoTokenizer.from_pretrained(folder)


@pytest.fixture(scope="module")
def tiny_llama(tiny_llama_dir):
    return _load(tiny_llama_dir)


def _backend(model_tok, **kw):
    from simbench.extraction.hf.verbalized import VerbalizedBackend

    kw.setdefault("max_new_tokens", 12)
    kw.setdefault("retries", 2)
    return VerbalizedBackend(*model_tok, **kw)


def test_failed_items_keep_raw_outputs_and_reasons(tiny_llama, few_items) -> None:
    backend = _backend(tiny_llama, batch_size=2)
    preds = {p.item_id: p for p in backend.predict(few_items, progress=False)}
    assert set(preds) == {it.item_id for it in few_items}
    for item in few_items:
        p = preds[item.item_id]
        # a random-weight model writes no JSON: every item fails, and says why
        assert p.status == "failed" and p.distribution is None
        assert p.error.startswith("no usable answer after 2 attempt(s); last error:")
        assert len(p.raw_outputs) == 2 and all(isinstance(r, str) for r in p.raw_outputs)
        assert p.prompt_hash == backend.prompt_hash(item)
        assert Prediction.from_json(p.to_json()) == p


def test_prompt_is_the_chat_template_with_the_verbalized_ending(tiny_llama, few_items) -> None:
    from simbench.prompts import verbalized_ending

    item = few_items[0]
    text = _backend(tiny_llama).prompt_text(item)
    assert text.startswith("<s><|start_header_id|>system<|end_header_id|>\n\nYou are a group")
    assert text.endswith(verbalized_ending(item.option_labels)
                         + "<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n")
    ids = _backend(tiny_llama)._token_ids(text)
    assert ids.count(tiny_llama[1].bos_token_id) == 1  # the template's BOS, not a second one


def test_batch_size_does_not_change_any_attempt(tiny_llama, few_items) -> None:
    one = {p.item_id: p.raw_outputs for p in _backend(tiny_llama, batch_size=1)
           .predict(few_items, progress=False)}
    five = {p.item_id: p.raw_outputs for p in _backend(tiny_llama, batch_size=5)
            .predict(few_items, progress=False)}
    assert one == five


@pytest.fixture(scope="module")
def tiny_gpt2(tiny_gpt2_dir):
    return _load(tiny_gpt2_dir)


@pytest.mark.parametrize("family", ["llama", "gpt2"])
def test_prompt_reuse_gives_the_tokens_of_generate(family, tiny_llama, tiny_gpt2,
                                                   few_items) -> None:
    """The one-prefill decoding loop (static cache, finished rows dropped) == ``generate``.

    Two ordinary tokens that the greedy attempt writes early in some rows are made extra EOS
    ids, so rows finish at different steps and the loop compacts its batch several times.
    """
    model, tok = tiny_llama if family == "llama" else tiny_gpt2
    base = _backend((model, tok), batch_size=5, max_new_tokens=16, retries=3)
    assert base.reuse_prompt
    import torch

    first = base._token_ids(base.prompt_text(few_items[0]))
    greedy = model.generate(input_ids=torch.tensor([first]), max_new_tokens=8, do_sample=False,
                            pad_token_id=base._pad_id)[0, len(first):]
    original = model.generation_config.eos_token_id
    model.generation_config.eos_token_id = [tok.eos_token_id, int(greedy[2]), int(greedy[5])]
    try:
        runs = {}
        for reuse in (True, False):
            backend = _backend((model, tok), batch_size=5, max_new_tokens=16, retries=3,
                               reuse_prompt=reuse)
            runs[reuse] = {p.item_id: p.raw_outputs for p in backend.predict(few_items,
                                                                            progress=False)}
    finally:
        model.generation_config.eos_token_id = original
    assert runs[True] == runs[False]
    lengths = {len(tok(r, add_special_tokens=False)["input_ids"]) for rs in runs[True].values()
               for r in rs}
    assert len(lengths) > 2  # rows did stop at different steps


def test_seed_changes_sampled_attempts_only(tiny_llama, few_items) -> None:
    a = {p.item_id: p.raw_outputs for p in _backend(tiny_llama, seed=0, batch_size=5)
         .predict(few_items, progress=False)}
    b = {p.item_id: p.raw_outputs for p in _backend(tiny_llama, seed=1, batch_size=5)
         .predict(few_items, progress=False)}
    assert all(a[k][0] == b[k][0] for k in a)  # greedy first attempt
    assert sum(a[k][1] != b[k][1] for k in a) >= 4  # seeded sampling differs


def test_release_protocol_records_the_abort_it_replaces(tiny_llama, few_items) -> None:
    backend = _backend(tiny_llama, protocol="release", retries=1)
    assert backend.provenance()["generation"]["first_temperature"] == 0.0001
    p = next(iter(backend.predict(few_items[:1], progress=False)))
    assert p.status == "failed" and "release would have aborted" in p.error


def test_gumbel_sampler_draws_from_the_tempered_top_k_softmax() -> None:
    import torch

    from simbench.extraction.hf._generation_hooks import SeededGumbelSampler

    logits = torch.tensor([2.0, 1.0, 0.5, 0.0, -1.0, -3.0])
    n = 20000
    sampler = SeededGumbelSampler(range(n), temperature=0.7, top_k=4, device="cpu")
    picks = sampler(torch.zeros(n, 1, dtype=torch.long), logits.repeat(n, 1)).argmax(-1)
    freq = torch.bincount(picks, minlength=6).double() / n
    expected = torch.softmax(torch.cat([logits[:4] / 0.7, torch.full((2,), -math.inf)]), -1)
    assert freq[4:].sum() == 0  # outside the top 4: never drawn
    assert torch.allclose(freq, expected.double(), atol=0.015)


def test_answer_stopper_stops_a_row_once_its_answer_parses(tiny_llama) -> None:
    import torch

    from simbench.extraction.hf._generation_hooks import AnswerStopper

    tok = tiny_llama[1]
    prompt = tok("question", add_special_tokens=False)["input_ids"]
    rows = ['{"A": 40, "B": 60}', '{"A": X, "B": X}', '{"A": 40, "B"']
    ids = [tok(r, add_special_tokens=False)["input_ids"] for r in rows]
    width = max(map(len, ids))
    pad = tok.eos_token_id
    batch = torch.tensor([prompt + [pad] * (width - len(r)) + r for r in ids])
    stopper = AnswerStopper(tok, width=len(prompt), labels=[("A", "B")] * 3, protocol="default")
    assert stopper(batch, torch.zeros(3, 5)).tolist() == [True, False, False]
    release = AnswerStopper(tok, width=len(prompt), labels=[("A", "B")] * 3, protocol="release")
    assert release(batch, torch.zeros(3, 5)).tolist() == [True, True, False]


def test_attempt_schedule_and_seeds() -> None:
    s = AttemptSchedule(retries=3, seed=7)
    assert [s.temperature_at(a) for a in range(3)] == [0.0, 1.0, 1.0]
    assert s.seed_for("pop/1", 1) == item_seed(7, "pop/1", 1) != s.seed_for("pop/1", 2)
    with pytest.raises(ValueError, match="retries must be at least 1"):
        AttemptSchedule(retries=0)


def test_run_with_failures_scores_them_as_uniform(tiny_llama_dir, simbench_data, tmp_path) -> None:
    """`simbench run --method verbalized` on a tiny model: every item failed, scored as uniform."""
    from simbench.runs import run_evaluation

    result = run_evaluation(str(tiny_llama_dir), out=tmp_path / "run", method="verbalized",
                            data=simbench_data, split="pop", studies=["jester", "choices13k"],
                            limit_per_study=2, dtype="float32", device="cpu", progress=False,
                            backend_options={"max_new_tokens": 6, "retries": 1,
                                             "batch_size": 4})
    assert result.n_items == 4 and result.n_failed == 4
    lines = (tmp_path / "run" / "predictions.jsonl").read_text().splitlines()
    rows = [json.loads(line) for line in lines]
    assert len(rows) == 4 and all(r["status"] == "failed" and r["raw_outputs"] for r in rows)
    assert result.scores["failures"]["rule"] == "uniform"
    assert result.scores["failures"]["n_failed"] == 4
    items = {it.item_id: it for it in load_items("pop", source=simbench_data)}
    uniform = [{"item_id": r["item_id"], "distribution": [1 / items[r["item_id"]].n_options]
                * items[r["item_id"]].n_options} for r in rows]
    expected = score_predictions(uniform, items=list(items.values()))
    assert result.scores["simbench_score"] == pytest.approx(expected["simbench_score"], abs=1e-12)
    other = next(it for it in items.values() if it.item_id not in {r["item_id"] for r in rows})
    mixed = rows + [{"item_id": other.item_id, "distribution": list(other.human_dist)}]
    excluded = score_predictions(mixed, items=list(items.values()), failures="exclude")
    assert excluded["failures"]["n_excluded"] == 4
    assert excluded["splits"]["pop"]["n"] == 1 and excluded["simbench_score"] == pytest.approx(100)
