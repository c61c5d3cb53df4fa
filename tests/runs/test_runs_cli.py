"""``simbench run`` end to end in-process on the tiny models and real data."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from runs_helpers import RUN_ARGS, read_jsonl

from simbench import Item, load_items, resolve_source
from simbench.cli import main
from simbench.prompts import PromptRenderer
from simbench.runs import select_run_items


def _run(model: Path | str, data: Path, out: Path, *extra: str) -> int:
    return main(["run", "--model", str(model), "--data", str(data), "--out", str(out),
                 *RUN_ARGS, *extra])


@pytest.fixture(scope="module")
def llama_run(tiny_llama_dir: Path, small_data: Path, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("llama-run") / "run"
    assert _run(tiny_llama_dir, small_data, out, "--batch-size", "3") == 0
    return out


def test_run_writes_predictions_in_item_order(llama_run: Path, small_data: Path,
                                              tiny_llama_dir: Path) -> None:
    from transformers import AutoTokenizer

    preds = read_jsonl(llama_run / "predictions.jsonl")
    ids = [p["item_id"] for p in preds]
    assert len(ids) == 6 and len(set(ids)) == 6
    items = {it.item_id: it for it in load_items("both", source=small_data)}
    assert ids == [i for i in items if i in ids]  # release order, Pop first
    assert {items[i].study for i in ids} == {"moral_machine_classic", "osp_rwas", "opinion_qa"}
    renderer = PromptRenderer.create(AutoTokenizer.from_pretrained(tiny_llama_dir))
    from simbench.extraction import prompt_hash

    for p in preds:
        item = items[p["item_id"]]
        assert p["status"] == "ok"
        assert list(p["distribution"]) == list(item.option_labels)
        assert sum(p["distribution"].values()) == pytest.approx(1.0, abs=1e-9)
        assert 0.0 < p["label_mass"] <= 1.0
        assert p["prompt_hash"] == prompt_hash(renderer.text(item))


def test_run_json_records_provenance(llama_run: Path, small_data: Path) -> None:
    info = json.loads((llama_run / "run.json").read_text())
    assert info["schema_version"] == 1 and info["status"] == "complete"
    assert info["method"] == "token_probs" and info["backend"] == "transformers"
    assert info["protocol"] == "default" and info["prompt_mode"] == "chat"
    model = info["model"]
    assert model["id"].endswith("tiny-llama0") and model["dtype"] == "float32"
    assert model["revision"] is None and model["content_hash"].startswith("files:")
    assert model["type"] == "chat"
    assert len(info["chat_template_hash"]) == 64
    assert set(info["label_token_ids"]) >= {"A", "B", "O"}
    assert all(isinstance(v, int) for v in info["label_token_ids"].values())
    data = info["data"]
    assert data["source"] == str(small_data) and len(data["sha256"]) == 64
    assert data["splits"] == ["pop", "grouped"] and data["limit_per_study"] == 2
    assert data["studies"] == ["moral_machine_classic", "osp_rwas", "opinion_qa"]
    assert data["n_items"] == 6 and data["n_predictions"] == 6
    assert info["seed"] == 0 and info["world_size"] == 1 and info["device"] == "cpu"
    for lib in ("simbench", "python", "numpy", "torch", "transformers"):
        assert info["versions"][lib]
    t = info["timings"]
    assert t["load_s"] > 0 and t["predict_s"] > 0 and t["items_per_s"] > 0
    assert info["created_at"] <= info["finished_at"]
    assert info["history"][-1]["n_computed"] == 6


def test_scores_json_equals_simbench_score(llama_run: Path, small_data: Path, tmp_path: Path,
                                           capsys) -> None:
    out = tmp_path / "score.json"
    assert main(["score", str(llama_run / "predictions.jsonl"), "--data", str(small_data),
                 "--json", str(out)]) == 0
    assert json.loads((llama_run / "scores.json").read_text()) == json.loads(out.read_text())
    assert "SimBench score" in capsys.readouterr().out


def test_rerun_skips_finished_items(llama_run: Path, small_data: Path, tiny_llama_dir: Path,
                                    capsys) -> None:
    before = (llama_run / "predictions.jsonl").read_bytes()
    assert _run(tiny_llama_dir, small_data, llama_run) == 0
    assert "6 items (6 resumed, 0 failed)" in capsys.readouterr().out
    assert (llama_run / "predictions.jsonl").read_bytes() == before
    info = json.loads((llama_run / "run.json").read_text())
    assert [h["n_computed"] for h in info["history"]] == [6, 0]


def test_a_larger_sample_extends_the_folder(llama_run: Path, small_data: Path,
                                            tiny_llama_dir: Path, tmp_path: Path) -> None:
    import shutil

    out = tmp_path / "extended"
    shutil.copytree(llama_run, out)
    old = {p["item_id"]: p for p in read_jsonl(out / "predictions.jsonl")}
    assert main(["run", "--model", str(tiny_llama_dir), "--data", str(small_data), "--out",
                 str(out), "--studies", "osp_rwas", "--limit-per-study", "4", "--no-progress"]) == 0
    new = {p["item_id"]: p for p in read_jsonl(out / "predictions.jsonl")}
    _, chosen = select_run_items(resolve_source(small_data), studies=["osp_rwas"],
                                 limit_per_study=4)
    assert set(new) == set(old) | {it.item_id for it in chosen}
    assert all(new[i] == p for i, p in old.items())


@pytest.mark.parametrize(("extra", "key"), [
    (("--protocol", "release"), "protocol"),
    (("--prompt-mode", "base"), "prompt_mode"),
    (("--dtype", "bfloat16"), "model.dtype"),
])
def test_a_different_setting_is_refused(llama_run: Path, small_data: Path, tiny_llama_dir: Path,
                                        extra: tuple[str, ...], key: str, capsys) -> None:
    before = (llama_run / "predictions.jsonl").read_bytes()
    assert _run(tiny_llama_dir, small_data, llama_run, *extra) == 2
    err = capsys.readouterr().err
    assert f"{key}: " in err and "choose another run folder (out)" in err
    assert (llama_run / "predictions.jsonl").read_bytes() == before


def test_a_different_model_is_refused_before_loading(llama_run: Path, small_data: Path,
                                                     tiny_gpt2_dir: Path, capsys) -> None:
    assert _run(tiny_gpt2_dir, small_data, llama_run) == 2
    err = capsys.readouterr().err
    assert "model.id: " in err and "tiny-llama" in err and "tiny-gpt2" in err


def test_base_prompt_mode_and_release_protocol_on_gpt2(tiny_gpt2_dir: Path, small_data: Path,
                                                       tmp_path: Path) -> None:
    out = tmp_path / "gpt2"
    assert _run(tiny_gpt2_dir, small_data, out, "--protocol", "release", "--prompt-mode", "base",
                "--batch-size", "auto", "--dtype", "float32", "--device", "cpu") == 0
    info = json.loads((out / "run.json").read_text())
    assert info["protocol"] == "release" and info["prompt_mode"] == "base"
    assert info["model"]["type"] == "base"
    assert all(isinstance(v, list) for v in info["label_token_ids"].values())
    assert len(read_jsonl(out / "predictions.jsonl")) == 6


def test_uniform_baseline_scores_exactly_zero(all_items: list[Item], simbench_data: Path,
                                              tmp_path: Path, capsys) -> None:
    out = tmp_path / "uniform"
    assert main(["run", "--model", "uniform", "--data", str(simbench_data), "--out", str(out),
                 "--no-progress"]) == 0
    assert "SimBench score: 0.00" in capsys.readouterr().out
    scores = json.loads((out / "scores.json").read_text())
    assert scores["simbench_score"] == pytest.approx(0.0, abs=1e-9)
    for split, n in (("pop", 7167), ("grouped", 6343)):
        assert scores["splits"][split]["n"] == n
        for study in scores["splits"][split]["per_study"].values():
            assert study["score"] == pytest.approx(0.0, abs=1e-9)
    info = json.loads((out / "run.json").read_text())
    assert info["backend"] == "uniform" and info["method"] == "token_probs"
    assert info["model"]["id"] == "uniform" and info["model"]["type"] == "baseline"
    assert info["data"]["n_items"] == len(all_items)


@pytest.mark.parametrize(("args", "message"), [
    (["--temperature", "0.5"], "--temperature does not apply to --method token_probs"),
    (["--base-url", "http://localhost:1/v1"], "needs --backend openai"),
    (["--backend", "uniform"], "backend 'uniform' takes no model"),
    (["--backend", "openai"], "needs --base-url"),
    (["--studies", "no_such_study"], "no_such_study"),
])
def test_bad_arguments_are_clear_errors(args: list[str], message: str, tiny_llama_dir: Path,
                                        small_data: Path, tmp_path: Path, capsys) -> None:
    try:  # a usage error found while parsing (an unknown study) exits through argparse
        rc = main(["run", "--model", str(tiny_llama_dir), "--data", str(small_data),
                   "--out", str(tmp_path / "x"), "--no-progress", *args])
    except SystemExit as e:
        rc = e.code
    assert rc == 2
    assert message in capsys.readouterr().err


def test_missing_model_folder_is_a_clear_error(small_data: Path, tmp_path: Path, capsys) -> None:
    rc = main(["run", "--model", str(tmp_path / "nope"), "--data", str(small_data),
               "--out", str(tmp_path / "x"), "--no-progress"])
    assert rc == 2
    assert "does not exist" in capsys.readouterr().err


def test_help_has_an_example(capsys) -> None:
    with pytest.raises(SystemExit):
        main(["run", "--help"])
    out = capsys.readouterr().out
    assert "simbench run --model smollm2 --limit-per-study 3 --out runs/smollm2" in out
    assert "--batch-size" in out and "--device-map" in out and "--max-new-tokens" in out
