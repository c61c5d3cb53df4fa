"""Every exception class that simbench defines derives from :class:`simbench.SimBenchError`.

The command line catches that one root; a class outside the tree would surface as a traceback.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest

import simbench
from simbench.errors import SimBenchError

_OPTIONAL = {"vllm", "gradio", "peft", "lm_eval"}


def _modules() -> list[str]:
    return [m.name for m in pkgutil.walk_packages(simbench.__path__, "simbench.")
            if not m.name.endswith(".__main__")]  # importing __main__ would run the CLI


def test_every_exception_class_is_in_the_tree() -> None:
    outside, seen = [], 0
    for name in _modules():
        try:
            module = importlib.import_module(name)
        except ImportError as e:  # a wing whose optional engine is not installed here
            if (e.name or "").split(".")[0] in _OPTIONAL:
                continue
            raise
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ != name or not issubclass(cls, BaseException):
                continue
            seen += 1
            if not issubclass(cls, SimBenchError):
                outside.append(f"{name}.{cls.__qualname__}")
    assert seen >= 20
    assert outside == []


@pytest.mark.parametrize("name, base", [("DataError", ValueError), ("ExtractionError", RuntimeError),
                                        ("DataNotFoundError", FileNotFoundError),
                                        ("SubmissionError", ValueError)])
def test_layer_classes_keep_the_builtin_callers_rely_on(name: str, base: type) -> None:
    cls = getattr(simbench.errors, name)
    assert issubclass(cls, SimBenchError) and issubclass(cls, base)
