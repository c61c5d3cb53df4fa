"""Fixtures of the Space tests: two real tiny-model runs over the full benchmark, the leaderboard
repository they make, the Space folder, and the app serving it on loopback.

- ``space_runs``: ``simbench run`` of a tiny Llama without chat template (a base model) and a tiny
  GPT-2 with one (an instruct model), token probabilities over both full splits. The two runs go in
  parallel subprocesses with one thread each (``OMP_NUM_THREADS=1``): with torch's default threads
  on a busy two-core machine a run took 25+ minutes instead of about one.
- ``space_repo``: a clone-like folder of the leaderboard dataset with ``submissions/<model>/<t>.json``
  made by ``simbench submit --dry-run --write-files`` from the two runs (the files a real submission
  commits).
- ``space_server``: ``simbench leaderboard space --out S`` then ``python S/app.py`` with
  ``SIMBENCH_SUBMISSIONS_DIR`` set, on a free port of 127.0.0.1.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from space_helpers import LEADERBOARD_REPO, MODELS, entry_of

from simbench.cli import main


def _env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(HF_HUB_OFFLINE="1", HF_DATASETS_OFFLINE="1", TRANSFORMERS_OFFLINE="1",
               HF_EVALUATE_OFFLINE="1", TOKENIZERS_PARALLELISM="false", OMP_NUM_THREADS="1",
               GRADIO_ANALYTICS_ENABLED="False", NO_PROXY="127.0.0.1,localhost",
               no_proxy="127.0.0.1,localhost", **extra)
    return env


@pytest.fixture(scope="session")
def space_runs(tmp_path_factory: pytest.TempPathFactory, simbench_data: Path) -> dict[str, Path]:
    """Two real ``simbench run`` folders of tiny models over the full benchmark, by model id."""
    from tiny_models import build_tiny_model

    root = tmp_path_factory.mktemp("space-runs")
    procs = {}
    for name, (family, chat) in MODELS.items():
        build_tiny_model(family, root / name, chat=chat)
        log = (root / f"{name}.log").open("w")
        procs[name] = (subprocess.Popen(
            [sys.executable, "-m", "simbench.cli", "run", "--model", name, "--out",
             str(root / f"run-{name}"), "--data", str(simbench_data), "--no-progress"],
            cwd=root, env=_env(), stdout=log, stderr=subprocess.STDOUT), log)
    for name, (proc, log) in procs.items():
        rc = proc.wait(timeout=1500)
        log.close()
        assert rc == 0, f"simbench run {name} failed:\n{(root / f'{name}.log').read_text()[-3000:]}"
    return {name: root / f"run-{name}" for name in MODELS}


@pytest.fixture(scope="session")
def space_repo(tmp_path_factory: pytest.TempPathFactory, space_runs: dict[str, Path],
               simbench_data: Path) -> Path:
    """A leaderboard dataset folder holding the two runs as ``submissions/<model>/<t>.json``."""
    out = tmp_path_factory.mktemp("space-repo")
    for run in space_runs.values():
        assert main(["submit", str(run), "--leaderboard", LEADERBOARD_REPO, "--model-repo", "none",
                     "--dry-run", "--write-files", str(out), "--n-resamples", "200",
                     "--data", str(simbench_data)]) == 0
    repo = out / LEADERBOARD_REPO
    assert len(list((repo / "submissions").glob("*/*.json"))) == 2
    return repo


@pytest.fixture(scope="session")
def artifacts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where screenshots are kept: ``$SIMBENCH_ARTIFACTS/leaderboard_space`` or a tmp folder."""
    base = os.environ.get("SIMBENCH_ARTIFACTS")
    folder = Path(base) / "leaderboard_space" if base else tmp_path_factory.mktemp("artifacts")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class SpaceServer:
    """``python S/app.py`` in its own process group, with its log."""

    def __init__(self, app: Path, submissions: Path, log: Path, data: Path) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.log = log
        self._fh = log.open("w")
        env = _env(SIMBENCH_SUBMISSIONS_DIR=str(submissions), SIMBENCH_DATA=str(data),
                   GRADIO_SERVER_NAME="127.0.0.1", GRADIO_SERVER_PORT=str(self.port),
                   SIMBENCH_REPORT_RESAMPLES="100", SIMBENCH_RELOAD_MINUTES="0",
                   GRADIO_TEMP_DIR=str(log.parent / "gradio-tmp"))
        env.pop("HF_TOKEN", None)  # the Submit tab must say how to submit from the CLI
        self.proc = subprocess.Popen([sys.executable, str(app)], cwd=app.parent, env=env,
                                     stdout=self._fh, stderr=subprocess.STDOUT,
                                     start_new_session=True)

    def wait_ready(self, timeout: float) -> None:
        import httpx

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                pytest.fail(f"the Space exited with {self.proc.returncode}:\n{self.tail()}")
            try:
                if httpx.get(self.url, timeout=5).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(1.0)
        self.stop()
        pytest.fail(f"the Space did not answer within {timeout:.0f} s:\n{self.tail()}")

    def tail(self, n: int = 4000) -> str:
        if not self._fh.closed:
            self._fh.flush()
        return self.log.read_text(errors="replace")[-n:]

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        if not self._fh.closed:
            self._fh.close()


@pytest.fixture(scope="session")
def space_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Space folder written by ``simbench leaderboard space``."""
    out = tmp_path_factory.mktemp("space") / "S"
    assert main(["leaderboard", "space", "--out", str(out), "--submissions-repo",
                 LEADERBOARD_REPO]) == 0
    return out


@pytest.fixture(scope="session")
def space_server(space_folder: Path, space_repo: Path, simbench_data: Path,
                 tmp_path_factory: pytest.TempPathFactory) -> Iterator[SpaceServer]:
    """The generated ``app.py`` serving the board of ``space_repo`` on loopback."""
    pytest.importorskip("gradio")
    server = SpaceServer(space_folder / "app.py", space_repo,
                         tmp_path_factory.mktemp("space-log") / "app.log", simbench_data)
    try:
        server.wait_ready(timeout=300)
        yield server
    finally:
        server.stop()


@pytest.fixture
def bad_bundle(space_repo: Path, tmp_path: Path) -> Path:
    """An entry with three faults: a negative probability, a missing item and a misspelt field
    (four problems: the misspelt field is unknown and ``distribution`` is missing)."""
    data = json.loads(entry_of(space_repo, "tiny-gpt2-chat").read_text())
    preds = data["predictions"]
    first = preds[0]
    label = next(iter(first["distribution"]))
    first["distribution"][label] = -0.3
    preds[1]["distribuion"] = preds[1].pop("distribution")
    del preds[2]
    path = tmp_path / "broken-submission.json"
    path.write_text(json.dumps(data))
    return path
