"""Answer-order permutations: the same item with its options shown in another order.

Option position bias (a model preferring ``A`` whatever ``A`` says) is a large part of many
models' survey answers (Dominguez-Olmedo et al., 2024). ``simbench run --permutations`` asks each
item several times with its options reordered and averages the answers mapped back to the
original options (:mod:`simbench.extraction.permuted`). This module says what a permuted prompt
is; the rest of the protocol is untouched.

**The permuted prompt.** An *order* is a tuple ``o`` of the item's option indices: label position
``i`` shows the original option ``o[i]``. The labels stay ``A, B, C, ...`` in order. The Options
block is rebuilt from ``option_texts`` in the release's own format, ``"(A): text"`` lines joined
by ``"\\n"`` after ``"\\n\\nOptions:\\n"``, and every other byte of the prompt (persona, question
text, the method's ending) stays as in the unpermuted prompt. The identity order rebuilds the
release's ``input_template`` byte for byte (checked for every item, and for all 13,510 rows of
the release by ``tests/methods``), so the identity prompt *is* the unpermuted prompt.

**MoralMachine** (study-specific rule). Its two options are whole case descriptions over several
lines (``"Stay, outcome: ... Dead:\\n * 1 woman ..."``): each option text starts with its own
name (``Stay``/``Swerve``) and the question text refers to no label, so a permutation moves each
case description as a whole, and the model reads the same dilemma with the cases swapped. No
other study needs a rule: an option text never contains an option line (the block is split at
``"\\n(X): "``), and a question text that mentions ``(A)`` (DICES: ``Human (A)``) names a
speaker, not an option.

**Schemes** (:class:`PermutationSpec`): ``none``; ``cyclic``: the ``K`` cyclic shifts of an item
with ``K`` options, shift ``k`` showing original option ``(i + k) mod K`` at position ``i``
(:func:`cyclic_orders`); ``random:N``: the identity and ``N - 1`` other distinct orders drawn per
item from the run seed (:func:`random_orders`; all ``K!`` orders when there are fewer than
``N``).

Examples
--------
>>> from simbench.data.schema import Item
>>> item = Item("pop/0", "pop", 0, "Jester", "jester", "You like jokes.",
...             "Rate it.\\n\\nOptions:\\n(A): Funny\\n(B): Meh\\n(C): Not funny", ("A", "B", "C"),
...             ("Funny", "Meh", "Not funny"), (0.5, 0.3, 0.2), (50.0, 30.0, 20.0), 10)
>>> cyclic_orders(3)
((0, 1, 2), (1, 2, 0), (2, 0, 1))
>>> print(permute_item(item, (1, 2, 0)).question)
Rate it.
<BLANKLINE>
Options:
(A): Meh
(B): Not funny
(C): Funny
>>> to_original({"A": 0.6, "B": 0.3, "C": 0.1}, (1, 2, 0))   # what the model said about each text
{'A': 0.1, 'B': 0.6, 'C': 0.3}
>>> PermutationSpec.parse("random:4", seed=7).orders("pop/0", 3)[0]
(0, 1, 2)
>>> PermutationSpec.parse("cyclic:3")
Traceback (most recent call last):
...
simbench.errors.OptionError: permutations 'cyclic:3' is not 'none', 'cyclic' or 'random:N' (N a whole number >= 2): cyclic takes no count (it always uses the K shifts of a K-option item)
"""

from __future__ import annotations

import hashlib
import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Literal

from ..errors import DataError, OptionError

if TYPE_CHECKING:
    from ..data.schema import Item

__all__ = [
    "OPTIONS_RULE",
    "Order",
    "PermutationScheme",
    "PermutationSpec",
    "cyclic_orders",
    "options_block",
    "permute_item",
    "random_orders",
    "to_original",
]

#: ``order[i]``: the original option shown at label position ``i``.
Order = tuple[int, ...]
#: The permutation schemes of ``--permutations``.
PermutationScheme = Literal["none", "cyclic", "random"]
#: How a permuted prompt is built (recorded in the run's provenance).
OPTIONS_RULE = ("Options block rebuilt from option_texts as '(L): text' lines in the shown order; "
                "labels stay A, B, ... in order; every other byte of the prompt unchanged; "
                "multi-line option texts (moral_machine's case descriptions) move whole")
_OPTIONS_MARKER = "\n\nOptions:\n"   # simbench.data.schema.OPTIONS_MARKER (checked by a test)
_FORMS = "'none', 'cyclic' or 'random:N' (N a whole number >= 2)"


def options_block(labels: Sequence[str], texts: Sequence[str]) -> str:
    """The release's Options block body: one ``"(L): text"`` line per option.

    >>> options_block(("A", "B"), ("Yes", "No"))
    '(A): Yes\\n(B): No'
    """
    return "\n".join(f"({label}): {text}" for label, text in zip(labels, texts, strict=True))


def _check_order(order: Sequence[int], k: int, where: str) -> Order:
    out = tuple(int(i) for i in order)
    if sorted(out) != list(range(k)):
        raise OptionError(f"{where}: order {list(order)} is not a permutation of 0..{k - 1}")
    return out


def permute_item(item: Item, order: Sequence[int]) -> Item:
    """``item`` with option ``order[i]`` shown at label position ``i``.

    The question's Options block, ``option_texts``, ``human_dist`` and ``human_percent`` follow
    the order (the item stays self-consistent); the id, labels and everything else are kept.

    Raises:
        OptionError: ``order`` is not a permutation of the item's option indices.
        DataError: the item's question does not end in the Options block of its
            ``option_texts`` (the identity would not rebuild it byte for byte).
    """
    where = f"item {item.item_id!r}"
    k = item.n_options
    order = _check_order(order, k, where)
    head, sep, block = item.question.rpartition(_OPTIONS_MARKER)
    if not sep or block != options_block(item.option_labels, item.option_texts):
        raise DataError(f"{where}: field 'question': its Options block is not the '(L): text' "
                        "lines of option_texts, so it cannot be permuted byte for byte")
    texts = tuple(item.option_texts[j] for j in order)
    return replace(item, question=head + sep + options_block(item.option_labels, texts),
                   option_texts=texts,
                   human_dist=tuple(item.human_dist[j] for j in order),
                   human_percent=tuple(item.human_percent[j] for j in order))


