"""Which vocabulary entries stand for an answer label.

Default protocol: a label's token is what the tokenizer produces for the label *in context*:
tokenize ``prompt + label`` and take what follows the prompt's own tokens. Anything but exactly one
new token (the label merges with the end of the prompt, or splits into several pieces) raises
:class:`~simbench.extraction.base.LabelTokenError`; we do not guess, and we do not score
multi-token continuations. Tokenization of the answer letter depends only on the end of the prompt,
so the result is computed once per distinct prompt ending (its last :data:`CONTEXT_CHARS`
characters) and label, on the first full prompt with that ending.

Release protocol: the release summed, for each label, the probabilities of every id in
``encode(label)`` and in ``encode("_" + label)`` (both without special tokens, duplicates counted
twice); :func:`release_label_ids` returns those ids so the engine can reproduce it exactly.
"""

from __future__ import annotations

import string
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..data.schema import Item
from ..errors import LabelTokenError

if TYPE_CHECKING:
    from ..prompts import PromptRenderer

__all__ = [
    "CONTEXT_CHARS",
    "InContextLabels",
    "PROVENANCE_LABELS",
    "label_token_table",
    "release_label_ids",
]

#: How many trailing prompt characters key the in-context label cache.
CONTEXT_CHARS = 200
#: The labels whose token ids the run record keeps (every label SimBench uses).
PROVENANCE_LABELS = tuple(string.ascii_uppercase[:15])


def release_label_ids(tokenizer: Any, label: str) -> tuple[int, ...]:
    """The token ids whose probabilities the release summed for ``label``.

    Mirrors the release's ``get_token_probabilities_local_model``: ``encode(label)`` followed by
    ``encode("_" + label)``, both with ``add_special_tokens=False``.
    """
    plain = tokenizer(label, add_special_tokens=False)["input_ids"]
    underscored = tokenizer("_" + label, add_special_tokens=False)["input_ids"]
    return tuple(int(i) for i in [*plain, *underscored])


class InContextLabels:
    """Resolve each label to its single in-context token id, caching by prompt ending.

    Args:
        tokenizer: a transformers tokenizer.
        add_special_tokens: how prompts are tokenized (must match the engine's tokenization).

    Examples
    --------
    The tiny Llama tokenizer (like Llama's) reads ``"A"`` after ``"("`` as the bare piece ``"A"``,
    while ``encode("A")``, what the release summed, gives the word-initial ``"▁A"``:

    >>> from simbench.extraction.hf.tiny import tiny_tokenizer
    >>> tok = tiny_tokenizer()
    >>> prompt = "**Answer**: ("
    >>> ids = tok(prompt)["input_ids"]
    >>> tok.convert_ids_to_tokens(InContextLabels(tok, add_special_tokens=True).ids(prompt, ids, "AB"))
    ['A', 'B']
    >>> tok.convert_ids_to_tokens(release_label_ids(tok, "A"))  # encode("A") + encode("_A")
    ['▁A', '▁', '_', 'A']
    """

    def __init__(self, tokenizer: Any, *, add_special_tokens: bool) -> None:
        self.tokenizer = tokenizer
        self.add_special_tokens = add_special_tokens
        self._cache: dict[tuple[str, str], int] = {}

    def ids(self, prompt: str, prompt_ids: Sequence[int], labels: Sequence[str], *,
            item_id: str = "?") -> tuple[int, ...]:
        """The token id of each label after ``prompt`` (whose tokens are ``prompt_ids``).

        Raises:
            LabelTokenError: naming the item and the label when it is not one token in context.
        """
        tail = prompt[-CONTEXT_CHARS:]
        missing = [lab for lab in labels if (tail, lab) not in self._cache]
        if missing:
            texts = [prompt + lab for lab in missing]
            encoded = self.tokenizer(texts, add_special_tokens=self.add_special_tokens)["input_ids"]
            for lab, full in zip(missing, encoded):
                self._cache[(tail, lab)] = self._single_token(prompt_ids, full, lab, item_id)
        return tuple(self._cache[(tail, lab)] for lab in labels)

    def _single_token(self, prompt_ids: Sequence[int], full: Sequence[int], label: str,
                      item_id: str) -> int:
        n = len(prompt_ids)
        if list(full[:n]) != list(prompt_ids):
            raise LabelTokenError(
                f"item {item_id}: label {label!r} merges with the end of the prompt when tokenized "
                f"(prompt ends with tokens {self._pieces(prompt_ids[-3:])}, prompt+label ends with "
                f"{self._pieces(full[-3:])}); its probability is not one next-token entry")
        extra = list(full[n:])
        if len(extra) != 1:
            raise LabelTokenError(
                f"item {item_id}: label {label!r} is {len(extra)} tokens in context "
                f"({self._pieces(extra)}), expected exactly one; multi-token labels are not scored")
        return int(extra[0])

    def _pieces(self, ids: Sequence[int]) -> list[str]:
        return [str(p) for p in self.tokenizer.convert_ids_to_tokens(list(ids))]

    def seen(self) -> dict[str, int]:
        """label -> token id over all resolved labels (first prompt ending wins on conflicts)."""
        out: dict[str, int] = {}
        for (_tail, label), tid in self._cache.items():
            out.setdefault(label, tid)
        return dict(sorted(out.items()))


def label_token_table(renderer: PromptRenderer, resolver: InContextLabels) -> dict[str, Any]:
    """label -> token id for :data:`PROVENANCE_LABELS`, as the run record records it.

    Default protocol: each label's in-context id after the renderer's standard prompt ending (read
    from a synthetic probe item). Release protocol: the list of ids the release summed.
    """
    labels = PROVENANCE_LABELS
    if renderer.protocol == "release":
        return {lab: list(release_label_ids(renderer.tokenizer, lab)) for lab in labels}
    text = renderer.text(_probe_item(labels))
    found = resolver.ids(text, renderer.token_ids(text), labels, item_id="(probe)")
    return dict(zip(labels, found))


def _probe_item(labels: tuple[str, ...]) -> Item:
    """A synthetic item, only to read the label tokens after the standard prompt ending."""
    options = "".join(f"\n({lab}): option" for lab in labels)
    return Item(item_id="pop/0", split="pop", row_index=0, dataset_name="probe", study="probe",
                persona="probe", question="probe?\n\nOptions:" + options, option_labels=labels,
                option_texts=("option",) * len(labels), human_dist=(1 / len(labels),) * len(labels),
                human_percent=(100 / len(labels),) * len(labels), group_size=-1)
