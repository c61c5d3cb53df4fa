"""Write the Space folder (``README.md`` with Space front matter, ``app.py``, ``requirements.txt``)
and push it to the Hub as a Gradio Space.

``gradio_leaderboard`` is not used: its last release (0.0.14) requires ``gradio<6``, while the
Space runs on gradio 6 (the version that installs beside simbench-eval's own pins); the board is
an HTML table with the same filters and search, built by :mod:`simbench.leaderboard.space.views`.

Examples
--------
>>> import tempfile
>>> out = write_space(tempfile.mkdtemp(), submissions_repo="me/simbench-leaderboard")
>>> sorted(p.name for p in out.values())
['README.md', 'app.py', 'requirements.txt']
>>> front = out["readme"].read_text().split("---")[1]
>>> "sdk: gradio" in front, f"sdk_version: {GRADIO_VERSION}" in front, "- leaderboard" in front
(True, True, True)
>>> print(out["requirements"].read_text().splitlines()[-2:])
['simbench-eval[report]==0.1.0', 'gradio==6.31.0']
>>> [(p, n > 0) for p, n in plan_space_upload(out["app"].parent)]
[('README.md', True), ('app.py', True), ('requirements.txt', True)]
"""

from __future__ import annotations

import json
import logging
import os
import re
from importlib import resources
from pathlib import Path
from string import Template
from typing import Any

from ..._version import __version__
from ...data import HUB_REPO_ID
from ...errors import LeaderboardError

__all__ = ["GRADIO_VERSION", "SPACE_FILES", "plan_space_upload", "push_space", "space_operations",
           "write_space"]

logger = logging.getLogger(__name__)

#: The gradio version the Space runs on (``sdk_version``), the one the browser tests use.
GRADIO_VERSION = "6.31.0"
#: The files of a Space folder, by kind.
SPACE_FILES = {"readme": "README.md", "app": "app.py", "requirements": "requirements.txt"}
_REPO_ID = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")


def _template(name: str) -> Template:
    text = resources.files("simbench").joinpath("_assets", "space", name).read_text("utf-8")
    return Template(text)


def _check_repo(repo: str | None, what: str) -> None:
    if repo is not None and not _REPO_ID.match(repo):
        raise LeaderboardError(f"{what} {repo!r} is not a repository id (expected OWNER/NAME)")


def write_space(out: str | os.PathLike[str], *, submissions_repo: str | None = None,
                title: str = "SimBench leaderboard",
                package: str | None = None) -> dict[str, Path]:
    """Write a ready Space folder into ``out`` (created; existing Space files are replaced).

    Args:
        out: the folder to write.
        submissions_repo: the leaderboard dataset repository whose ``submissions/`` the app reads
            (``None``: set ``SIMBENCH_SUBMISSIONS_REPO`` in the Space's variables).
        title: the Space title.
        package: the requirement line that installs simbench (default: this version from PyPI,
            ``simbench-eval[report]==<version>``; e.g. a ``git+https://...`` URL or a wheel).

    Returns:
        ``{"readme", "app", "requirements"}`` paths.
    """
    _check_repo(submissions_repo, "--submissions-repo")
    folder = Path(out)
    if folder.exists() and not folder.is_dir():
        raise LeaderboardError(f"{folder} exists and is not a folder")
    folder.mkdir(parents=True, exist_ok=True)
    datasets = [HUB_REPO_ID] + ([submissions_repo] if submissions_repo else [])
    link = (f"[{submissions_repo}](https://huggingface.co/datasets/{submissions_repo})"
            if submissions_repo else "the dataset repository set in `SIMBENCH_SUBMISSIONS_REPO`")
    values = {"title": title, "gradio_version": GRADIO_VERSION, "version": __version__,
              "benchmark": HUB_REPO_ID, "datasets": "\n".join(f"  - {d}" for d in datasets),
              "submissions_link": link, "submissions_repo_text": submissions_repo or "OWNER/NAME"}
    readme = _template("README.md.tmpl").substitute(values)
    app = _template("app.py.tmpl").substitute(version=__version__, title=json.dumps(title),
                                         submissions_repo="None" if submissions_repo is None
                                         else json.dumps(submissions_repo))
    requirements = (
        "# simbench-eval does the validation, re-scoring and plots; gradio is the Space SDK.\n"
        "# gradio_leaderboard is not listed: 0.0.14 (its latest) requires gradio<6.\n"
        f"{package or f'simbench-eval[report]=={__version__}'}\n"
        f"gradio=={GRADIO_VERSION}\n")
    paths = {kind: folder / name for kind, name in SPACE_FILES.items()}
    for kind, text in (("readme", readme), ("app", app), ("requirements", requirements)):
        paths[kind].write_text(text, encoding="utf-8")
    logger.info("wrote the Space folder %s", folder)
    return paths


def plan_space_upload(folder: str | os.PathLike[str]) -> list[tuple[str, int]]:
    """The files a push commits, as ``(path_in_repo, size_in_bytes)``.

    Raises:
        LeaderboardError: ``folder`` is not a Space folder written by :func:`write_space`.
    """
    folder = Path(folder)
    missing = [n for n in SPACE_FILES.values() if not (folder / n).is_file()]
    if missing:
        raise LeaderboardError(f"{folder} is not a Space folder (missing {', '.join(missing)}): "
                               "write it with 'simbench leaderboard space --out'")
    return [(n, (folder / n).stat().st_size) for n in sorted(SPACE_FILES.values())]


def space_operations(folder: str | os.PathLike[str]) -> list[Any]:
    """The ``huggingface_hub.CommitOperationAdd`` list of a push."""
    from huggingface_hub import CommitOperationAdd

    folder = Path(folder)
    return [CommitOperationAdd(path_in_repo=rel, path_or_fileobj=str(folder / rel))
            for rel, _ in plan_space_upload(folder)]


def push_space(folder: str | os.PathLike[str], repo_id: str, *, private: bool = False,
               token: str | None = None, create_pr: bool = False) -> Any:
    """Create the Gradio Space if needed and commit the folder's files in one commit.

    The token comes from ``token``, ``$HF_TOKEN`` or ``hf auth login``. Returns the ``CommitInfo``.
    """
    from huggingface_hub import HfApi

    _check_repo(repo_id, "--repo")
    ops = space_operations(folder)
    api = HfApi(token=token)
    api.create_repo(repo_id, repo_type="space", space_sdk="gradio", private=private,
                    exist_ok=True)
    return api.create_commit(repo_id, operations=ops, repo_type="space", create_pr=create_pr,
                             commit_message=f"SimBench leaderboard Space (simbench-eval "
                                            f"{__version__})")
