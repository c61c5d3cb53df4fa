"""Items loaded from the real release: schema, values and the item_id key."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from simbench import Item, load_items, select_items
from simbench.data import parse_item_id, parse_options


def test_both_splits_load_with_stable_ids(all_items: list[Item]) -> None:
    pop = [it for it in all_items if it.split == "pop"]
    grouped = [it for it in all_items if it.split == "grouped"]
    assert (len(pop), len(grouped)) == (7167, 6343)
    assert [it.item_id for it in pop[:3]] == ["pop/0", "pop/1", "pop/2"]
    assert grouped[-1].item_id == "grouped/6342"
    assert len({it.item_id for it in all_items}) == 13510
    assert parse_item_id("grouped/17") == ("grouped", 17)


def test_values_match_the_jsonl_rows(simbench_data: Path, all_items: list[Item]) -> None:
    by_id = {it.item_id: it for it in all_items}
    with (simbench_data / "SimBenchGrouped.jsonl").open() as f:
        for line in list(f)[:200]:
            row = json.loads(line)
            it = by_id[f"grouped/{row['row_index']}"]
            assert it.question == row["input_template"]
            assert it.persona == row["group_prompt_template"]
            assert it.human_percent == tuple(row["human_answer"].values())
            assert it.option_texts == tuple(row["answer_options"].values())
            assert dict(it.grouping) == row["group_prompt_variable_map"]
            assert it.group_size == row["group_size"]
            assert it.dataset_name == row["dataset_name"]


def test_distributions_are_probabilities(all_items: list[Item]) -> None:
    for it in all_items:
        assert math.isclose(math.fsum(it.human_dist), 1.0, abs_tol=1e-12)
        assert all(x >= 0 for x in it.human_dist)
        assert it.option_labels == tuple("ABCDEFGHIJKLMNO"[: it.n_options])
    goqa = [it for it in all_items if it.study == "global_opinion_qa"]
    assert all(it.group_size == -1 for it in goqa)
    assert all(json.loads(it.auxiliary) is None for it in all_items if it.study == "chaos_nli")


def test_moral_machine_multiline_options_parse(all_items: list[Item]) -> None:
    mm = next(it for it in all_items if it.study == "moral_machine")
    labels, texts = parse_options(mm.question)
    assert labels == ("A", "B") and all("\n" in t for t in texts)


def test_grouped_clusters_are_questions(all_items: list[Item]) -> None:
    grouped = [it for it in all_items if it.split == "grouped"]
    assert len({it.cluster_id for it in grouped}) == 100  # 20 questions x 5 surveys
    pop = [it for it in all_items if it.split == "pop"]
    assert len({it.cluster_id for it in pop}) == len(pop)


def test_study_filter_and_stratified_selection(simbench_data: Path) -> None:
    mm = load_items("pop", studies=["moral_machine"], source=simbench_data)
    assert len(mm) == 500 and {it.study for it in mm} == {"moral_machine"}
    both = load_items("both", source=simbench_data)
    a, b = select_items(both, 2, seed=3), select_items(both, 2, seed=3)
    assert a == b and len(a) == 2 * 25  # 20 Pop studies + 5 Grouped surveys
    assert select_items(both, 2, seed=4) != a
    with pytest.raises(ValueError):
        load_items("train", source=simbench_data)
