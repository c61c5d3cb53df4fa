"""``simbench install``: the bare names ``load_dataset("simbench", ...)`` and ``evaluate.load("simbench")``.

Neither library finds ``simbench`` on the Hub (the dataset lives at ``pitehu/SimBench`` and the
metric is not one of evaluate's canonical modules), and both then fall back to their local cache.
:func:`install` fills those caches: it builds the Hub configs from the release
(:func:`simbench.build_hub_folder`) and registers each one in the ``datasets`` cache under the
dataset name ``simbench``, and the metric module in ``evaluate``'s module cache. Afterwards, from any
working directory, online or offline::

    from datasets import load_dataset
    load_dataset("simbench", "moral_machine", split="pop")    # 500 rows
    load_dataset("simbench", "all", split="grouped")          # 6,343 rows
    import evaluate
    evaluate.load("simbench")                                 # the SimBench metric

The caches are those of the current environment (``$HF_HOME``, ``$HF_DATASETS_CACHE``,
``$HF_MODULES_CACHE``). :func:`install` is idempotent (a rerun with the same package version and
data does nothing) and replaces what an older version or other data registered;
:func:`install_status` says what is registered and whether it is current; :func:`uninstall` removes
it all. Details: ``docs/install.md``.

Examples
--------
>>> from simbench.install import expected_configs
>>> expected = expected_configs()
>>> len(expected), expected["all"], expected["moral_machine"]
(21, {'pop': 7167, 'grouped': 6343}, {'pop': 500})
"""

from __future__ import annotations

import importlib.util
import logging
import os
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from .._version import __version__
from ..data.load import DataSource
from ..data.registry import SPLITS, STUDIES
from ..errors import InstallError
from ._datasets import (
    DATASET_NAME,
    RegisteredConfig,
    dataset_root,
    register_configs,
    registered_configs,
    remove_config_folder,
)
from ._metric import METRIC_NAME, RegisteredMetric

__all__ = [
    "DATASET_NAME",
    "METRIC_NAME",
    "ConfigState",
    "InstallResult",
    "InstallStatus",
    "RegisteredConfig",
    "RegisteredMetric",
    "expected_configs",
    "install",
    "install_status",
    "uninstall",
]

logger = logging.getLogger(__name__)

State = Literal["current", "stale", "missing"]


def expected_configs(splits: Iterable[str] = SPLITS) -> dict[str, dict[str, int]]:
    """``{config: {split: rows}}`` of the official release: ``all`` and one config per study."""
    wanted = [s for s in SPLITS if s in set(splits)]
    out = {"all": {s: sum(st.rows.get(s, 0) for st in STUDIES) for s in wanted}}
    for st in STUDIES:
        rows = {s: st.rows[s] for s in wanted if s in st.rows}
        if rows:
            out[st.slug] = rows
    return out


@dataclass(frozen=True)
class ConfigState:
    """Whether one config is registered as this package version would register it."""

    config: str
    state: State
    reason: str
    registered: RegisteredConfig | None = None


@dataclass(frozen=True)
class InstallStatus:
    """What :func:`install` has registered, compared with this package version and data.

    Attributes:
        data_sha256: sha256 of the data the comparison uses (``None``: no data could be found;
            ``data_note`` says why, and the hash is then not compared).
        dataset_root: ``<datasets cache>/simbench``.
        configs: one entry per official config.
        other_folders: folders under ``dataset_root`` that are not official configs or were not
            written by ``simbench install`` (left alone by :func:`uninstall`).
        metric_state / metric_reason / metric: the same for the metric module.
    """

    package_version: str
    data_sha256: str | None
    data_note: str
    dataset_root: Path
    configs: list[ConfigState]
    other_folders: list[RegisteredConfig] = field(default_factory=list)
    metric_state: State | Literal["skipped"] = "missing"
    metric_reason: str = ""
    metric: RegisteredMetric | None = None
    metric_root: Path | None = None

    @property
    def ok(self) -> bool:
        """Every config and the metric (unless skipped) are current."""
        return (all(c.state == "current" for c in self.configs)
                and self.metric_state in ("current", "skipped"))

    def lines(self) -> list[str]:
        """A readable report, one line per config."""
        n_cur = sum(c.state == "current" for c in self.configs)
        head = (f"simbench-eval {self.package_version}; data sha256 "
                f"{self.data_sha256[:12] + '...' if self.data_sha256 else 'unknown'} ({self.data_note})")
        out = [head, f"datasets cache {self.dataset_root}: {n_cur} of {len(self.configs)} configs "
                     f"current (load_dataset({DATASET_NAME!r}, CONFIG, split=...))"]
        for c in self.configs:
            rows = "  ".join(f"{s}={n}" for s, n in (c.registered.splits if c.registered else {}).items())
            out.append(f"  {c.config:24s} {c.state:8s} {rows:26s} {c.reason}".rstrip())
        for o in self.other_folders:
            out.append(f"  {o.config:24s} {'other':8s} {o.path} (not written by simbench install)")
        where = f" {self.metric.path}" if self.metric else (f" {self.metric_root}" if self.metric_root else "")
        out.append(f"evaluate module cache{where}: {self.metric_state}"
                   + (f" ({self.metric_reason})" if self.metric_reason else "")
                   + f" (evaluate.load({METRIC_NAME!r}))")
        return out


@dataclass(frozen=True)
class InstallResult:
    """What :func:`install` did. ``skipped``: everything was current, nothing was written."""

    status: InstallStatus
    skipped: bool
    seconds: float


