"""The readers for every form of the release: JSONL, official CSV (repr cells), pickles, parquet."""

from __future__ import annotations

import json
import math
import os
import pickle
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from simbench import DataError, UnsafePickleError, load_items, read_csv, read_jsonl, read_pickle
from simbench.data import DataNotFoundError

N_ROWS = 300  # a slice of each split keeps these tests fast; the full files are covered elsewhere


def _rows(simbench_data: Path, split: str, n: int = N_ROWS) -> list[dict[str, Any]]:
    name = "SimBenchPop.jsonl" if split == "pop" else "SimBenchGrouped.jsonl"
    with (simbench_data / name).open() as f:
        return [json.loads(line) for _, line in zip(range(n), f)]


def _official_frame(rows: list[dict[str, Any]], with_sets: bool = False) -> pd.DataFrame:
    """A DataFrame shaped like the official release (no row_index column, NaN waves, sets)."""
    recs = []
    for r in rows:
        r = {k: v for k, v in r.items() if k != "row_index"}
        if "wave" in r and r["wave"] is None:
            r["wave"] = float("nan")
        if with_sets:
            for key in ("grouping_keys", "group_prompt_variable_list"):
                if key in r:
                    r[key] = set(r[key])
        recs.append(r)
    # object columns, as in the official pickles written by pandas 1.x/2.x (pandas 3 would store
    # strings as pyarrow arrays, which the restricted unpickler refuses: not pandas or numpy)
    frame = pd.DataFrame.from_records(recs).astype(object)
    frame.columns = frame.columns.astype(object)
    return frame


@pytest.mark.parametrize("split", ["pop", "grouped"])
def test_csv_reader_matches_jsonl(tmp_path: Path, simbench_data: Path, split: str) -> None:
    rows = _rows(simbench_data, split)
    frame = _official_frame(rows)
    for col in frame.columns:  # the official CSVs hold Python repr strings in dict cells
        if frame[col].map(lambda v: isinstance(v, dict | list)).any():
            frame[col] = frame[col].map(repr)
    path = tmp_path / f"SimBench{'Pop' if split == 'pop' else 'Grouped'}.csv"
    frame.to_csv(path)  # with the unnamed index column, as pandas writes by default
    from_csv = read_csv(path)
    expected = read_jsonl(_write_jsonl(tmp_path, rows), split=split)
    assert from_csv == expected


@pytest.mark.parametrize("split", ["pop", "grouped"])
def test_pickle_reader_matches_jsonl(tmp_path: Path, simbench_data: Path, split: str) -> None:
    rows = _rows(simbench_data, split)
    path = tmp_path / f"SimBench{'Pop' if split == 'pop' else 'Grouped'}.pkl"
    _official_frame(rows, with_sets=True).to_pickle(path)
    assert read_pickle(path) == read_jsonl(_write_jsonl(tmp_path, rows), split=split)
    # a folder holding only pickles resolves to them
    assert load_items(split, source=tmp_path)[:5] == read_pickle(path)[:5]


def _write_jsonl(tmp_path: Path, rows: list[dict[str, Any]], name: str = "rows.jsonl") -> Path:
    path = tmp_path / name
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


class _Evil:
    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Any, tuple[str]]:
        return (os.system, (f"touch {self.marker}",))


