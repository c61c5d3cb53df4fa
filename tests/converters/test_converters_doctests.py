"""The examples in the converters' docstrings run."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = ["loading_scripts", "loading_scripts._common", "loading_scripts._countries",
           "loading_scripts.chaos_nli", "loading_scripts.choices13k", "loading_scripts.osp_big5",
           "loading_scripts.osp_rwas", "loading_scripts.wisdom_of_crowds"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name, scripts):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0


def test_every_converter_is_a_registered_study_slug(scripts):
    from simbench.data.registry import get_study

    for slug in scripts.CONVERTERS:
        assert get_study(slug).slug == slug
        module = scripts.get_converter(slug)
        assert module.STUDY == slug and callable(module.convert)
