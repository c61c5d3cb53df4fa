"""The ``evaluate`` module shipped inside the package, and :func:`load_metric`.

:func:`load_metric` loads the module file that ships with this package, so it works offline, from
any folder, with nothing registered, and always matches the installed core. ``simbench install``
registers the same file in evaluate's module cache, after which the bare name
``evaluate.load("simbench")`` loads it too (see :mod:`simbench.install`).

Examples
--------
>>> metric_module_path().name
'simbench_metric.py'
>>> metric = load_metric()
>>> metric.name
'simbench_metric'
>>> out = metric.compute(predictions=[[0.25, 0.75], [0.5, 0.5]], references=[[25, 75], [90, 10]],
...                      dataset_names=["Jester", "Jester"], split="pop")
>>> out["mean_tv"], out["n"], out["norms"]          # TV 0 and 0.4, scored with the release norms
(0.2, 2, 'official-pop')
>>> round(out["simbench_score"], 2)                 # 100 * (1 - 0.2 / 0.3205), Jester's uniform TV
37.59
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

__all__ = ["load_metric", "metric_module_path"]


def metric_module_path() -> Path:
    """Path of the ``simbench_metric.py`` evaluate module inside the installed package."""
    path = Path(str(resources.files("simbench").joinpath("_assets", "simbench_metric",
                                                         "simbench_metric.py")))
    if not path.is_file():
        raise FileNotFoundError(f"the evaluate module is missing from the installation: {path}")
    return path


def load_metric(**kwargs: Any) -> Any:
    """Load the SimBench ``evaluate`` module (``evaluate.load`` on the shipped file; offline).

    Args:
        **kwargs: passed to ``evaluate.load`` (e.g. ``experiment_id``, ``keep_in_memory``).

    Returns:
        An ``evaluate.EvaluationModule`` whose ``compute(predictions=..., references=...,
        dataset_names=..., split=...)`` returns the SimBench score.
    """
    try:
        import evaluate
    except ImportError as e:  # pragma: no cover - depends on the installation
        raise ImportError("load_metric needs the 'evaluate' package: "
                          "pip install 'simbench-eval[metric]'") from e
    return evaluate.load(str(metric_module_path()), **kwargs)
