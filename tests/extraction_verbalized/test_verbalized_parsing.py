"""The verbalized parser against the corpus of realistic outputs (issue 7 item 2)."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st
from parser_corpus import CORPUS, RELEASE_CASES

from simbench.extraction.parsing import closes_json_object, parse_verbalized


def _check(result, labels, expected) -> None:
    if isinstance(expected, tuple):
        assert result.distribution is None, f"expected a failure, got {result.distribution}"
        assert expected[1] in (result.error or ""), result.error
        return
    assert result.error is None, result.error
    assert list(result.distribution) == list(labels)  # re-ordered by the expected labels
    for lab in labels:
        assert result.distribution[lab] == pytest.approx(expected[lab], abs=1e-12)
    assert math.fsum(result.distribution.values()) == pytest.approx(1.0, abs=1e-12)


def test_corpus_is_large_and_varied() -> None:
    assert len(CORPUS) >= 40
    assert len({case[0] for case in CORPUS}) == len(CORPUS)
    failures = [c for c in CORPUS if isinstance(c[3], tuple)]
    assert 10 <= len(failures) < len(CORPUS) // 2


@pytest.mark.parametrize(("case_id", "text", "labels", "expected"), CORPUS,
                         ids=[c[0] for c in CORPUS])
def test_default_parser_corpus(case_id, text, labels, expected) -> None:
    _check(parse_verbalized(text, labels), labels, expected)


@pytest.mark.parametrize(("case_id", "text", "labels", "expected"), RELEASE_CASES,
                         ids=[c[0] for c in RELEASE_CASES])
def test_release_parser_cases(case_id, text, labels, expected) -> None:
    result = parse_verbalized(text, labels, protocol="release")
    if isinstance(expected, tuple):
        assert result.distribution is None
        assert expected[1] in (result.error or "")
        assert result.error.startswith("release parser")
    else:
        assert result.distribution == pytest.approx(expected, abs=1e-12)


def test_repairs_and_dropped_keys_are_reported() -> None:
    r = parse_verbalized('```json\n{a: 30%, "B": 70, "note": 0,}\n```', ["A", "B"])
    assert r.repairs == ("code fence", "percent signs", "unquoted keys", "trailing commas")
    assert r.dropped_keys == ("note",)
    assert r.total == 100.0 and r.scale == "percent"
    frac = parse_verbalized('{"A": 0.4, "B": 0.6}', ["A", "B"])
    assert frac.scale == "fraction" and frac.repairs == ()


def test_unknown_protocol_and_no_labels_raise() -> None:
    with pytest.raises(ValueError, match="protocol 'lenient' is not one of"):
        parse_verbalized("{}", ["A"], protocol="lenient")
    with pytest.raises(ValueError, match="at least one expected label"):
        parse_verbalized("{}", [])


def test_closes_json_object_tracks_braces_and_strings() -> None:
    assert not closes_json_object('{"A": "}"')
    assert closes_json_object('{"A": "}", "B": 1}')
    assert not closes_json_object("no braces")
    assert closes_json_object('x {"A": {"B": 1}} y')
    assert not closes_json_object('{"A": {"B": 1}')


@given(st.lists(st.integers(min_value=0, max_value=100), min_size=2, max_size=15),
       st.sampled_from(["{%s}", "Answer: {%s}", "```json\n{%s}\n```", "{%s,}"]))
def test_any_clean_answer_round_trips(values, wrapper) -> None:
    labels = [chr(ord("A") + i) for i in range(len(values))]
    body = ", ".join(f'"{lab}": {v}' for lab, v in zip(labels, values))
    result = parse_verbalized(wrapper % body, labels)
    if sum(values) == 0:
        assert result.error == "all values are zero: cannot normalise"
        return
    assert result.distribution == pytest.approx(
        {lab: v / sum(values) for lab, v in zip(labels, values)}, abs=1e-12)
