"""Helpers shared by the Space tests (uniquely named: every test folder has a conftest)."""

from __future__ import annotations

from pathlib import Path

LEADERBOARD_REPO = "simbench-tests/leaderboard"
#: The two tiny models, by the folder name they are run from (also their model id):
#: (family for ``build_tiny_model``, with a chat template).
MODELS = {"tiny-llama-base": ("llama", False), "tiny-gpt2-chat": ("gpt2", True)}


def entry_of(repo: Path, model: str) -> Path:
    """The entry file of ``model`` in a leaderboard folder."""
    (path,) = (repo / "submissions" / model).glob("*.json")
    return path
