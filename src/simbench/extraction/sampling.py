"""Sampling-based elicitation, shared by every backend: settings, seeds, the draw and the count.

``simbench run --method sampling --samples N`` asks the model for ``N`` answers per item and
takes the histogram of the labels it gave as the item's distribution (Meister et al., 2024,
"Benchmarking distributional alignment of large language models", compare sampled and
probability-based distributions).

**One label per sample.** The prompt is the token-probability prompt, ending in ``"("``
(:func:`simbench.prompts.token_probs_ending`), so an answer is the single next token: a sample is
one token drawn from the full next-token distribution at ``temperature``, and it counts for a
label when it *is* that label's token (the in-context token of
:mod:`simbench.extraction.labels`; on an OpenAI-compatible server, the returned text equals the
label). Anything else (``"The"``, a space, an end-of-turn token) is an *unparsed* sample: counted
in ``samples.n_unparsed`` and kept with its raw text in ``raw_outputs``. A free answer (generate
a sentence, then parse a letter out of it) was not chosen: it needs a generation budget and a
parser whose leniency changes the result, and a model that answers ``"(A"`` or ``"A)"`` already
puts that mass on the label token here. An item with no parsed sample fails, as in
``verbalized``. The expected histogram at temperature 1 is the token-probability distribution
renormalised over the labels, so the method measures what a finite number of answers costs.

**Cost.** One forward pass per distinct prompt, as ``token_probs``: the ``N`` samples are drawn
from that pass's distribution (on transformers the samples share the prompt's prefill
completely; vLLM is asked for ``n=N`` one-token completions of one prompt; a server for ``n=N``
completions, with one request per missing sample when it returns fewer).

**Seeds.** Each item's draw is seeded by :meth:`SamplingSettings.seed_for`, a hash of the run seed
and the item id, so an item's samples depend neither on its batch nor on a resume. The
transformers backend draws by inverse CDF: ``N`` uniforms from numpy's PCG64 seeded with that
number, each mapped to the first token whose cumulative probability (float64, full vocabulary,
in token-id order) exceeds it (:func:`draw_tokens`); temperature 0 gives the arg-max ``N`` times.

Examples
--------
>>> settings = SamplingSettings(samples=4, temperature=1.0, seed=0)
>>> draw_tokens([0.5, 0.25, 0.25], 4, settings.seed_for("pop/1")).tolist()
[1, 0, 0, 0]
>>> p = tally("pop/1", ("A", "B"), ["A", None, "B", "A"], ["A", "The", "B", "A"], "0" * 16)
>>> p.distribution
{'A': 0.6666666666666666, 'B': 0.3333333333333333}
>>> p.samples, p.raw_outputs
({'n': 4, 'counts': {'A': 2, 'B': 1}, 'n_unparsed': 1}, ('The',))
>>> tally("pop/2", ("A", "B"), [None, None], ["x", "y"], "0" * 16).error
"none of the 2 samples was a label (raw: 'x', 'y')"
>>> SamplingSettings(samples=0)
Traceback (most recent call last):
...
simbench.errors.OptionError: samples must be a whole number >= 1, got 0
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import OptionError
from .base import Prediction

__all__ = ["DEFAULT_SAMPLES", "SamplingSettings", "draw_tokens", "tally"]

#: Samples per item when ``--samples`` is not given.
DEFAULT_SAMPLES = 30
_SEED_RULE = "sha256('seed:item_id:samples')[:16] per item"
_DRAW_RULE = ("one-token answers after '(' drawn from the full next-token softmax at the "
              "temperature; a sample counts for a label when it is the label's token")


@dataclass(frozen=True)
class SamplingSettings:
    """How many samples an item gets, at which temperature, from which seed.

    Attributes:
        samples: answers per item (>= 1; 30 by default).
        temperature: the sampling temperature (>= 0; 0: the arg-max every time).
        seed: the run seed, from which each item's seed is derived (:meth:`seed_for`).
    """

    samples: int = DEFAULT_SAMPLES
    temperature: float = 1.0
    seed: int = 0

    def __post_init__(self) -> None:
        """Check the values (:class:`~simbench.errors.OptionError` naming the parameter)."""
        if isinstance(self.samples, bool) or not isinstance(self.samples, int) or self.samples < 1:
            raise OptionError(f"samples must be a whole number >= 1, got {self.samples!r}")
        t = self.temperature
        if isinstance(t, bool) or not isinstance(t, int | float) or not math.isfinite(t) or t < 0:
            raise OptionError(f"temperature must be a finite number >= 0, got {t!r}")

    def seed_for(self, item_id: str) -> int:
        """The 63-bit sampling seed of ``item_id`` (:data:`_SEED_RULE`)."""
        digest = hashlib.sha256(f"{self.seed}:{item_id}:samples".encode()).hexdigest()
        return int(digest[:16], 16) & (2**63 - 1)

    def provenance(self) -> dict[str, Any]:
        """The ``generation`` block of the run record."""
        return {"samples": self.samples, "temperature": float(self.temperature),
                "seed": self.seed, "seed_rule": _SEED_RULE, "draw": _DRAW_RULE,
                "top_k": None, "max_new_tokens": 1}


def draw_tokens(probs: Any, n: int, seed: int) -> np.ndarray:
    """``n`` indices drawn from ``probs`` by inverse CDF with numpy's PCG64 seeded by ``seed``.

    ``probs`` need not sum exactly to 1 (float32 softmax output): the uniforms are scaled by its
    total. The draw is a plain function of ``(probs, n, seed)``: the same on every device.
    """
    p = np.asarray(probs, dtype=np.float64).ravel()
    cdf = np.cumsum(p)
    u = np.random.Generator(np.random.PCG64(seed)).random(n) * cdf[-1]
    return np.minimum(np.searchsorted(cdf, u, side="right"), len(p) - 1)


def tally(item_id: str, labels: Sequence[str], parsed: Sequence[str | None],
          raw: Sequence[str], prompt_hash: str) -> Prediction:
    """The prediction of one item from its samples: the histogram of the parsed labels.

    Args:
        item_id: the item.
        labels: its labels, in order.
        parsed: per sample, the label it gave, or ``None`` when it gave none.
        raw: per sample, its raw text (kept for the unparsed ones).
        prompt_hash: the prompt's hash.

    An item with no parsed sample is a failed prediction naming the raw texts.
    """
    counts = dict.fromkeys(labels, 0)
    unparsed = []
    for label, text in zip(parsed, raw, strict=True):
        if label is None:
            unparsed.append(text)
        else:
            counts[label] += 1
    record = {"n": len(parsed), "counts": counts, "n_unparsed": len(unparsed)}
    n_parsed = len(parsed) - len(unparsed)
    if n_parsed == 0:
        shown = ", ".join(repr(t) for t in unparsed[:5]) + (", ..." if len(unparsed) > 5 else "")
        return Prediction.failed(item_id, prompt_hash=prompt_hash, raw_outputs=unparsed,
                                 error=f"none of the {len(parsed)} samples was a label "
                                       f"(raw: {shown})", samples=record)
    dist = {label: c / n_parsed for label, c in counts.items()}
    return Prediction(item_id, dist, None, prompt_hash, raw_outputs=tuple(unparsed),
                      samples=record)
