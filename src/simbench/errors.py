"""One exception tree for the whole package.

Every error that simbench raises on purpose derives from :class:`SimBenchError`, with one subclass
per layer (data, extraction, run, metric, statistics, leaderboard, command line). Each layer's class
is also a :class:`ValueError`, :class:`RuntimeError` or :class:`FileNotFoundError` where callers
have relied on that, so ``except ValueError`` keeps working. The command line catches
:class:`SimBenchError` once and prints one line (a traceback with ``-v``).

Examples
--------
>>> issubclass(DataError, SimBenchError), issubclass(DataError, ValueError)
(True, True)
>>> err = PredictionError(["row 3 (pop/7): 'distribution' is missing"], source="p.jsonl")
>>> print(err)
1 problem in the predictions (p.jsonl):
  - row 3 (pop/7): 'distribution' is missing
>>> err.problems
["row 3 (pop/7): 'distribution' is missing"]
"""

from __future__ import annotations

import pickle
from collections.abc import Sequence

__all__ = [
    "AdapterError",
    "CLIError",
    "CalibrationError",
    "DataError",
    "DataNotFoundError",
    "DistributionError",
    "ExtractionError",
    "InstallError",
    "LabelTokenError",
    "LeaderboardError",
    "MetricError",
    "OptionError",
    "PredictionError",
    "ProblemsError",
    "RunError",
    "RunFolderError",
    "RunMismatchError",
    "ServerError",
    "SimBenchError",
    "StatsError",
    "SubmissionError",
    "UnsafePickleError",
]

#: How many problems the message of a :class:`ProblemsError` lists (all are kept in ``problems``).
MAX_PROBLEMS_SHOWN = 50


class SimBenchError(Exception):
    """The root of every error simbench raises on purpose; the message says what to do."""


class ProblemsError(SimBenchError):
    """An error that carries every problem found (``problems``), not just the first.

    The message is ``head`` followed by at most :data:`MAX_PROBLEMS_SHOWN` problems, one a line.
    """

    def __init__(self, head: str, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        n = len(self.problems)
        lines = [f"  - {p}" for p in self.problems[:MAX_PROBLEMS_SHOWN]]
        if n > MAX_PROBLEMS_SHOWN:
            lines.append(f"  ... and {n - MAX_PROBLEMS_SHOWN} more")
        super().__init__(head + ":\n" + "\n".join(lines))


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'s' if n != 1 else ''}"


# -- options of any layer ----------------------------------------------------------------------
class OptionError(SimBenchError, ValueError):
    """An option has a value it cannot take: not one of a closed choice's values
    (:mod:`simbench.choices`), or out of range. The message names the parameter."""


# -- data ---------------------------------------------------------------------------------------
class DataError(SimBenchError, ValueError):
    """A row of benchmark data is malformed. The message names the source, the row and the field."""


class DataNotFoundError(SimBenchError, FileNotFoundError):
    """No SimBench data could be found locally or on the Hub."""


class UnsafePickleError(DataError, pickle.UnpicklingError):
    """The pickle references a global outside pandas and numpy."""


class DistributionError(SimBenchError, ValueError):
    """A distribution over an item's labels is invalid (``simbench.distributions``).

    ``where`` names the row, ``field`` the field and ``problem`` says what is wrong; the message
    is ``"<where>: field '<field>': <problem>"``.
    """

    def __init__(self, where: str, field: str, problem: str) -> None:
        self.where, self.field, self.problem = where, field, problem
        super().__init__(f"{where}: field {field!r}: {problem}")

    def __reduce__(self) -> tuple[type, tuple[str, str, str]]:
        return type(self), (self.where, self.field, self.problem)


# -- extraction ---------------------------------------------------------------------------------
class ExtractionError(SimBenchError, RuntimeError):
    """A model or backend cannot produce predictions for the given items (message says why)."""


class LabelTokenError(ExtractionError, ValueError):
    """A label is not exactly one token in context, so its probability is not one softmax entry."""


class ServerError(ExtractionError):
    """The server refused the run's configuration (bad URL, model or key): nothing can succeed."""


class AdapterError(ExtractionError, ValueError):
    """A (PEFT LoRA) adapter cannot be applied: not an adapter, or made for another base model."""


# -- runs ---------------------------------------------------------------------------------------
class RunError(SimBenchError, ValueError):
    """A run cannot go ahead as asked (bad settings, no items...); the message says why."""


class RunFolderError(RunError):
    """A run folder cannot be used as asked (different model, corrupt file...); says why."""


# -- metric -------------------------------------------------------------------------------------
class MetricError(SimBenchError, ValueError):
    """Inputs to the SimBench score are malformed; the message names the row and the field."""


class PredictionError(ProblemsError, MetricError):
    """Predictions are malformed. ``problems`` lists every problem, each naming the row and item."""

    def __init__(self, problems: Sequence[str], source: str | None = None) -> None:
        self.source = source
        head = f"{_plural(len(problems), 'problem')} in the predictions"
        if source:
            head += f" ({source})"
        super().__init__(head, problems)


# -- statistics ---------------------------------------------------------------------------------
class StatsError(SimBenchError, ValueError):
    """A statistic cannot be computed from the runs given (message says why)."""


class RunMismatchError(StatsError):
    """Two runs cannot be compared: different items or different data."""


class CalibrationError(StatsError):
    """A run cannot be calibrated as asked (nothing to fit on, a run not finished...)."""


# -- leaderboard --------------------------------------------------------------------------------
class LeaderboardError(SimBenchError, ValueError):
    """A leaderboard entry or results file cannot be made as asked."""


class SubmissionError(ProblemsError, LeaderboardError):
    """A rejected submission. ``problems`` lists every problem, each naming its item or field.

    ``summary``, when given, is the first line of the message (what to do about the commonest
    cause, e.g. a sample run that lacks most items), before the list of problems.
    """

    def __init__(self, problems: Sequence[str], origin: str, summary: str | None = None) -> None:
        self.origin = origin
        self.summary = summary
        head = f"submission {origin} rejected: {_plural(len(problems), 'problem')}"
        if summary:
            head = f"submission {origin} rejected: {summary}\n{_plural(len(problems), 'problem')}"
        super().__init__(head, problems)


# -- registration in the Hugging Face caches (simbench install) ---------------------------------
class InstallError(SimBenchError, RuntimeError):
    """The configs or the metric could not be registered in the ``datasets``/``evaluate`` caches."""


# -- command line -------------------------------------------------------------------------------
class CLIError(SimBenchError):
    """A user-facing error of the command line: printed without a traceback, exit code 2."""
