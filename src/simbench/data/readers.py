"""Readers for every form the SimBench release comes in.

* the JSON Lines copy (``SimBenchPop.jsonl``, ``SimBenchGrouped.jsonl``);
* the official CSV files, whose dict cells are Python ``repr`` strings (parsed with
  :func:`ast.literal_eval`, never ``eval``);
* the official pandas pickles, through :func:`simbench.data.unpickle.restricted_load`;
* the project's own parquet (one file per config and split, as written by ``simbench data build``).

Every reader returns validated :class:`~simbench.data.schema.Item` objects in release order.

Examples
--------
One made-up Pop row written as JSON Lines and as an official-style CSV (dict cells as Python
``repr`` strings) reads back as the same item:

>>> import csv, json, tempfile
>>> from pathlib import Path
>>> tmp = tempfile.TemporaryDirectory()
>>> folder = Path(tmp.name)
>>> row = {"row_index": 0, "dataset_name": "Jester", "group_prompt_template": "You like jokes.",
...        "group_prompt_variable_map": {}, "group_size": 40, "auxiliary": {"joke": 7},
...        "input_template": "Rate it.\\n\\nOptions:\\n(A): Funny\\n(B): Not funny",
...        "human_answer": {"A": 62.5, "B": 37.5}}
>>> _ = (folder / "SimBenchPop.jsonl").write_text(json.dumps(row) + "\\n")
>>> with open(folder / "SimBenchPop.csv", "w", newline="") as f:
...     writer = csv.writer(f)
...     _ = writer.writerow(row)
...     _ = writer.writerow([repr(v) if isinstance(v, dict) else v for v in row.values()])
>>> from_jsonl = read_release_file(folder / "SimBenchPop.jsonl")
>>> from_csv = read_release_file(folder / "SimBenchPop.csv")
>>> from_jsonl == from_csv, from_csv[0].item_id, from_csv[0].human_dist, from_csv[0].auxiliary
(True, 'pop/0', (0.625, 0.375), '{"joke": 7}')
>>> infer_split("SimBenchGrouped.pkl")
'grouped'
>>> _ = (folder / "SimBenchPop.jsonl").write_text(json.dumps(row) + "\\n" + '{"row_index": 1,\\n')
>>> read_jsonl(folder / "SimBenchPop.jsonl")
Traceback (most recent call last):
    ...
simbench.errors.DataError: .../SimBenchPop.jsonl: line 2: not valid JSON (...); the file may be truncated
>>> tmp.cleanup()
"""

from __future__ import annotations

import ast
import json
import math
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from .schema import DataError, Item, item_from_release_row

__all__ = ["infer_split", "read_csv", "read_jsonl", "read_parquet", "read_pickle", "read_release_file"]

# Release columns that hold Python containers (repr strings in the CSV files).
_CONTAINER_COLUMNS = ("group_prompt_variable_map", "auxiliary", "human_answer", "answer_options",
                      "input_variable_map", "group_prompt_variable_list", "grouping_keys")


def infer_split(path: str | Path) -> str:
    """Infer the split from a release file name (``...Pop...`` or ``...Grouped...``)."""
    name = Path(path).name.lower()
    if "grouped" in name:
        return "grouped"
    if "pop" in name:
        return "pop"
    raise DataError(f"{path}: cannot tell the split from the file name; pass split='pop' or 'grouped'")


def _items(rows: Iterable[tuple[int, dict[str, Any]]], split: str, source: str) -> list[Item]:
    return [item_from_release_row(row, split=split, row_index=row.get("row_index", i), source=source)
            for i, row in rows]


def read_jsonl(path: str | Path, split: str | None = None) -> list[Item]:
    """Read the JSON Lines copy of one split.

    Raises:
        DataError: on a line that is not a JSON object (naming the line) or an invalid row.
    """
    path = Path(path)
    split = split or infer_split(path)
    return _items(_jsonl_rows(path), split, str(path))