def to_original(shown: Mapping[str, float], order: Sequence[int]) -> dict[str, float]:
    """A distribution over the shown labels mapped back to the original options.

    Label position ``i`` showed original option ``order[i]``, so its probability goes to that
    option's label; the result is in label order.
    """
    labels = list(shown)
    if len(order) != len(labels):
        raise OptionError(f"order {list(order)} has {len(order)} positions for "
                          f"{len(labels)} labels")
    out = [0.0] * len(labels)
    for i, j in enumerate(_check_order(order, len(labels), "to_original")):
        out[j] = float(shown[labels[i]])
    return dict(zip(labels, out))


def cyclic_orders(k: int) -> tuple[Order, ...]:
    """The ``k`` cyclic shifts: shift ``s`` shows original option ``(i + s) mod k`` at ``i``."""
    return tuple(tuple((i + s) % k for i in range(k)) for s in range(k))


def _order_seed(seed: int, item_id: str) -> int:
    digest = hashlib.sha256(f"{seed}:{item_id}:permutations".encode()).hexdigest()
    return int(digest[:16], 16)


def random_orders(k: int, n: int, *, seed: int, item_id: str) -> tuple[Order, ...]:
    """The identity and ``n - 1`` other distinct orders, drawn for ``item_id`` from ``seed``.

    The draw depends only on ``(seed, item_id)``: a resumed run or a different sample of items
    gives an item the same orders. With fewer than ``n`` orders in all (``k! < n``) every order
    is used, the identity first.

    >>> random_orders(2, 5, seed=0, item_id="pop/1")
    ((0, 1), (1, 0))
    """
    identity = tuple(range(k))
    if math.factorial(k) <= n:
        import itertools

        rest = [p for p in itertools.permutations(range(k)) if p != identity]
        random.Random(_order_seed(seed, item_id)).shuffle(rest)
        return (identity, *rest)
    rng = random.Random(_order_seed(seed, item_id))
    chosen: dict[Order, None] = {identity: None}
    while len(chosen) < n:
        order = list(range(k))
        rng.shuffle(order)
        chosen.setdefault(tuple(order), None)
    return tuple(chosen)


@dataclass(frozen=True)
class PermutationSpec:
    """What ``--permutations`` asked for: a scheme, its count and the seed of random orders.

    Attributes:
        scheme: ``"none"``, ``"cyclic"`` or ``"random"``.
        n: ``random``: orders per item (the identity included); ``None`` otherwise.
        seed: ``random``: the run seed the orders are drawn from; ``None`` otherwise.
    """

    scheme: PermutationScheme = "none"
    n: int | None = None
    seed: int | None = None

    @classmethod
    def parse(cls, spec: str | PermutationSpec | None, *, seed: int = 0) -> PermutationSpec:
        """``"none"``, ``"cyclic"`` or ``"random:N"`` (``N >= 2``) as a spec.

        Raises:
            OptionError: any other value, naming the accepted forms.

        >>> PermutationSpec.parse("random:6", seed=3)
        PermutationSpec(scheme='random', n=6, seed=3)
        """
        if isinstance(spec, PermutationSpec):
            return spec
        text = "none" if spec is None else str(spec).strip()
        if text == "none":
            return cls("none")
        if text == "cyclic":
            return cls("cyclic")
        name, sep, count = text.partition(":")
        why = ""
        if name == "random" and sep:
            if count.isdigit() and int(count) >= 2:
                return cls("random", int(count), int(seed))
            why = f": N must be a whole number >= 2, got {count!r}"
        elif name == "cyclic":
            why = ": cyclic takes no count (it always uses the K shifts of a K-option item)"
        elif name == "random":
            why = ": random needs a count, e.g. random:6"
        raise OptionError(f"permutations {text!r} is not {_FORMS}{why}")

    @property
    def active(self) -> bool:
        """Whether items are permuted at all."""
        return self.scheme != "none"

    @property
    def label(self) -> str:
        """The spec as written on the command line (``"cyclic"``, ``"random:6"``).

        >>> PermutationSpec("random", 6, 0).label
        'random:6'
        """
        return f"random:{self.n}" if self.scheme == "random" else self.scheme

    def orders(self, item_id: str, k: int) -> tuple[Order, ...]:
        """The orders asked for an item with ``k`` options; the first is the identity."""
        if self.scheme == "cyclic":
            return cyclic_orders(k)
        if self.scheme == "random":
            return random_orders(k, int(self.n or 2), seed=int(self.seed or 0), item_id=item_id)
        return (tuple(range(k)),)

    def provenance(self) -> dict[str, Any] | None:
        """The ``permutations`` block of the run record (``None`` when nothing is permuted)."""
        if not self.active:
            return None
        return {"scheme": self.scheme, "n": self.n, "seed": self.seed,
                "shift_rule": ("shift k shows original option (i + k) mod K at label position i"
                               if self.scheme == "cyclic" else
                               "the identity and n - 1 distinct orders per item, drawn from "
                               "sha256('seed:item_id:permutations')"),
                "options_rule": OPTIONS_RULE,
                "aggregate": "each shift's label distribution renormalised, mapped back to the "
                             "original options, mean over shifts; an item fails if a shift fails"}
