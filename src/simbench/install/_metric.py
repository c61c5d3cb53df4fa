"""The SimBench metric in ``evaluate``'s module cache, so that ``evaluate.load("simbench")`` works.

``evaluate.load("simbench")`` first asks the Hub for ``evaluate-metric/simbench``; when that fails
or offline mode is on it imports the newest
``<modules cache>/evaluate_modules/metrics/evaluate-metric--simbench/<64 hex>/simbench.py`` and
takes the first ``EvaluationModule`` subclass in it. We write that folder with evaluate's own
``_create_importable_file``, the function its Hub loader uses, so the folder and its hash (evaluate's
hash of the code) are named exactly as a download from the Hub would name them.
"""

from __future__ import annotations

import filecmp
import json
import os
import shutil
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from .._version import __version__
from ..errors import InstallError
from ..metric.evaluate_module import metric_module_path
from ._datasets import MARKER_FILE, MARKER_SCHEMA_VERSION

__all__ = ["METRIC_NAME", "RegisteredMetric", "metric_root", "register_metric",
           "registered_metrics", "shipped_metric_hash"]

#: The bare module name: ``evaluate.load(METRIC_NAME)``.
METRIC_NAME = "simbench"
_CACHE_NAME = f"evaluate-metric--{METRIC_NAME}"
_DYNAMIC_MODULES = "evaluate_modules"  # evaluate.config.MODULE_NAME_FOR_DYNAMIC_MODULES


@dataclass(frozen=True)
class RegisteredMetric:
    """One ``<hash>/simbench.py`` folder in evaluate's module cache.

    Attributes:
        path: the hash folder.
        module_hash: its name (evaluate's hash of the module's code).
        package_version: the simbench-eval version that registered it (``None``: not us).
        same_file: whether ``simbench.py`` is byte for byte the module this package ships.
    """

    path: Path
    module_hash: str
    package_version: str | None
    same_file: bool


def metric_root() -> Path:
    """``<modules cache>/evaluate_modules/metrics/evaluate-metric--simbench`` (may not exist).

    The modules cache is ``$HF_MODULES_CACHE``, default ``$HF_HOME/modules``: ``datasets.config``
    and ``evaluate.config`` compute it alike, and the first is read here because importing
    ``evaluate`` takes seconds (it imports transformers).
    """
    import datasets.config

    return (Path(os.path.expanduser(str(datasets.config.HF_MODULES_CACHE)))
            / _DYNAMIC_MODULES / "metrics" / _CACHE_NAME)


def shipped_metric_hash() -> str:
    """evaluate's hash of the module file this package ships (the folder name it registers)."""
    from evaluate.loading import files_to_hash

    return str(files_to_hash([str(metric_module_path())]))


def registered_metrics() -> list[RegisteredMetric]:
    """Every registered hash folder, newest first (the first one is what ``evaluate.load`` takes)."""
    root = metric_root()
    module = f"{METRIC_NAME}.py"
    folders = [p for p in root.glob("*") if p.is_dir() and len(p.name) == 64 and (p / module).is_file()]
    folders.sort(key=lambda p: (p / module).stat().st_mtime, reverse=True)
    shipped = metric_module_path()
    out = []
    for path in folders:
        try:
            marker = json.loads((path / MARKER_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            marker = {}
        out.append(RegisteredMetric(path, path.name, marker.get("package_version"),
                                    filecmp.cmp(path / module, shipped, shallow=False)))
    return out


def loaded_class_name() -> str | None:
    """The class ``evaluate.load("simbench")`` would take from the cache offline (``None``: none)."""
    from evaluate.loading import CachedEvaluationModuleFactory, import_main_class
    from evaluate.utils import logging as evaluate_logging

    level = evaluate_logging.get_verbosity()
    evaluate_logging.set_verbosity_error()  # not "Using the latest cached version": we asked for it
    try:
        module = CachedEvaluationModuleFactory(_CACHE_NAME).get_module()
    except FileNotFoundError:
        return None
    finally:
        evaluate_logging.set_verbosity(level)
    cls = import_main_class(module.module_path)
    return None if cls is None else cls.__name__


def register_metric() -> RegisteredMetric:
    """Write the shipped module as ``evaluate-metric--simbench/<hash>/simbench.py``.

    Older registrations are removed, so the newest-by-mtime rule of evaluate's cache fallback can
    only find this one.
    """
    try:
        from evaluate.loading import _create_importable_file, init_dynamic_modules
    except ImportError as e:
        raise InstallError("registering the metric needs the 'evaluate' package: "
                           "pip install 'simbench-eval[metric]'") from e
    source = metric_module_path()
    _module_path, module_hash = _create_importable_file(
        local_path=str(source), local_imports=[], additional_files=[],
        dynamic_modules_path=init_dynamic_modules(), module_namespace="metrics",
        name=f"evaluate-metric/{METRIC_NAME}", download_mode=None)
    folder = metric_root() / module_hash
    module = folder / f"{METRIC_NAME}.py"
    if not filecmp.cmp(module, source, shallow=False):  # same code hash, other comments
        shutil.copyfile(source, module)
    os.utime(module)  # the newest by mtime is the one evaluate loads
    marker = {"schema_version": MARKER_SCHEMA_VERSION, "package_version": __version__,
              "module_hash": module_hash, "source": str(source),
              "registered": datetime.now(timezone.utc).isoformat(timespec="seconds")}
    (folder / MARKER_FILE).write_text(json.dumps(marker, indent=1) + "\n", encoding="utf-8")
    for old in registered_metrics():
        if old.path != folder:
            shutil.rmtree(old.path, ignore_errors=True)
    name = loaded_class_name()
    if name != "SimbenchMetric":
        raise InstallError(f"evaluate's cache fallback loads {name!r} from {metric_root()}, "
                           "not the SimBench metric")
    return RegisteredMetric(folder, module_hash, __version__, True)


def unregister_metric() -> list[Path]:
    """Remove ``evaluate-metric--simbench`` (every registered version) and its lock file."""
    root = metric_root()
    removed = []
    if root.exists():
        shutil.rmtree(root)
        removed.append(root)
    lock = root.with_name(root.name + ".lock")
    if lock.exists():
        lock.unlink()
        removed.append(lock)
    return removed