def _jsonl_rows(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    with path.open(encoding="utf-8") as f:
        position = 0
        for lineno, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as e:
                raise DataError(f"{path}: line {lineno}: not valid JSON ({e.msg}); the file may be "
                                "truncated") from None
            if not isinstance(row, dict):
                raise DataError(f"{path}: line {lineno}: expected a JSON object")
            yield position, row
            position += 1


def read_csv(path: str | Path, split: str | None = None) -> list[Item]:
    """Read an official SimBench CSV file (dict cells parsed with :func:`ast.literal_eval`)."""
    import pandas as pd

    path = Path(path)
    split = split or infer_split(path)
    try:
        frame = pd.read_csv(path, keep_default_na=False, na_values=[""], dtype=str)
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as e:
        raise DataError(f"{path}: not a readable CSV file ({e})") from None
    frame = frame.drop(columns=[c for c in frame.columns if c.startswith("Unnamed:")])
    rows = []
    for i, rec in enumerate(frame.to_dict(orient="records")):
        rows.append((i, _parse_csv_row({str(k): v for k, v in rec.items()}, i, str(path))))
    return _items(rows, split, str(path))


def _parse_csv_row(rec: dict[str, Any], position: int, source: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in rec.items():
        if isinstance(value, float) and math.isnan(value):
            out[key] = None
        elif key in _CONTAINER_COLUMNS and isinstance(value, str):
            try:
                out[key] = ast.literal_eval(value)
            except (ValueError, SyntaxError) as e:
                raise DataError(f"{source}: row {position}: field {key!r}: not a Python literal "
                                f"({type(e).__name__})") from None
        else:
            out[key] = value
    for key, kind in (("group_size", int), ("wave", float), ("row_index", int)):
        if isinstance(out.get(key), str):
            try:
                out[key] = kind(float(out[key]))
            except ValueError:
                raise DataError(f"{source}: row {position}: field {key!r}: {out[key]!r} is not a "
                                "number") from None
    out.setdefault("row_index", position)
    return out


def read_pickle(path: str | Path, split: str | None = None) -> list[Item]:
    """Read an official SimBench pickle through the restricted unpickler."""
    from .unpickle import restricted_load

    path = Path(path)
    split = split or infer_split(path)
    frame = restricted_load(path)
    if not hasattr(frame, "to_dict") or not hasattr(frame, "columns"):
        raise DataError(f"{path}: expected a pandas DataFrame, got {type(frame).__name__}")
    rows = []
    for i, rec in enumerate(frame.to_dict(orient="records")):
        row = {k: _plain(v) for k, v in rec.items()}
        row.setdefault("row_index", i)
        rows.append((i, row))
    return _items(rows, split, str(path))


def _plain(value: Any) -> Any:
    """numpy scalars -> Python, NaN -> None, sets -> sorted lists."""
    if hasattr(value, "item") and not isinstance(value, dict | list):
        try:
            value = value.item()
        except (ValueError, AttributeError):
            pass
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, set | frozenset):
        return sorted(value)
    return value


def read_parquet(path: str | Path) -> list[Item]:
    """Read a parquet file written by ``simbench data build`` (the project's own format)."""
    import pyarrow.parquet as pq

    path = Path(path)
    try:
        table = pq.read_table(path)
    except Exception as e:  # pyarrow raises several unrelated types for unreadable files
        raise DataError(f"{path}: not a readable parquet file ({e})") from None
    items = []
    for i, rec in enumerate(table.to_pylist()):
        items.append(Item.from_record(rec, where=f"{path}: row {rec.get('row_index', i)}"))
    return items


_READERS = {".jsonl": read_jsonl, ".csv": read_csv, ".pkl": read_pickle, ".pickle": read_pickle}


def read_release_file(path: str | Path, split: str | None = None) -> list[Item]:
    """Read one release file, choosing the reader from its extension."""
    path = Path(path)
    if path.suffix == ".parquet":
        items = read_parquet(path)
        return [it for it in items if split is None or it.split == split]
    try:
        reader = _READERS[path.suffix]
    except KeyError:
        raise DataError(f"{path}: unknown file type {path.suffix!r}; expected .jsonl, .csv, .pkl or "
                        ".parquet") from None
    return reader(path, split)
