"""Pytest set-up for the checkout (not part of the wheel): which files give doctests.

``pyproject.toml`` turns on ``--doctest-modules`` and lists ``src/simbench`` in ``testpaths``, so
``python -m pytest`` runs every docstring example of the package beside the tests. This hook keeps
doctest collection to the modules of ``src/simbench`` (not the test files under ``tests/``, not the
package data under ``_assets/``) and skips, with the reason, a module that cannot be imported
because an optional package is not installed (``vllm``, ``gradio``, the ``hf`` extra, ...) instead
of failing collection.
"""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest
from _pytest.doctest import DoctestModule

_SRC = Path(__file__).resolve().parent / "src"
_PACKAGE = _SRC / "simbench"

#: Optional top-level packages -> how to get them. A module whose import fails for want of one of
#: these is skipped at collection; any other import error still fails.
OPTIONAL_PACKAGES: dict[str, str] = {
    "vllm": "pip install vllm",
    "gradio": "pip install gradio",
    "torch": "pip install simbench-eval[hf]",
    "transformers": "pip install simbench-eval[hf]",
    "accelerate": "pip install simbench-eval[hf]",
    "evaluate": "pip install simbench-eval[metric]",
    "matplotlib": "pip install simbench-eval[report]",
    "jinja2": "pip install simbench-eval[report]",
    "httpx": "pip install simbench-eval[openai]",
}


class _SkippedModule(pytest.File):
    """A module whose doctests cannot run here: collecting it reports a skip with the reason."""

    reason: str = ""

    def collect(self):  # type: ignore[override]
        pytest.skip(self.reason)


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(_SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _missing_optional(path: Path) -> str | None:
    """Why ``path``'s module cannot be imported here, if an optional package is missing."""
    try:
        importlib.import_module(_module_name(path))
    except ModuleNotFoundError as e:
        top = (e.name or "").partition(".")[0]
        if top in OPTIONAL_PACKAGES:
            return f"{_module_name(path)} needs {top}, not installed ({OPTIONAL_PACKAGES[top]})"
        raise
    return None


def _in_package(path: Path) -> bool:
    """A module of the package: under src/simbench, in folders that are packages (not _assets/)."""
    # the path as collected (src/simbench/converters is a link to loading_scripts/: not resolved)
    path = Path(path).absolute()
    if not path.is_relative_to(_PACKAGE):
        return False
    folder = path.parent
    while folder != _SRC:
        if not (folder / "__init__.py").is_file():
            return False
        folder = folder.parent
    return True


@pytest.hookimpl(wrapper=True)
def pytest_collect_file(file_path: Path, parent: pytest.Collector):
    collected = yield
    if not any(isinstance(node, DoctestModule) for node in collected):
        return collected
    if not _in_package(file_path):
        return [node for node in collected if not isinstance(node, DoctestModule)]
    reason = _missing_optional(file_path)
    if reason is None:
        return collected
    # also replaces the plain Module pytest adds for a file named on the command line
    skipped = _SkippedModule.from_parent(parent, path=file_path)
    skipped.reason = reason
    return [skipped]
