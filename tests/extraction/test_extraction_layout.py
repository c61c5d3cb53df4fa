"""The package's shape, read from the source (ast, nothing imported): wings and import graph.

- Each engine package is imported by its wing only: torch and transformers under
  ``extraction/hf/``, httpx under ``extraction/server/``, vllm under ``extraction/vllm/``; so
  "imports torch" is the same as "lives under hf/" (any import, also inside functions).
- The module-level imports between simbench's own modules have no circle.
- ``import simbench`` and ``import simbench.extraction`` load no engine (checked in a fresh process).
- Every method and backend of ``simbench.choices`` has a registered class, and each registered
  class says it implements what it is registered for.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import simbench
from simbench.choices import BACKENDS, METHODS

PACKAGE = Path(simbench.__file__).resolve().parent
EXTRACTION = PACKAGE / "extraction"
#: The engine packages that only one wing of ``simbench.extraction`` may import.
WING_IMPORTS = {"hf": {"torch", "transformers", "accelerate"}, "server": {"httpx"},
                "vllm": {"vllm"}}


def _modules(root: Path, package: str) -> Iterator[tuple[str, Path]]:
    """``(dotted name, path)`` of every module under ``root`` (symlinked folders followed)."""
    for folder, dirs, files in os.walk(root, followlinks=True):
        dirs[:] = sorted(d for d in dirs if not d.startswith((".", "__pycache__")))
        rel = Path(folder).relative_to(root).parts
        for name in sorted(files):
            if not name.endswith(".py"):
                continue
            parts = [package, *rel] + ([] if name == "__init__.py" else [name[:-3]])
            yield ".".join(parts), Path(folder) / name


def _is_package(path: Path) -> bool:
    return path.name == "__init__.py"


def _absolute(module: str, path: Path, node: ast.ImportFrom) -> str:
    """The absolute module an ``ImportFrom`` names (relative levels resolved)."""
    if not node.level:
        return node.module or ""
    base = module.split(".")
    if not _is_package(path):
        base = base[:-1]
    base = base[:len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def _all_imports(tree: ast.AST, module: str, path: Path) -> Iterator[str]:
    """Every module named by an import anywhere in the file (functions included)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            yield _absolute(module, path, node)


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _module_level(body: list[ast.stmt]) -> Iterator[ast.Import | ast.ImportFrom]:
    """Imports run when the module is imported: top level, and inside module-level ``if``/``try``
    blocks, except ``if TYPE_CHECKING:``; never inside functions or classes."""
    for node in body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        elif isinstance(node, ast.If):
            if not _is_type_checking(node):
                yield from _module_level(node.body)
            yield from _module_level(node.orelse)
        elif isinstance(node, ast.Try):
            for block in (node.body, node.orelse, node.finalbody,
                          *(h.body for h in node.handlers)):
                yield from _module_level(block)


def _parse(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def test_each_engine_is_imported_by_its_wing_only() -> None:
    misplaced = []
    for module, path in _modules(EXTRACTION, "simbench.extraction"):
        parts = module.split(".")
        wing = parts[2] if len(parts) > 2 and parts[2] in WING_IMPORTS else None
        for imported in _all_imports(_parse(path), module, path):
            top = imported.partition(".")[0]
            for owner, engines in WING_IMPORTS.items():
                if top in engines and wing != owner:
                    misplaced.append(f"{module} imports {imported} (only extraction/{owner}/ may)")
    assert not misplaced, "\n".join(misplaced)
    # and the hf wing is really where torch is used
    users = {m for m, p in _modules(EXTRACTION, "simbench.extraction")
             if "torch" in {i.partition(".")[0] for i in _all_imports(_parse(p), m, p)}}
    assert "simbench.extraction.hf.token_probs" in users


def _graph() -> dict[str, set[str]]:
    """Module-level imports between simbench's modules (``from p import m`` -> ``p.m`` when
    ``m`` is a module, else ``p``); importing a submodule's parent package is not an edge."""
    paths = dict(_modules(PACKAGE, "simbench"))
    graph: dict[str, set[str]] = {m: set() for m in paths}
    for module, path in paths.items():
        for node in _module_level(_parse(path).body):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            else:
                base = _absolute(module, path, node)
                targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in paths else base
                           for a in node.names]
            graph[module] |= {t for t in targets if t in paths and t != module}
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_the_cycle_finder_finds_a_circle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": set()}
    assert _cycles(graph) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_simbench_has_no_import_circles() -> None:
    graph = _graph()
    assert "simbench.extraction.hf.token_probs" in graph
    assert "simbench.extraction.base" in graph["simbench.extraction.hf.token_probs"]
    assert _cycles(graph) == []


def test_importing_simbench_and_extraction_loads_no_engine() -> None:
    code = ("import sys, simbench, simbench.extraction, simbench.extraction.factory; "
            "heavy = ['torch', 'transformers', 'httpx', 'vllm', 'evaluate', "
            "'simbench.extraction.hf', 'simbench.extraction.server']; "
            "print([m for m in heavy if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout + out.stderr


def test_every_choice_has_a_registered_class() -> None:
    from simbench.extraction.factory import REGISTRY

    assert set(REGISTRY) <= {(m, b) for m in METHODS for b in BACKENDS}
    assert {m for m, _ in REGISTRY} == set(METHODS)
    assert {b for _, b in REGISTRY} == set(BACKENDS)
    for (method, backend), entry in REGISTRY.items():
        tree = _parse(PACKAGE.parent / (entry.module.replace(".", "/") + ".py"))
        classes = {n.name for n in ast.walk(tree) if isinstance(n, ast.ClassDef)}
        assert entry.cls in classes, (method, backend, entry)


@pytest.mark.parametrize("method", METHODS)
def test_the_uniform_backend_is_a_backend_of_every_method(method: str) -> None:
    from simbench.extraction import create_backend

    backend = create_backend(method, "uniform")
    assert backend.method == method and backend.name == "uniform"
    assert backend.method in METHODS and backend.name in BACKENDS
