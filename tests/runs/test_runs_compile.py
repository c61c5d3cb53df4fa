"""``simbench run --compile`` (MLP and RMSNorm modules compiled with ``torch.compile``): the same
distributions as eager to 1e-5, the compiled modules recorded in ``run.json``, and the flag
refused where it does not apply."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from runs_helpers import RUN_ARGS, read_jsonl

from simbench.cli import main


@pytest.mark.slow
def test_compile_matches_eager_and_is_recorded(tiny_llama_dir: Path, small_data: Path,
                                               tmp_path: Path) -> None:
    runs = {}
    for name, flags in (("eager", []), ("compiled", ["--compile"])):
        out = tmp_path / name
        assert main(["run", "--model", str(tiny_llama_dir), "--data", str(small_data), "--out",
                     str(out), "--device", "cpu", "--dtype", "float32", *flags, *RUN_ARGS]) == 0
        runs[name] = ({p["item_id"]: p for p in read_jsonl(out / "predictions.jsonl")},
                      json.loads((out / "run.json").read_text()))
    (eager, eager_info), (compiled, info) = runs["eager"], runs["compiled"]
    assert info["backend_details"]["compile"] == ["LlamaMLP", "LlamaRMSNorm"]
    assert eager_info["backend_details"].get("compile") is None
    assert info["status"] == "complete" and len(compiled) == len(eager) == 6
    for item_id, ref in eager.items():
        got = compiled[item_id]["distribution"]
        assert set(got) == set(ref["distribution"])
        assert max(abs(got[k] - v) for k, v in ref["distribution"].items()) < 1e-5


def test_compile_needs_the_transformers_token_probs_engine(tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str]
                                                           ) -> None:
    code = main(["run", "--model", "uniform", "--compile", "--out", str(tmp_path / "u")])
    assert code != 0
    assert "--compile does not apply to --backend uniform" in capsys.readouterr().err
    code = main(["run", "--model", "smollm2", "--method", "verbalized", "--compile",
                 "--out", str(tmp_path / "v")])
    assert code != 0
    assert "--compile does not apply to --method verbalized" in capsys.readouterr().err
