"""The examples in the statistics docstrings run."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = ["_layout", "alignment", "bootstrap", "breakdowns", "ceiling", "paired"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(f"simbench.stats.{name}")
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
