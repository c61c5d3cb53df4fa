"""Build a script-free Hugging Face dataset folder from the release files.

Layout (one config per study, plus ``all``)::

    <out>/README.md                 card rendered from dataset_card.md, with configs: and dataset_info:
    <out>/all/pop.parquet           every Pop row
    <out>/all/grouped.parquet       every Grouped row
    <out>/<slug>/pop.parquet        one study's Pop rows
    <out>/<slug>/grouped.parquet    (the five surveys with a Grouped split)

``datasets.load_dataset(<out>, "moral_machine", split="pop")`` then works offline, and the folder
can be uploaded as is (``simbench data push``).

Examples
--------
Three made-up rows of two studies give the ``all`` config and one config per study:

>>> import tempfile
>>> from pathlib import Path
>>> from simbench.data.readers import read_parquet
>>> from simbench.data.schema import item_from_release_row
>>> def item(i, name):
...     return item_from_release_row({
...         "row_index": i, "dataset_name": name, "group_prompt_template": "You are a person.",
...         "group_prompt_variable_map": {}, "group_size": 50, "auxiliary": {},
...         "input_template": "Agree?\\n\\nOptions:\\n(A): Yes\\n(B): No",
...         "human_answer": {"A": 10.0 * (i + 1), "B": 100 - 10.0 * (i + 1)}}, split="pop")
>>> items = [item(0, "Jester"), item(1, "MoralMachine"), item(2, "MoralMachine")]
>>> tmp = tempfile.TemporaryDirectory()
>>> out = Path(tmp.name) / "simbench-hub"
>>> build_hub_folder(items, out)
{'all': {'pop': 3}, 'jester': {'pop': 1}, 'moral_machine': {'pop': 2}}
>>> read_parquet(out / "moral_machine" / "pop.parquet") == items[1:]
True
>>> from datasets import load_dataset
>>> ds = load_dataset(str(out), "moral_machine", split="pop", cache_dir=tmp.name)
>>> ds.num_rows, ds[0]["item_id"], ds[0]["human_dist"], ds.features["human_dist"].feature.dtype
(2, 'pop/1', [0.2, 0.8], 'float64')
>>> (out / "README.md").read_text().startswith("---\\nlicense: cc-by-nc-sa-4.0\\n")
True
>>> tmp.cleanup()
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timezone
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from .._version import __version__
from .registry import SPLITS, STUDIES, get_study
from .schema import Item

__all__ = ["ALL_CONFIG", "build_hub_folder", "features", "render_card"]

logger = logging.getLogger(__name__)

#: Name of the whole-split config (the default config of the folder).
ALL_CONFIG = "all"


def features() -> Any:
    """The ``datasets.Features`` of every config (distributions as parallel float64 lists)."""
    from datasets import Features, List, Value

    return Features({
        "item_id": Value("string"),
        "split": Value("string"),
        "row_index": Value("int64"),
        "dataset_name": Value("string"),
        "study": Value("string"),
        "persona": Value("string"),
        "question": Value("string"),
        "option_labels": List(Value("string")),
        "option_texts": List(Value("string")),
        "human_dist": List(Value("float64")),
        "human_percent": List(Value("float64")),
        "group_size": Value("int64"),
        "grouping": Value("string"),
        "wave": Value("float64"),
        "auxiliary": Value("string"),
    })


def _write_parquet(items: Sequence[Item], path: Path) -> int:
    """Write ``items`` with embedded features; return the Arrow size in bytes (``num_bytes``)."""
    from datasets import Dataset
    from datasets.utils.logging import (
        disable_progress_bar,
        enable_progress_bar,
        is_progress_bar_enabled,
    )

    path.parent.mkdir(parents=True, exist_ok=True)
    ds = Dataset.from_list([it.to_record() for it in items], features=features())
    was_enabled = is_progress_bar_enabled()
    disable_progress_bar()
    try:
        ds.to_parquet(str(path))
    finally:
        if was_enabled:
            enable_progress_bar()
    return int(ds.data.nbytes)


def _configs(by_config: dict[str, dict[str, list[Item]]]) -> list[dict]:
    out = []
    for name, splits in by_config.items():
        entry: dict[str, Any] = {
            "config_name": name,
            "data_files": [{"split": s, "path": f"{name}/{s}.parquet"} for s in splits],
        }
        if name == ALL_CONFIG:
            entry["default"] = True
        out.append(entry)
    return out


def _dataset_info(by_config: dict[str, dict[str, list[Item]]],
                  nbytes: dict[tuple[str, str], int]) -> list[dict]:
    feats = features()._to_yaml_list()
    out = []
    for name, splits in by_config.items():
        split_info: list[dict[str, Any]] = [
            {"name": s, "num_bytes": nbytes[(name, s)], "num_examples": len(rows)}
            for s, rows in splits.items()]
        out.append({"config_name": name, "features": feats, "splits": split_info,
                    "dataset_size": sum(nbytes[(name, s)] for s in splits)})
    return out


def _study_table(extended: Sequence[str] = ()) -> str:
    lines = ["| config | study | task | population | pop | grouped | source | license |",
             "|---|---|---|---|---|---|---|---|"]
    for st in STUDIES:
        lines.append(f"| `{st.slug}` | {st.title} | {st.task_type} | {st.population} | "
                     f"{st.rows.get('pop', '')} | {st.rows.get('grouped', '')} | {st.citation} | "
                     f"{st.license} |")
    for name in extended:
        lines.append(f"| `{name}` | **extended** (not part of the official benchmark) | | | | | | |")
    return "\n".join(lines)


def render_card(by_config: dict[str, dict[str, list[Item]]], nbytes: dict[tuple[str, str], int],
                extended: Sequence[str] = (), extra_sections: str = "") -> str:
    """Render ``README.md``: generated YAML front matter + the prose of ``dataset_card.md``."""
    meta = {
        "license": "cc-by-nc-sa-4.0",
        "language": ["en"],
        "pretty_name": "SimBench",
        "task_categories": ["question-answering"],
        "tags": ["llm-simulation", "human-behavior", "survey", "distribution-prediction"],
        "configs": _configs(by_config),
        "dataset_info": _dataset_info(by_config, nbytes),
    }
    template = resources.files("simbench").joinpath("_assets/dataset_card.md").read_text("utf-8")
    counts = {s: sum(len(v.get(s, [])) for k, v in by_config.items() if k == ALL_CONFIG) for s in SPLITS}
    body = (template
            .replace("{{study_table}}", _study_table(extended))
            .replace("{{n_pop}}", f"{counts['pop']:,}")
            .replace("{{n_grouped}}", f"{counts['grouped']:,}")
            .replace("{{version}}", __version__)
            .replace("{{built}}", datetime.now(timezone.utc).strftime("%Y-%m-%d"))
            .replace("{{extra_sections}}", extra_sections))
    front = yaml.safe_dump(meta, sort_keys=False, allow_unicode=True, width=1000)
    return f"---\n{front}---\n\n{body}"


def build_hub_folder(
    items: Sequence[Item],
    out: str | Path,
    extended: dict[str, dict[str, list[Item]]] | None = None,
    extra_sections: str = "",
) -> dict[str, dict[str, int]]:
    """Write the Hub dataset folder for ``items`` (both splits of the release).

    Args:
        items: validated items, normally every row of both splits.
        out: the folder to write (created; existing parquet files are overwritten).
        extended: extra configs kept apart from the official ones (e.g. from converters),
            ``{config_name: {split: items}}``; marked as extended in the card.
        extra_sections: Markdown appended to the card (e.g. notes on extended configs).

    Returns:
        ``{config: {split: n_rows}}``.
    """
    out = Path(out)
    by_config: dict[str, dict[str, list[Item]]] = {ALL_CONFIG: {}}
    for split in SPLITS:
        rows = [it for it in items if it.split == split]
        if rows:
            by_config[ALL_CONFIG][split] = rows
    for st in STUDIES:
        splits = {s: [it for it in by_config[ALL_CONFIG].get(s, []) if it.study == st.slug]
                  for s in st.splits}
        splits = {s: rows for s, rows in splits.items() if rows}
        if splits:
            by_config[st.slug] = splits
    for name, splits in (extended or {}).items():
        if name in by_config:
            raise ValueError(f"extended config {name!r} clashes with an official config")
        try:
            get_study(name)
            raise ValueError(f"extended config {name!r} must not reuse a study slug")
        except KeyError:
            pass
        by_config[name] = splits
    if not by_config[ALL_CONFIG]:
        del by_config[ALL_CONFIG]  # only extended configs (e.g. a converter run without the release)
    nbytes = {(name, split): _write_parquet(rows, out / name / f"{split}.parquet")
              for name, splits in by_config.items() for split, rows in splits.items()}
    card = render_card(by_config, nbytes, list(extended or {}), extra_sections)
    (out / "README.md").write_text(card, encoding="utf-8")
    logger.info("wrote %d configs to %s", len(by_config), out)
    return {name: {s: len(r) for s, r in splits.items()} for name, splits in by_config.items()}
