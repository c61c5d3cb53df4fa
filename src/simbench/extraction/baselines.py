"""Reference backends that need no model: the uniform baseline.

``simbench run --backend uniform`` (or ``--model uniform``) writes the uniform distribution over
each item's options. By the definition of the SimBench score it scores exactly 0 on every study
and split: the line a model must beat to simulate anything at all.

The baseline answers every method the same way, and records the method it was asked for, so its
run folder has the same shape as a model's: ``method`` is the method asked for, ``backend`` is
``"uniform"``, and there is no model, tokenizer or device. Its prompt hashes are those of the
plain-text (base model) prompt of that method and protocol, so rows stay comparable with base
model runs.

Examples
--------
>>> from simbench.data.schema import Item
>>> item = Item("pop/0", "pop", 0, "Jester", "jester", "You like jokes.",
...             "Rate it.\\n\\nOptions:\\n(A): Funny\\n(B): Not funny\\n(C): Meh", ("A", "B", "C"),
...             ("Funny", "Not funny", "Meh"), (0.2, 0.3, 0.5), (20.0, 30.0, 50.0), 10)
>>> next(UniformBackend().predict([item])).distribution
{'A': 0.3333333333333333, 'B': 0.3333333333333333, 'C': 0.3333333333333333}
>>> prov = UniformBackend(method="verbalized").provenance()
>>> prov["method"], prov["backend"], prov["protocol"], prov["model"]["type"]
('verbalized', 'uniform', 'default', 'baseline')
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from ..choices import METHODS, PROMPT_MODES, PROTOCOLS, Method, PromptMode, Protocol, check_choice
from ..data.schema import Item
from ..errors import OptionError
from ..prompts import base_prompt_text
from .base import Backend, Prediction

__all__ = ["UniformBackend"]


class UniformBackend(Backend):
    """The uniform distribution over each item's options (``backend="uniform"``).

    Args:
        method: the method the run asked for (recorded; the answer does not depend on it).
        protocol: the protocol the run asked for (recorded; selects nothing).
        prompt_mode: ``"auto"`` or ``"base"``: the prompt hashed is the plain-text one (there is
            no tokenizer, hence no chat template).

    ``label_mass`` is ``None`` (no model probability is involved).
    """

    name = "uniform"

    def __init__(self, *, method: Method | str = "token_probs",
                 protocol: Protocol | str = "default",
                 prompt_mode: PromptMode | str = "auto") -> None:
        self.method: Method = check_choice(method, METHODS, "method")
        self.protocol: Protocol = check_choice(protocol, PROTOCOLS, "protocol")
        if check_choice(prompt_mode, PROMPT_MODES, "prompt_mode") == "chat":
            raise OptionError("prompt_mode 'chat' does not apply to the uniform baseline (it has "
                              "no tokenizer, hence no chat template): use 'auto' or 'base'")

    def provenance(self) -> dict[str, Any]:
        """The method and protocol asked for; no model, no prompt rendering, no label tokens."""
        return {
            "method": self.method, "backend": self.name, "protocol": self.protocol,
            "prompt_mode": "base",
            "model": {"id": self.name, "source": None, "revision": None, "content_hash": None,
                      "dtype": None, "type": "baseline"},
            "chat_template_hash": None, "label_token_ids": None, "device": None,
        }

    def prompt_text(self, item: Item) -> str:
        """The plain-text prompt of the method (never sent anywhere)."""
        return base_prompt_text(item.persona, item.question, item.option_labels, self.method)

    def predict(self, items: Sequence[Item], *, progress: bool = True) -> Iterator[Prediction]:
        """Yield ``1 / K`` for each of an item's ``K`` labels."""
        for item in items:
            p = 1.0 / item.n_options
            yield Prediction(item.item_id, dict.fromkeys(item.option_labels, p), None,
                             self.prompt_hash(item))
