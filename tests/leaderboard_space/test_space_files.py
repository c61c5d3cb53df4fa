"""The Space folder of ``simbench leaderboard space``: front matter, pins, a thin app, the push."""

from __future__ import annotations

import configparser
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from space_helpers import LEADERBOARD_REPO

from simbench.cli import main
from simbench.errors import LeaderboardError
from simbench.leaderboard.space import (
    GRADIO_VERSION,
    plan_space_upload,
    space_operations,
    write_space,
)

ROOT = Path(__file__).resolve().parents[2]


def _front_matter(readme: Path) -> dict:
    text = readme.read_text(encoding="utf-8")
    assert text.startswith("---\n")
    return yaml.safe_load(text.split("---\n")[1])


def test_space_folder_has_front_matter_app_and_pinned_requirements(space_folder: Path) -> None:
    assert sorted(p.name for p in space_folder.iterdir()) == ["README.md", "app.py",
                                                              "requirements.txt"]
    meta = _front_matter(space_folder / "README.md")
    assert meta["sdk"] == "gradio" and meta["sdk_version"] == GRADIO_VERSION == "6.31.0"
    assert meta["app_file"] == "app.py" and "leaderboard" in meta["tags"]
    assert meta["datasets"] == ["pitehu/SimBench", LEADERBOARD_REPO]
    reqs = [line for line in (space_folder / "requirements.txt").read_text().splitlines()
            if line and not line.startswith("#")]
    import simbench

    assert reqs == [f"simbench-eval[report]=={simbench.__version__}", "gradio==6.31.0"]
    app = (space_folder / "app.py").read_text()
    compile(app, "app.py", "exec")
    # thin: the only import is the package's Space module, the repository is the one asked for
    imports = [line for line in app.splitlines() if line.startswith(("import ", "from "))]
    assert imports == ["from simbench.leaderboard.space import SpaceConfig, build_app, "
                       "launch_options"]
    assert f'SUBMISSIONS_REPO = "{LEADERBOARD_REPO}"' in app


def test_the_space_extra_pins_the_sdk_version() -> None:
    cfg = configparser.ConfigParser()
    cfg.read(ROOT / "setup.cfg")
    extra = cfg["options.extras_require"]["space"].split()
    assert f"gradio=={GRADIO_VERSION}" in extra and "simbench-eval[report]" in extra


def test_without_a_repository_the_app_reads_the_space_variable(tmp_path: Path) -> None:
    paths = write_space(tmp_path / "S", title='Board "B"', package="simbench-eval @ git+https://x")
    app = paths["app"].read_text()
    assert "SUBMISSIONS_REPO = None" in app and 'TITLE = "Board \\"B\\""' in app
    assert paths["requirements"].read_text().splitlines()[2] == "simbench-eval @ git+https://x"
    meta = _front_matter(paths["readme"])
    assert meta["title"] == 'Board "B"' and meta["datasets"] == ["pitehu/SimBench"]
    with pytest.raises(LeaderboardError, match="not a repository id"):
        write_space(tmp_path / "T", submissions_repo="not a repo")


def test_push_dry_run_lists_the_commit(space_folder: Path, capsys: pytest.CaptureFixture) -> None:
    out = space_folder.parent / "pushed"
    assert main(["leaderboard", "space", "--out", str(out), "--push", "--repo", "me/board",
                 "--dry-run"]) == 0
    text = capsys.readouterr().out
    assert "would commit 3 files to Space me/board:" in text
    for name in ("README.md", "app.py", "requirements.txt"):
        assert f"  add {name} (" in text
    ops = space_operations(out)  # what push_space hands to HfApi.create_commit
    assert [op.path_in_repo for op in ops] == ["README.md", "app.py", "requirements.txt"]
    assert [Path(op.path_or_fileobj).read_bytes() for op in ops] == [
        (out / n).read_bytes() for n in ("README.md", "app.py", "requirements.txt")]


def test_push_needs_a_space_repository(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["leaderboard", "space", "--out", str(tmp_path / "S"), "--push"]) == 2
    assert "--push needs --repo OWNER/NAME" in capsys.readouterr().err
    with pytest.raises(LeaderboardError, match="not a Space folder"):
        plan_space_upload(tmp_path)


def test_import_simbench_does_not_import_gradio() -> None:
    code = ("import sys, simbench, simbench.leaderboard, simbench.leaderboard.space; "
            "print(sorted(m for m in ('gradio', 'matplotlib', 'torch') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
