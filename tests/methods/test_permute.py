"""Permuted prompts: the Options block reordered in the release's format, every other byte kept."""

from __future__ import annotations

import itertools

import pytest

from simbench import Item
from simbench.data.schema import OPTIONS_MARKER, parse_options
from simbench.errors import DataError, OptionError
from simbench.prompts import (
    PermutationSpec,
    base_prompt_text,
    cyclic_orders,
    permute_item,
    random_orders,
    to_original,
)
from simbench.prompts import permute as permute_module


def test_the_marker_is_the_schema_s() -> None:
    assert permute_module._OPTIONS_MARKER == OPTIONS_MARKER


def test_the_identity_rebuilds_every_release_question_byte_for_byte(all_items: list[Item]) -> None:
    assert len(all_items) == 13_510
    for item in all_items:
        assert permute_item(item, tuple(range(item.n_options))) == item, item.item_id


def test_a_shift_changes_only_the_options_block(all_items: list[Item]) -> None:
    """For every release item and every cyclic shift, the prompt outside the Options block is
    byte-identical, and the block holds the same option lines in the shifted order."""
    checked = 0
    for item in all_items:
        k = item.n_options
        before = base_prompt_text(item.persona, item.question, item.option_labels)
        for shift in range(1, k):
            moved = permute_item(item, tuple((i + shift) % k for i in range(k)))
            after = base_prompt_text(moved.persona, moved.question, moved.option_labels)
            head, block = item.question.rpartition(OPTIONS_MARKER)[::2]
            start = before.index(item.question) + len(head) + len(OPTIONS_MARKER)
            end = start + len(block)
            new_block_end = len(after) - (len(before) - end)
            assert after[:start] == before[:start] and after[new_block_end:] == before[end:]
            labels, texts = parse_options(OPTIONS_MARKER + after[start:new_block_end])
            assert labels == item.option_labels
            assert texts == tuple(item.option_texts[(i + shift) % k] for i in range(k))
            checked += 1
    assert checked > 40_000


def test_moral_machine_cases_move_whole(all_items: list[Item]) -> None:
    item = next(it for it in all_items if it.study == "moral_machine")
    swapped = permute_item(item, (1, 0))
    block = swapped.question.rpartition(OPTIONS_MARKER)[2]
    assert block == f"(A): {item.option_texts[1]}\n(B): {item.option_texts[0]}"
    assert "\n" in item.option_texts[0]          # a multi-line case description
    assert swapped.human_dist == item.human_dist[::-1]


def test_cyclic_shift_k_shows_option_i_plus_k_at_position_i() -> None:
    for k in range(2, 16):
        orders = cyclic_orders(k)
        assert len(orders) == k and orders[0] == tuple(range(k))
        for shift, order in enumerate(orders):
            assert order == tuple((i + shift) % k for i in range(k))
        # every option sits at every position exactly once
        for position in range(k):
            assert sorted(o[position] for o in orders) == list(range(k))


def test_to_original_undoes_the_order() -> None:
    shown = {"A": 0.5, "B": 0.3, "C": 0.2}
    for order in itertools.permutations(range(3)):
        back = to_original(shown, order)
        assert [back["ABC"[j]] for j in order] == [0.5, 0.3, 0.2]


def test_random_orders_are_seeded_distinct_and_start_with_the_identity() -> None:
    a = random_orders(5, 6, seed=1, item_id="pop/3")
    assert a == random_orders(5, 6, seed=1, item_id="pop/3")
    assert a[0] == (0, 1, 2, 3, 4) and len(set(a)) == 6
    assert all(sorted(o) == [0, 1, 2, 3, 4] for o in a)
    assert a != random_orders(5, 6, seed=2, item_id="pop/3")
    assert a != random_orders(5, 6, seed=1, item_id="pop/4")
    assert len(random_orders(3, 10, seed=0, item_id="x")) == 6      # all 3! orders
    spec = PermutationSpec.parse("random:4", seed=9)
    assert spec.orders("pop/3", 5) == random_orders(5, 4, seed=9, item_id="pop/3")
    assert spec.provenance() is not None and spec.provenance()["seed"] == 9


@pytest.mark.parametrize(("spec", "why"), [
    ("cyclic:3", "cyclic takes no count"), ("random", "random needs a count"),
    ("random:1", "N must be a whole number >= 2"), ("random:x", "N must be"),
    ("shuffle", "is not 'none', 'cyclic' or 'random:N'")])
def test_bad_specs_say_what_is_accepted(spec: str, why: str) -> None:
    with pytest.raises(OptionError, match=why):
        PermutationSpec.parse(spec)


def test_a_bad_order_or_a_foreign_options_block_is_refused(all_items: list[Item]) -> None:
    from dataclasses import replace

    item = next(it for it in all_items if it.n_options == 2)
    with pytest.raises(OptionError, match="is not a permutation"):
        permute_item(item, (0, 0))
    with pytest.raises(DataError, match="field 'question'"):
        permute_item(replace(item, question=item.question + " extra"), (1, 0))