def test_pickle_with_foreign_object_is_refused(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    path = tmp_path / "SimBenchPop.pkl"
    path.write_bytes(pickle.dumps({"frame": _Evil(marker)}))
    with pytest.raises(UnsafePickleError, match=r"refusing to unpickle (posix|os)\.system"):
        read_pickle(path)
    assert not marker.exists()


def test_truncated_pickle_and_jsonl_give_clear_errors(tmp_path: Path, simbench_data: Path) -> None:
    rows = _rows(simbench_data, "pop", 20)
    pkl = tmp_path / "SimBenchPop.pkl"
    _official_frame(rows).to_pickle(pkl)
    pkl.write_bytes(pkl.read_bytes()[: pkl.stat().st_size // 2])
    with pytest.raises(pickle.UnpicklingError, match="not a readable pickle"):
        read_pickle(pkl)
    text = "".join(json.dumps(r) + "\n" for r in rows)
    jl = tmp_path / "SimBenchPop.jsonl"
    jl.write_text(text[: len(text) - 40])
    with pytest.raises(DataError, match=r"line 20: not valid JSON.*truncated"):
        read_jsonl(jl)


def _bad(tmp_path: Path, simbench_data: Path, mutate: Any, split: str = "pop") -> Path:
    rows = _rows(simbench_data, split, 10)
    mutate(rows[4])
    return _write_jsonl(tmp_path, rows, f"SimBench{'Pop' if split == 'pop' else 'Grouped'}.jsonl")


def _reorder(row: dict[str, Any]) -> None:
    row["human_answer"] = dict(reversed(list(row["human_answer"].items())))


def _negative(row: dict[str, Any]) -> None:
    first = next(iter(row["human_answer"]))
    row["human_answer"][first] = -row["human_answer"][first]


def _relabel(row: dict[str, Any]) -> None:
    row["input_template"] = row["input_template"].replace("(B): ", "(C): ", 1)


@pytest.mark.parametrize(("mutate", "pattern"), [
    (_reorder, r"row 4: field 'human_answer': labels .* not contiguous from A"),
    (_negative, r"row 4: field 'human_answer': share of 'A' is -"),
    (lambda r: r.pop("group_size"), r"row 4: missing field 'group_size'"),
    (lambda r: r.pop("input_template"), r"row 4: missing field 'input_template'"),
    (_relabel, r"row 4: field 'human_answer': labels \['A', 'B'.*differ from the Options block"),
    (lambda r: r["human_answer"].update(A=r["human_answer"]["A"] + 5), r"row 4: .*sum to"),
    (lambda r: r.update(dataset_name="Nope"), r"row 4: field 'dataset_name': unknown study"),
    (lambda r: r.update(group_size=0), r"row 4: field 'group_size'"),
])
def test_bad_rows_name_the_row_and_field(tmp_path: Path, simbench_data: Path, mutate: Any,
                                         pattern: str) -> None:
    with pytest.raises(DataError, match=pattern):
        read_jsonl(_bad(tmp_path, simbench_data, mutate))


def test_grouped_answer_options_must_agree(tmp_path: Path, simbench_data: Path) -> None:
    def change(row: dict[str, Any]) -> None:
        row["answer_options"]["A"] = "something else"

    with pytest.raises(DataError, match=r"row 4: field 'answer_options'"):
        read_jsonl(_bad(tmp_path, simbench_data, change, split="grouped"))


def test_csv_cells_are_never_evaluated(tmp_path: Path, simbench_data: Path) -> None:
    frame = _official_frame(_rows(simbench_data, "pop", 3))
    frame["human_answer"] = frame["human_answer"].map(repr)
    frame["auxiliary"] = frame["auxiliary"].map(repr)
    frame.loc[1, "human_answer"] = "__import__('os').system('echo hi')"
    path = tmp_path / "SimBenchPop.csv"
    frame.to_csv(path, index=False)
    with pytest.raises(DataError, match=r"row 1: field 'human_answer': not a Python literal"):
        read_csv(path)


def test_resolution_order_and_offline_message(tmp_path: Path, simbench_data: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SIMBENCH_DATA", str(simbench_data))
    assert len(load_items("pop", studies=["jester"])) == 136
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(DataNotFoundError, match="holds no SimBench files"):
        load_items("pop", source=empty)
    monkeypatch.delenv("SIMBENCH_DATA")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(DataNotFoundError, match=r"SIMBENCH_DATA|--data"):
        load_items("pop")


def test_wave_nan_becomes_none(tmp_path: Path, simbench_data: Path) -> None:
    rows = _rows(simbench_data, "grouped")
    path = tmp_path / "SimBenchGrouped.pkl"
    _official_frame(rows, with_sets=True).to_pickle(path)
    items = read_pickle(path)
    assert any(it.wave is None for it in items) or all(isinstance(it.wave, float) for it in items)
    assert all(it.wave is None or math.isfinite(it.wave) for it in items)
