"""The notebooks: stored with the outputs of a small real run, and run top to bottom (nbclient) on
real tiny-model runs; neither shows any text of the licensed data, both use the report's bins."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from simbench.stats import ENTROPY_BINS

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
NAMES = ("analyse_a_run", "compare_two_models")


def _read(path: Path):
    import nbformat

    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    return nb


def _outputs(nb) -> list[dict]:
    return [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]


def _text(nb) -> str:
    """Every text a reader sees in the outputs (streams, plain text, HTML), not the images."""
    parts = []
    for o in _outputs(nb):
        if o.get("output_type") == "stream":
            parts.append(o["text"])
        for kind in ("text/plain", "text/html"):
            parts.append(o.get("data", {}).get(kind, ""))
    return "\n".join(parts)


def _excerpts(items) -> set[str]:
    """Distinctive pieces of the licensed data: each question or persona line of 30+ characters."""
    out = set()
    for it in items:
        for text in (it.question, it.persona):
            out.update(line.strip()[:60] for line in text.splitlines() if len(line.strip()) >= 30)
    return out


def _check_outputs(nb, name: str, all_items) -> str:
    """No error, at least two plots, no licensed text, the report's entropy bins; the text."""
    outputs = _outputs(nb)
    assert not [o for o in outputs if o.get("output_type") == "error"], f"{name}: an error"
    images = [o for o in outputs if "image/png" in o.get("data", {})]
    assert len(images) >= 2, f"{name}: expected plots in the outputs"
    text = _text(nb)
    leaked = [x for x in _excerpts(all_items) if x in text]
    assert not leaked, f"{name}: outputs quote the data, e.g. {leaked[:2]}"
    bin_rows = re.findall(r"<td>(\d\.\d)–(\d\.\d)</td>", text)  # the HTML entropy tables
    assert bin_rows and len(bin_rows) % ENTROPY_BINS == 0
    assert bin_rows[:ENTROPY_BINS] == [(f"{k / ENTROPY_BINS:.1f}", f"{(k + 1) / ENTROPY_BINS:.1f}")
                                       for k in range(ENTROPY_BINS)]
    return text


def test_the_two_notebooks_exist():
    assert {p.stem for p in NOTEBOOKS.glob("*.ipynb")} == set(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_notebook_is_stored_with_the_outputs_of_a_run(name, all_items):
    """Committed executed, in order, on the SmolLM2 runs its first cell describes."""
    nb = _read(NOTEBOOKS / f"{name}.ipynb")
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert [c.execution_count for c in code] == list(range(1, len(code) + 1))
    text = _check_outputs(nb, name, all_items)
    assert "smollm2" in text and "/tmp/" not in text  # the documented run, no machine paths


@pytest.mark.parametrize("name", NAMES)
def test_notebook_uses_the_report_bins(name):
    nb = _read(NOTEBOOKS / f"{name}.ipynb")
    source = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    assert "ENTROPY_BINS" in source and "from simbench.stats import" in source
    assert not re.search(r"n_bins\s*=\s*\d", source), "bins redefined instead of imported"


def _execute(name: str, tmp_path: Path, monkeypatch, env: dict[str, Path]):
    import nbformat
    from nbclient import NotebookClient

    for key, value in env.items():
        monkeypatch.setenv(key, str(value))
    monkeypatch.setenv("SIMBENCH_N_RESAMPLES", "200")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    nb = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    NotebookClient(nb, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    return nb


def test_analysis_notebook_runs_top_to_bottom(tiny_runs, all_items, monkeypatch, tmp_path):
    nb = _execute("analyse_a_run", tmp_path, monkeypatch, {"SIMBENCH_RUN": tiny_runs["chat"]})
    text = _check_outputs(nb, "analyse_a_run", all_items)
    assert "not estimable (fewer than 2 clusters per study)" in text  # Grouped ESS: one question
    assert "(pooled)" in text


def test_comparison_notebook_tells_two_runs_of_one_model_apart(
        tiny_runs, tiny_chat_as_base, all_items, monkeypatch, tmp_path):
    """The same tiny model with chat and with base prompts: one display name, two folders."""
    nb = _execute("compare_two_models", tmp_path, monkeypatch,
                  {"SIMBENCH_RUN_A": tiny_runs["chat"], "SIMBENCH_RUN_B": tiny_chat_as_base})
    text = _check_outputs(nb, "compare_two_models", all_items)
    names = re.search(r"A = (\S+) \(tiny-chat\), B = (\S+) \(tiny-chat-as-base\): 50 shared items",
                      text)
    assert names and names.group(1) == names.group(2), text[:300]  # one model, two folders


def test_the_notebooks_extra_holds_what_they_need():
    """``pip install 'simbench-eval[notebooks]'`` gives a kernel, the headless runner and the plots;
    every module the notebooks import comes from it, from the package or its requirements."""
    import configparser

    cfg = configparser.ConfigParser()
    cfg.read(NOTEBOOKS.parent / "setup.cfg")
    extra = {re.split(r"[<>=\[ ]", line.strip())[0]
             for line in cfg["options.extras_require"]["notebooks"].strip().splitlines()}
    assert {"ipykernel", "nbclient", "nbformat", "matplotlib"} <= extra
    required = {re.split(r"[<>=\[ ]", line.strip())[0]
                for line in cfg["options"]["install_requires"].strip().splitlines()}
    provided = {"os", "simbench", "IPython"} | required  # IPython comes with ipykernel
    for name in NAMES:
        source = "\n".join(c.source for c in _read(NOTEBOOKS / f"{name}.ipynb").cells
                           if c.cell_type == "code")
        modules = set(re.findall(r"^(?:from|import) (\w+)", source, flags=re.M))
        assert modules <= provided, f"{name} imports {modules - provided}"
