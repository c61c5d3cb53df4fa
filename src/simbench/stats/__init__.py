"""Statistics around the SimBench score (numpy/scipy only, every random function seeded).

* :func:`bootstrap_ci`: cluster-bootstrap confidence intervals for the headline, split and study
  scores (question clusters resampled within each study).
* :func:`paired_comparison`: difference of two models on the same items, paired-bootstrap interval,
  sign-flip permutation p-value and per-item win rate; :func:`compare_runs` does it for run folders.
* :func:`noise_ceiling`: the best attainable score given the finite group sizes.
* :func:`entropy_bins`, :func:`attribute_deltas`: breakdowns by human entropy and by demographic
  attribute of Grouped rows.
* :func:`alignment_analysis`: per-item score difference of two runs against human entropy.
"""

from __future__ import annotations

from ._layout import normalised_entropy
from .alignment import alignment_analysis
from .bootstrap import bootstrap_ci
from .breakdowns import attribute_deltas, entropy_bins
from .ceiling import NoiseCeiling, noise_ceiling
from .paired import paired_comparison

__all__ = [
    "NoiseCeiling",
    "alignment_analysis",
    "attribute_deltas",
    "bootstrap_ci",
    "entropy_bins",
    "noise_ceiling",
    "normalised_entropy",
    "paired_comparison",
]
