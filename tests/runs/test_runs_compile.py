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


@pytest.mark.slow
def test_one_graph_serves_every_batch_shape(tiny_llama_dir: Path) -> None:
    """Sizes of 1 (one row, one token) reuse the graph compiled for longer inputs: no recompile
    inside a run, where each costs seconds; and each shape's probabilities equal eager's to 1e-5."""
    import torch
    import torch._dynamo
    from transformers import AutoModelForCausalLM

    from simbench.extraction.hf._compile import compile_hot_modules

    eager = AutoModelForCausalLM.from_pretrained(tiny_llama_dir, dtype=torch.float32).eval()
    model = AutoModelForCausalLM.from_pretrained(tiny_llama_dir, dtype=torch.float32).eval()
    assert compile_hot_modules(model) == ["LlamaMLP", "LlamaRMSNorm"]
    shapes = [(3, 17), (1, 9), (1, 1), (2, 1), (4, 30)]
    torch._dynamo.reset()
    with torch.inference_mode():
        for i, shape in enumerate(shapes):
            ids = torch.randint(3, 60, shape)
            # the first call compiles one graph per module class; none after it
            with torch._dynamo.config.patch(error_on_recompile=i > 0):
                got = model(input_ids=ids).logits.softmax(-1)
            ref = eager(input_ids=ids).logits.softmax(-1)
            assert (got - ref).abs().max().item() < 1e-5, shape
