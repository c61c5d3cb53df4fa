"""Fixtures for the statistics tests: real items and known-answer predictions built from them."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from simbench import Item, select_items
from simbench.metric import compute_norms, uniform_matrix
from simbench.stats._layout import human_matrix


def _mixture(items: list[Item], weight: float) -> np.ndarray:
    """``weight * human + (1 - weight) * uniform``: row score ``100 * (1 - (1-w) TV(P,U)/norm)``."""
    return weight * human_matrix(items) + (1.0 - weight) * uniform_matrix([it.n_options for it in items])


@pytest.fixture(scope="session")
def mixture() -> Callable[[list[Item], float], np.ndarray]:
    """Known-answer predictions: ``mixture(items, w) = w * human + (1 - w) * uniform``."""
    return _mixture


@pytest.fixture(scope="session")
def full_norms(all_items: list[Item]) -> dict:
    """The official full-split norms."""
    return compute_norms(all_items)


@pytest.fixture(scope="session")
def sample_items(all_items: list[Item]) -> list[Item]:
    """About 40 rows per (split, study), whole real rows of both splits."""
    return select_items(all_items, limit_per_study=40, seed=1)
