"""Every public module of the package has docstring examples that run, and skips only for the network.

``python -m pytest`` collects the examples of ``src/simbench`` as doctests (``--doctest-modules``,
see conftest.py at the repository root); this file checks that there is something to collect:

- a public module (no ``_`` in its dotted name) that defines public functions or classes has at
  least one example that is not skipped;
- an example may be ``+SKIP``ped only where it needs the network, said on the same line before the
  directive: ``>>> push_to_hub(...)  # needs the network  # doctest: +SKIP`` (doctest reads every
  word after ``doctest:`` as an option, so the reason cannot follow the directive);
- the whole package runs at least 60 examples.
"""

from __future__ import annotations

import doctest
import importlib
import inspect
import pkgutil
import re
from types import ModuleType

import pytest

import simbench

_CLI = "argparse wiring of the command line: each command is tested by running it (tests/**/*cli*)"

#: Modules that define public names but are exempt from the one-example rule, with the reason.
EXEMPT: dict[str, str] = {
    "simbench.cli": _CLI,
    **{f"simbench.cli.{command}": _CLI
       for command in ("data", "install", "leaderboard", "report", "run", "score", "submit")},
}

#: Optional packages whose absence skips a module (as the root conftest.py does for its doctests).
OPTIONAL = {"vllm", "gradio", "torch", "transformers", "accelerate", "evaluate", "matplotlib",
            "jinja2", "httpx"}

_NETWORK_SKIP = re.compile(r"#[^#]*\bnetwork\b[^#]*#\s*doctest:[^\n]*\+SKIP")


def _module_names() -> list[str]:
    names = ["simbench"]
    names += [m.name for m in pkgutil.walk_packages(simbench.__path__, "simbench.",
                                                    onerror=lambda name: None)]
    # a __main__ module runs its program when imported (and doctest collection skips it too)
    return sorted(name for name in names if not name.endswith(".__main__"))


MODULES = _module_names()


def _import(name: str) -> ModuleType:
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as e:
        top = (e.name or "").partition(".")[0]
        if top in OPTIONAL:
            pytest.skip(f"{name} needs {top}, not installed")
        raise


def _is_public(name: str) -> bool:
    return not any(part.startswith("_") for part in name.split("."))


def _public_definitions(module: ModuleType) -> list[str]:
    return sorted(name for name, obj in vars(module).items()
                  if not name.startswith("_") and (inspect.isfunction(obj) or inspect.isclass(obj))
                  and getattr(obj, "__module__", None) == module.__name__)


def _examples(module: ModuleType) -> list[tuple[str, doctest.Example]]:
    finder = doctest.DocTestFinder(exclude_empty=True)
    return [(test.name, ex) for test in finder.find(module, module.__name__) for ex in test.examples]


def _attempted(examples: list[tuple[str, doctest.Example]]) -> int:
    return sum(1 for _, ex in examples if not ex.options.get(doctest.SKIP))


def test_the_walk_finds_the_package_and_its_converters() -> None:
    assert {"simbench", "simbench.data.schema", "simbench.metric.core",
            "simbench.converters", "simbench.converters.osp_big5"} <= set(MODULES)


@pytest.mark.parametrize("name", MODULES)
def test_every_public_module_runs_examples(name: str) -> None:
    module = _import(name)
    defined = _public_definitions(module)
    if not _is_public(name) or not defined or name in EXEMPT:
        pytest.skip(f"{name}: private, no public definitions, or exempt")
    attempted = _attempted(_examples(module))
    assert attempted > 0, (f"{name} defines {', '.join(defined[:6])}"
                           f"{', ...' if len(defined) > 6 else ''} but runs no docstring example")


@pytest.mark.parametrize("name", MODULES)
def test_examples_are_skipped_only_for_the_network(name: str) -> None:
    module = _import(name)
    bad = [f"{test}: {ex.source.strip()}" for test, ex in _examples(module)
           if ex.options.get(doctest.SKIP) and not _NETWORK_SKIP.search(ex.source)]
    assert not bad, ("+SKIP without '# needs the network' before the directive:\n"
                     + "\n".join(bad))


def test_the_package_runs_at_least_60_examples() -> None:
    total = 0
    for name in MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as e:
            if (e.name or "").partition(".")[0] in OPTIONAL:
                continue
            raise
        total += _attempted(_examples(module))
    assert total >= 60, f"only {total} docstring examples run"


def test_exemptions_name_real_modules() -> None:
    assert set(EXEMPT) <= set(MODULES), sorted(set(EXEMPT) - set(MODULES))
