"""Fixtures of the metric tests."""

from __future__ import annotations

import pytest

from simbench import Item


@pytest.fixture(scope="session")
def pop_items(all_items: list[Item]) -> list[Item]:
    return [it for it in all_items if it.split == "pop"]
