"""Resolve where the benchmark lives and load its items.

Resolution order for :func:`load_items`:

1. an explicit ``source`` (a release file, a folder of release files, or a folder built by
   ``simbench data build``);
2. the environment variable ``SIMBENCH_DATA`` (same forms);
3. the official Hub dataset ``pitehu/SimBench``, downloaded with ``huggingface_hub`` and cached.

Offline with nothing local, :class:`DataNotFoundError` says how to point at local files.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..errors import DataNotFoundError
from .readers import read_parquet, read_release_file
from .registry import SPLITS, get_study
from .schema import DataError, Item

__all__ = [
    "DATA_ENV_VAR",
    "HUB_REPO_ID",
    "DataNotFoundError",
    "DataSource",
    "load_items",
    "resolve_source",
    "select_items",
]

logger = logging.getLogger(__name__)

#: Environment variable pointing at local SimBench files.
DATA_ENV_VAR = "SIMBENCH_DATA"
#: The official Hub copy of SimBench.
HUB_REPO_ID = "pitehu/SimBench"
_RELEASE_STEMS = {"pop": "SimBenchPop", "grouped": "SimBenchGrouped"}
_EXTENSIONS = (".jsonl", ".pkl", ".csv")



@dataclass(frozen=True)
class DataSource:
    """Where the items of each split come from.

    Attributes:
        files: the file holding each split (``{"pop": Path, "grouped": Path}``).
        description: how the source was found (``"argument"``, ``"$SIMBENCH_DATA"``, ``"hub"``).
    """

    files: dict[str, Path]
    description: str

    def sha256(self, splits: Iterable[str] = SPLITS) -> str:
        """A content hash over the files of ``splits`` (in canonical order)."""
        h = hashlib.sha256()
        for split in SPLITS:
            if split in splits and split in self.files:
                h.update(split.encode())
                with self.files[split].open("rb") as f:
                    for chunk in iter(lambda: f.read(1 << 20), b""):
                        h.update(chunk)
        return h.hexdigest()


def _files_in_folder(folder: Path) -> dict[str, Path]:
    built = {s: folder / "all" / f"{s}.parquet" for s in SPLITS}
    if all(p.is_file() for p in built.values()):
        return built
    files: dict[str, Path] = {}
    for split, stem in _RELEASE_STEMS.items():
        for ext in _EXTENSIONS:
            candidate = folder / f"{stem}{ext}"
            if candidate.is_file():
                files[split] = candidate
                break
    return files


def _from_path(path: Path, description: str) -> DataSource:
    if path.is_dir():
        files = _files_in_folder(path)
        if not files:
            raise DataNotFoundError(
                f"{path} ({description}) holds no SimBench files: expected SimBenchPop/SimBenchGrouped "
                "as .jsonl, .pkl or .csv, or a folder built by 'simbench data build'")
        return DataSource(files, description)
    if path.is_file():
        if path.suffix == ".parquet":
            return DataSource({"pop": path, "grouped": path}, description)
        from .readers import infer_split

        return DataSource({infer_split(path): path}, description)
    raise DataNotFoundError(f"{path} ({description}) does not exist")


def _from_hub(repo_id: str = HUB_REPO_ID) -> DataSource:
    try:
        from huggingface_hub import hf_hub_download, list_repo_files
        from huggingface_hub.errors import LocalEntryNotFoundError, OfflineModeIsEnabled
    except ImportError as e:  # pragma: no cover - huggingface_hub is a core dependency
        raise DataNotFoundError(f"huggingface_hub is needed to download {repo_id}: {e}") from None
    hint = (f"Point at local files with --data / source=... or set {DATA_ENV_VAR} to a folder holding "
            "SimBenchPop and SimBenchGrouped (.jsonl, .pkl or .csv) or a folder built by "
            "'simbench data build'.")
    try:
        names = list_repo_files(repo_id, repo_type="dataset")
    except (OfflineModeIsEnabled, LocalEntryNotFoundError, OSError) as e:
        raise DataNotFoundError(f"SimBench data not found locally and the Hub dataset {repo_id} could "
                                f"not be reached ({type(e).__name__}). {hint}") from None
    except Exception as e:  # network layers raise many types; all mean "not reachable"
        raise DataNotFoundError(f"could not list the Hub dataset {repo_id}: {e}. {hint}") from None
    files: dict[str, Path] = {}
    for split, stem in _RELEASE_STEMS.items():
        for ext in (".pkl", ".csv"):
            match = [n for n in names if Path(n).name == stem + ext]
            if match:
                files[split] = Path(hf_hub_download(repo_id, match[0], repo_type="dataset"))
                break
    if not files:
        raise DataNotFoundError(f"the Hub dataset {repo_id} holds no SimBenchPop/SimBenchGrouped files. {hint}")
    return DataSource(files, "hub")


def resolve_source(source: str | os.PathLike[str] | None = None) -> DataSource:
    """Find the SimBench files: ``source``, then ``$SIMBENCH_DATA``, then the Hub."""
    if source is not None:
        return _from_path(Path(source).expanduser(), "argument")
    env = os.environ.get(DATA_ENV_VAR)
    if env:
        return _from_path(Path(env).expanduser(), f"${DATA_ENV_VAR}")
    return _from_hub()


def _normalise_splits(split: str | Sequence[str]) -> tuple[str, ...]:
    if isinstance(split, str):
        wanted = SPLITS if split in ("both", "all") else (split,)
    else:
        wanted = tuple(split)
    for s in wanted:
        if s not in SPLITS:
            raise ValueError(f"unknown split {s!r}: expected 'pop', 'grouped' or 'both'")
    return tuple(s for s in SPLITS if s in wanted)


def load_items(
    split: str | Sequence[str] = "both",
    studies: Iterable[str] | None = None,
    source: str | os.PathLike[str] | DataSource | None = None,
) -> list[Item]:
    """Load validated SimBench items.

    Args:
        split: ``"pop"``, ``"grouped"`` or ``"both"`` (Pop rows first, then Grouped).
        studies: slugs or release names to keep; ``None`` keeps all.
        source: a file, a folder, or a :class:`DataSource`; see the module docstring for the
            resolution order when ``None``.

    Returns:
        Items in release order within each split.

    Raises:
        DataNotFoundError: when no data can be found.
        DataError: when a row is malformed (the message names the row and the field).

    Examples:
        A folder holding the release's ``SimBenchPop.jsonl`` (here three made-up rows):

        >>> import json, tempfile
        >>> from pathlib import Path
        >>> tmp = tempfile.TemporaryDirectory()
        >>> rows = [{"row_index": i, "dataset_name": name, "group_prompt_template": "You are a person.",
        ...          "group_prompt_variable_map": {}, "group_size": 50, "auxiliary": {},
        ...          "input_template": "Swerve?\\n\\nOptions:\\n(A): Yes\\n(B): No",
        ...          "human_answer": {"A": 30.0 + i, "B": 70.0 - i}}
        ...         for i, name in enumerate(["Jester", "MoralMachine", "MoralMachine"])]
        >>> lines = "".join(json.dumps(r) + "\\n" for r in rows)
        >>> _ = (Path(tmp.name) / "SimBenchPop.jsonl").write_text(lines)
        >>> items = load_items("pop", studies=["moral_machine"], source=tmp.name)
        >>> [(it.item_id, it.study, it.human_dist) for it in items]
        [('pop/1', 'moral_machine', (0.31, 0.69)), ('pop/2', 'moral_machine', (0.32, 0.68))]
        >>> len(load_items("both", source=tmp.name))    # "both" takes the splits there are
        3
        >>> load_items("grouped", source=tmp.name)
        Traceback (most recent call last):
            ...
        simbench.errors.DataNotFoundError: argument has no file for split 'grouped'
        >>> tmp.cleanup()
    """
    splits = _normalise_splits(split)
    src = source if isinstance(source, DataSource) else resolve_source(source)
    keep = None if studies is None else {get_study(s).slug for s in studies}
    items: list[Item] = []
    cache: dict[Path, list[Item]] = {}
    for s in splits:
        path = src.files.get(s)
        if path is None:
            if isinstance(split, str) and split in ("both", "all"):
                continue
            raise DataNotFoundError(f"{src.description} has no file for split {s!r}")
        if path not in cache:
            cache[path] = read_parquet(path) if path.suffix == ".parquet" else read_release_file(path, s)
        rows = [it for it in cache[path] if it.split == s]
        if not rows and path.suffix == ".parquet" and isinstance(split, str) and split in ("both", "all"):
            continue  # a single parquet file (one config's split) holds one split only
        if not rows:
            raise DataError(f"{path}: no rows of split {s!r}")
        items.extend(it for it in rows if keep is None or it.study in keep)
    logger.info("loaded %d items from %s", len(items), src.description)
    return items


def select_items(items: Sequence[Item], limit_per_study: int | None = None, seed: int = 0) -> list[Item]:
    """A stratified sample: at most ``limit_per_study`` items per (split, study), seeded.

    The sample is drawn without replacement with ``numpy.random.default_rng(seed)`` independently in
    each (split, study) stratum and returned in the original order, so the same arguments always give
    the same items. ``None`` returns ``items`` unchanged.

    Examples:
        >>> from simbench.data.schema import item_from_release_row
        >>> def item(i, name):
        ...     return item_from_release_row({
        ...         "row_index": i, "dataset_name": name, "group_prompt_template": "You are a person.",
        ...         "group_prompt_variable_map": {}, "group_size": 50, "auxiliary": {},
        ...         "input_template": "Agree?\\n\\nOptions:\\n(A): Yes\\n(B): No",
        ...         "human_answer": {"A": 50.0, "B": 50.0}}, split="pop")
        >>> items = [item(i, "Jester" if i < 4 else "MoralMachine") for i in range(7)]
        >>> sample = select_items(items, 2, seed=0)     # 2 of the 4 Jester rows, 2 of the 3 others
        >>> [it.study for it in sample]
        ['jester', 'jester', 'moral_machine', 'moral_machine']
        >>> select_items(items, 2, seed=0) == sample, len(select_items(items, None))
        (True, 7)
    """
    if limit_per_study is None:
        return list(items)
    if limit_per_study < 1:
        raise ValueError(f"limit_per_study must be at least 1, got {limit_per_study}")
    import numpy as np

    rng = np.random.default_rng(seed)
    strata: dict[tuple[str, str], list[int]] = {}
    for i, it in enumerate(items):
        strata.setdefault((it.split, it.study), []).append(i)
    keep: set[int] = set()
    for key in sorted(strata):
        idx = strata[key]
        if len(idx) <= limit_per_study:
            keep.update(idx)
        else:
            keep.update(int(j) for j in rng.choice(idx, size=limit_per_study, replace=False))
    return [it for i, it in enumerate(items) if i in keep]
