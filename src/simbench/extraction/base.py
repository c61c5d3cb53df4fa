"""The backend interface every extraction method implements, and the per-item result record.

A backend turns :class:`~simbench.data.schema.Item` objects into :class:`Prediction` records. The
run layer (``simbench run``) streams them to the run folder's predictions file as they come, so a backend yields
each prediction as soon as it is final (per finished batch), in any order.

Examples
--------
>>> p = Prediction("pop/3", {"A": 0.25, "B": 0.75}, label_mass=0.9, prompt_hash=prompt_hash("hi"))
>>> p.to_json()["distribution"], p.status
({'A': 0.25, 'B': 0.75}, 'ok')
>>> Prediction.from_json(p.to_json()) == p
True
>>> Prediction.failed("pop/4", prompt_hash="0" * 16, error="no JSON object").to_json()["status"]
'failed'
>>> Prediction("pop/5", {"A": 0.5, "B": 0.6}, None, "0" * 16)
Traceback (most recent call last):
...
simbench.errors.DistributionError: item 'pop/5': field 'distribution': values sum to 1.1, more than sum_tolerance=1e-06 away from 1
"""

from __future__ import annotations

import abc
import hashlib
import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..choices import STATUSES, BackendName, Method, Status, check_choice
from ..distributions import check_distribution
from ..errors import DistributionError, ExtractionError, LabelTokenError

if TYPE_CHECKING:
    from ..data.schema import Item

__all__ = [
    "Backend",
    "ExtractionError",
    "LabelTokenError",
    "Prediction",
    "prompt_hash",
]


def prompt_hash(text: str) -> str:
    """Return the first 16 hex characters of the sha256 of ``text`` (UTF-8).

    >>> prompt_hash("abc")
    'ba7816bf8f01cfea'
    """
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class Prediction:
    """The model's answer distribution for one item: one line of a run folder's predictions file.

    Attributes:
        item_id: the item's key, e.g. ``"pop/17"``.
        distribution: label -> probability in label order, summing to 1 (checked with the
            ``"strict"`` policy of :func:`simbench.distributions.check_distribution`, as
            predictions files are); ``None`` when the item failed.
        label_mass: token-probability methods: the raw probability mass on the labels before
            renormalising (at most 1, except under the release protocol, whose label token sets
            overlap); ``None`` for other methods.
        prompt_hash: :func:`prompt_hash` of the exact prompt text sent to the model.
        status: ``"ok"`` or ``"failed"``.
        error: why the item failed (``None`` when ok).
        raw_outputs: verbalized/remote methods: the raw generations, for audit; sampling:
            the raw text of the samples that were not a label.
        permutations: ``--permutations``: one record per order asked (the order, and what the
            model gave for the shown labels: see :mod:`simbench.extraction.permuted`).
        samples: ``method="sampling"``: ``{"n", "counts", "n_unparsed"}`` (see
            :mod:`simbench.extraction.sampling`).
    """

    item_id: str
    distribution: dict[str, float] | None = field(hash=False)
    label_mass: float | None
    prompt_hash: str
    status: Status = "ok"
    error: str | None = None
    raw_outputs: tuple[str, ...] = ()
    permutations: tuple[dict[str, Any], ...] = field(default=(), hash=False)
    samples: dict[str, Any] | None = field(default=None, hash=False)

    def __post_init__(self) -> None:
        """Check the record.

        Raises:
            OptionError: an unknown status.
            DistributionError: a distribution that is missing (ok), present (failed) or invalid;
                a ``label_mass`` that is not a finite number ``>= 0``.
        """
        where = f"item {self.item_id!r}"
        check_choice(self.status, STATUSES, f"{where}: status")
        if self.status == "ok" and self.distribution is None:
            raise DistributionError(where, "distribution", "status 'ok' needs a distribution")
        if self.status == "failed" and self.distribution is not None:
            raise DistributionError(where, "distribution",
                                    "a failed prediction has no distribution")
        if self.distribution is not None:
            check_distribution(self.distribution, tuple(self.distribution), policy="strict",
                               where=where)
        # Not capped at 1: the release protocol sums overlapping token sets and can exceed it.
        mass = self.label_mass
        if mass is not None and (isinstance(mass, bool) or not isinstance(mass, int | float)
                                 or not math.isfinite(mass) or mass < 0.0):
            raise DistributionError(where, "label_mass",
                                    f"{mass!r} is not a finite number >= 0")

    @classmethod
    def failed(cls, item_id: str, *, prompt_hash: str, error: str,
               raw_outputs: Sequence[str] = (),
               permutations: Sequence[dict[str, Any]] = (),
               samples: dict[str, Any] | None = None) -> Prediction:
        """A failed prediction: no distribution, the reason in ``error``."""
        return cls(item_id, None, None, prompt_hash, status="failed", error=error,
                   raw_outputs=tuple(raw_outputs), permutations=tuple(permutations),
                   samples=samples)

    def to_json(self) -> dict[str, Any]:
        """The predictions-file line as a dict (see ``docs/run-folder.md``).

        ``error``, ``raw_outputs``, ``permutations`` and ``samples`` are present only when set.
        """
        out: dict[str, Any] = {
            "item_id": self.item_id,
            "distribution": None if self.distribution is None else dict(self.distribution),
            "label_mass": self.label_mass,
            "prompt_hash": self.prompt_hash,
            "status": self.status,
        }
        if self.error is not None:
            out["error"] = self.error
        if self.raw_outputs:
            out["raw_outputs"] = list(self.raw_outputs)
        if self.permutations:
            out["permutations"] = [dict(p) for p in self.permutations]
        if self.samples is not None:
            out["samples"] = dict(self.samples)
        return out

    @classmethod
    def from_json(cls, obj: Mapping[str, Any]) -> Prediction:
        """Rebuild a prediction from :meth:`to_json` output (e.g. a parsed jsonl line)."""
        dist = obj.get("distribution")
        mass = obj.get("label_mass")
        return cls(
            item_id=str(obj["item_id"]),
            distribution=None if dist is None else {str(k): float(v) for k, v in dist.items()},
            label_mass=None if mass is None else float(mass),
            prompt_hash=str(obj.get("prompt_hash", "")),
            status=check_choice(obj.get("status", "ok"), STATUSES, "status"),
            error=obj.get("error"),
            raw_outputs=tuple(obj.get("raw_outputs") or ()),
            permutations=tuple(dict(p) for p in obj.get("permutations") or ()),
            samples=None if obj.get("samples") is None else dict(obj["samples"]),
        )


