"""Each converter against the real raw data: the reproduction figures of its report."""

from __future__ import annotations

import json

import pytest

from simbench.metric.core import compute_norms


@pytest.fixture(scope="module")
def big5(scripts, raw, release_pop):
    return scripts.convert("osp_big5", raw("ospsych_big5"), release_pop, extended=True)


def test_osp_big5_reproduces_all_250_rows_exactly(big5, release_pop):
    rep = big5.report
    assert (rep.matched, rep.paired, rep.release_rows) == (250, 250, 250)
    assert rep.mismatches == () and rep.exact
    assert rep.max_dist_diff is not None and rep.max_dist_diff < 1e-9
    release = {it.item_id: it for it in release_pop if it.study == "osp_big5"}
    for it in big5.items:  # keyed like the release, same text, labels, sizes
        ref = release[it.item_id]
        assert (it.question, it.persona, it.option_labels, it.group_size) == \
            (ref.question, ref.persona, ref.option_labels, ref.group_size)


def test_osp_big5_extended_config_has_its_own_ids_and_norms(big5):
    rows = big5.extended["osp_big5_extended"]["pop"]
    assert [it.item_id for it in rows] == [f"pop/{i}" for i in range(len(rows))]
    assert len(rows) == 1100  # 22 countries x 50 items with >= 100 answers each
    assert min(it.group_size for it in rows) >= 100
    countries = {it.grouping["country_name"] for it in rows}
    assert {"Germany", "Malaysia", "India"} <= countries
    norms = compute_norms(rows)
    assert list(norms) == [("pop", "osp_big5")] and 0.2 < norms[("pop", "osp_big5")] < 0.6


def test_osp_big5_min_group_size_changes_the_extended_config(scripts, raw):
    conv = scripts.convert("osp_big5", raw("ospsych_big5"), None, extended=True, min_group_size=600)
    rows = conv.extended["osp_big5_extended"]["pop"]
    assert conv.items == () and conv.report.release_rows == 0
    assert {it.grouping["country_name"] for it in rows} == {
        "United States of America", "United Kingdom", "India", "Australia", "Canada", "Philippines"}


def test_chaos_nli_reproduces_nli_and_alpha_nli_rows(scripts, raw, release_pop):
    conv = scripts.convert("chaos_nli", raw("chaosnli"), release_pop, extended=True)
    rep = conv.report
    assert (rep.matched, rep.release_rows) == (500, 500) and rep.mismatches == ()
    assert rep.max_dist_diff is not None and rep.max_dist_diff < 1e-9
    subsets = [json.loads(it.auxiliary)["subset"] for it in conv.items]
    assert subsets.count("alphanli") == 175 and len(subsets) - subsets.count("alphanli") == 325
    assert len(conv.extended["chaos_nli_extended"]["pop"]) == 1514 + 1599 + 1532


def test_choices13k_pairs_every_row_with_problem_and_feedback(scripts, raw, release_pop):
    conv = scripts.convert("choices13k", raw("choices13k"), release_pop)
    rep = conv.report
    assert (rep.matched, rep.paired, rep.release_rows) == (500, 500, 500) and rep.mismatches == ()
    assert rep.max_dist_diff is not None and rep.max_dist_diff < 1e-9
    feedback = [json.loads(it.auxiliary)["feedback"] for it in conv.items]
    assert feedback.count(True) == 424 and feedback.count(False) == 76
    keys = {(json.loads(it.auxiliary)["problem"], json.loads(it.auxiliary)["feedback"])
            for it in conv.items}
    assert len(keys) == 500 and len({p for p, _ in keys}) == 499  # one problem in both conditions


def test_osp_rwas_gap_is_measured(scripts, raw, release_pop):
    conv = scripts.convert("osp_rwas", raw("ospsych_rwas"), release_pop)
    rep = conv.report
    assert (rep.paired, rep.release_rows, rep.matched) == (22, 22, 0)
    assert {json.loads(it.auxiliary)["item"] for it in conv.items} == {f"Q{i}" for i in range(1, 23)}
    assert rep.max_tv is not None and 0.001 < rep.max_tv < 0.01
    fields = {m.field for m in rep.mismatches}
    assert fields == {"group_size", "human_dist"} and len(rep.mismatches) == 44
    release = {it.item_id: it for it in release_pop if it.study == "osp_rwas"}
    gaps = {it.group_size - release[it.item_id].group_size for it in conv.items}
    assert min(gaps) >= 553 and max(gaps) <= 558


def test_osp_rwas_needs_the_release_for_the_wording(scripts, raw):
    with pytest.raises(scripts.RawDataError, match="wording is not in the raw data"):
        scripts.convert("osp_rwas", raw("ospsych_rwas"), None)


def test_wisdom_of_crowds_questions_and_options(scripts, raw, release_pop):
    conv = scripts.convert("wisdom_of_crowds", raw("wisdom_of_crowds"), release_pop)
    rep = conv.report
    assert (rep.matched, rep.paired, rep.release_rows) == (114, 114, 114) and rep.mismatches == ()
    assert rep.max_dist_diff is None and conv.items == ()
    assert any("responses" in n and "cannot be computed" in n for n in rep.notes)


def test_wisdom_of_crowds_says_plainly_that_distributions_are_missing(scripts, raw):
    module = scripts.get_converter("wisdom_of_crowds")
    with pytest.raises(scripts.RawDataError, match=r"answers\.csv.*cannot be computed"):
        module.convert(raw("wisdom_of_crowds"), None, distributions=True)
