"""The examples in the leaderboard modules' docstrings run."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = ["api", "board", "hub", "page", "published", "results", "schema", "submission"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(f"simbench.leaderboard.{name}")
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
