"""The Prediction record, and the prefix planner's invariants."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simbench.extraction import Prediction
from simbench.extraction.hf._prefix_cache import plan_prefixes


def test_prediction_json_round_trip() -> None:
    ok = Prediction("pop/1", {"A": 0.25, "B": 0.75}, 0.5, "0123456789abcdef")
    assert json.loads(json.dumps(ok.to_json())) == {
        "item_id": "pop/1", "distribution": {"A": 0.25, "B": 0.75}, "label_mass": 0.5,
        "prompt_hash": "0123456789abcdef", "status": "ok"}
    failed = Prediction.failed("grouped/2", prompt_hash="f" * 16, error="no JSON",
                               raw_outputs=["oops"])
    assert failed.to_json()["error"] == "no JSON" and failed.to_json()["raw_outputs"] == ["oops"]
    assert Prediction.from_json(failed.to_json()) == failed


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"distribution": None}, "needs a distribution"),
    ({"status": "done"}, "status 'done'"),
    ({"distribution": {"A": float("nan")}}, "A is NaN"),
    ({"label_mass": -0.1}, "label_mass"),
])
def test_prediction_rejects_bad_values(kwargs: dict, message: str) -> None:
    base = {"item_id": "pop/1", "distribution": {"A": 1.0}, "label_mass": 0.5,
            "prompt_hash": "0" * 16}
    with pytest.raises(ValueError, match=message):
        Prediction(**{**base, **kwargs})


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.integers(0, 3), min_size=1, max_size=12), max_size=30),
       st.integers(1, 4))
def test_prefix_plan_invariants(raw: list[list[int]], min_prefix: int) -> None:
    seqs = list(dict.fromkeys(tuple(s) for s in raw))
    plan = plan_prefixes(seqs, min_prefix=min_prefix)
    assert len(plan.prefix_len) == len(plan.group) == len(seqs)
    members: dict[int, int] = {}
    for seq, length, group in zip(seqs, plan.prefix_len, plan.group):
        if group < 0:
            assert length == 0
            continue
        members[group] = members.get(group, 0) + 1
        assert min_prefix <= length < len(seq)  # at least one token left to compute
        assert seq[:length] == plan.groups[group] and len(plan.groups[group]) == length
    assert all(n >= 2 for n in members.values()) and len(members) == len(plan.groups)
    assert plan.saved_tokens >= 0
