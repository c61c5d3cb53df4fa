"""Choose and build the backend that implements a method: the registry of the wings.

Each backend class is registered under ``(method, backend)`` with the dotted path of its module,
which is imported only when that pair is chosen: ``backend="openai"`` never imports torch, and the
uniform baseline imports nothing heavy.

==============  ==============  =================================================================
method          backend         class
==============  ==============  =================================================================
token_probs     transformers    ``simbench.extraction.hf.token_probs.TransformersLogprobBackend``
verbalized      transformers    ``simbench.extraction.hf.verbalized.VerbalizedBackend``
token_probs     openai          ``simbench.extraction.server.openai_backend.OpenAIBackend``
verbalized      openai          ``simbench.extraction.server.openai_backend.OpenAIBackend``
sampling        transformers    ``simbench.extraction.hf.sampling.TransformersSamplingBackend``
sampling        openai          ``simbench.extraction.server.openai_backend.OpenAIBackend``
token_probs     uniform         ``simbench.extraction.baselines.UniformBackend``
verbalized      uniform         ``simbench.extraction.baselines.UniformBackend``
sampling        uniform         ``simbench.extraction.baselines.UniformBackend``
token_probs     vllm            ``simbench.extraction.vllm.token_probs.VLLMLogprobBackend``
verbalized      vllm            ``simbench.extraction.vllm.verbalized.VLLMVerbalizedBackend``
sampling        vllm            ``simbench.extraction.vllm.sampling.VLLMSamplingBackend``
==============  ==============  =================================================================

**Answer-order permutations** are not a method: ``create_backend(..., permutations="cyclic")``
(or ``"random:N"``) wraps whichever class is chosen in
:class:`~simbench.extraction.permuted.PermutedBackend`, so every method and backend has them.

**How a wing registers.** A wing is a sub-package of :mod:`simbench.extraction` holding every
module that imports its engine (``hf/`` imports torch and transformers, ``server/`` httpx; a
``vllm/`` wing would import vllm). To add one: add the backend's name to
:data:`simbench.choices.BackendName` (and a new method to :data:`~simbench.choices.Method`),
then add one :class:`Entry` per method it implements to :data:`REGISTRY`, saying how the class
takes its model (:data:`ModelInput`). Nothing else imports the wing. A test checks that every
backend and method of :mod:`simbench.choices` has an entry, and that only ``hf/`` imports torch.

Options are passed to the class as keyword arguments. An option that was set (not ``None``) that
the chosen class does not accept is an error naming it (``temperature`` means nothing to token
probabilities); :data:`SOFT_OPTIONS` (``seed``, ``method``...) are passed only where accepted.

Examples
--------
>>> create_backend("token_probs", "uniform").name
'uniform'
>>> resolve_backend("transformers", "uniform")  # the model name 'uniform' is the baseline
('uniform', 'uniform')
>>> create_backend("verbalized", "uniform", temperature=0.7)
Traceback (most recent call last):
...
simbench.errors.OptionError: option 'temperature' does not apply to method 'verbalized' on backend 'uniform'
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from ..choices import BACKENDS, METHODS, BackendName, Method, check_choice
from ..errors import ExtractionError, OptionError
from ..prompts.permute import PermutationSpec
from .base import Backend

__all__ = [
    "BASELINE_MODELS",
    "Entry",
    "ModelInput",
    "REGISTRY",
    "SOFT_OPTIONS",
    "backend_class",
    "create_backend",
    "model_input",
    "resolve_backend",
]

#: How a backend class takes its model: ``"loaded"``: a
#: :class:`~simbench.extraction.hf.models.LoadedModel` (its ``model`` and ``tokenizer`` are passed
#: positionally, its provenance as keywords); ``"name"``: the model's name as ``model=``;
#: ``"none"``: no model at all.
ModelInput = Literal["loaded", "name", "none"]


@dataclass(frozen=True)
class Entry:
    """Where the class implementing one ``(method, backend)`` pair lives.

    Attributes:
        module: dotted module path, imported when the pair is chosen.
        cls: the class name in that module.
        model: how the class takes its model (:data:`ModelInput`).
        extra: the pip extra that installs the module's dependencies, for the error message.
    """

    module: str
    cls: str
    model: ModelInput
    extra: str | None = None


_HF, _SERVER = "simbench.extraction.hf", "simbench.extraction.server"
#: ``(method, backend)`` -> :class:`Entry`.
REGISTRY: dict[tuple[Method, BackendName], Entry] = {
    ("token_probs", "transformers"): Entry(f"{_HF}.token_probs", "TransformersLogprobBackend",
                                           "loaded", "hf"),
    ("verbalized", "transformers"): Entry(f"{_HF}.verbalized", "VerbalizedBackend", "loaded", "hf"),
    ("token_probs", "openai"): Entry(f"{_SERVER}.openai_backend", "OpenAIBackend", "name", "openai"),
    ("verbalized", "openai"): Entry(f"{_SERVER}.openai_backend", "OpenAIBackend", "name", "openai"),
    ("token_probs", "uniform"): Entry("simbench.extraction.baselines", "UniformBackend", "none"),
    ("verbalized", "uniform"): Entry("simbench.extraction.baselines", "UniformBackend", "none"),
    ("token_probs", "vllm"): Entry("simbench.extraction.vllm.token_probs", "VLLMLogprobBackend",
                                   "name", "vllm"),
    ("verbalized", "vllm"): Entry("simbench.extraction.vllm.verbalized", "VLLMVerbalizedBackend",
                                  "name", "vllm"),
    ("sampling", "transformers"): Entry(f"{_HF}.sampling", "TransformersSamplingBackend", "loaded",
                                        "hf"),
    ("sampling", "openai"): Entry(f"{_SERVER}.openai_backend", "OpenAIBackend", "name", "openai"),
    ("sampling", "uniform"): Entry("simbench.extraction.baselines", "UniformBackend", "none"),
    ("sampling", "vllm"): Entry("simbench.extraction.vllm.sampling", "VLLMSamplingBackend", "name",
                                "vllm"),
}
#: Options passed only to classes that accept them, never an error.
SOFT_OPTIONS = frozenset({"seed", "method", "model_id", "revision", "content_hash"})
#: Model names that choose a baseline backend when the backend is ``"transformers"`` (the
#: default): ``simbench run --model uniform`` is ``--backend uniform``.
BASELINE_MODELS: dict[str, BackendName] = {"uniform": "uniform"}


def resolve_backend(backend: str, model: str | None) -> tuple[BackendName, str]:
    """The backend and model name a run uses: the one place baseline model names are resolved.

    ``model="uniform"`` with ``backend="transformers"`` is the uniform baseline; a baseline
    backend takes no model name other than its own (its recorded model id), which is the default.

    Raises:
        OptionError: an unknown backend, a missing model name, or a model named for a baseline.

    >>> resolve_backend("uniform", None), resolve_backend("openai", "uniform")
    (('uniform', 'uniform'), ('openai', 'uniform'))
    """
    chosen = check_choice(backend, BACKENDS, "backend")
    if chosen == "transformers" and isinstance(model, str) and model.lower() in BASELINE_MODELS:
        chosen = BASELINE_MODELS[model.lower()]
    if _model_input(chosen) == "none":
        if model is not None and model.lower() != chosen:
            raise OptionError(f"backend {chosen!r} takes no model (got model={model!r})")
        return chosen, chosen
    if not model:
        raise OptionError(f"backend {chosen!r} needs a model name")
    return chosen, model


def model_input(backend: str) -> ModelInput:
    """How ``backend``'s classes take their model (:data:`ModelInput`).

    >>> model_input("transformers"), model_input("openai"), model_input("uniform")
    ('loaded', 'name', 'none')
    """
    return _model_input(check_choice(backend, BACKENDS, "backend"))


def _model_input(backend: BackendName) -> ModelInput:
    kinds = {entry.model for (_, b), entry in REGISTRY.items() if b == backend}
    if len(kinds) != 1:
        raise ExtractionError(f"backend {backend!r} has {len(kinds)} registered model inputs")
    return kinds.pop()


def _entry(method: str, backend: str) -> Entry:
    key = (check_choice(method, METHODS, "method"), check_choice(backend, BACKENDS, "backend"))
    try:
        return REGISTRY[key]
    except KeyError:
        pairs = sorted(f"{m}/{b}" for m, b in REGISTRY)
        raise OptionError(f"no backend implements method {method!r} on backend {backend!r} "
                          f"(registered: {', '.join(pairs)})") from None


def backend_class(method: str, backend: str) -> type[Backend]:
    """Import and return the class implementing ``method`` on ``backend``.

    Raises:
        OptionError: for an unknown method, backend or combination.
        ExtractionError: when the class's module (or what it needs) is not installed.
    """
    entry = _entry(method, backend)
    try:
        module = importlib.import_module(entry.module)
    except ModuleNotFoundError as e:
        extra = f"; install simbench-eval[{entry.extra}]" if entry.extra else ""
        raise ExtractionError(f"method {method!r} on backend {backend!r} needs {entry.module}, "
                              f"which could not be imported ({e}){extra}") from None
    cls: type[Backend] = getattr(module, entry.cls)
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
            raise OptionError(f"option {key!r} does not apply to {where}")
    return out


def create_backend(method: str, backend: str, model: Any = None, *,
                   permutations: str | PermutationSpec | None = None, **options: Any) -> Backend:
    """Build the backend for ``method`` on ``backend``.

    Args:
        method: one of :data:`simbench.choices.METHODS`.
        backend: one of :data:`simbench.choices.BACKENDS` (resolve a user's model name first
            with :func:`resolve_backend`, which turns the model name ``"uniform"`` into the
            uniform backend).
        model: what the backend takes (:func:`model_input`): a
            :class:`~simbench.extraction.hf.models.LoadedModel` for ``transformers``, the served
            model's name for ``openai``, nothing (``None``) for ``uniform``.
        permutations: ``"none"`` (or ``None``), ``"cyclic"`` or ``"random:N"``: ask each item in
            several answer orders (:class:`~simbench.extraction.permuted.PermutedBackend`; the
            orders of ``random:N`` are drawn from ``options["seed"]``).
        **options: keyword arguments of the class (``None`` values are left out).

    Raises:
        OptionError: unknown combination, or an option the class does not take.
        ExtractionError: a missing module, or a model of the wrong kind.
    """
    spec = PermutationSpec.parse(permutations, seed=int(options.get("seed") or 0))
    entry = _entry(method, backend)
    cls: Any = backend_class(method, backend)
    where = f"method {method!r} on backend {backend!r}"
    opts = {"method": method, **options}
    if entry.model == "loaded":
        if not hasattr(model, "tokenizer"):
            raise ExtractionError(f"{where} needs a loaded model (simbench.extraction.hf.models."
                                  f"load_model), got {type(model).__name__}")
        opts.setdefault("model_id", model.model_id)
        opts.setdefault("revision", model.revision)
        opts.setdefault("content_hash", model.content_hash)
        built: Backend = cls(model.model, model.tokenizer, **_accepted(cls, opts, where))
    elif entry.model == "name":
        built = cls(model=str(model), **_accepted(cls, opts, where))
    else:
        if model is not None and model != backend:
            raise ExtractionError(f"{where} takes no model, got {model!r}")
        built = cls(**_accepted(cls, opts, where))
    if spec.active:
        from .permuted import PermutedBackend

        built = PermutedBackend(built, spec)
    return built
