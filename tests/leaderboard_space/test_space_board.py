"""The Space's plain functions on two real tiny-model runs: the same re-scoring as the build, the
filters, the sizes and the scaling fits, the Submit tab's checks, the per-model panel, reloads."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from space_helpers import LEADERBOARD_REPO, MODELS, entry_of

from simbench import Item
from simbench.errors import LeaderboardError
from simbench.leaderboard import build_leaderboard
from simbench.leaderboard.space import (
    FAMILIES,
    BoardStore,
    SpaceConfig,
    board_html,
    check_upload,
    filter_entries,
    fit_families,
    per_study_rows,
    published_entries,
    rank_entries,
    report_plots,
    scaling_figure,
    scaling_points,
    scan_submissions,
    upload_markdown,
)


@pytest.fixture(scope="module")
def scan(space_repo: Path, all_items: list[Item]):
    return scan_submissions(space_repo, all_items, n_resamples=200, seed=0)


def test_the_space_scores_as_leaderboard_build(space_repo: Path, all_items: list[Item], scan,
                                               tmp_path: Path) -> None:
    paths = build_leaderboard(space_repo, tmp_path / "site", items=all_items, n_resamples=200)
    built = {r["model"]: r for r in csv.DictReader(io.StringIO(paths["csv"].read_text()))
             if r["source"] == "submitted"}
    assert sorted(built) == sorted(MODELS) == sorted(e.row.model for e in scan.entries)
    assert scan.rejected == ()
    for e in scan.entries:
        b = built[e.row.model]
        assert (f"{e.row.score:.2f}", f"{e.row.low:.2f}", f"{e.row.high:.2f}") == (
            b["score"], b["ci_low"], b["ci_high"])
        assert e.row.splits == "pop+grouped" and e.row.method == "token_probs"
        assert e.dtype == "float32" and e.date == e.row.submitted_at[:10]
    types = {e.row.model: e.row.model_type for e in scan.entries}
    assert types == {"tiny-llama-base": "base", "tiny-gpt2-chat": "instruct"}


def test_a_broken_entry_is_left_off_with_every_problem(space_repo: Path, bad_bundle: Path,
                                                       all_items: list[Item],
                                                       tmp_path: Path) -> None:
    repo = Path(shutil.copytree(space_repo, tmp_path / "repo"))
    (repo / "submissions" / "broken").mkdir()
    shutil.copy(bad_bundle, repo / "submissions" / "broken" / "2026-01-01T00-00-00Z.json")
    scan = scan_submissions(repo, all_items, n_resamples=50)
    assert sorted(e.row.model for e in scan.entries) == sorted(MODELS)
    (rejected,) = scan.rejected
    assert rejected.entry == "broken/2026-01-01T00-00-00Z.json"
    text = "\n".join(rejected.problems)
    assert "is negative" in text and "'distribuion': unknown field" in text
    assert "missing (every item of a submitted split" in text


def test_board_filters_and_search(scan) -> None:
    entries = rank_entries(published_entries() + list(scan.entries))
    assert len(entries) == 47
    scores = [e.row.score for e in entries]
    assert scores == sorted(scores, reverse=True)
    page = board_html(entries, total=47)
    assert page.count('<tr class="entry published"') == 45
    assert page.count('<tr class="entry submitted"') == 2 and "showing 47 of 47" in page
    assert [e.row.model for e in filter_entries(entries, source="submitted")] == [
        e.row.model for e in entries if e.source == "submitted"]
    assert len(filter_entries(entries, method="token_probs")) == 18 + 2
    assert len(filter_entries(entries, method="verbalized", source="submitted")) == 0
    assert len(filter_entries(entries, coverage="both splits")) == 47
    assert filter_entries(entries, coverage="Pop only") == []
    assert [e.row.model for e in filter_entries(entries, query="TINY-gpt")] == ["tiny-gpt2-chat"]


def test_submitted_sizes_come_from_the_model_config(scan, space_runs: dict[str, Path]) -> None:
    from transformers import AutoModelForCausalLM

    for e in scan.entries:
        real = AutoModelForCausalLM.from_pretrained(space_runs[e.row.model].parent / e.row.model
                                                    ).num_parameters()
        assert e.size is not None and e.size.source == "config.json (estimated)"
        assert e.size.billions * 1e9 == pytest.approx(real, rel=0.01)
        assert e.family == "others"


def test_scaling_points_and_fits(scan, tmp_path: Path) -> None:
    entries = published_entries() + list(scan.entries)
    points = scaling_points(entries)
    assert len(points) == 40 + 2  # the five API models have no disclosed size
    assert sum(p.submitted for p in points) == 2
    fits = fit_families(points)
    assert {f for f, _ in fits} == set(FAMILIES)
    assert {t for _, t in fits} == {"base", "instruct"}
    qwen = fits[("Qwen2.5", "instruct")]
    assert qwen.n == 5 and qwen.slope > 0  # Qwen2.5-3B..72B-Instruct rise with size
    fig = scaling_figure(points, fits)
    ax = fig.axes[0]
    assert ax.get_xscale() == "log" and len(ax.get_lines()) == len(fits) + 1  # + the 0 line
    out = tmp_path / "scaling.png"
    fig.savefig(out)
    assert out.read_bytes()[:4] == b"\x89PNG"


def test_check_upload_rescores_a_good_file_and_lists_a_bad_ones_problems(
        space_repo: Path, bad_bundle: Path, all_items: list[Item], scan) -> None:
    good = check_upload(entry_of(space_repo, "tiny-gpt2-chat"), all_items,
                        leaderboard_repo=LEADERBOARD_REPO, n_resamples=200)
    board = next(e for e in scan.entries if e.row.model == "tiny-gpt2-chat")
    assert good.ok and good.results["simbench_score"] == pytest.approx(board.row.score)
    text = upload_markdown(good, can_open_pr=False)
    assert f"recomputed SimBench score {board.row.score:.2f}" in text
    assert f"simbench submit {good.name} --leaderboard {LEADERBOARD_REPO}" in text
    assert good.plan is not None
    assert good.plan.leaderboard.files[0][0].startswith("submissions/tiny-gpt2-chat/")
    bad = check_upload(bad_bundle, all_items, leaderboard_repo=LEADERBOARD_REPO)
    assert not bad.ok and len(bad.problems) == 4  # the renamed field counts twice
    text = upload_markdown(bad, can_open_pr=False)
    assert text.startswith("### Rejected: 4 problems in `broken-submission.json`")
    assert all(f"- {p}" in text for p in bad.problems)


def test_model_panel_per_study_scores_and_report_plots(scan, all_items: list[Item],
                                                       tmp_path: Path) -> None:
    entry = next(e for e in scan.entries if e.row.model == "tiny-llama-base")
    rows = per_study_rows(entry.results)
    for split in ("pop", "grouped"):
        studies = {it.study for it in all_items if it.split == split}
        assert {r[1] for r in rows if r[0] == split} == studies | {"(all studies)"}
    figures = report_plots(entry, all_items, tmp_path / "plots", n_resamples=50, n_draws=20)
    titles = [t for _, t in figures]
    assert titles[:3] == ["Score per study", "Score by human entropy",
                          "Model entropy against human entropy"]
    assert "Probability mass on the answer labels" in titles  # a token-probability run
    for png, _ in figures:
        assert png.read_bytes()[:4] == b"\x89PNG"


def test_the_store_reloads_new_entries_and_rescores_only_those(space_repo: Path, tmp_path: Path,
                                                               all_items: list[Item]) -> None:
    repo = Path(shutil.copytree(space_repo, tmp_path / "repo"))
    store = BoardStore(SpaceConfig(submissions_dir=repo, n_resamples=50, reload_minutes=0),
                       all_items)
    first = store.reload()
    assert (len(first.entries), first.n_submitted, first.version) == (47, 2, 1)
    cached = dict(store._cache.done)
    again = store.reload()
    assert again.version == 2 and store._cache.done == cached  # nothing re-scored
    copy = repo / "submissions" / "tiny-gpt2-chat-again"
    copy.mkdir()
    data = json.loads(entry_of(repo, "tiny-gpt2-chat").read_text())
    (copy / "2026-12-01T00-00-00Z.json").write_text(json.dumps(data))
    third = store.reload()
    assert third.n_submitted == 3 and len(store._cache.done) == len(cached) + 1
    assert store.state() is third  # reload_minutes=0: only the button reloads


def test_a_missing_source_shows_the_published_rows_and_the_error(tmp_path: Path) -> None:
    store = BoardStore(SpaceConfig(submissions_dir=tmp_path / "absent"), items=[])
    state = store.reload()
    assert len(state.entries) == 45 and state.error is not None
    assert "no folder" in state.error
    with pytest.raises(LeaderboardError, match="SIMBENCH_RELOAD_MINUTES"):
        SpaceConfig.from_env({"SIMBENCH_RELOAD_MINUTES": "-1"})


def test_the_repository_is_read_through_snapshot_download(space_repo: Path, tmp_path: Path,
                                                          simbench_data: Path) -> None:
    """A Hub cache holding the dataset's snapshot: ``snapshot_download`` finds it offline, as the
    Space finds the downloaded repository; an unknown repository is an error on the page."""
    repo_dir = tmp_path / "hf" / "hub" / ("datasets--" + LEADERBOARD_REPO.replace("/", "--"))
    commit = "0123456789abcdef0123456789abcdef01234567"
    (repo_dir / "refs").mkdir(parents=True)
    (repo_dir / "refs" / "main").write_text(commit)
    shutil.copytree(space_repo / "submissions", repo_dir / "snapshots" / commit / "submissions")
    code = ("from simbench.leaderboard.space import BoardStore, SpaceConfig\n"
            f"for repo in ({LEADERBOARD_REPO!r}, 'simbench-tests/absent'):\n"
            "    st = BoardStore(SpaceConfig(submissions_repo=repo, n_resamples=20)).reload()\n"
            "    print(len(st.entries), st.n_submitted, (st.error or 'ok')[:40])\n")
    env = {**os.environ, "HF_HOME": str(tmp_path / "hf"), "HF_HUB_OFFLINE": "1",
           "SIMBENCH_DATA": str(simbench_data), "OMP_NUM_THREADS": "1"}
    env.pop("HF_HUB_CACHE", None)
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         timeout=600)
    assert out.returncode == 0, out.stderr[-3000:]
    first, second = out.stdout.strip().splitlines()
    assert first == "47 2 ok"
    assert second.startswith("45 0 ") and "Error" in second