class Backend(abc.ABC):
    """An elicitation backend: items in, :class:`Prediction` records out.

    Subclasses set :attr:`method` and :attr:`name` and implement :meth:`provenance`,
    :meth:`predict` and :meth:`prompt_text`.

    Attributes:
        method: the method implemented, one of :data:`simbench.choices.METHODS`.
        name: the backend, one of :data:`simbench.choices.BACKENDS`.
    """

    method: Method
    name: BackendName

    @abc.abstractmethod
    def provenance(self) -> dict[str, Any]:
        """What identifies this backend's results, for the run record.

        Keys (``None`` where they do not apply): ``method``, ``backend``, ``protocol``,
        ``prompt_mode``, ``model`` (``{"id", "revision", "content_hash", "dtype", "type"}``),
        ``chat_template_hash``, ``label_token_ids``, ``device``, plus backend-specific extras.
        """

    @abc.abstractmethod
    def predict(self, items: Sequence[Item], *, progress: bool = True) -> Iterator[Prediction]:
        """Yield one :class:`Prediction` per item (any order), as soon as each is final."""

    @abc.abstractmethod
    def prompt_text(self, item: Item) -> str:
        """The exact prompt text this backend sends to the model for ``item``."""

    def prompt_hash(self, item: Item) -> str:
        """:func:`prompt_hash` of :meth:`prompt_text` (what the predictions file records)."""
        return prompt_hash(self.prompt_text(item))

    def item_costs(self, items: Sequence[Item]) -> list[float] | None:
        """Relative compute cost of each item (e.g. tokens), for the run's ETA; ``None`` (the
        default): every item alike."""
        return None

    def close(self) -> None:  # noqa: B027 - optional hook, a no-op by default
        """Release resources (servers, processes); the default does nothing."""
