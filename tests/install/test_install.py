"""``simbench install``: the bare names work from any folder, offline, in a fresh ``HF_HOME``."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from install_helpers import run_cli, run_python

from simbench import Item
from simbench.install import expected_configs

pytestmark = pytest.mark.timeout(1800)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory, simbench_data: Path) -> Path:
    """An ``HF_HOME`` into which ``simbench install`` ran once, from an empty folder."""
    hf_home = tmp_path_factory.mktemp("hf_home")
    proc = run_cli(["install"], hf_home, tmp_path_factory.mktemp("cwd"), data=simbench_data)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.startswith("registered 21 configs in ")
    assert "and the metric in " in proc.stdout and "evaluate-metric--simbench" in proc.stdout
    return hf_home


def _copy(hf_home: Path, tmp_path: Path) -> Path:
    """A copy of an installed ``HF_HOME`` that a test may change."""
    return Path(shutil.copytree(hf_home, tmp_path / "hf_home", symlinks=True))


_LOAD_EVERY_CONFIG = """
import json
from datasets import get_dataset_config_names, load_dataset
counts = {}
for config in EXPECTED:
    counts[config] = {split: len(load_dataset("simbench", config, split=split))
                      for split in EXPECTED[config]}
ds = load_dataset("simbench", "moral_machine", split="pop")
print(json.dumps({"counts": counts, "columns": ds.column_names, "first": ds[0]["item_id"],
                  "dist_type": str(ds.features["human_dist"])}))
"""


def test_every_config_loads_by_the_bare_name_from_an_empty_folder(installed: Path,
                                                                  tmp_path: Path) -> None:
    expected = expected_configs()
    code = f"EXPECTED = {expected!r}\n" + _LOAD_EVERY_CONFIG
    out = json.loads(run_python(code, installed, tmp_path / "empty").strip().splitlines()[-1])
    assert out["counts"] == expected
    assert out["counts"]["moral_machine"] == {"pop": 500}
    assert out["counts"]["all"] == {"pop": 7167, "grouped": 6343}
    assert out["first"].startswith("pop/") and "human_dist" in out["columns"]
    assert "float64" in out["dist_type"]


def _predictions(items: list[Item], seed: int = 7) -> list[dict]:
    rng = np.random.default_rng(seed)
    chosen = [items[i] for i in sorted(rng.choice(len(items), size=400, replace=False))]
    return [{"item_id": it.item_id, "study": it.dataset_name, "split": it.split,
             "reference": list(it.human_percent),
             "distribution": rng.dirichlet(np.ones(it.n_options)).tolist()} for it in chosen]


_COMPUTE = """
import json, sys
import evaluate
metric = evaluate.load("simbench")
rows = [json.loads(line) for line in open(sys.argv[1])]
out = {"class": type(metric).__name__}
for split in ("pop", "grouped"):
    part = [r for r in rows if r["split"] == split]
    res = metric.compute(predictions=[r["distribution"] for r in part],
                         references=[r["reference"] for r in part],
                         dataset_names=[r["study"] for r in part], split=split)
    out[split] = {"score": res["simbench_score"], "n": res["n"],
                  "per_study": {k: v["score"] for k, v in res["per_study"].items()}}
print(json.dumps(out))
"""


def test_evaluate_load_by_the_bare_name_equals_simbench_score(installed: Path, all_items: list[Item],
                                                              simbench_data: Path,
                                                              tmp_path: Path) -> None:
    rows = _predictions(all_items)
    pred = tmp_path / "predictions.jsonl"
    pred.write_text("".join(json.dumps({"item_id": r["item_id"], "distribution": r["distribution"]})
                            + "\n" for r in rows))
    both = tmp_path / "rows.jsonl"
    both.write_text("".join(json.dumps(r) + "\n" for r in rows))
    scores = tmp_path / "scores.json"
    proc = run_cli(["score", str(pred), "--json", str(scores)], installed, tmp_path / "a",
                   data=simbench_data)
    assert proc.returncode == 0, proc.stderr[-3000:]
    core = json.loads(scores.read_text())
    code = _COMPUTE.replace("sys.argv[1]", repr(str(both)))
    ev = json.loads(run_python(code, installed, tmp_path / "b").strip().splitlines()[-1])
    assert ev["class"] == "SimbenchMetric"
    for split in ("pop", "grouped"):
        assert ev[split]["n"] == core["splits"][split]["n"]
        assert ev[split]["score"] == pytest.approx(core["splits"][split]["score"], abs=1e-9)
        for slug, st in core["splits"][split]["per_study"].items():
            assert ev[split]["per_study"][slug] == pytest.approx(st["score"], abs=1e-9)
    headline = (ev["pop"]["score"] + ev["grouped"]["score"]) / 2
    assert headline == pytest.approx(core["simbench_score"], abs=1e-9)


def test_a_rerun_writes_nothing_and_check_says_current(installed: Path, tmp_path: Path,
                                                       simbench_data: Path) -> None:
    hf_home = _copy(installed, tmp_path)
    arrow = sorted((hf_home / "datasets" / "simbench").glob("*/*/*/*.arrow"))
    assert len(arrow) == 21 + 5 + 1  # every config's pop file, the grouped ones, all's grouped
    before = {p: p.stat().st_mtime_ns for p in arrow}
    proc = run_cli(["install"], hf_home, tmp_path / "cwd", data=simbench_data)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("already registered and current: 21 configs in ")
    assert {p: p.stat().st_mtime_ns for p in arrow} == before
    check = run_cli(["install", "--check"], hf_home, tmp_path / "cwd", data=simbench_data)
    assert check.returncode == 0, check.stderr
    assert "21 of 21 configs current" in check.stdout
    assert check.stdout.rstrip().endswith("everything is current")
    assert "moral_machine            current  pop=500" in check.stdout


def test_check_before_install_lists_what_is_missing(tmp_path: Path, simbench_data: Path) -> None:
    proc = run_cli(["install", "--check"], tmp_path / "hf", tmp_path / "cwd", data=simbench_data)
    assert proc.returncode == 1
    assert "0 of 21 configs current" in proc.stdout
    assert "moral_machine            missing" in proc.stdout
    assert "metrics/evaluate-metric--simbench: missing (run 'simbench install')" in proc.stdout
    assert proc.stdout.rstrip().endswith("not current: run 'simbench install'")


def _python_blocks(path: Path) -> list[str]:
    return [b.split("```", 1)[0] for b in path.read_text().split("```python\n")[1:]]


def test_the_cards_examples_run_as_written_from_an_empty_folder(installed: Path,
                                                                tmp_path: Path) -> None:
    """The dataset card and the metric card use the bare names; after install they just work."""
    repo = Path(__file__).resolve().parents[2]
    (dataset_block,) = _python_blocks(repo / "dataset_card.md")
    assert 'load_dataset("simbench", "moral_machine", split="pop")' in dataset_block
    code = dataset_block + "\nprint(len(mm), len(grouped))\n"
    assert run_python(code, installed, tmp_path / "a").strip().splitlines()[-1] == "500 6343"
    metric_blocks = _python_blocks(repo / "simbench_metric" / "README.md")
    assert 'evaluate.load("simbench")' in metric_blocks[0]
    code = "\n".join(metric_blocks) + "\nprint(results['simbench_score'])\n"
    assert run_python(code, installed, tmp_path / "b").strip().splitlines() == ["50.0", "100.0"]
