"""Statistics around the SimBench score (numpy/scipy only, every random function seeded).

* :func:`bootstrap_ci`: cluster-bootstrap confidence intervals for the headline, split and study
  scores (question clusters resampled within each study).
* :func:`paired_comparison`: difference of two models on the same items, paired-bootstrap interval,
  sign-flip permutation p-value and per-item win rate; :func:`compare_runs` does it for run folders.
* :func:`noise_ceiling`: the best attainable score given the finite group sizes.
* :func:`entropy_bins`, :func:`attribute_deltas`: breakdowns by human entropy and by demographic
  attribute of Grouped rows (:data:`ENTROPY_BINS` bins in the report and the notebooks).
* Intervals that cannot be estimated (a study with fewer than 2 question clusters) are ``None``
  with a ``not_estimable`` reason (:data:`NOT_ESTIMABLE`), never zero-width; see
  ``docs/statistics.md``.
* :func:`alignment_analysis`: per-item score difference of two runs against human entropy.
* :func:`load_run`: a run folder, validated and scored, ready for all of the above.
"""

from __future__ import annotations

from ._layout import NOT_ESTIMABLE, normalised_entropy
from .alignment import alignment_analysis
from .bootstrap import bootstrap_ci
from .breakdowns import ENTROPY_BINS, attribute_deltas, entropy_bins
from .ceiling import NoiseCeiling, noise_ceiling
from .paired import paired_comparison
from .scored_runs import RunData, RunMismatchError, check_comparable, compare_runs, load_run

__all__ = [
    "ENTROPY_BINS",
    "NOT_ESTIMABLE",
    "NoiseCeiling",
    "RunData",
    "RunMismatchError",
    "alignment_analysis",
    "attribute_deltas",
    "bootstrap_ci",
    "check_comparable",
    "compare_runs",
    "entropy_bins",
    "load_run",
    "noise_ceiling",
    "normalised_entropy",
    "paired_comparison",
]
