"""Score against parameter count: model families, parameter counts and the log-linear fit per family.

The paper reports that the SimBench score grows log-linearly with the parameter count. The scaling
panel plots every row whose size is known (published and submitted) on a log-x axis, one colour per
family (Qwen2.5, OLMo-2, Llama-3.1, Gemma-3, then the others), filled markers for instruct models and
open ones for base models, and fits ``score = a + b * log10(params)`` per family and model type
(the four named families; the others are plotted without a line); ``b`` is the gain in score
points per tenfold parameters.

Parameter counts come from :data:`PARAMETER_COUNTS` (the published models, kept in the package), and
for submitted models from the submitter's provenance (the run record's ``backend_details.n_parameters``),
the same table (by Hub id or name), or the model's ``config.json`` (a local folder, or the Hub file
when online), estimated from its shapes.

Examples
--------
>>> model_family("Qwen/Qwen2.5-7B-Instruct"), model_family("Llama-3.1-Centaur-70B")
('Qwen2.5', 'Centaur')
>>> PARAMETER_COUNTS["Qwen2.5-7B"].billions, PARAMETER_COUNTS["GPT-4.1"].billions
(7.61, None)
>>> fit = fit_log_linear([1.0, 10.0, 100.0], [0.0, 5.0, 10.0])
>>> round(fit.slope, 6), round(fit.intercept, 6) + 0.0
(5.0, 0.0)
>>> config_parameter_count({"model_type": "llama", "vocab_size": 1000, "hidden_size": 64,
...     "intermediate_size": 128, "num_hidden_layers": 2, "num_attention_heads": 4,
...     "num_key_value_heads": 2, "tie_word_embeddings": False})
201728
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ...runs import RUN_INFO_FILE

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = [
    "FAMILIES",
    "PARAMETER_COUNTS",
    "LogLinearFit",
    "ModelSize",
    "ScalingPoint",
    "config_parameter_count",
    "fit_log_linear",
    "fit_families",
    "lookup_size",
    "model_family",
    "scaling_figure",
]

logger = logging.getLogger(__name__)

#: The families drawn in their own colour, in legend order; everything else is "others".
FAMILIES = ("Qwen2.5", "OLMo-2", "Llama-3.1", "Gemma-3")
OTHERS = "others"
_FAMILY_PATTERNS = (  # (family, pattern on the lower-cased name); first match wins
    ("Centaur", re.compile(r"centaur|minitaur")),
    ("Qwen2.5", re.compile(r"qwen2\.5")),
    ("OLMo-2", re.compile(r"olmo-2")),
    ("Llama-3.1", re.compile(r"llama-3\.1")),
    ("Gemma-3", re.compile(r"gemma-3")),
    ("DeepSeek", re.compile(r"deepseek")),
)


@dataclass(frozen=True)
class ModelSize:
    """A parameter count and where it comes from.

    Attributes:
        billions: parameters in billions (``None``: not disclosed).
        source: ``"model card"``, the run record's file name, ``"config.json (estimated)"``, ...
        hub_id: the model's Hub repository id, when it has one.
        note: anything a reader should know (mixture of experts, vision encoder included).
    """

    billions: float | None
    source: str
    hub_id: str | None = None
    note: str | None = None


def _sizes() -> dict[str, ModelSize]:
    card = "model card"
    out: dict[str, ModelSize] = {}
    for size, b in (("0.5B", 0.49), ("1.5B", 1.54), ("3B", 3.09), ("7B", 7.61), ("14B", 14.7),
                    ("32B", 32.5), ("72B", 72.7)):
        for suffix in ("", "-Instruct"):
            out[f"Qwen2.5-{size}{suffix}"] = ModelSize(b, card, f"Qwen/Qwen2.5-{size}{suffix}")
    for size, b in (("8B", 8.03), ("70B", 70.6), ("405B", 406.0)):
        for suffix in ("", "-Instruct"):
            out[f"Llama-3.1-{size}{suffix}"] = ModelSize(b, card,
                                                         f"meta-llama/Llama-3.1-{size}{suffix}")
    out["Llama-3.1-Minitaur-8B"] = ModelSize(8.03, card, "marcelbinz/Llama-3.1-Minitaur-8B",
                                             "a fine-tune of Llama-3.1-8B")
    out["Llama-3.1-Centaur-70B"] = ModelSize(70.6, card, "marcelbinz/Llama-3.1-Centaur-70B",
                                             "a fine-tune of Llama-3.1-70B")
    for size, b in (("1B", 1.0), ("4B", 4.3), ("12B", 12.2), ("27B", 27.4)):
        note = None if size == "1B" else "vision encoder included"
        for suffix in ("PT", "IT"):
            out[f"Gemma-3-{size}-{suffix}"] = ModelSize(
                b, card, f"google/gemma-3-{size.lower()}-{suffix.lower()}", note)
    for name, b in (("1124-7B", 7.3), ("1124-13B", 13.7), ("0325-32B", 32.2)):
        for suffix in ("", "-SFT", "-DPO", "-Instruct"):
            out[f"OLMo-2-{name}{suffix}"] = ModelSize(b, card, f"allenai/OLMo-2-{name}{suffix}")
    for name in ("DeepSeek-V3-0324", "DeepSeek-R1"):
        out[name] = ModelSize(671.0, card, f"deepseek-ai/{name}",
                              "mixture of experts: 671B in total, 37B active per token")
    for name in ("Claude-3.7-Sonnet", "Claude-3.7-Sonnet (4k thinking)", "GPT-4.1",
                 "o4-mini-high", "o4-mini-low"):
        out[name] = ModelSize(None, "not disclosed")
    return out


#: Parameter counts of the 45 published models (billions, rounded as on their model cards).
PARAMETER_COUNTS: Mapping[str, ModelSize] = _sizes()
_BY_KEY = {k.lower(): v for name, v in PARAMETER_COUNTS.items()
           for k in (name, v.hub_id or name, (v.hub_id or name).rsplit("/", 1)[-1])}


def model_family(name: str) -> str:
    """The family of a model name or Hub id: one of :data:`FAMILIES`, ``"Centaur"``,
    ``"DeepSeek"`` or ``"others"``."""
    low = name.lower()
    for family, pattern in _FAMILY_PATTERNS:
        if pattern.search(low):
            return family
    return OTHERS


def config_parameter_count(config: Mapping[str, Any]) -> int | None:
    """Estimate the parameters of a decoder-only transformer from its ``config.json``.

    Counts embeddings, attention and MLP weights (biases and norms are below 1% and left out);
    handles the Llama/Qwen/Gemma/OLMo field names and GPT-2's (``n_embd``, ``n_layer``). Returns
    ``None`` when the shapes are not there (a mixture of experts, an unknown layout).
    """
    c = dict(config.get("text_config") or config)
    shapes = [c.get("hidden_size", c.get("n_embd")), c.get("num_hidden_layers", c.get("n_layer")),
              c.get("vocab_size")]
    if not all(isinstance(v, int) and v > 0 for v in shapes):
        return None
    if c.get("num_local_experts") or c.get("n_routed_experts"):
        return None  # experts: the total is not estimated from the dense shapes
    h, layers, vocab = (int(v) for v in shapes if isinstance(v, int))
    heads = int(c.get("num_attention_heads") or c.get("n_head") or 1)
    head_dim = int(c.get("head_dim") or h // heads)
    kv = int(c.get("num_key_value_heads") or heads)
    if "n_embd" in c and "hidden_size" not in c:  # GPT-2: fused qkv, 4h MLP with two matrices
        inner = int(c.get("n_inner") or 4 * h)
        per_layer = 4 * h * h + 2 * h * inner
        pos = int(c.get("n_positions") or 0) * h
    else:
        inner = int(c.get("intermediate_size") or 4 * h)
        per_layer = 2 * h * heads * head_dim + 2 * h * kv * head_dim + 3 * h * inner
        pos = 0
    embed = vocab * h
    head = 0 if c.get("tie_word_embeddings", "n_embd" in c) else vocab * h
    return int(embed + head + pos + layers * per_layer)


def _config_size(run: Mapping[str, Any]) -> ModelSize | None:
    model = run.get("model") or {}
    for where in (model.get("source"), model.get("id")):
        if not isinstance(where, str) or not where:
            continue
        path = Path(where.split("::")[0]).expanduser()
        cfg = path / "config.json" if path.is_dir() else None
        if cfg is not None and cfg.is_file():
            try:
                n = config_parameter_count(json.loads(cfg.read_text(encoding="utf-8")))
            except ValueError:
                n = None
            if n:
                return ModelSize(n / 1e9, "config.json (estimated)")
    return _hub_config_size(model)


def _hub_config_size(model: Mapping[str, Any]) -> ModelSize | None:
    """The Hub's ``config.json`` of a Hub model id (``None`` offline or when it cannot be read)."""
    import os

    model_id = model.get("id")
    if (not isinstance(model_id, str) or not re.match(r"^[\w.-]+/[\w.-]+$", model_id)
            or os.environ.get("HF_HUB_OFFLINE", "0") not in ("", "0", "false", "False")):
        return None
    try:
        from huggingface_hub import hf_hub_download

        path = hf_hub_download(model_id, "config.json", revision=model.get("revision"))
        n = config_parameter_count(json.loads(Path(path).read_text(encoding="utf-8")))
    except Exception as e:  # network, gated or missing repo: the size stays unknown
        logger.info("no config.json for %s: %s", model_id, e)
        return None
    return ModelSize(n / 1e9, "config.json (estimated)", model_id) if n else None


