"""Shared test fixtures: where the real SimBench data lies, and the loaded items.

The data is never copied into the repository: tests read ``$SIMBENCH_DATA`` (set by ``.ci/run`` to
``../shared/data/simbench``). When ``$SIMBENCH_REQUIRE_DATA`` is set (CI), a missing folder fails the
run instead of skipping.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from simbench import Item, load_items

pytest_plugins: list[str] = ["tiny_models", "chromium_browser"]

_REPO = Path(__file__).resolve().parents[1]
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("HF_EVALUATE_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


def _shared_data() -> Path:
    env = os.environ.get("SIMBENCH_SHARED_DATA")
    return Path(env) if env else _REPO.parent / "shared" / "data"


def _require(path: Path, what: str) -> Path:
    if not path.exists():
        msg = f"{what} not found at {path}; set SIMBENCH_SHARED_DATA / SIMBENCH_DATA"
        if os.environ.get("SIMBENCH_REQUIRE_DATA"):
            pytest.fail(msg)
        pytest.skip(msg)
    return path


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The ``shared/data`` folder holding the release and the raw source data."""
    return _require(_shared_data(), "shared data folder")


@pytest.fixture(scope="session")
def simbench_data() -> Path:
    """The folder holding SimBenchPop.jsonl and SimBenchGrouped.jsonl."""
    env = os.environ.get("SIMBENCH_DATA")
    return _require(Path(env) if env else _shared_data() / "simbench", "SimBench release")


@pytest.fixture(scope="session")
def all_items(simbench_data: Path) -> list[Item]:
    """Every item of both splits, loaded once per session."""
    return load_items("both", source=simbench_data)
