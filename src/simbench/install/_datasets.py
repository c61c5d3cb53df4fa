"""The Hub configs in the ``datasets`` cache, under the bare dataset name ``simbench``.

``datasets.load_dataset("simbench", CONFIG)`` falls back to the cache when the Hub has no such
dataset or offline mode is on (``CachedDatasetModuleFactory``): it reads the newest folder
``<datasets cache>/simbench/<CONFIG>/<version>/<hash>/`` whose ``dataset_info.json`` names the
config. We write exactly that with the library's own ``Parquet`` builder over the folder that
``simbench data build`` writes, giving it the dataset name ``simbench``, the config id ``CONFIG``
(without the data-files suffix a plain ``Parquet`` load would add), the package version as the
version and the release files' sha256 as the hash. A ``simbench-install.json`` beside the arrow files
records who wrote the folder, from which data.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from .._version import __version__
from ..errors import InstallError

__all__ = [
    "DATASET_NAME",
    "MARKER_FILE",
    "RegisteredConfig",
    "cache_version",
    "dataset_root",
    "register_configs",
    "registered_configs",
    "remove_config_folder",
]

logger = logging.getLogger(__name__)

#: The bare dataset name: ``datasets.load_dataset(DATASET_NAME, config)``.
DATASET_NAME = "simbench"
#: Written into every folder that ``simbench install`` registers (datasets and evaluate caches).
MARKER_FILE = "simbench-install.json"
#: Version of the layout of :data:`MARKER_FILE`.
MARKER_SCHEMA_VERSION = 1


@dataclass(frozen=True)
class RegisteredConfig:
    """One config folder found in the ``datasets`` cache.

    Attributes:
        config: the config name (the folder's name).
        path: ``<datasets cache>/simbench/<config>/<version>/<hash>``.
        splits: rows per split, from ``dataset_info.json``.
        package_version: the simbench-eval version that registered it (``None``: not written by
            ``simbench install``).
        data_sha256: sha256 of the release files it was built from (``None``: unknown).
    """

    config: str
    path: Path
    splits: dict[str, int] = field(default_factory=dict)
    package_version: str | None = None
    data_sha256: str | None = None

    @property
    def ours(self) -> bool:
        """Whether ``simbench install`` wrote this folder."""
        return self.package_version is not None


def datasets_cache() -> Path:
    """The ``datasets`` cache folder (``$HF_DATASETS_CACHE``, default ``$HF_HOME/datasets``)."""
    import datasets.config

    return Path(os.path.expanduser(str(datasets.config.HF_DATASETS_CACHE)))


def dataset_root(cache_dir: str | os.PathLike[str] | None = None) -> Path:
    """``<datasets cache>/simbench``: where ``load_dataset("simbench", ...)`` looks offline."""
    return Path(cache_dir) / DATASET_NAME if cache_dir else datasets_cache() / DATASET_NAME


def cache_version(version: str = __version__) -> str:
    """The ``x.y.z`` part of a package version (``datasets.Version`` accepts nothing else).

    >>> cache_version("0.1.0"), cache_version("1.2.3.dev4"), cache_version("nightly")
    ('0.1.0', '1.2.3', '0.0.0')
    """
    match = re.match(r"\d+\.\d+\.\d+", version)
    return match.group(0) if match else "0.0.0"


def _read_json(path: Path) -> dict | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def registered_configs(cache_dir: str | os.PathLike[str] | None = None) -> list[RegisteredConfig]:
    """Every ``<config>/<version>/<hash>`` folder under ``<datasets cache>/simbench``, sorted."""
    root = dataset_root(cache_dir)
    found = []
    for path in sorted(root.glob("*/*/*")):
        if not path.is_dir() or path.name.endswith(".incomplete"):
            continue
        info = _read_json(path / "dataset_info.json") or {}
        splits = {name: int(s.get("num_examples", 0))
                  for name, s in (info.get("splits") or {}).items() if isinstance(s, dict)}
        marker = _read_json(path / MARKER_FILE) or {}
        found.append(RegisteredConfig(
            config=path.parts[-3], path=path, splits=splits,
            package_version=marker.get("package_version"), data_sha256=marker.get("data_sha256")))
    return found


def remove_config_folder(path: Path) -> None:
    """Delete one ``<config>/<version>/<hash>`` folder, its lock files and empty parents."""
    shutil.rmtree(path, ignore_errors=True)
    for lock in (path.with_name(path.name + "_builder.lock"),
                 path.with_name(path.name + ".incomplete_info.lock")):
        lock.unlink(missing_ok=True)
    # the builder's lock beside the cache: its whole path with "/" as "_" (any earlier cache path)
    cache = path.parents[3]
    for lock in cache.glob("*_" + "_".join(path.parts[-4:]) + ".lock"):
        lock.unlink(missing_ok=True)
    for parent in (path.parent, path.parent.parent, path.parents[2]):
        try:
            parent.rmdir()
        except OSError:
            break  # not empty


def _info(config: str, data_sha256: str) -> object:
    from datasets import DatasetInfo

    return DatasetInfo(
        description=(f"SimBench, config {config!r}: registered by simbench-eval {__version__} "
                     f"('simbench install') from the release files with sha256 {data_sha256}."),
        homepage="https://arxiv.org/abs/2510.17516",
        license="cc-by-nc-sa-4.0",
    )


def _register_one(folder: Path, config: str, splits: Mapping[str, int], data_sha256: str,
                  cache_dir: str | None) -> RegisteredConfig:
    from datasets import Version
    from datasets.packaged_modules.parquet.parquet import Parquet

    from ..data.hub_folder import features

    def builder_() -> Parquet:
        return Parquet(
            cache_dir=cache_dir, dataset_name=DATASET_NAME, config_name=config, config_id=config,
            hash=data_sha256, base_path=str(folder),
            data_files={s: f"{config}/{s}.parquet" for s in splits},
            features=features(), version=Version(cache_version()), info=_info(config, data_sha256))

    builder = builder_()
    target = Path(builder.cache_dir)
    if target.exists():  # a forced rerun with the same version and data: rebuild from scratch
        remove_config_folder(target)
        builder = builder_()
    builder.download_and_prepare()
    got = {name: int(s.num_examples) for name, s in (builder.info.splits or {}).items()}
    if got != dict(splits):
        raise InstallError(f"config {config!r}: the datasets cache holds {got} rows, "
                           f"expected {dict(splits)} ({target})")
    marker = {"schema_version": MARKER_SCHEMA_VERSION, "package_version": __version__,
              "data_sha256": data_sha256, "config": config, "splits": got,
              "registered": datetime.now(timezone.utc).isoformat(timespec="seconds")}
    (target / MARKER_FILE).write_text(json.dumps(marker, indent=1) + "\n", encoding="utf-8")
    return RegisteredConfig(config, target, got, __version__, data_sha256)


def register_configs(
    folder: str | os.PathLike[str],
    counts: Mapping[str, Mapping[str, int]],
    data_sha256: str,
    cache_dir: str | os.PathLike[str] | None = None,
) -> list[RegisteredConfig]:
    """Register every config of a built Hub folder in the ``datasets`` cache as ``simbench``.

    Args:
        folder: a folder written by :func:`simbench.build_hub_folder` (``<config>/<split>.parquet``).
        counts: ``{config: {split: rows}}`` as returned by ``build_hub_folder``.
        data_sha256: :meth:`simbench.DataSource.sha256` of the release files (the cache hash).
        cache_dir: the ``datasets`` cache (default: the library's, ``$HF_DATASETS_CACHE``).

    Returns:
        The registered configs. Other folders that ``simbench install`` wrote before (another
        version, other data, a config that no longer exists) are removed; folders it did not
        write are left alone.
    """
    from datasets.utils.logging import (
        disable_progress_bar,
        enable_progress_bar,
        is_progress_bar_enabled,
    )

    folder = Path(folder)
    cache = str(cache_dir) if cache_dir else None
    was_enabled = is_progress_bar_enabled()
    disable_progress_bar()
    try:
        done = [_register_one(folder, config, splits, data_sha256, cache)
                for config, splits in counts.items()]
    finally:
        if was_enabled:
            enable_progress_bar()
    keep = {d.path for d in done}
    for old in registered_configs(cache_dir):
        if old.ours and old.path not in keep:
            logger.info("removing the stale registration %s", old.path)
            remove_config_folder(old.path)
    return done
