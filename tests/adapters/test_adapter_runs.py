"""``simbench run --adapter``: a PEFT LoRA adapter gives the merged model's token probabilities.

The references are computed without simbench's loading path: a model folder merged by peft
itself (``merge_and_unload``), and peft's *unmerged* LoRA layers run on the exact prompt text.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest
from adapter_helpers import make_lora

from simbench import load_items
from simbench.cli import main
from simbench.errors import AdapterError
from simbench.extraction import check_base_model, resolve_adapter

_ARGS = ["--limit-per-study", "1", "--no-progress"]


def _run(model: Path | str, out: Path, data: Path, *extra: str) -> int:
    return main(["run", "--model", str(model), "--data", str(data), "--out", str(out),
                 *_ARGS, *extra])


def _dists(folder: Path) -> dict[str, dict[str, float]]:
    lines = (folder / "predictions.jsonl").read_text().splitlines()
    return {r["item_id"]: r["distribution"] for r in map(json.loads, lines)}


def _max_diff(a: dict[str, dict[str, float]], b: dict[str, dict[str, float]]) -> float:
    assert a.keys() == b.keys()
    return max(abs(a[i][k] - b[i][k]) for i in a for k in a[i])


@pytest.fixture(scope="module")
def runs(tiny_llama_dir: Path, lora_dir: Path, merged_dir: Path, simbench_data: Path,
         tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("adapter-runs")
    out = {"adapter": root / "adapter", "merged": root / "merged", "base": root / "base"}
    assert _run(tiny_llama_dir, out["adapter"], simbench_data, "--adapter", str(lora_dir)) == 0
    assert _run(merged_dir, out["merged"], simbench_data) == 0
    assert _run(tiny_llama_dir, out["base"], simbench_data) == 0
    return out


def test_adapter_equals_the_merged_model(runs: dict[str, Path]) -> None:
    adapter, merged, base = (_dists(runs[k]) for k in ("adapter", "merged", "base"))
    assert len(adapter) == 25
    assert _max_diff(adapter, merged) <= 1e-5
    assert _max_diff(adapter, base) > 1e-2  # the adapter does change the answers


def test_adapter_equals_peft_unmerged_on_the_prompt(runs: dict[str, Path], tiny_llama_dir: Path,
                                                    lora_dir: Path, simbench_data: Path) -> None:
    import torch
    from peft import PeftModel
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from simbench.prompts import PromptRenderer

    tokenizer = AutoTokenizer.from_pretrained(tiny_llama_dir)
    model = PeftModel.from_pretrained(
        AutoModelForCausalLM.from_pretrained(tiny_llama_dir, dtype=torch.float32), lora_dir).eval()
    renderer = PromptRenderer.create(tokenizer)
    info = json.loads((runs["adapter"] / "run.json").read_text())
    dists = _dists(runs["adapter"])
    items = {it.item_id: it for it in load_items("both", source=simbench_data)}
    for item_id in list(dists)[:4]:
        text = renderer.text(items[item_id])
        ids = tokenizer(text, add_special_tokens=renderer.add_special_tokens,
                        return_tensors="pt")["input_ids"]
        with torch.no_grad():
            probs = torch.softmax(model(input_ids=ids).logits[0, -1].double(), dim=-1)
        labels = list(dists[item_id])
        p = [float(probs[info["label_token_ids"][lab]]) for lab in labels]
        assert [dists[item_id][lab] for lab in labels] == pytest.approx(
            [x / sum(p) for x in p], abs=1e-5)


def test_provenance_records_the_adapter(runs: dict[str, Path], lora_dir: Path,
                                        tiny_llama_dir: Path, tmp_path: Path) -> None:
    info = json.loads((runs["adapter"] / "run.json").read_text())
    base = json.loads((runs["base"] / "run.json").read_text())
    adapter = info["model"]["adapter"]
    digest = hashlib.sha256()
    for name in ("adapter_config.json", "adapter_model.safetensors"):
        digest.update(f"{name}\t{hashlib.sha256((lora_dir / name).read_bytes()).hexdigest()}\n"
                      .encode())
    assert adapter == {"id": str(lora_dir), "type": "lora", "source": str(lora_dir.resolve()),
                       "revision": None, "content_hash": f"sha256:{digest.hexdigest()}",
                       "base_model": str(tiny_llama_dir), "rank": 4, "alpha": 8.0,
                       "target_modules": sorted(["q_proj", "k_proj", "v_proj", "o_proj",
                                                 "gate_proj", "up_proj", "down_proj"]),
                       "merged": True}
    assert base["model"]["adapter"] is None
    assert {k: v for k, v in info["model"].items() if k != "adapter"} == {
        k: v for k, v in base["model"].items() if k != "adapter"}
    copy = Path(shutil.copytree(lora_dir, tmp_path / "copy"))  # the hash is of the content
    assert resolve_adapter(copy).content_hash == adapter["content_hash"]


def test_a_sample_lora_run_is_refused_with_the_command_that_completes_it(
        runs: dict[str, Path], lora_dir: Path, simbench_data: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["submit", str(runs["adapter"]), "--leaderboard", "me/board", "--dry-run",
                 "--data", str(simbench_data), "--n-resamples", "20"]) == 2
    assert f"--adapter {lora_dir} " in capsys.readouterr().err


def test_a_folder_refuses_another_adapter_or_none(runs: dict[str, Path], tiny_llama_dir: Path,
                                                  simbench_data: Path, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    other = make_lora(tiny_llama_dir, tmp_path / "other-lora", seed=7)
    assert _run(tiny_llama_dir, runs["adapter"], simbench_data, "--adapter", str(other)) == 2
    assert "model.adapter.content_hash: 'sha256:" in capsys.readouterr().err
    assert _run(tiny_llama_dir, runs["adapter"], simbench_data) == 2
    assert "model.adapter.content_hash" in capsys.readouterr().err
    assert _run(tiny_llama_dir, runs["base"], simbench_data, "--adapter", str(other)) == 2
    assert "None in the folder" in capsys.readouterr().err


def test_an_adapter_for_another_base_model_is_refused(lora_dir: Path, tiny_gpt2_dir: Path,
                                                      tiny_llama_base_dir: Path,
                                                      simbench_data: Path, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    # by name: the adapter's config names the tiny Llama's folder, whose weights differ
    assert _run(tiny_gpt2_dir, tmp_path / "gpt2", simbench_data, "--adapter", str(lora_dir)) == 2
    err = capsys.readouterr().err
    assert "was made for base model" in err and str(tiny_gpt2_dir) in err
    assert not (tmp_path / "gpt2").exists()  # refused before anything is written
    # the same weights in another folder (the base-prompt copy) are the same model
    spec = resolve_adapter(lora_dir)
    check_base_model(spec, str(tiny_llama_base_dir))
    # by structure: without a recorded base model, peft finds no q_proj... in GPT-2
    anonymous = Path(shutil.copytree(lora_dir, tmp_path / "anonymous"))
    cfg = json.loads((anonymous / "adapter_config.json").read_text())
    cfg["base_model_name_or_path"] = None
    (anonymous / "adapter_config.json").write_text(json.dumps(cfg))
    assert _run(tiny_gpt2_dir, tmp_path / "gpt2-b", simbench_data, "--adapter",
                str(anonymous)) == 2
    assert "does not fit this model (GPT2LMHeadModel)" in capsys.readouterr().err
    # a wider Llama: the shapes differ
    wide = _wide_llama(tiny_llama_base_dir, tmp_path / "wide")
    assert _run(wide, tmp_path / "wide-run", simbench_data, "--adapter", str(anonymous)) == 2
    assert "does not fit this model (LlamaForCausalLM)" in capsys.readouterr().err
    # two Hub ids that differ; an alias stands for its Hub id
    claiming = _claiming(lora_dir, tmp_path, "HuggingFaceTB/SmolLM2-135M-Instruct")
    with pytest.raises(AdapterError, match="made for base model 'HuggingFaceTB/SmolLM2"):
        check_base_model(resolve_adapter(claiming), "Qwen/Qwen2.5-0.5B")
    check_base_model(resolve_adapter(claiming), "smollm2")


def test_bad_adapters_give_clear_errors(lora_dir: Path, tmp_path: Path) -> None:
    with pytest.raises(AdapterError, match="adapter folder './nowhere' does not exist"):
        resolve_adapter("./nowhere")
    (tmp_path / "empty").mkdir()
    with pytest.raises(AdapterError, match="holds no adapter_config.json"):
        resolve_adapter(tmp_path / "empty")
    ia3 = Path(shutil.copytree(lora_dir, tmp_path / "ia3"))
    cfg = json.loads((ia3 / "adapter_config.json").read_text())
    (ia3 / "adapter_config.json").write_text(json.dumps({**cfg, "peft_type": "IA3"}))
    with pytest.raises(AdapterError, match="'peft_type' of adapter_config.json is 'IA3'"):
        resolve_adapter(ia3)
    (ia3 / "adapter_model.safetensors").unlink()
    with pytest.raises(AdapterError, match="holds no weights"):
        resolve_adapter(ia3)
    with pytest.raises(AdapterError, match="could not be fetched from the Hub"):
        resolve_adapter("simbench-tests/no-such-adapter")  # offline, not in the cache


def test_a_hub_adapter_comes_from_the_cache(lora_dir: Path, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    # The Hugging Face cache layout snapshot_download reads offline: refs/main -> snapshot.
    import huggingface_hub.constants as hub

    commit = "0123456789abcdef0123456789abcdef01234567"
    repo = tmp_path / "hub" / "models--simbench-tests--tiny-lora"
    shutil.copytree(lora_dir, repo / "snapshots" / commit)
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text(commit)
    monkeypatch.setattr(hub, "HF_HUB_CACHE", str(tmp_path / "hub"))
    spec = resolve_adapter("simbench-tests/tiny-lora")
    assert (spec.source, spec.revision) == ("hub", commit)
    assert spec.content_hash == resolve_adapter(lora_dir).content_hash


def test_adapter_flag_needs_a_local_engine(lora_dir: Path, tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "--backend", "openai", "--base-url", "http://127.0.0.1:9/v1",
                 "--model", "m", "--adapter", str(lora_dir), "--out", str(tmp_path / "o")]) == 2
    assert "--adapter does not apply to --backend openai" in capsys.readouterr().err


def _wide_llama(like: Path, out: Path) -> Path:
    """A Llama twice as wide as the tiny one, with its tokenizer."""
    from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer

    config = AutoConfig.from_pretrained(like)
    config.hidden_size, config.intermediate_size = 2 * config.hidden_size, 2 * config.intermediate_size
    AutoModelForCausalLM.from_config(config).save_pretrained(out)
    AutoTokenizer.from_pretrained(like).save_pretrained(out)
    return out


def _claiming(lora_dir: Path, tmp_path: Path, base: str) -> Path:
    """A copy of the adapter whose config names ``base`` as its base model."""
    out = Path(shutil.copytree(lora_dir, tmp_path / "claiming"))
    cfg = json.loads((out / "adapter_config.json").read_text())
    cfg["base_model_name_or_path"] = base
    (out / "adapter_config.json").write_text(json.dumps(cfg))
    return out
