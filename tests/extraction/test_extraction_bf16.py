"""bfloat16 on CPU: the engine's distributions stay close to float32 and sum to 1, the softmax runs
in float32, the dtype is recorded, and ``auto-fast`` picks bfloat16 only on a CPU that computes it
natively (``simbench.extraction._hardware``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import torch

from simbench import Item
from simbench.extraction import TransformersLogprobBackend
from simbench.extraction._hardware import (
    NATIVE_BF16_FLAGS,
    cpu_flags,
    fast_cpu_dtype,
    native_bf16,
    parse_cpu_flags,
)
from simbench.extraction.hf.models import load_model, resolve_dtype

#: Largest |p_bf16 - p_fp32| accepted on the tiny random models (measured: 0.029 on the Llama,
#: 0.008 on the GPT-2 over these items; their weights are random with a large spread, so their
#: logits are more extreme than a trained model's). SmolLM2's figure: docs/extraction.md.
BF16_TOL = 0.06


@pytest.fixture(scope="module", params=["llama", "gpt2"])
def both_dtypes(request: pytest.FixtureRequest, tiny_llama_dir: Path,
                tiny_gpt2_dir: Path) -> tuple[Any, Any]:
    folder = str(tiny_llama_dir if request.param == "llama" else tiny_gpt2_dir)
    return (load_model(folder, dtype="float32", device="cpu"),
            load_model(folder, dtype="bfloat16", device="cpu"))


def test_bfloat16_is_close_to_float32_and_sums_to_one(both_dtypes: tuple[Any, Any],
                                                      engine_items: list[Item]) -> None:
    fp32, bf16 = both_dtypes
    assert (fp32.dtype, bf16.dtype) == ("float32", "bfloat16")
    assert next(bf16.model.parameters()).dtype == torch.bfloat16
    ref = {p.item_id: p for p in TransformersLogprobBackend(fp32.model, fp32.tokenizer)
           .predict(engine_items, progress=False)}
    backend = TransformersLogprobBackend(bf16.model, bf16.tokenizer, min_prefix_tokens=4)
    preds = list(backend.predict(engine_items, progress=False))
    assert len(preds) == len(engine_items)
    worst = 0.0
    for pred in preds:
        assert pred.status == "ok" and pred.distribution is not None
        assert sum(pred.distribution.values()) == pytest.approx(1.0, abs=1e-9)
        want = ref[pred.item_id].distribution or {}
        worst = max(worst, *(abs(pred.distribution[k] - want[k]) for k in want))
    assert 0 < worst < BF16_TOL  # bfloat16 does change the numbers, within the stated bound
    assert backend.provenance()["model"]["dtype"] == "bfloat16"


def test_the_softmax_of_a_bfloat16_model_runs_in_float32(both_dtypes: tuple[Any, Any],
                                                         engine_items: list[Item]) -> None:
    """With the same bfloat16 logits, the engine's probabilities equal a float64 softmax to 1e-6:
    a bfloat16 softmax would round them to 3 significant digits (errors around 1e-3)."""
    bf16 = both_dtypes[1]
    backend = TransformersLogprobBackend(bf16.model, bf16.tokenizer, batch_size=1,
                                         prefix_cache=False)
    add = backend.renderer.add_special_tokens
    for item in engine_items[:6]:
        text = backend.prompt_text(item)
        ids = bf16.tokenizer(text, add_special_tokens=add)["input_ids"]
        with torch.inference_mode():
            logits = bf16.model(torch.tensor([ids]), logits_to_keep=1).logits[0, -1]
        assert logits.dtype == torch.bfloat16
        logp = torch.log_softmax(logits.double(), dim=-1)
        label_ids = backend._labels.ids(text, tuple(ids), item.option_labels, item_id=item.item_id)
        p = torch.exp(logp[list(label_ids)])
        want = dict(zip(item.option_labels, (p / p.sum()).tolist()))
        (pred,) = backend.predict([item], progress=False)
        assert pred.distribution is not None
        for label, value in want.items():
            assert pred.distribution[label] == pytest.approx(value, abs=1e-6), (item.item_id, label)
        assert pred.label_mass == pytest.approx(float(p.sum()), rel=1e-5)


def test_auto_stays_exact_and_auto_fast_needs_native_bfloat16() -> None:
    for flags in (set(), {"avx2", "avx512f"}, {"avx512_bf16"}, {"amx_bf16", "amx_tile"}):
        assert resolve_dtype("auto", "cpu", cpu_flags=flags) == torch.float32  # never bf16 on CPU
    assert resolve_dtype("auto-fast", "cpu", cpu_flags={"avx2", "avx512f"}) == torch.float32
    assert resolve_dtype("auto-fast", "cpu", cpu_flags={"avx512f", "avx512_bf16"}) == torch.bfloat16
    assert resolve_dtype("auto-fast", "cpu", cpu_flags={"amx_bf16"}) == torch.bfloat16
    assert resolve_dtype("auto-fast", "cpu", cpu_flags={"bf16", "asimd"}) == torch.float32  # ARM:
    # not measured, so not claimed
    assert resolve_dtype("float32", "cpu", cpu_flags={"avx512_bf16"}) == torch.float32
    assert resolve_dtype("bfloat16", "cpu", cpu_flags=set()) == torch.bfloat16  # asked: given


def test_cpu_flags_agree_with_torch_on_this_machine() -> None:
    """The /proc/cpuinfo reading says what torch's own CPU checks say (where the file exists)."""
    flags = cpu_flags()
    if not Path("/proc/cpuinfo").is_file():
        assert flags == frozenset() and not native_bf16(flags)
        return
    assert {"fpu"} <= flags or {"fp"} <= flags or "asimd" in flags  # a real flags line was read
    if "avx512f" in flags or "avx2" in flags:  # x86: torch knows the same instructions
        torch_says = torch.cpu._is_avx512_bf16_supported() or torch.cpu._is_amx_tile_supported()
        assert native_bf16(flags) == bool(torch_says)
    assert fast_cpu_dtype(flags) == ("bfloat16" if native_bf16(flags) else "float32")


def test_parse_cpu_flags_reads_the_first_flags_line(tmp_path: Path) -> None:
    text = ("processor\t: 0\nvendor_id\t: AuthenticAMD\nflags\t\t: fpu sse2 avx512f avx512_bf16\n"
            "bugs\t\t: sysret_ss_attrs\n\nprocessor\t: 1\nflags\t\t: fpu\n")
    assert parse_cpu_flags(text) == {"fpu", "sse2", "avx512f", "avx512_bf16"}
    path = tmp_path / "cpuinfo"
    path.write_text(text)
    assert native_bf16(cpu_flags(path))
    assert cpu_flags(tmp_path / "missing") == frozenset()
    assert set(NATIVE_BF16_FLAGS) == {"avx512_bf16", "amx_bf16"}


def test_load_model_records_what_auto_fast_chose(tiny_gpt2_dir: Path) -> None:
    loaded = load_model(str(tiny_gpt2_dir), dtype="auto-fast", device="cpu")
    assert loaded.dtype == fast_cpu_dtype()
    assert str(next(loaded.model.parameters()).dtype) == f"torch.{loaded.dtype}"
    backend = TransformersLogprobBackend(loaded.model, loaded.tokenizer)
    assert backend.provenance()["model"]["dtype"] == loaded.dtype
