"""Fixtures of the converter tests: the raw data folders, the release Pop items, the converters."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import pytest

from simbench import Item, load_items


@pytest.fixture(scope="session")
def scripts() -> ModuleType:
    """The converters package, ``simbench.converters`` (the top-level ``loading_scripts/`` folder)."""
    from simbench import converters

    return converters


@pytest.fixture(scope="session")
def release_pop(simbench_data: Path) -> list[Item]:
    """Every Pop item of the release."""
    return load_items("pop", source=simbench_data)


@pytest.fixture(scope="session")
def raw(shared_data: Path):
    """``raw(folder)`` -> the path of a raw data folder under shared/data (skips if absent)."""
    def _raw(name: str) -> Path:
        path = shared_data / name
        if not path.is_dir():
            pytest.skip(f"raw data {path} not found")
        return path
    return _raw
