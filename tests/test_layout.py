"""The package layout says what each module is: no two modules share a name.

Three ``api.py``, two ``schema.py`` and a ``stats/runs.py`` beside the ``runs`` package made a
newcomer ask "which one?". Every module file under ``src/simbench`` (``__init__.py`` and
``__main__.py`` aside) has a basename of its own, and none is named like a package, with two
deliberate exceptions:

- the engine wings of ``extraction/`` (``hf/``, ``vllm/``, ``server/``) each implement the same
  elicitation methods, in a module named after the method (``hf/token_probs.py``,
  ``vllm/token_probs.py``): the wing says which engine, the module which method;
- the command modules of ``cli/`` are named after the part of the package each command drives
  (``cli/report.py`` runs ``simbench.report``).

Anything else that shares a name is listed in :data:`SHARED_ON_PURPOSE` with the reason.

The run folder has one owner too: its file names are spelled in ``runs/folder.py`` alone; every
other module uses the constants (``simbench.runs.PREDICTIONS_FILE``...), help texts included.
"""

from __future__ import annotations

import ast
import os
from collections import defaultdict
from pathlib import Path

from simbench.runs import PREDICTIONS_FILE, RUN_INFO_FILE, SCORES_FILE

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "simbench"
_SPECIAL = {"__init__.py", "__main__.py"}
#: The engine wings of extraction/ and the method modules each may hold.
_WINGS = ("extraction/hf/", "extraction/vllm/", "extraction/server/")
_METHOD_MODULES = {"token_probs", "verbalized", "sampling"}
#: Other basenames that may appear more than once, with the reason.
SHARED_ON_PURPOSE: dict[str, str] = {
    "_common": "private helpers of two unrelated packages (the converters, the vLLM wing); "
               "private, so never imported by users",
}


def _walk() -> tuple[dict[str, list[str]], set[str]]:
    """Module files by basename, and the names of the (sub)packages, converters included."""
    modules: dict[str, list[str]] = defaultdict(list)
    packages: set[str] = set()
    for root, dirs, files in os.walk(PACKAGE, followlinks=True):
        dirs[:] = [d for d in dirs if d != "__pycache__" and not d.startswith(".")]
        rel = Path(root).relative_to(PACKAGE)
        if "__init__.py" in files and rel.parts:
            packages.add(rel.name)
        for name in files:
            if name.endswith(".py") and name not in _SPECIAL:
                modules[name.removesuffix(".py")].append((rel / name).as_posix())
    return modules, packages


def test_the_walk_sees_the_package() -> None:
    modules, packages = _walk()
    assert {"runs", "metric", "leaderboard", "stats", "extraction"} <= packages
    assert "folder" in modules and "distributions" in modules


def _wing_method(name: str, path: str) -> bool:
    return name in _METHOD_MODULES and path.startswith(_WINGS)


def test_no_two_modules_share_a_basename() -> None:
    modules, _ = _walk()
    shared = {name: paths for name, paths in modules.items()
              if len([p for p in paths if not _wing_method(name, p)]) > 1
              and name not in SHARED_ON_PURPOSE}
    assert not shared, f"modules sharing a name (rename them to say what they are): {shared}"


def test_the_exceptions_are_still_needed() -> None:
    modules, _ = _walk()
    assert all(len(modules.get(name, ())) > 1 for name in SHARED_ON_PURPOSE)


def test_no_module_is_named_like_a_package_outside_the_cli() -> None:
    modules, packages = _walk()
    clashes = {name: paths for name, paths in modules.items() if name in packages
               and any(not p.startswith("cli/") for p in paths)}
    assert not clashes, f"modules named like a package: {clashes}"


def _string_literals(tree: ast.Module) -> list[ast.Constant]:
    """The string constants of a module that are not docstrings."""
    docstrings = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            first = node.body[0] if node.body else None
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                docstrings.add(id(first.value))
    return [node for node in ast.walk(tree) if isinstance(node, ast.Constant)
            and isinstance(node.value, str) and id(node) not in docstrings]


def test_the_run_folder_file_names_are_spelled_in_one_module() -> None:
    names = (PREDICTIONS_FILE, RUN_INFO_FILE, SCORES_FILE)
    found: dict[str, list[int]] = defaultdict(list)
    for root, dirs, files in os.walk(PACKAGE, followlinks=True):
        dirs[:] = [d for d in dirs if d != "__pycache__"]
        for name in files:
            if name.endswith(".py"):
                path = Path(root) / name
                for node in _string_literals(ast.parse(path.read_text(encoding="utf-8"))):
                    if any(n in node.value for n in names):
                        found[path.relative_to(PACKAGE).as_posix()].append(node.lineno)
    assert set(found) == {"runs/folder.py"}, (
        f"run folder file names written out outside runs/folder.py (use the constants of "
        f"simbench.runs): {dict(found)}")


def test_the_file_names_are_written_in_one_module_only() -> None:
    """Not even a docstring elsewhere spells them: prose says "the run record", code the constant."""
    spelled = sorted(
        path.relative_to(PACKAGE).as_posix()
        for path in PACKAGE.rglob("*.py")
        if any(name in path.read_text(encoding="utf-8")
               for name in (PREDICTIONS_FILE, RUN_INFO_FILE)))
    assert spelled == ["runs/folder.py"]
