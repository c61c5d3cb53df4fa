"""Reference backends that need no model: the uniform baseline.

``simbench run --model uniform`` writes the uniform distribution over each item's options. By the
definition of the SimBench score it scores exactly 0 on every study and split: the line a model must
beat to simulate anything at all.

Examples
--------
>>> from simbench.data.schema import Item
>>> item = Item("pop/0", "pop", 0, "Jester", "jester", "You like jokes.",
...             "Rate it.\\n\\nOptions:\\n(A): Funny\\n(B): Not funny\\n(C): Meh", ("A", "B", "C"),
...             ("Funny", "Not funny", "Meh"), (0.2, 0.3, 0.5), (20.0, 30.0, 50.0), 10)
>>> next(UniformBackend().predict([item])).distribution
{'A': 0.3333333333333333, 'B': 0.3333333333333333, 'C': 0.3333333333333333}
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from ..data.schema import Item
from ..prompts import base_prompt_text
from .base import Backend, Prediction

__all__ = ["BASELINES", "UniformBackend"]


class UniformBackend(Backend):
    """The uniform distribution over each item's options (``--model uniform``).

    ``label_mass`` is ``None`` (no model probability is involved); ``prompt_hash`` is the hash of the
    plain-text token-probability prompt, so rows stay comparable with base-model runs.
    """

    method = "uniform"
    name = "uniform"

    def provenance(self) -> dict[str, Any]:
        """No model, no prompt rendering, no label tokens."""
        return {
            "method": self.method, "backend": self.name, "protocol": None, "prompt_mode": None,
            "model": {"id": "uniform", "source": None, "revision": None, "content_hash": None,
                      "dtype": None, "type": "baseline"},
            "chat_template_hash": None, "label_token_ids": None, "device": None,
        }

    def prompt_text(self, item: Item) -> str:
        """The plain-text token-probability prompt (never sent anywhere)."""
        return base_prompt_text(item.persona, item.question, item.option_labels)

    def predict(self, items: Sequence[Item], *, progress: bool = True) -> Iterator[Prediction]:
        """Yield ``1 / K`` for each of an item's ``K`` labels."""
        for item in items:
            p = 1.0 / item.n_options
            yield Prediction(item.item_id, dict.fromkeys(item.option_labels, p), None,
                             self.prompt_hash(item))


#: ``--model`` names that select a baseline backend instead of loading a model.
BASELINES: dict[str, type[Backend]] = {"uniform": UniformBackend}
