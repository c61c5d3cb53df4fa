"""The published results module: the paper's 45 numbers, their types and methods."""

from __future__ import annotations

from simbench.leaderboard import PUBLISHED_RESULTS, UNIFORM_BASELINE
from simbench.leaderboard.published import fmt_score


def test_the_45_results_of_the_paper():
    assert len(PUBLISHED_RESULTS) == 45
    assert len({r.model for r in PUBLISHED_RESULTS}) == 45
    scores = [r.score for r in PUBLISHED_RESULTS]
    assert scores == sorted(scores, reverse=True)
    assert PUBLISHED_RESULTS[0].model == "Claude-3.7-Sonnet" and scores[0] == 40.80
    assert PUBLISHED_RESULTS[-1].model == "OLMo-2-1124-7B-Instruct" and scores[-1] == -21.36
    # "10 of 45 models score below the uniform baseline"
    assert sum(s < UNIFORM_BASELINE for s in scores) == 10


def test_model_types_follow_the_names_and_set_the_method():
    by_name = {r.model: r for r in PUBLISHED_RESULTS}
    for name in ("GPT-4.1", "Gemma-3-12B-IT", "OLMo-2-1124-7B-DPO", "Qwen2.5-72B-Instruct"):
        assert by_name[name].model_type == "instruct" and by_name[name].method == "verbalized"
    for name in ("Qwen2.5-72B", "Gemma-3-1B-PT", "Llama-3.1-70B", "OLMo-2-0325-32B"):
        assert by_name[name].model_type == "base" and by_name[name].method == "token_probs"
    for r in PUBLISHED_RESULTS:
        suffix_instruct = r.model.endswith(("-Instruct", "-IT", "-SFT", "-DPO"))
        if suffix_instruct:
            assert r.model_type == "instruct", r
        if r.model.endswith("-PT"):
            assert r.model_type == "base", r


def test_fmt_score_has_no_negative_zero():
    assert fmt_score(-1e-14) == "0.00"
    assert fmt_score(-0.15) == "-0.15"
    assert fmt_score(None) == ""
