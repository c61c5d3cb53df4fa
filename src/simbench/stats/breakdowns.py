"""Breakdowns of per-row scores: by bins of human entropy and by demographic attribute.

* :func:`entropy_bins` bins any per-row values (scores, score differences) by the normalised entropy
  ``H(P) / log K`` of the human distribution: 0 is a consensus, 1 a uniform split. The report and
  the notebooks use :data:`ENTROPY_BINS` equal-width bins.
* :func:`attribute_deltas` compares each Grouped row defined by a demographic attribute (age,
  religion, political ideology, ...) with the *same question's country-only row* (the row of the same
  question cluster whose grouping holds only the country, or nothing, for US-only Opinion QA) of the
  same country: ``delta = score(group row) - score(country row)``. Negative deltas mean the model
  simulates the subgroup worse than the whole country. Release attribute keys are mapped to common
  names (``rlgdgr``, ``RELIGATTEND`` and ``religiosity`` are all "religiosity"). Rows without a
  matching country row are counted and listed, never dropped silently. An attribute seen in fewer
  than 2 question clusters has no interval (``low = high = None``, ``not_estimable`` says why).

Per-study and per-split breakdowns with intervals come from :func:`simbench.stats.bootstrap_ci`.

Examples
--------
>>> import numpy as np
>>> bins = entropy_bins(np.array([0.05, 0.15, 0.95]), np.array([1.0, 3.0, 5.0]), n_bins=2)
>>> [(b["n"], b["mean"]) for b in bins]
[(2, 2.0), (1, 5.0)]
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..data.schema import Item
from ._layout import MIN_CLUSTERS

__all__ = ["ATTRIBUTE_NAMES", "COUNTRY_KEYS", "ENTROPY_BINS", "NOT_ESTIMABLE_ATTRIBUTE",
           "attribute_deltas", "attribute_of", "entropy_bins"]

#: Equal-width bins of normalised human entropy on [0, 1] in the report, the comparison and the
#: notebooks (import it rather than repeating the number).
ENTROPY_BINS = 10
#: Why an attribute's delta has no interval.
NOT_ESTIMABLE_ATTRIBUTE = "not estimable (fewer than 2 question clusters)"

#: Grouping keys that name the country of a Grouped row.
COUNTRY_KEYS = frozenset({"country", "cntry"})
#: Release grouping keys -> common attribute names.
ATTRIBUTE_NAMES = {
    "age_group": "age", "AGE": "age",
    "gender": "gender", "gndr": "gender", "SEX": "gender",
    "religion": "religion", "RELIG": "religion",
    "religiosity": "religiosity", "rlgdgr": "religiosity", "RELIGATTEND": "religiosity",
    "lrscale": "political ideology", "POLIDEOLOGY": "political ideology",
    "political_group": "political ideology", "POLPARTY": "political party",
    "discuss_politics": "political interest",
    "education": "education", "highest_education": "education", "eisced": "education",
    "EDUCATION": "education",
    "subjective_income": "income", "household_income": "income", "INCOME": "income",
    "topbot": "social status",
    "employment": "employment", "employment_status": "employment", "work_status": "employment",
    "mnactic": "employment",
    "marital_status": "marital status", "maritalb": "marital status", "MARITAL": "marital status",
    "urban_rural": "urban/rural", "domicil": "urban/rural", "city_size": "urban/rural",
    "CREGION": "region", "RACE": "race",
}


def entropy_bins(
    entropy: np.ndarray, values: np.ndarray, *, n_bins: int = ENTROPY_BINS
) -> list[dict[str, Any]]:
    """Mean and standard error of ``values`` in ``n_bins`` equal-width bins of ``entropy`` in [0, 1].

    The last bin is closed (an entropy of exactly 1 falls in it). Empty bins are reported with
    ``n = 0`` and ``mean = None``.
    """
    h = np.asarray(entropy, dtype=np.float64)
    v = np.asarray(values, dtype=np.float64)
    if h.shape != v.shape:
        raise ValueError(f"entropy and values differ in shape: {h.shape} vs {v.shape}")
    if n_bins < 1:
        raise ValueError(f"n_bins must be at least 1, got {n_bins}")
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    which = np.clip(np.searchsorted(edges, h, side="right") - 1, 0, n_bins - 1)
    out = []
    for b in range(n_bins):
        sel = v[which == b]
        n = int(sel.size)
        out.append({
            "low": round(float(edges[b]), 10), "high": round(float(edges[b + 1]), 10), "n": n,
            "mean": float(sel.mean()) if n else None,
            "sem": float(sel.std(ddof=1) / np.sqrt(n)) if n > 1 else None,
            "entropy_mean": float(h[which == b].mean()) if n else None,
        })
    return out


def attribute_of(item: Item) -> str | None:
    """The demographic attribute key of a Grouped row (``None`` for a country-only/population row).

    >>> attribute_of(_example_item({"country": "Peru", "religiosity": "high"}))
    'religiosity'
    """
    keys = sorted(k for k in item.grouping if k not in COUNTRY_KEYS)
    return "+".join(keys) if keys else None


def _country_of(item: Item) -> str:
    return "|".join(str(item.grouping[k]) for k in sorted(COUNTRY_KEYS & set(item.grouping)))


def _pairs(items: Sequence[Item]) -> tuple[list[tuple[int, int, str]], list[str]]:
    """``(group row, country row, attribute key)`` index pairs, and the unmatched group item ids."""
    baselines: dict[tuple[str, str], int] = {}
    for i, it in enumerate(items):
        if it.split == "grouped" and attribute_of(it) is None:
            baselines[(it.cluster_id, _country_of(it))] = i
    pairs, unmatched = [], []
    for i, it in enumerate(items):
        key = attribute_of(it) if it.split == "grouped" else None
        if key is None:
            continue
        j = baselines.get((it.cluster_id, _country_of(it)))
        if j is None:
            unmatched.append(it.item_id)
        else:
            pairs.append((i, j, key))
    return pairs, unmatched


def attribute_deltas(
    items: Sequence[Item], scores: np.ndarray, *, n_resamples: int = 1000, seed: int = 0,
    level: float = 0.95,
) -> dict[str, Any]:
    """Per-attribute score deltas of Grouped rows against the same question's country-only row.

    Intervals resample question clusters (seeded); ``delta`` is the mean over matched rows.

    Returns:
        ``{"attributes": {name: {"delta", "low", "high", "not_estimable", "n", "n_clusters",
        "group_score",
        "country_score", "keys", "per_study": {slug: {"delta", "n"}}}}, "n_matched", "n_unmatched",
        "unmatched": [first 20 item ids], "seed", "n_resamples", "level", "method"}``, attributes
        sorted by delta (worst first).
    """
    s = np.asarray(scores, dtype=np.float64)
    if s.shape != (len(items),):
        raise ValueError(f"expected {len(items)} scores, got shape {s.shape}")
    pairs, unmatched = _pairs(items)
    groups: dict[str, list[tuple[int, int, str]]] = defaultdict(list)
    for i, j, key in pairs:
        groups[ATTRIBUTE_NAMES.get(key, key)].append((i, j, key))
    rng = np.random.default_rng(seed)
    alpha = (1.0 - level) / 2.0
    result: dict[str, dict[str, Any]] = {}
    for name in sorted(groups):
        g = groups[name]
        gi = np.array([p[0] for p in g])
        ci = np.array([p[1] for p in g])
        delta = s[gi] - s[ci]
        clusters = np.unique([items[i].cluster_id for i in gi], return_inverse=True)[1]
        c_sum = np.bincount(clusters, weights=delta)
        c_n = np.bincount(clusters).astype(np.float64)
        pick = rng.integers(0, c_sum.size, size=(n_resamples, max(c_sum.size - 1, 1)))
        boot = c_sum[pick].sum(axis=1) / c_n[pick].sum(axis=1)
        low, high = (float(q) for q in np.quantile(boot, [alpha, 1.0 - alpha]))
        estimable = c_sum.size >= MIN_CLUSTERS
        per_study: dict[str, list[float]] = defaultdict(list)
        for (i, _, _), d in zip(g, delta):
            per_study[items[i].study].append(float(d))
        result[name] = {
            "delta": float(delta.mean()), "low": low if estimable else None,
            "high": high if estimable else None,
            "not_estimable": None if estimable else NOT_ESTIMABLE_ATTRIBUTE,
            "n": int(delta.size), "n_clusters": int(c_sum.size),
            "group_score": float(s[gi].mean()), "country_score": float(s[ci].mean()),
            "keys": sorted({p[2] for p in g}),
            "per_study": {k: {"delta": float(np.mean(v)), "n": len(v)}
                          for k, v in sorted(per_study.items())},
        }
    ordered = dict(sorted(result.items(), key=lambda kv: kv[1]["delta"]))
    return {"attributes": ordered, "n_matched": len(pairs), "n_unmatched": len(unmatched),
            "unmatched": unmatched[:20], "seed": int(seed), "n_resamples": int(n_resamples),
            "level": float(level),
            "method": "mean of score(group row) - score(same question's country-only row); "
                      "cluster bootstrap (C-1 of C questions) percentile interval"}


def _example_item(grouping: dict[str, str]) -> Item:
    """A minimal Grouped item for the doctests."""
    return Item(item_id="grouped/0", split="grouped", row_index=0, dataset_name="ESS", study="ess",
                persona="", question="Q\n\nOptions:\n(A): a\n(B): b", option_labels=("A", "B"),
                option_texts=("a", "b"), human_dist=(0.5, 0.5), human_percent=(50.0, 50.0),
                group_size=10, grouping=grouping)
