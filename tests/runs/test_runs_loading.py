"""Resolving and loading ``--model``: local folders, the Hub cache, dtypes, content hashes."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from runs_helpers import RUN_ARGS, simbench_cmd, subprocess_env

from simbench.errors import OptionError
from simbench.extraction import ExtractionError
from simbench.extraction.factory import backend_class, create_backend
from simbench.extraction.hf.models import (
    cache_dir,
    folder_content_hash,
    load_model,
    resolve_model_spec,
)


def test_model_spec_kinds(tiny_llama_dir: Path, tmp_path: Path) -> None:
    assert resolve_model_spec("smollm2").path_or_id == "HuggingFaceTB/SmolLM2-135M-Instruct"
    assert resolve_model_spec("SmolLM2").kind == "alias"
    assert resolve_model_spec("Qwen/Qwen2.5-0.5B").kind == "hub"
    assert resolve_model_spec("gpt2").kind == "hub"
    local = resolve_model_spec(str(tiny_llama_dir))
    assert local.kind == "local" and local.path_or_id == str(tiny_llama_dir.resolve())
    with pytest.raises(ExtractionError, match="does not exist"):
        resolve_model_spec(str(tmp_path / "missing"))
    with pytest.raises(ExtractionError, match="does not exist"):
        resolve_model_spec("./relative/missing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ExtractionError, match="no config.json"):
        resolve_model_spec(str(tmp_path / "empty"))


def _hash_by_hand(folder: Path) -> str:
    """The documented content hash, computed here from the files themselves (not by the code
    under test): sha256 of config.json, then one "\\n<name>\\t<size>" per weight file, sorted."""
    h = hashlib.sha256((folder / "config.json").read_bytes())
    for name in sorted(os.listdir(folder)):
        path = folder / name
        if path.is_file() and path.suffix in {".safetensors", ".bin", ".gguf", ".pt", ".pth"}:
            h.update(f"\n{name}\t{path.stat().st_size}".encode())
    return "files:" + h.hexdigest()


def test_cache_dir_honours_the_environment(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SIMBENCH_CACHE", str(tmp_path / "c"))
    assert cache_dir() == tmp_path / "c"
    monkeypatch.delenv("SIMBENCH_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_dir() == tmp_path / "xdg" / "simbench"


def test_content_hash_is_cheap_and_tracks_config_and_weights(tiny_llama_dir: Path,
                                                              tmp_path: Path) -> None:
    copy = Path(shutil.copytree(tiny_llama_dir, tmp_path / "copy"))
    h = folder_content_hash(copy)
    assert any(p.suffix == ".safetensors" for p in copy.iterdir())  # weights are part of the hash
    assert h == _hash_by_hand(copy) == _hash_by_hand(tiny_llama_dir)
    config = json.loads((copy / "config.json").read_text())
    config["rms_norm_eps"] = 1e-3
    (copy / "config.json").write_text(json.dumps(config))
    assert folder_content_hash(copy) != h
    assert folder_content_hash(copy) == _hash_by_hand(copy)
    assert folder_content_hash(tmp_path) is None


@pytest.mark.parametrize("dtype", ["float32", "bfloat16"])
def test_load_local_folder_in_the_asked_dtype(tiny_gpt2_dir: Path, dtype: str) -> None:
    lm = load_model(str(tiny_gpt2_dir), dtype=dtype, device="cpu")
    assert lm.dtype == dtype and str(lm.model.dtype) == f"torch.{dtype}"
    assert lm.device == "cpu" and not lm.model.training
    assert lm.provenance() == {"id": str(tiny_gpt2_dir), "source": str(tiny_gpt2_dir.resolve()),
                               "revision": None, "content_hash": _hash_by_hand(tiny_gpt2_dir),
                               "dtype": dtype}
    backend = create_backend("token_probs", "transformers", lm, protocol="default", seed=0)
    assert backend.provenance()["model"]["content_hash"] == lm.content_hash


def test_device_map_auto_loads_on_cpu(tiny_llama_dir: Path) -> None:
    lm = load_model(str(tiny_llama_dir), device_map="auto")
    assert lm.device == "auto" and lm.dtype == "float32"
    assert {p.device.type for p in lm.model.parameters()} == {"cpu"}


def test_unknown_dtype_and_backend_combinations_are_errors(tiny_gpt2_dir: Path) -> None:
    with pytest.raises(OptionError, match="dtype 'int8' is not one of"):
        load_model(str(tiny_gpt2_dir), dtype="int8", device="cpu")
    with pytest.raises(OptionError, match="method 'logits' is not one of"):
        backend_class("logits", "transformers")
    import torch

    if not torch.cuda.is_available():
        with pytest.raises(ExtractionError, match="no CUDA device"):
            load_model(str(tiny_gpt2_dir), device="cuda")
    with pytest.raises(ExtractionError, match="needs a loaded model"):
        create_backend("token_probs", "transformers", "some/model")


def test_hub_id_is_loaded_from_the_hub_cache_with_its_revision(tiny_gpt2_dir: Path,
                                                               small_data: Path,
                                                               tmp_path: Path) -> None:
    """A Hub id goes through huggingface_hub's cache layout, as after a real download."""
    commit = "0123456789abcdef0123456789abcdef01234567"
    repo = tmp_path / "hub" / "models--simbench-test--tiny-gpt2"
    shutil.copytree(tiny_gpt2_dir, repo / "snapshots" / commit)
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text(commit)
    out = tmp_path / "run"
    done = subprocess.run(
        simbench_cmd("run", "--model", "simbench-test/tiny-gpt2", "--data", str(small_data),
                     "--out", str(out), *RUN_ARGS),
        env=subprocess_env(HF_HUB_CACHE=str(tmp_path / "hub")), capture_output=True, text=True,
        timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "SimBench score" in done.stdout
    model = json.loads((out / "run.json").read_text())["model"]
    assert model["id"] == model["source"] == "simbench-test/tiny-gpt2"
    assert model["revision"] == commit
    assert model["content_hash"] == _hash_by_hand(tiny_gpt2_dir)
