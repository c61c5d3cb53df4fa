"""The public faces of simbench.extraction, its wings, simbench.prompts and simbench.choices: a sorted
``__all__`` whose names exist, and no public name left out of it."""

from __future__ import annotations

import ast
import importlib
import inspect
import types

import pytest

MODULES = ["simbench.choices", "simbench.extraction", "simbench.extraction.hf",
           "simbench.extraction.server", "simbench.prompts"]


def _public_names(module: types.ModuleType) -> set[str]:
    """A package's public names are all it holds (it re-exports); a module's, those it defines."""
    if hasattr(module, "__path__"):
        return {k for k, v in vars(module).items() if not k.startswith("_")
                and not isinstance(v, types.ModuleType) and k not in {"annotations", "TYPE_CHECKING",
                                                                        "Any"}}
    tree = ast.parse(inspect.getsource(module))
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names |= {t.id for t in targets if isinstance(t, ast.Name)}
    return {n for n in names if not n.startswith("_")}


@pytest.mark.parametrize("name", MODULES)
def test_all_is_sorted_complete_and_importable(name: str) -> None:
    module = importlib.import_module(name)
    assert module.__all__ == sorted(module.__all__)
    for public in module.__all__:
        assert getattr(module, public) is not None, public  # lazy names load on first use
    missing = _public_names(module) - set(module.__all__)
    assert not missing, missing
