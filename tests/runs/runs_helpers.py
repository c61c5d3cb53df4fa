"""Helpers shared by the run-folder tests."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

# One study of each split for runs: 2 + 2 + 2 items with --limit-per-study 2.
RUN_ARGS = ["--studies", "moral_machine_classic", "osp_rwas", "opinion_qa", "--limit-per-study", "2",
            "--no-progress"]


def subprocess_env(**extra: str) -> dict[str, str]:
    """The environment for ``simbench`` subprocesses: offline, one thread, the repo's ``src``."""
    env = dict(os.environ)
    env.update(HF_HUB_OFFLINE="1", HF_DATASETS_OFFLINE="1", HF_EVALUATE_OFFLINE="1",
               TRANSFORMERS_OFFLINE="1", TOKENIZERS_PARALLELISM="false", OMP_NUM_THREADS="1",
               PYTHONUNBUFFERED="1")
    env.update(extra)
    return env


def simbench_cmd(*args: str) -> list[str]:
    """``python -m simbench.cli <args>`` with this interpreter."""
    return [sys.executable, "-m", "simbench.cli", *args]


def read_jsonl(path: Path) -> list[dict]:
    """The records of a JSON Lines file."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
