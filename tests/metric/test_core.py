"""The numpy core: total variation properties (hypothesis), padding, norms and aggregation."""

from __future__ import annotations

import json
from importlib import resources

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simbench import Item
from simbench.metric import (
    aggregate,
    compute_norms,
    norms_table,
    pad_distributions,
    score_matrix,
    total_variation,
    uniform_matrix,
)
from simbench.metric.lists import official_norms


@st.composite
def distributions(draw: st.DrawFn, k: int | None = None, n: int = 1) -> list[np.ndarray]:
    """``n`` non-negative vectors of a common length with a positive sum."""
    k = k or draw(st.integers(2, 15))
    out = []
    for _ in range(n):
        v = draw(st.lists(st.floats(0, 1e3, allow_nan=False), min_size=k, max_size=k))
        v[draw(st.integers(0, k - 1))] += draw(st.floats(1e-3, 1e3))
        out.append(np.array(v))
    return out


@settings(max_examples=200, deadline=None)
@given(distributions(n=2))
def test_tv_range_and_symmetry(pq: list[np.ndarray]) -> None:
    p, q = pq
    d = float(total_variation(p, q))
    assert 0.0 <= d <= 1.0 + 1e-12
    assert d == pytest.approx(float(total_variation(q, p)), abs=1e-15)


@settings(max_examples=200, deadline=None)
@given(distributions(n=2))
def test_tv_is_zero_only_for_equal_distributions(pq: list[np.ndarray]) -> None:
    p, q = pq
    assert float(total_variation(p, 3.5 * p)) == pytest.approx(0.0, abs=1e-12)  # scale-free
    pn, qn = p / p.sum(), q / q.sum()
    d = float(total_variation(p, q))
    if np.abs(pn - qn).max() > 1e-9:
        assert d > 0
    else:
        assert d == pytest.approx(0.0, abs=1e-9)


@settings(max_examples=200, deadline=None)
@given(distributions(n=3))
def test_tv_triangle_inequality(pqr: list[np.ndarray]) -> None:
    p, q, r = pqr
    assert float(total_variation(p, r)) <= float(total_variation(p, q)) + float(
        total_variation(q, r)) + 1e-12


@settings(max_examples=100, deadline=None)
@given(distributions(n=1))
def test_zero_padding_changes_no_tv(p: list[np.ndarray]) -> None:
    (v,) = p
    k = len(v)
    padded = pad_distributions([v.tolist()])
    assert padded.shape == (1, 15)
    assert float(total_variation(padded, uniform_matrix([k]))[0]) == pytest.approx(
        float(total_variation(v, np.full(k, 1.0 / k))), abs=1e-15)


def test_tv_known_values_and_batch() -> None:
    p = np.array([[0.5, 0.5, 0.0], [0.2, 0.8, 0.0], [1.0, 0.0, 0.0]])
    q = np.array([[1.0, 0.0, 0.0], [20.0, 80.0, 0.0], [0.0, 0.0, 1.0]])
    assert total_variation(p, q).tolist() == [0.5, 0.0, 1.0]


def test_pad_rejects_too_many_options() -> None:
    with pytest.raises(ValueError, match="row 1: 16 options"):
        pad_distributions([[1.0, 0.0], [1.0 / 16] * 16])


def test_full_split_norms_match_the_published_table(all_items: list[Item]) -> None:
    norms = compute_norms(all_items)
    assert len(norms) == 25
    # SIMBENCH.md section 2 (4 decimals).
    assert norms[("pop", "afrobarometer")] == pytest.approx(0.4322, abs=5e-5)
    assert norms[("grouped", "afrobarometer")] == pytest.approx(0.5103, abs=5e-5)
    assert norms[("pop", "choices13k")] == pytest.approx(0.1749, abs=5e-5)
    assert norms[("pop", "wisdom_of_crowds")] == pytest.approx(0.5574, abs=5e-5)
    assert norms[("grouped", "latino_barometro")] == pytest.approx(0.2471, abs=5e-5)
    table = norms_table(norms)
    assert [r["split"] for r in table[:20]] == ["pop"] * 20
    assert table[20] == {"split": "grouped", "study": "afrobarometer",
                         "norm": norms[("grouped", "afrobarometer")]}


def test_shipped_official_norms_equal_the_data(all_items: list[Item]) -> None:
    norms = compute_norms(all_items)
    shipped = json.loads(resources.files("simbench").joinpath("_assets", "norms.json").read_text())
    assert sum(len(v) for v in shipped["norms"].values()) == len(norms)
    for (split, study), value in norms.items():
        assert official_norms(split)[study] == pytest.approx(value, rel=1e-13)


def test_aggregate_headline_is_mean_of_split_scores(all_items: list[Item]) -> None:
    pop = [it for it in all_items if it.split == "pop"][:300]
    grouped = [it for it in all_items if it.split == "grouped"][:100]
    items = pop + grouped
    rng = np.random.default_rng(0)
    pred = np.zeros((len(items), 15))
    for i, it in enumerate(items):
        pred[i, : it.n_options] = rng.dirichlet(np.ones(it.n_options))
    rows = score_matrix(items, pred, compute_norms(all_items))
    out = aggregate(rows)
    s_pop = rows.score[:300].mean()
    s_grp = rows.score[300:].mean()
    assert out["splits"]["pop"]["score"] == pytest.approx(s_pop, abs=1e-9)
    assert out["splits"]["grouped"]["n"] == 100
    assert out["simbench_score"] == pytest.approx((s_pop + s_grp) / 2, abs=1e-9)
    study = pop[0].study
    mask = np.array([it.study == study and it.split == "pop" for it in items])
    assert out["splits"]["pop"]["per_study"][study]["score"] == pytest.approx(
        rows.score[mask].mean(), abs=1e-9)
    assert out["splits"]["pop"]["per_study"][study]["mean_tv"] == pytest.approx(
        rows.tv[mask].mean(), abs=1e-12)
