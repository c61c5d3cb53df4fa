"""``simbench calibrate``: temperature scaling fitted on a run, written as a new run folder.

Known answers where they exist (a model that is the humans sharpened by a power ``k`` is fitted
with ``T = k``), brute force otherwise: every calibrated distribution is recomputed here with the
formula ``p ** (1 / T) / sum(p ** (1 / T))`` in plain Python, and the fitted ``T`` is checked
against a fine grid searched by hand.
"""

from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path

import numpy as np
import pytest

from simbench import Item, select_items
from simbench.cli import main
from simbench.errors import CalibrationError
from simbench.metric import pad_distributions, score_predictions
from simbench.runs import RunFolder
from simbench.stats import apply_temperature, calibrate_run, fit_temperature


def _lines(folder: Path) -> dict[str, dict]:
    return {r["item_id"]: r for r in map(json.loads, (folder / "predictions.jsonl")
                                         .read_text().splitlines())}


def _tv(p: list[float], h: tuple[float, ...]) -> float:
    return 0.5 * sum(abs(a - b) for a, b in zip(p, h))


def _by_hand(dist: dict[str, float], t: float) -> list[float]:
    powered = [v ** (1.0 / t) for v in dist.values()]
    return [v / sum(powered) for v in powered]


def _hashes(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def _sharpened(items: list[Item], k: float) -> np.ndarray:
    h = pad_distributions([it.human_dist for it in items])
    return h ** k / (h ** k).sum(axis=1, keepdims=True)


@pytest.fixture(scope="module")
def sample(all_items: list[Item]) -> list[Item]:
    return select_items(all_items, limit_per_study=4, seed=1)


def test_temperature_one_changes_nothing(tiny_run: Path, all_items: list[Item]) -> None:
    records = _lines(tiny_run)
    by_id = {it.item_id: it for it in all_items}
    items = [by_id[i] for i in records]
    matrix = pad_distributions([list(records[it.item_id]["distribution"].values()) for it in items])
    assert np.array_equal(apply_temperature(matrix, 1.0), matrix)  # bit for bit, not renormalised
    assert np.array_equal(apply_temperature(matrix, np.ones(len(items))), matrix)


def test_a_flat_objective_keeps_temperature_one_and_the_run_unchanged(
        write_run, sample: list[Item], simbench_data: Path, tmp_path: Path) -> None:
    # One-hot predictions are the same at every temperature: the fit is a tie, T = 1 wins, and the
    # calibrated folder holds exactly the source's predictions and scores.
    h = pad_distributions([it.human_dist for it in sample])
    onehot = np.eye(h.shape[1])[h.argmax(axis=1)]
    source = write_run(tmp_path / "onehot", sample, onehot)
    assert main(["calibrate", str(source), "--fit", "both", "--data", str(simbench_data),
                 "--out", str(tmp_path / "cal")]) == 0
    info = RunFolder(tmp_path / "cal").run_info()
    assert info is not None and info.calibration is not None
    assert info.calibration.fitted is not None and info.calibration.fitted.temperature == 1.0
    assert _lines(tmp_path / "cal") == _lines(source)
    cal_scores = json.loads((tmp_path / "cal" / "scores.json").read_text())
    raw_scores = score_predictions(source, source=simbench_data)
    assert cal_scores["splits"] == raw_scores["splits"]


@pytest.mark.parametrize("k", [0.5, 3.0])
def test_a_sharpened_model_is_fitted_with_its_power(write_run, sample: list[Item],
                                                    simbench_data: Path, tmp_path: Path,
                                                    k: float) -> None:
    source = write_run(tmp_path / "sharp", sample, _sharpened(sample, k))
    result = calibrate_run(source, tmp_path / "cal", fit=["pop"], data=simbench_data)
    fitted = result.info.calibration.fitted
    assert fitted.temperature == pytest.approx(k, rel=1e-4)
    assert fitted.mean_tv_calibrated < 1e-4 < fitted.mean_tv_raw
    assert fitted.n_fit == sum(it.split == "pop" for it in sample)


def test_fitted_temperature_lowers_mean_tv_on_the_fit_part(tiny_run: Path, simbench_data: Path,
                                                           all_items: list[Item],
                                                           tmp_path: Path) -> None:
    before = _hashes(tiny_run)
    out = tmp_path / "tiny-T"
    assert main(["calibrate", str(tiny_run), "--fit", "pop", "--data", str(simbench_data),
                 "--out", str(out)]) == 0
    assert _hashes(tiny_run) == before  # the source run is never touched
    info = json.loads((out / "run.json").read_text())
    cal = info["calibration"]
    t = cal["fitted"]["temperature"]
    raw, new = _lines(tiny_run), _lines(out)
    by_id = {it.item_id: it for it in all_items}
    pop = [i for i in raw if i.startswith("pop/")]
    # every calibrated distribution is the formula applied to the raw one
    for item_id, rec in raw.items():
        assert list(new[item_id]["distribution"]) == list(rec["distribution"])
        assert list(new[item_id]["distribution"].values()) == pytest.approx(
            _by_hand(rec["distribution"], t), abs=1e-12)
        assert new[item_id]["label_mass"] == rec["label_mass"]  # the raw model's, unchanged
    # the recorded mean TVs are those of the files, and calibration lowered it on the fit part
    tv_raw = sum(_tv(list(raw[i]["distribution"].values()), by_id[i].human_dist) for i in pop)
    tv_new = sum(_tv(list(new[i]["distribution"].values()), by_id[i].human_dist) for i in pop)
    assert cal["fitted"]["mean_tv_raw"] == pytest.approx(tv_raw / len(pop), abs=1e-12)
    assert cal["fitted"]["mean_tv_calibrated"] == pytest.approx(tv_new / len(pop), abs=1e-12)
    assert tv_new < tv_raw
    # no temperature of a fine grid (searched by hand) does better on the fit part
    grid = [math.exp(x) for x in np.linspace(math.log(0.01), math.log(100), 400)]
    best = min(sum(_tv(_by_hand(raw[i]["distribution"], g), by_id[i].human_dist) for i in pop)
               for g in grid)
    assert tv_new <= best + 1e-9
    # provenance: the source, its file hashes, the fit part; the rest as in the source
    source = json.loads((tiny_run / "run.json").read_text())
    assert cal["fit"] == ["pop"] and cal["cross_fit"] is None and cal["objective"] == "mean_tv"
    assert cal["source"]["path"] == str(tiny_run.resolve())
    assert cal["source"]["predictions_sha256"] == before["predictions.jsonl"]
    assert cal["source"]["run_info_sha256"] == before["run.json"]
    for key in ("method", "backend", "protocol", "prompt_mode", "model", "label_token_ids"):
        assert info[key] == source[key]
    assert info["status"] == "complete" and info["data"]["n_predictions"] == len(raw)
    scores = json.loads((out / "scores.json").read_text())
    assert scores == {**score_predictions(out, source=simbench_data), "versions": scores["versions"]}


def test_cross_fit_fits_each_study_on_the_other_studies(write_run, sample: list[Item],
                                                        simbench_data: Path,
                                                        tmp_path: Path) -> None:
    # Sharpen each study by its own power: the temperature fitted on the other studies is not
    # the study's own power, and is recomputed here from the other studies' rows alone.
    studies = sorted({it.study for it in sample})
    power = {st: 1.0 + i / 4 for i, st in enumerate(studies)}
    matrix = np.vstack([_sharpened([it], power[it.study]) for it in sample])
    failed = {sample[0].item_id}
    source = write_run(tmp_path / "mixed", sample, matrix, failed=failed)
    result = calibrate_run(source, tmp_path / "cv", cross_fit="study", data=simbench_data)
    per_study = result.info.calibration.per_study
    assert sorted(per_study) == studies
    human = pad_distributions([it.human_dist for it in sample])
    for st in studies[:4]:
        others = np.array([it.study != st and it.item_id not in failed for it in sample])
        alone = fit_temperature(matrix[others], human[others])
        assert per_study[st].n_fit == others.sum()
        assert per_study[st].temperature == pytest.approx(alone.temperature, rel=1e-9)
        assert per_study[st].temperature != pytest.approx(power[st], rel=1e-3)
    new = _lines(tmp_path / "cv")
    assert new[sample[0].item_id]["status"] == "failed"  # failed rows stay failed, unfitted
    for it, row in zip(sample[1:], matrix[1:]):
        dist = dict(zip(it.option_labels, row[: it.n_options]))
        assert list(new[it.item_id]["distribution"].values()) == pytest.approx(
            _by_hand(dist, per_study[it.study].temperature), abs=1e-12)
    assert result.info.method_label == "token_probs + temperature (cross-fit by study)"


def test_fit_on_studies(write_run, sample: list[Item], simbench_data: Path,
                        tmp_path: Path) -> None:
    source = write_run(tmp_path / "run", sample, _sharpened(sample, 2.0))
    assert main(["calibrate", str(source), "--fit", "Jester", "opinion_qa,ess", "--data",
                 str(simbench_data), "--out", str(tmp_path / "cal")]) == 0
    cal = RunFolder(tmp_path / "cal").run_info().calibration
    assert cal.fit == ["jester", "opinion_qa", "ess"]
    assert cal.fitted.n_fit == sum(it.study in {"jester", "opinion_qa", "ess"} for it in sample)


def test_bad_requests_give_clear_errors(write_run, tiny_run: Path, sample: list[Item],
                                        simbench_data: Path, tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    source = write_run(tmp_path / "run", sample, _sharpened(sample, 2.0))
    data = ["--data", str(simbench_data)]

    def error(*args: str) -> str:
        assert main(["calibrate", *args, *data]) == 2
        return capsys.readouterr().err

    assert "did you mean 'jester'" in error(str(source), "--fit", "jestr", "--out",
                                            str(tmp_path / "x"))
    pop_only = write_run(tmp_path / "pop-only", [it for it in sample if it.split == "pop"],
                         _sharpened([it for it in sample if it.split == "pop"], 2.0))
    assert "split 'grouped' has no predictions in the run" in error(
        str(pop_only), "--fit", "grouped", "--out", str(tmp_path / "x"))
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "notes.txt").write_text("mine")
    assert "exists and is not empty" in error(str(source), "--fit", "pop", "--out",
                                              str(tmp_path / "taken"))
    assert "never changes it" in error(str(source), "--fit", "pop", "--out", str(source))
    assert not (tmp_path / "x").exists()
    with pytest.raises(SystemExit):  # argparse: exactly one of --fit and --cross-fit
        main(["calibrate", str(source), "--fit", "pop", "--cross-fit", "study", "--out", "y"])
    capsys.readouterr()
    # a calibrated run is not calibrated again, and simbench run never extends it
    assert main(["calibrate", str(source), "--fit", "pop", "--out", str(tmp_path / "cal"),
                 *data]) == 0
    assert "already calibrated" in error(str(tmp_path / "cal"), "--fit", "pop", "--out",
                                         str(tmp_path / "cal2"))
    with pytest.raises(CalibrationError, match="exactly one of fit"):
        calibrate_run(source, tmp_path / "z", data=simbench_data)
    other = tmp_path / "other-data"  # a release with fewer rows: another data hash
    other.mkdir()
    for name in ("SimBenchPop.jsonl", "SimBenchGrouped.jsonl"):
        lines = (simbench_data / name).read_text(encoding="utf-8").splitlines(keepends=True)
        (other / name).write_text("".join(lines[:5]), encoding="utf-8")
    with pytest.raises(CalibrationError, match="was run on data"):
        calibrate_run(tiny_run, tmp_path / "z", fit=["pop"], data=other)


def test_a_calibrated_folder_is_not_extended_by_simbench_run(tiny_run: Path, tiny_llama_dir: Path,
                                                             simbench_data: Path, tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]
                                                             ) -> None:
    out = tmp_path / "cal"
    assert main(["calibrate", str(tiny_run), "--cross-fit", "study", "--data", str(simbench_data),
                 "--out", str(out)]) == 0
    before = _hashes(out)
    assert main(["run", "--model", str(tiny_llama_dir), "--data", str(simbench_data),
                 "--limit-per-study", "2", "--out", str(out), "--no-progress"]) == 2
    assert "calibration.kind: 'temperature' in the folder, None now" in capsys.readouterr().err
    assert _hashes(out) == before
