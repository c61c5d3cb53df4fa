"""The public face of simbench.metric: sorted exports, light imports (its doctests run under pytest's
--doctest-modules, checked by tests/test_doctests.py)."""

from __future__ import annotations

import subprocess
import sys

import simbench.metric as metric


def test_all_is_sorted_and_complete() -> None:
    assert metric.__all__ == sorted(metric.__all__)
    for name in metric.__all__:
        assert hasattr(metric, name), name
    for name in ("read_predictions", "score_predictions", "score_predictions_rows",
                 "PredictionError", "format_score_table"):
        assert name in metric.__all__


def test_importing_the_metric_stays_light() -> None:
    code = ("import sys, simbench.metric, simbench.metric.evaluate_module; "
            "print(sorted(m for m in ('evaluate', 'datasets', 'torch', 'transformers', 'pandas') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
