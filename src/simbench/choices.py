"""The closed choices of an evaluation, defined once: methods, protocols, prompt modes, backends.

Each choice is a ``Literal`` type, for signatures and mypy, and the tuple of its values, for
``argparse`` ``choices=`` and for messages. The tuple is taken from the type with
:func:`typing.get_args`, so the two cannot disagree. A value that comes from a user is checked
once, where it enters (:func:`check_choice`), and is typed from there on.

=====================  =====================================================================
choice                 values
=====================  =====================================================================
:data:`Method`         ``token_probs`` (label probabilities after ``"("``), ``verbalized``
                       (the model writes a JSON object of percentages), ``sampling`` (labels
                       sampled after ``"("`` and counted, ``docs/methods.md``)
:data:`Protocol`       ``default`` (the corrected protocol), ``release`` (the original
                       release's quirks, to reproduce published numbers)
:data:`PromptMode`     ``auto`` (chat when the tokenizer has a chat template), ``chat``, ``base``;
                       a backend records the resolved mode (:data:`ResolvedPromptMode`)
:data:`BackendName`    ``transformers`` (in process), ``openai`` (an OpenAI-compatible server),
                       ``uniform`` (the baseline: ``1/K`` for each of an item's ``K`` options),
                       ``vllm`` (vLLM's offline engine in process, ``docs/scaling.md``)
:data:`Status`         a prediction's ``ok`` or ``failed``
:data:`Dtype`          how a transformers model's weights are loaded (``auto-fast``:
                       bfloat16 on a CPU with native bfloat16, see ``docs/extraction.md``)
:data:`CrossFit`       how ``simbench calibrate --cross-fit`` holds out part of a run:
                       ``study`` (fit on the other studies, apply to each in turn)
=====================  =====================================================================

Adding a value to a type here, and the class that implements it to the registry of
:mod:`simbench.extraction.factory`, is the whole registration; a test checks that
every method and backend named here has a class registered.

Examples
--------
>>> METHODS, BACKENDS
(('token_probs', 'verbalized', 'sampling'), ('transformers', 'openai', 'uniform', 'vllm'))
>>> check_choice("release", PROTOCOLS, "protocol")
'release'
>>> check_choice("greedy", METHODS, "method")
Traceback (most recent call last):
...
simbench.errors.OptionError: method 'greedy' is not one of 'token_probs', 'verbalized', 'sampling'
"""

from __future__ import annotations

from typing import Literal, TypeVar, get_args

from .errors import OptionError

__all__ = [
    "BACKENDS",
    "BackendName",
    "CROSS_FITS",
    "CrossFit",
    "DTYPES",
    "Dtype",
    "METHODS",
    "Method",
    "PROMPT_MODES",
    "PROTOCOLS",
    "PromptMode",
    "Protocol",
    "RESOLVED_PROMPT_MODES",
    "ResolvedPromptMode",
    "STATUSES",
    "Status",
    "check_choice",
]

#: How a model's answer distribution is elicited.
Method = Literal["token_probs", "verbalized", "sampling"]
#: The prompt protocol: the corrected one, or the original release's for reproduction.
Protocol = Literal["default", "release"]
#: How the prompt is rendered; ``"auto"`` picks chat when the tokenizer has a chat template.
PromptMode = Literal["auto", "chat", "base"]
#: A prompt mode once ``"auto"`` is resolved (what provenance records).
ResolvedPromptMode = Literal["chat", "base"]
#: Which engine produces the predictions.
BackendName = Literal["transformers", "openai", "uniform", "vllm"]
#: The status of one prediction.
Status = Literal["ok", "failed"]
#: How a transformers model's weights are loaded (``auto``: float32 on CPU, bfloat16 on a GPU;
#: ``auto-fast``: also bfloat16 on a CPU that computes it natively, see ``docs/extraction.md``).
Dtype = Literal["auto", "auto-fast", "float32", "bfloat16", "float16"]
#: The held-out unit of a cross-fitted calibration (``simbench calibrate --cross-fit``).
CrossFit = Literal["study"]

METHODS: tuple[Method, ...] = get_args(Method)
PROTOCOLS: tuple[Protocol, ...] = get_args(Protocol)
PROMPT_MODES: tuple[PromptMode, ...] = get_args(PromptMode)
RESOLVED_PROMPT_MODES: tuple[ResolvedPromptMode, ...] = get_args(ResolvedPromptMode)
BACKENDS: tuple[BackendName, ...] = get_args(BackendName)
STATUSES: tuple[Status, ...] = get_args(Status)
DTYPES: tuple[Dtype, ...] = get_args(Dtype)
CROSS_FITS: tuple[CrossFit, ...] = get_args(CrossFit)

_C = TypeVar("_C", bound=str)


def check_choice(value: object, choices: tuple[_C, ...], what: str) -> _C:
    """Return ``value`` typed as one of ``choices``, or raise naming ``what`` and the choices.

    Args:
        value: the value given (any type: a non-string is never a choice).
        choices: one of this module's tuples, e.g. :data:`METHODS`.
        what: the parameter's name, for the message (``"method"``, ``"prompt_mode"``).

    Raises:
        OptionError: a :class:`ValueError` (and :class:`~simbench.errors.SimBenchError`)
            naming the parameter, the value and the accepted values.

    >>> check_choice("auto", PROMPT_MODES, "prompt_mode")
    'auto'
    """
    for choice in choices:
        if value == choice:
            return choice
    raise OptionError(f"{what} {value!r} is not one of {', '.join(map(repr, choices))}")
