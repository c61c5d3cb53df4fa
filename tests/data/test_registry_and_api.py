"""The study registry, the public API surface and the import cost of ``import simbench``."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter

import simbench
from simbench import STUDIES, get_study

EXPECTED_SLUGS = {
    "afrobarometer", "chaos_nli", "choices13k", "conspiracy_corr", "dices", "ess", "global_opinion_qa",
    "issp", "jester", "latino_barometro", "moral_machine", "moral_machine_classic", "number_game",
    "osp_big5", "osp_mach", "osp_mgkt", "osp_rwas", "opinion_qa", "tisp", "wisdom_of_crowds",
}


def test_registry_has_the_twenty_slugs_and_release_totals() -> None:
    assert {s.slug for s in STUDIES} == EXPECTED_SLUGS
    assert len({s.dataset_name for s in STUDIES}) == 20
    assert sum(s.rows.get("pop", 0) for s in STUDIES) == 7167
    assert sum(s.rows.get("grouped", 0) for s in STUDIES) == 6343
    assert [s.slug for s in STUDIES if "grouped" in s.rows] == [
        "afrobarometer", "ess", "issp", "latino_barometro", "opinion_qa"]
    for st in STUDIES:
        assert st.title and st.task_type and st.population and st.citation and st.license


def test_get_study_by_slug_or_release_name_and_unknown_key() -> None:
    assert get_study("OSPsychBig5") is get_study("osp_big5")
    try:
        get_study("moralmachine")
    except KeyError as e:
        assert "moral_machine" in str(e)
    else:  # pragma: no cover
        raise AssertionError("unknown slug accepted")


def test_registry_counts_match_the_release(all_items: list[simbench.Item]) -> None:
    counts = Counter((it.split, it.study) for it in all_items)
    expected = {(split, st.slug): n for st in STUDIES for split, n in st.rows.items()}
    assert dict(counts) == expected


def test_public_all_is_sorted_and_importable() -> None:
    names = simbench.__all__
    assert list(names) == sorted(names)
    for name in names:
        assert hasattr(simbench, name), name


def test_import_simbench_is_light() -> None:
    code = ("import simbench, sys; heavy = [m for m in ('torch', 'transformers', 'evaluate', 'datasets',"
            " 'matplotlib') if m in sys.modules]; assert not heavy, heavy")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_cli_help_lists_data_command() -> None:
    out = subprocess.run([sys.executable, "-m", "simbench.cli", "--help"], capture_output=True,
                         text=True, check=True).stdout
    assert "data" in out
    out = subprocess.run([sys.executable, "-m", "simbench.cli", "data", "build", "--help"],
                         capture_output=True, text=True, check=True).stdout
    assert "--source" in out and "--out" in out
