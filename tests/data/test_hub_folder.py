"""``simbench data build``: the script-free Hub folder, loaded back with ``datasets.load_dataset``."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml

from simbench import STUDIES, Item, load_items


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, simbench_data: Path) -> Path:
    root = tmp_path_factory.mktemp("hub")
    proc = subprocess.run([sys.executable, "-m", "simbench.cli", "data", "build", "--source",
                           str(simbench_data), "--out", "simbench"], cwd=root, capture_output=True,
                          text=True)
    assert proc.returncode == 0, proc.stderr
    assert "wrote 21 configs" in proc.stdout
    return root / "simbench"


def test_every_config_loads_with_its_release_count(built: Path) -> None:
    from datasets import load_dataset

    assert len(load_dataset(str(built), "moral_machine", split="pop")) == 500
    assert len(load_dataset(str(built), "all", split="grouped")) == 6343
    assert len(load_dataset(str(built), "all", split="pop")) == 7167
    for st in STUDIES:
        for split, n in st.rows.items():
            assert len(load_dataset(str(built), st.slug, split=split)) == n, (st.slug, split)


def test_round_trip_is_exact(built: Path, all_items: list[Item]) -> None:
    from datasets import load_dataset

    for split in ("pop", "grouped"):
        ds = load_dataset(str(built), "all", split=split)
        assert ds.features["human_dist"].feature.dtype == "float64"
        originals = [it for it in all_items if it.split == split]
        back = [Item.from_record(rec) for rec in ds]
        assert back == originals
        a = np.concatenate([np.asarray(r["human_dist"]) for r in ds])
        b = np.concatenate([np.asarray(it.human_dist) for it in originals])
        assert np.max(np.abs(a - b)) <= 1e-12
    # the built folder is itself a data source
    assert load_items("grouped", source=built) == [it for it in all_items if it.split == "grouped"]


def test_load_by_bare_name_from_the_parent_folder(built: Path) -> None:
    code = ("from datasets import load_dataset; "
            "print(len(load_dataset('simbench', 'moral_machine', split='pop')))")
    out = subprocess.run([sys.executable, "-c", code], cwd=built.parent, capture_output=True,
                         text=True, env={**os.environ, "HF_DATASETS_OFFLINE": "1"}, check=True)
    assert out.stdout.strip().splitlines()[-1] == "500"


def test_card_has_configs_info_and_prose(built: Path) -> None:
    text = (built / "README.md").read_text()
    _, front, body = text.split("---\n", 2)
    meta = yaml.safe_load(front)
    names = [c["config_name"] for c in meta["configs"]]
    assert names[0] == "all" and meta["configs"][0]["default"] is True
    assert set(names[1:]) == {st.slug for st in STUDIES}
    info = {d["config_name"]: d for d in meta["dataset_info"]}
    assert {s["name"]: s["num_examples"] for s in info["ess"]["splits"]} == {"pop": 500,
                                                                             "grouped": 1643}
    assert meta["license"] == "cc-by-nc-sa-4.0"
    assert "Awad et al." in body and "## The SimBench score" in body and "{{" not in body


def test_push_dry_run_lists_the_files(built: Path) -> None:
    out = subprocess.run([sys.executable, "-m", "simbench.cli", "data", "push", "--folder", str(built),
                          "--repo", "me/SimBench", "--dry-run"], capture_output=True, text=True,
                         check=True).stdout
    assert "would commit 28 files to dataset me/SimBench" in out
    assert "add README.md" in out and "add moral_machine/pop.parquet" in out
