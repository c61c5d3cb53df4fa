"""The verbalized method's attempt schedule and per-item outcome, shared by every backend.

Each item gets up to ``retries`` attempts (5, as in the release). The first attempt is
near-greedy, later ones sample at ``temperature`` (1.0, as in the release) with a seed derived
from the run seed, the item and the attempt, so that an item's answer depends neither on the
batch it ran in nor on whether the run was resumed. An item whose attempts all fail is recorded
as failed with every raw output and the reasons; the run carries on (the release aborted the
whole run instead: under ``protocol="release"`` the error says so).

The first attempt is greedy (temperature 0) under the default protocol: the release's
temperature 0.0001 with sampling picks the arg-max token except where two logits lie within
about 1e-4 of each other, and plain greedy decoding keeps results independent of the sampler.
Under ``protocol="release"`` the first attempt samples at 0.0001, exactly as the release did.

Examples
--------
>>> s = AttemptSchedule(retries=3)
>>> [s.temperature_at(a) for a in range(3)]
[0.0, 1.0, 1.0]
>>> AttemptSchedule(protocol="release").temperature_at(0)
0.0001
>>> item_seed(0, "pop/3", 1) == item_seed(0, "pop/3", 1) != item_seed(1, "pop/3", 1)
True
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ..choices import PROTOCOLS, Protocol, check_choice
from ..errors import OptionError
from .base import Prediction
from .parsing import ParseResult

__all__ = [
    "AttemptSchedule",
    "ItemAttempts",
    "RELEASE_FIRST_TEMPERATURE",
    "item_seed",
]

#: The release's "near-greedy" first-attempt temperature.
RELEASE_FIRST_TEMPERATURE = 0.0001


def item_seed(seed: int, item_id: str, attempt: int) -> int:
    """A 63-bit seed for one attempt at one item: sha256 of ``"seed:item_id:attempt"``."""
    digest = hashlib.sha256(f"{seed}:{item_id}:{attempt}".encode()).hexdigest()
    return int(digest[:16], 16) & (2**63 - 1)


@dataclass(frozen=True)
class AttemptSchedule:
    """How many attempts an item gets and at which temperature.

    Attributes:
        retries: attempts per item (at least 1).
        temperature: the sampling temperature of attempts after the first.
        first_temperature: the first attempt's temperature; ``None`` picks 0 (greedy) under the
            default protocol and 0.0001 under the release protocol.
        protocol: ``"default"`` or ``"release"`` (also selects the parser).
        seed: the run seed, from which each attempt's seed is derived (:func:`item_seed`).
    """

    retries: int = 5
    temperature: float = 1.0
    first_temperature: float | None = None
    protocol: Protocol = "default"
    seed: int = 0

    def __post_init__(self) -> None:
        """Check the values (:class:`~simbench.errors.OptionError` naming the parameter)."""
        if self.retries < 1:
            raise OptionError(f"retries must be at least 1, got {self.retries}")
        if self.temperature < 0 or (self.first_temperature or 0) < 0:
            raise OptionError(f"temperature and first_temperature must be >= 0, got "
                              f"{self.temperature} and {self.first_temperature}")
        check_choice(self.protocol, PROTOCOLS, "protocol")

    def temperature_at(self, attempt: int) -> float:
        """The temperature of ``attempt`` (0-based)."""
        if attempt > 0:
            return float(self.temperature)
        if self.first_temperature is not None:
            return float(self.first_temperature)
        return RELEASE_FIRST_TEMPERATURE if self.protocol == "release" else 0.0

    def seed_for(self, item_id: str, attempt: int) -> int:
        """The sampling seed of ``attempt`` at ``item_id``."""
        return item_seed(self.seed, item_id, attempt)

    def provenance(self) -> dict[str, Any]:
        """The generation settings for the run record."""
        return {"retries": self.retries, "first_temperature": self.temperature_at(0),
                "temperature": self.temperature if self.retries > 1 else None,
                "seed": self.seed, "seed_rule": "sha256('seed:item_id:attempt')[:16] per attempt",
                "parser": self.protocol}


@dataclass
class ItemAttempts:
    """The attempts made so far at one item, and its final :class:`Prediction`."""

    item_id: str
    labels: tuple[str, ...]
    prompt_hash: str
    raw_outputs: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    result: ParseResult | None = None

    def reset(self) -> None:
        """Forget all attempts (a batch re-run after out-of-memory starts the item afresh)."""
        self.raw_outputs.clear()
        self.errors.clear()
        self.result = None

    def record(self, raw: str, parsed: ParseResult) -> bool:
        """Record one attempt's raw output and parse; return whether the item is now done."""
        self.raw_outputs.append(raw)
        if parsed.ok:
            self.result = parsed
            return True
        self.errors.append(parsed.error or "unknown parse error")
        return False

    def record_error(self, raw: str, error: str) -> None:
        """Record an attempt that produced no parsable text (e.g. a server error)."""
        self.raw_outputs.append(raw)
        self.errors.append(error)

    def prediction(self, schedule: AttemptSchedule) -> Prediction:
        """The final record: ok with its distribution, or failed with the reasons."""
        if self.result is not None and self.result.distribution is not None:
            return Prediction(self.item_id, dict(self.result.distribution), None,
                              self.prompt_hash, raw_outputs=tuple(self.raw_outputs))
        return Prediction.failed(self.item_id, prompt_hash=self.prompt_hash,
                                 error=_failure_message(self.errors, schedule),
                                 raw_outputs=self.raw_outputs)


def _failure_message(errors: Sequence[str], schedule: AttemptSchedule) -> str:
    last = errors[-1] if errors else "no attempt was made"
    msg = f"no usable answer after {len(errors)} attempt(s); last error: {last}"
    if schedule.protocol == "release":
        msg += " (the release would have aborted the whole run here)"
    return msg
