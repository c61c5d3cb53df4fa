"""``--method sampling --backend openai`` against a real server (``transformers serve``).

``transformers serve`` ignores ``n`` (one choice per request), so this exercises the backend's
rule for such servers: the missing choices are asked again, one seeded request each.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from simbench import Item
from simbench.extraction import OpenAIBackend

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "servers"))
from live_servers import (  # noqa: E402
    Server,
    running_server,
    transformers_serve_command,
    unavailable,
)


@pytest.fixture(scope="module")
def tiny_server(tiny_gpt2_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """``transformers serve`` with the tiny GPT-2 chat model, on CPU in float32."""
    cmd = transformers_serve_command()
    if cmd is None:
        unavailable('transformers serve is not installed (pip install "transformers[serving]")')
    assert cmd is not None
    yield from running_server(
        lambda port: [*cmd, str(tiny_gpt2_dir), "--host", "127.0.0.1", "--port", str(port),
                      "--device", "cpu", "--dtype", "float32", "--log-level", "info"],
        tmp_path_factory.mktemp("serve-sampling"), timeout=240)


def test_sampling_through_a_server_that_ignores_n(tiny_server: Server, tiny_gpt2_dir: Path,
                                                  method_items: list[Item]) -> None:
    items = method_items[:2]

    def run(seed: int) -> dict[str, object]:
        backend = OpenAIBackend(str(tiny_gpt2_dir), base_url=tiny_server.base_url,
                                method="sampling", samples=4, temperature=1.0, seed=seed,
                                concurrency=1)
        try:
            return {p.item_id: p for p in backend.predict(items, progress=False)}
        finally:
            backend.close()

    before = tiny_server.log.read_text(errors="replace").count("POST /v1/completions")
    first = run(0)
    asked = tiny_server.tail(10**7).count("POST /v1/completions") - before
    assert asked == 2 * 4, tiny_server.tail()  # one choice per request: each sample asked alone
    again = run(0)
    for item in items:
        p = first[item.item_id]
        assert p.samples is not None and p.samples["n"] == 4
        assert sum(p.samples["counts"].values()) + p.samples["n_unparsed"] == 4
        assert len(p.raw_outputs) == p.samples["n_unparsed"]
        assert all(t not in item.option_labels for t in p.raw_outputs)
        # the server honours the per-request seed: the same samples again
        assert again[item.item_id] == p
    prov = OpenAIBackend("m", base_url=tiny_server.base_url, method="sampling").provenance()
    assert prov["method"] == "sampling" and prov["generation"]["samples"] == 30
