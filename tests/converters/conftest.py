"""Fixtures of the converter tests: the raw data folders, the release Pop items, the converters.

``loading_scripts`` is an installed top-level package once setup.cfg lists it; until then (and in
a plain checkout) it is imported from the repository root.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from simbench import Item, load_items

_REPO = Path(__file__).resolve().parents[2]
if importlib.util.find_spec("loading_scripts") is None:
    sys.path.insert(0, str(_REPO))


@pytest.fixture(scope="session")
def scripts() -> ModuleType:
    """The ``loading_scripts`` package."""
    import loading_scripts

    return loading_scripts


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