def _config_state(config: str, rows: dict[str, int], found: list[RegisteredConfig],
                  data_sha256: str | None) -> ConfigState:
    ours = [f for f in found if f.ours]
    if not ours:
        return ConfigState(config, "missing", "run 'simbench install'")
    reg = max(ours, key=lambda f: f.path.stat().st_mtime)  # what load_dataset takes
    if len(ours) > 1:
        return ConfigState(config, "stale", f"{len(ours)} registrations (rerun 'simbench install')", reg)
    if reg.package_version != __version__:
        return ConfigState(config, "stale", f"registered by simbench-eval {reg.package_version}", reg)
    if data_sha256 and reg.data_sha256 != data_sha256:
        return ConfigState(config, "stale", f"built from other data (sha256 "
                                            f"{str(reg.data_sha256)[:12]}...)", reg)
    if reg.splits != rows:
        return ConfigState(config, "stale", f"rows differ from the release {rows}", reg)
    return ConfigState(config, "current", "", reg)


def _metric_fields(metric: bool) -> dict:
    if not metric:
        return {"metric_state": "skipped", "metric_reason": "not asked for"}
    from . import _metric

    root = _metric.metric_root()
    if importlib.util.find_spec("evaluate") is None:
        return {"metric_root": root, "metric_state": "missing",
                "metric_reason": "evaluate is not installed: pip install 'simbench-eval[metric]'"}
    found = _metric.registered_metrics()
    fields: dict = {"metric_root": root, "metric": found[0] if found else None}
    if not found:
        return {**fields, "metric_state": "missing", "metric_reason": "run 'simbench install'"}
    newest = found[0]
    if len(found) > 1:
        return {**fields, "metric_state": "stale", "metric_reason": f"{len(found)} registrations"}
    if not newest.same_file:
        who = newest.package_version or "something else"
        return {**fields, "metric_state": "stale",
                "metric_reason": f"a different module file (registered by {who})"}
    return {**fields, "metric_state": "current", "metric_reason": ""}


def _data_hash(source: str | os.PathLike[str] | DataSource | None) -> tuple[str | None, str]:
    from ..data.load import resolve_source
    from ..errors import DataNotFoundError

    try:
        src = source if isinstance(source, DataSource) else resolve_source(source)
    except DataNotFoundError as e:
        return None, f"no data to compare with: {e}"
    return src.sha256(), f"the data from {src.description}"


def install_status(source: str | os.PathLike[str] | DataSource | None = None, *,
                   metric: bool = True) -> InstallStatus:
    """Compare what is registered with this package version and the data of ``source``.

    Args:
        source: the release (as for :func:`simbench.load_items`; default ``$SIMBENCH_DATA``, then
            the Hub). Without data, versions and row counts are still compared.
        metric: also check the metric module.
    """
    data_sha256, note = _data_hash(source)
    found = registered_configs()
    by_config: dict[str, list[RegisteredConfig]] = {}
    for f in found:
        by_config.setdefault(f.config, []).append(f)
    expected = expected_configs()
    configs = [_config_state(name, rows, by_config.get(name, []), data_sha256)
               for name, rows in expected.items()]
    others = [f for f in found if f.config not in expected or not f.ours]
    return InstallStatus(__version__, data_sha256, note, dataset_root(), configs, others,
                         **_metric_fields(metric))


def install(source: str | os.PathLike[str] | DataSource | None = None, *, force: bool = False,
            metric: bool = True) -> InstallResult:
    """Register the configs as ``simbench`` in the ``datasets`` cache and the metric in evaluate's.

    Args:
        source: the release files (default ``$SIMBENCH_DATA``, then the Hub copy).
        force: rebuild even when everything registered is current.
        metric: also register the metric (needs ``evaluate``).

    Returns:
        An :class:`InstallResult` whose ``status`` is the state afterwards.

    Raises:
        DataNotFoundError: no release could be found.
        InstallError: a library did not find what was written (the message says where).
    """
    from ..data.hub_folder import build_hub_folder
    from ..data.load import load_items, resolve_source

    if metric and importlib.util.find_spec("evaluate") is None:
        raise InstallError("registering the metric needs the 'evaluate' package: pip install "
                           "'simbench-eval[metric]' (or register the dataset configs only: "
                           "metric=False, 'simbench install --no-metric')")
    t0 = time.perf_counter()
    src = source if isinstance(source, DataSource) else resolve_source(source)
    sha = src.sha256()
    if not force:
        before = install_status(src, metric=metric)
        if before.ok:
            return InstallResult(before, True, time.perf_counter() - t0)
    items = load_items("both", source=src)
    with tempfile.TemporaryDirectory(prefix="simbench-hub-") as tmp:
        counts = build_hub_folder(items, tmp)
        register_configs(tmp, counts, sha)
    if metric:
        from ._metric import register_metric

        register_metric()
    status = install_status(src, metric=metric)
    return InstallResult(status, False, time.perf_counter() - t0)


def uninstall() -> list[Path]:
    """Remove every config folder and metric module that :func:`install` registered.

    Returns:
        The removed paths. Folders under ``<datasets cache>/simbench`` that ``simbench install``
        did not write are kept.
    """
    removed = []
    for reg in registered_configs():
        if reg.ours:
            remove_config_folder(reg.path)
            removed.append(reg.path)
    from ._metric import unregister_metric

    return removed + unregister_metric()
