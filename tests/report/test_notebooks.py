"""The notebooks run top to bottom (nbclient) on two real tiny-model runs, and are stored stripped."""

from __future__ import annotations

from pathlib import Path

import pytest

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"


def _notebooks() -> list[Path]:
    return sorted(NOTEBOOKS.glob("*.ipynb"))


def test_at_least_the_two_notebooks_exist():
    names = {p.stem for p in _notebooks()}
    assert {"analyse_a_run", "compare_two_models"} <= names


@pytest.mark.parametrize("path", _notebooks(), ids=lambda p: p.stem)
def test_notebook_is_stored_without_outputs(path):
    import nbformat

    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, f"{path.name}: outputs kept"


@pytest.mark.parametrize("path", _notebooks(), ids=lambda p: p.stem)
def test_notebook_runs_top_to_bottom(path, tiny_runs, monkeypatch, tmp_path):
    import nbformat
    from nbclient import NotebookClient

    monkeypatch.setenv("SIMBENCH_RUN", str(tiny_runs["chat"]))
    monkeypatch.setenv("SIMBENCH_RUN_A", str(tiny_runs["chat"]))
    monkeypatch.setenv("SIMBENCH_RUN_B", str(tiny_runs["base"]))
    monkeypatch.setenv("SIMBENCH_N_RESAMPLES", "200")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    images = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs
              if "image/png" in o.get("data", {})]
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs
              if o.get("output_type") == "error"]
    assert not errors
    assert len(images) >= 2, f"{path.name}: expected plots in the outputs"