def lookup_size(name: str, run: Mapping[str, Any] | None = None) -> ModelSize | None:
    """The parameter count of a model: provenance, then the table, then its ``config.json``.

    Args:
        name: the model name (published rows) or model id (submissions).
        run: the submission's run record (``None`` for published rows).

    >>> lookup_size("Qwen/Qwen2.5-0.5B-Instruct").billions
    0.49
    >>> lookup_size("m", {"model": {"id": "m"}, "backend_details": {"n_parameters": 135e6}})
    ModelSize(billions=0.135, source='run...', hub_id=None, note=None)
    """
    if run is not None:
        details = run.get("backend_details") or {}
        n = details.get("n_parameters") if isinstance(details, Mapping) else None
        if isinstance(n, (int, float)) and not isinstance(n, bool) and n > 0:
            return ModelSize(float(n) / 1e9, RUN_INFO_FILE)
    known = _BY_KEY.get(name.lower()) or _BY_KEY.get(name.rsplit("/", 1)[-1].lower())
    if known is not None:
        return known
    return _config_size(run) if run is not None else None


@dataclass(frozen=True)
class ScalingPoint:
    """One model on the scaling plot."""

    model: str
    family: str
    model_type: str
    billions: float
    score: float
    submitted: bool


@dataclass(frozen=True)
class LogLinearFit:
    """``score = intercept + slope * log10(billions)`` fitted by least squares.

    Attributes:
        slope: score points per tenfold parameters.
        intercept: the fitted score at one billion parameters.
        n: number of models in the fit.
        r: Pearson correlation of score with log10(parameters).
    """

    slope: float
    intercept: float
    n: int
    r: float | None


def fit_log_linear(billions: Sequence[float], scores: Sequence[float]) -> LogLinearFit:
    """Least-squares fit of score on log10(parameters); needs two distinct sizes.

    Raises:
        ValueError: fewer than two distinct sizes, or a size that is not positive.
    """
    import numpy as np

    x = np.log10(np.asarray(billions, dtype=np.float64))
    y = np.asarray(scores, dtype=np.float64)
    if len(x) != len(y) or not np.all(np.isfinite(x)):
        raise ValueError("parameter counts must be positive and match the scores")
    if len(np.unique(x)) < 2:
        raise ValueError("a log-linear fit needs at least two distinct sizes")
    slope, intercept = np.polyfit(x, y, 1)
    r = float(np.corrcoef(x, y)[0, 1]) if len(x) > 2 and np.ptp(y) > 0 else None
    return LogLinearFit(float(slope), float(intercept), len(x), r)


def fit_families(points: Sequence[ScalingPoint]) -> dict[tuple[str, str], LogLinearFit]:
    """A fit per (family, model type) of :data:`FAMILIES` with two sizes or more.

    The other models (Centaur and Minitaur, two different fine-tunes; DeepSeek, one size; the
    unknown families of submissions) are plotted without a line.
    """
    groups: dict[tuple[str, str], list[ScalingPoint]] = {}
    for p in points:
        if p.family in FAMILIES:
            groups.setdefault((p.family, p.model_type), []).append(p)
    out = {}
    for key, ps in sorted(groups.items()):
        if len({p.billions for p in ps}) >= 2:
            out[key] = fit_log_linear([p.billions for p in ps], [p.score for p in ps])
    return out


_COLOURS = {"Qwen2.5": "#0072B2", "OLMo-2": "#E69F00", "Llama-3.1": "#009E73",
            "Gemma-3": "#CC79A7", "Centaur": "#56B4E9", "DeepSeek": "#D55E00", OTHERS: "#555555"}


def scaling_figure(points: Sequence[ScalingPoint],
                   fits: Mapping[tuple[str, str], LogLinearFit] | None = None) -> Figure:
    """The scaling plot: a log-x scatter per family with the fitted lines (matplotlib ``Figure``).

    Filled markers: instruct models; open markers: base models; a black edge: submitted rows. The
    line of each (family, type) fit is solid for instruct models and dashed for base models; the
    legend gives its slope in points per tenfold parameters.
    """
    import numpy as np
    from matplotlib.figure import Figure

    fits = fit_families(points) if fits is None else fits
    fig = Figure(figsize=(11.0, 5.6), dpi=100, layout="constrained")
    ax = fig.add_subplot(1, 1, 1)
    for p in points:
        colour = _COLOURS.get(p.family, _COLOURS[OTHERS])
        instruct = p.model_type == "instruct"
        ax.scatter([p.billions], [p.score], s=60 if p.submitted else 40,
                   marker="^" if instruct else "o",
                   facecolors=colour if instruct else "none",
                   edgecolors="black" if p.submitted else colour, linewidths=1.5, zorder=3)
        if p.submitted:  # submissions are named on the plot
            ax.annotate(p.model, (p.billions, p.score), xytext=(5, 4), textcoords="offset points",
                        fontsize=7.5)
    for (family, model_type), fit in fits.items():
        xs = [p.billions for p in points if p.family == family and p.model_type == model_type]
        grid = np.geomspace(min(xs), max(xs), 20)
        ax.plot(grid, fit.intercept + fit.slope * np.log10(grid),
                color=_COLOURS.get(family, _COLOURS[OTHERS]),
                linestyle="-" if model_type == "instruct" else "--", linewidth=1.6,
                label=f"{family} {model_type}: {fit.slope:+.1f} / 10x (n={fit.n})")
    for family in (*FAMILIES, "Centaur", "DeepSeek", OTHERS):
        if any(p.family == family for p in points) and not any(f == family for f, _ in fits):
            ax.scatter([], [], marker="o", color=_COLOURS[family], label=f"{family} (no fit)")
    ax.scatter([], [], marker="^", color="#999999", label="instruct (filled)")
    ax.scatter([], [], marker="o", facecolors="none", edgecolors="#999999", label="base (open)")
    ax.scatter([], [], marker="o", facecolors="none", edgecolors="black", label="submitted")
    ax.axhline(0.0, color="#d62728", linewidth=1.0, linestyle=":")
    ax.set_xscale("log")
    ax.set_xlabel("parameters (billions, log scale)")
    ax.set_ylabel("SimBench score")
    ax.set_title("SimBench score against model size, with a log-linear fit per family")
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    ax.grid(True, which="major", alpha=0.3)
    return fig
