"""Choose and build the backend for ``--method`` x ``--backend`` (x ``--model uniform``).

Backends are imported by module name only when chosen, so ``simbench run --backend openai`` never
imports torch and ``--model uniform`` imports nothing heavy.

==============  ==============  ===========================================================
method          backend         class
==============  ==============  ===========================================================
token_probs     transformers    ``simbench.extraction.hf.token_probs.TransformersLogprobBackend``
verbalized      transformers    ``simbench.extraction.hf.verbalized.VerbalizedBackend``
token_probs     openai          ``simbench.extraction.server.openai_backend.OpenAIBackend``
verbalized      openai          ``simbench.extraction.server.openai_backend.OpenAIBackend``
(any)           (any)           ``--model uniform``: :class:`~.baselines.UniformBackend`
==============  ==============  ===========================================================

Options are passed to the class as keyword arguments. An option the user set (not ``None``) that
the chosen class does not accept is an error naming it (``--temperature`` means nothing to token
probabilities); :data:`SOFT_OPTIONS` (``seed``) are passed only where accepted.

Examples
--------
>>> backend_class("token_probs", "transformers").__name__  # doctest: +SKIP
'TransformersLogprobBackend'
>>> create_backend("token_probs", "transformers", "uniform").name
'uniform'
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Mapping
from typing import Any

from .base import Backend, ExtractionError
from .baselines import BASELINES

__all__ = ["BACKENDS", "SOFT_OPTIONS", "backend_class", "create_backend", "is_baseline"]

#: (method, backend) -> (module, class name, takes a loaded transformers model).
BACKENDS: dict[tuple[str, str], tuple[str, str, bool]] = {
    ("token_probs", "transformers"): ("simbench.extraction.hf.token_probs",
                                      "TransformersLogprobBackend", True),
    ("verbalized", "transformers"): ("simbench.extraction.hf.verbalized", "VerbalizedBackend", True),
    ("token_probs", "openai"): ("simbench.extraction.server.openai_backend", "OpenAIBackend", False),
    ("verbalized", "openai"): ("simbench.extraction.server.openai_backend", "OpenAIBackend", False),
}
#: Options passed only to classes that accept them, never an error.
SOFT_OPTIONS = frozenset({"seed", "method", "model_id", "revision", "content_hash"})


def is_baseline(model: Any) -> bool:
    """Whether ``--model`` names a baseline (``uniform``) rather than a model."""
    return isinstance(model, str) and model.lower() in BASELINES


def backend_class(method: str, backend: str) -> type[Backend]:
    """Import and return the class implementing ``method`` on ``backend``.

    Raises:
        ExtractionError: for an unknown combination, or when its module is not installed.
    """
    try:
        module_name, class_name, _ = BACKENDS[(method, backend)]
    except KeyError:
        methods = sorted({m for m, _ in BACKENDS})
        backends = sorted({b for _, b in BACKENDS})
        raise ExtractionError(f"no backend for --method {method!r} --backend {backend!r} "
                              f"(methods: {methods}, backends: {backends})") from None
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as e:
        raise ExtractionError(f"--method {method} --backend {backend} needs {module_name}, which "
                              f"could not be imported ({e}); install simbench-eval[hf] or "
                              "simbench-eval[openai]") from None
    cls: type[Backend] = getattr(module, class_name)
    return cls


def _accepted(cls: type, options: Mapping[str, Any], where: str) -> dict[str, Any]:
    params = inspect.signature(cls).parameters
    takes_any = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())
    out: dict[str, Any] = {}
    for key, value in options.items():
        if value is None:
            continue
        if takes_any or key in params:
            out[key] = value
        elif key not in SOFT_OPTIONS:
            raise ExtractionError(f"option --{key.replace('_', '-')} does not apply to {where}")
    return out


def create_backend(method: str, backend: str, model: Any, **options: Any) -> Backend:
    """Build the backend for ``method`` on ``backend``.

    Args:
        method: ``"token_probs"`` or ``"verbalized"``.
        backend: ``"transformers"`` or ``"openai"``.
        model: a :class:`~.loading.LoadedModel` for transformers backends; the served model's name
            for ``openai``; ``"uniform"`` for the uniform baseline (method and backend ignored).
        **options: keyword arguments of the class (``None`` values are left out).

    Raises:
        ExtractionError: unknown combination, missing module, or an option the class does not take.
    """
    if is_baseline(model):
        baseline = BASELINES[model.lower()]
        soft = {k: v for k, v in options.items() if k in SOFT_OPTIONS}
        return baseline(**_accepted(baseline, soft, f"--model {model}"))
    cls: Any = backend_class(method, backend)
    _, _, takes_loaded = BACKENDS[(method, backend)]
    where = f"--method {method} --backend {backend}"
    opts = {"method": method, **options}
    if takes_loaded:
        if not hasattr(model, "tokenizer"):
            raise ExtractionError(f"{where} needs a loaded model (simbench.extraction.hf.models."
                                  f"load_model), got {type(model).__name__}")
        opts.setdefault("model_id", model.model_id)
        opts.setdefault("revision", model.revision)
        opts.setdefault("content_hash", model.content_hash)
        return cls(model.model, model.tokenizer, **_accepted(cls, opts, where))
    return cls(model=str(model), **_accepted(cls, opts, where))
