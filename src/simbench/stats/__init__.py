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
* :func:`fit_temperature`, :func:`apply_temperature`, :func:`cross_fit_temperatures`: temperature
  scaling of label distributions fitted to minimise the mean TV; :func:`calibrate_run` writes a
  calibrated copy of a run folder (``simbench calibrate``, ``docs/methods.md``).
"""

from __future__ import annotations

from ._layout import NOT_ESTIMABLE, normalised_entropy
from .alignment import alignment_analysis
from .bootstrap import bootstrap_ci
from .breakdowns import ENTROPY_BINS, attribute_deltas, entropy_bins
from .calibrated_runs import CalibratedRun, calibrate_run
from .calibration import (
    DEFAULT_BOUNDS,
    TemperatureFit,
    apply_temperature,
    cross_fit_temperatures,
    fit_temperature,
    mean_total_variation,
)
from .ceiling import NoiseCeiling, noise_ceiling
from .paired import paired_comparison
from .scored_runs import RunData, RunMismatchError, check_comparable, compare_runs, load_run

__all__ = [
    "CalibratedRun",
    "DEFAULT_BOUNDS",
    "ENTROPY_BINS",
    "NOT_ESTIMABLE",
    "NoiseCeiling",
    "RunData",
    "RunMismatchError",
    "TemperatureFit",
    "alignment_analysis",
    "apply_temperature",
    "attribute_deltas",
    "bootstrap_ci",
    "calibrate_run",
    "check_comparable",
    "compare_runs",
    "cross_fit_temperatures",
    "entropy_bins",
    "fit_temperature",
    "load_run",
    "mean_total_variation",
    "noise_ceiling",
    "normalised_entropy",
    "paired_comparison",
]
