"""Run ``simbench install`` and Python in a subprocess with its own ``HF_HOME``, offline, elsewhere."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

OFFLINE = {"HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1", "HF_EVALUATE_OFFLINE": "1",
           "TRANSFORMERS_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}


def clean_env(hf_home: Path, data: Path | None = None) -> dict[str, str]:
    """The current environment without any HF cache or data variable, plus a fresh ``HF_HOME``."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("HF_", "SIMBENCH_")) and k != "XDG_CACHE_HOME"}
    env.update(OFFLINE, HF_HOME=str(hf_home))
    if data is not None:
        env["SIMBENCH_DATA"] = str(data)
    return env


def run_cli(args: list[str], hf_home: Path, cwd: Path, data: Path | None = None,
            timeout: float = 600) -> subprocess.CompletedProcess[str]:
    """``python -m simbench.cli ARGS`` in ``cwd``."""
    cwd.mkdir(parents=True, exist_ok=True)
    return subprocess.run([sys.executable, "-m", "simbench.cli", *args], cwd=cwd,
                          env=clean_env(hf_home, data), capture_output=True, text=True,
                          timeout=timeout)


def run_python(code: str, hf_home: Path, cwd: Path, timeout: float = 600) -> str:
    """Run ``code`` with ``python -c`` in ``cwd`` (no SimBench data variable); return stdout."""
    cwd.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run([sys.executable, "-c", code], cwd=cwd, env=clean_env(hf_home),
                          capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout
