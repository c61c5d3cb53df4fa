"""Answer-order permutations around any backend: ask each item in several orders, map back, average.

``simbench run --permutations cyclic`` (or ``random:N``) wraps the backend of the run in
:class:`PermutedBackend`. For an item with ``K`` options it builds the permuted items of
:mod:`simbench.prompts.permute` (``cyclic``: the ``K`` shifts, shift ``k`` showing original option
``(i + k) mod K`` at label position ``i``; ``random:N``: ``N`` seeded orders, the identity
first), sends all of them to the backend in one call (so batching, deduplication and the prefix
cache work across orders: the orders of one item share the persona and question prefix), and for
each item:

1. takes each order's label distribution, renormalised by the backend (token probabilities,
   verbalized percentages or sampled counts alike);
2. maps it back: the probability at shown label ``i`` goes to original option ``order[i]``
   (:func:`simbench.prompts.to_original`);
3. averages over the orders (each order weighs the same); ``label_mass`` is the mean of the
   orders' label masses when each has one.

The identity order is asked under the item's own id, so its prompt, prompt hash and (for
sampling methods) seed are those of an unpermuted run; the other orders are asked as
``<item_id>~perm<j>`` and get their own seeds. Each line of the predictions file keeps every
order in ``permutations`` (the order, the distribution over the shown labels, its label mass,
prompt hash, status, raw outputs or sample counts). An item fails when one of its orders
fails (the average would no longer balance positions); the failed order's error is given.

Cost: a ``K``-option item costs ``K`` prompts under ``cyclic`` (SimBench's items have 2 to 15
options: 57,183 prompts for the 13,510 items of the release, 4.23 per item) and ``N`` under
``random:N`` (at most ``K!``).

Examples
--------
>>> from simbench.data.schema import Item
>>> from simbench.extraction.baselines import UniformBackend
>>> from simbench.prompts import PermutationSpec
>>> item = Item("pop/0", "pop", 0, "Jester", "jester", "You like jokes.",
...             "Rate it.\\n\\nOptions:\\n(A): Funny\\n(B): Meh\\n(C): Not funny", ("A", "B", "C"),
...             ("Funny", "Meh", "Not funny"), (0.5, 0.3, 0.2), (50.0, 30.0, 20.0), 10)
>>> backend = PermutedBackend(UniformBackend(), PermutationSpec.parse("cyclic"))
>>> prediction = next(backend.predict([item], progress=False))
>>> [p["order"] for p in prediction.permutations]
[[0, 1, 2], [1, 2, 0], [2, 0, 1]]
>>> backend.provenance()["permutations"]["scheme"], prediction.prompt_hash == backend.prompt_hash(item)
('cyclic', True)
>>> backend.item_costs([item])   # three orders, each of cost 1 (the baseline has no costs)
[3.0]
>>> both = combine(item, [(0, 1, 2), (1, 0, 2)], [   # the model always prefers position A
...     Prediction("pop/0", {"A": 0.6, "B": 0.3, "C": 0.1}, None, "0" * 16),
...     Prediction("pop/0~perm1", {"A": 0.6, "B": 0.3, "C": 0.1}, None, "1" * 16)])
>>> {label: round(p, 6) for label, p in both.distribution.items()}
{'A': 0.45, 'B': 0.45, 'C': 0.1}
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterator, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from ..errors import ExtractionError, OptionError
from ..prompts.permute import Order, PermutationSpec, permute_item, to_original
from .base import Backend, Prediction

if TYPE_CHECKING:
    from ..data.schema import Item

__all__ = ["ORDER_ID_SEPARATOR", "PermutedBackend", "combine"]

logger = logging.getLogger(__name__)

#: ``<item_id>~perm<j>``: the id under which order ``j > 0`` of an item is asked.
ORDER_ID_SEPARATOR = "~perm"


def _order_record(order: Order, pred: Prediction) -> dict[str, Any]:
    record: dict[str, Any] = {"order": list(order), "distribution": pred.distribution,
                              "label_mass": pred.label_mass, "prompt_hash": pred.prompt_hash,
                              "status": pred.status}
    if pred.error is not None:
        record["error"] = pred.error
    if pred.raw_outputs:
        record["raw_outputs"] = list(pred.raw_outputs)
    if pred.samples is not None:
        record["samples"] = dict(pred.samples)
    return record


def _pooled_samples(item: Item, orders: Sequence[Order],
                    preds: Sequence[Prediction]) -> dict[str, Any] | None:
    """The orders' sample counts mapped back to the original options and added up."""
    if any(p.samples is None for p in preds):
        return None
    counts = dict.fromkeys(item.option_labels, 0)
    for order, pred in zip(orders, preds):
        shown = pred.samples["counts"] if pred.samples else {}
        for i, j in enumerate(order):
            counts[item.option_labels[j]] += int(shown.get(item.option_labels[i], 0))
    return {"n": sum(int(p.samples["n"]) for p in preds if p.samples),
            "counts": counts,
            "n_unparsed": sum(int(p.samples["n_unparsed"]) for p in preds if p.samples)}


def combine(item: Item, orders: Sequence[Order], preds: Sequence[Prediction]) -> Prediction:
    """The item's prediction from one prediction per order (``preds[j]`` answers ``orders[j]``).

    The distribution is the mean over the orders of each order's distribution mapped back to the
    original options. ``prompt_hash`` is the first (identity) order's.
    """
    records = tuple(_order_record(o, p) for o, p in zip(orders, preds, strict=True))
    samples = _pooled_samples(item, orders, preds)
    failed = [(j, p) for j, p in enumerate(preds) if p.distribution is None]
    if failed:
        j, first = failed[0]
        return Prediction.failed(
            item.item_id, prompt_hash=preds[0].prompt_hash, permutations=records,
            samples=samples,
            error=f"{len(failed)} of {len(preds)} answer orders failed; order {list(orders[j])}: "
                  f"{first.error}")
    mapped = [to_original(p.distribution or {}, o) for o, p in zip(orders, preds)]
    dist = {label: math.fsum(m[label] for m in mapped) / len(mapped)
            for label in item.option_labels}
    total = math.fsum(dist.values())
    dist = {label: v / total for label, v in dist.items()}
    masses = [p.label_mass for p in preds]
    mass = None if any(m is None for m in masses) else \
        math.fsum(m for m in masses if m is not None) / len(masses)
    return Prediction(item.item_id, dist, mass, preds[0].prompt_hash, permutations=records,
                      samples=samples)


class PermutedBackend(Backend):
    """``backend`` asked about every item in several answer orders (see the module docstring).

    Args:
        backend: any backend (its method, name and provenance are the run's).
        spec: the orders to ask (:class:`~simbench.prompts.PermutationSpec`, not ``"none"``).
    """

    def __init__(self, backend: Backend, spec: PermutationSpec) -> None:
        if not spec.active:
            raise OptionError("permutations 'none' needs no PermutedBackend: use the backend as is")
        self.backend = backend
        self.spec = spec
        self.method = backend.method
        self.name = backend.name

    def __getattr__(self, name: str) -> Any:
        # attributes of the wrapped backend a caller may read (load_s of an engine, batch_size)
        if name in ("backend", "spec"):
            raise AttributeError(name)
        return getattr(self.backend, name)

    def provenance(self) -> dict[str, Any]:
        """The backend's provenance, with the ``permutations`` block."""
        return {**self.backend.provenance(), "permutations": self.spec.provenance()}

    def prompt_text(self, item: Item) -> str:
        """The identity order's prompt: the unpermuted prompt."""
        return self.backend.prompt_text(item)

    def orders(self, item: Item) -> tuple[Order, ...]:
        """The orders ``item`` is asked in (the identity first)."""
        return self.spec.orders(item.item_id, item.n_options)

    def _asked(self, items: Sequence[Item]) -> tuple[list[Item], dict[str, tuple[str, int]]]:
        """The permuted items to ask, and for each asked id its item and order index."""
        asked: list[Item] = []
        where: dict[str, tuple[str, int]] = {}
        for item in items:
            for j, order in enumerate(self.orders(item)):
                shown_id = item.item_id if j == 0 else f"{item.item_id}{ORDER_ID_SEPARATOR}{j}"
                where[shown_id] = (item.item_id, j)
                asked.append(replace(permute_item(item, order), item_id=shown_id))
        return asked, where

    def item_costs(self, items: Sequence[Item]) -> list[float] | None:
        """Each item's cost: the backend's costs of its orders added up (else its number of
        orders), for the run's ETA."""
        asked, where = self._asked(items)
        costs = self.backend.item_costs(asked)
        total = dict.fromkeys((it.item_id for it in items), 0.0)
        for shown, cost in zip(asked, costs if costs is not None else [1.0] * len(asked)):
            total[where[shown.item_id][0]] += cost
        return list(total.values())

    def predict(self, items: Sequence[Item], *, progress: bool = True) -> Iterator[Prediction]:
        """Ask every order of every item in one backend call; yield each item once complete."""
        asked, where = self._asked(items)
        plan = {item.item_id: (item, self.orders(item)) for item in items}
        logger.info("permutations %s: %d items asked in %d orders", self.spec.label, len(items),
                    len(asked))
        got: dict[str, dict[int, Prediction]] = {}
        for pred in self.backend.predict(asked, progress=progress):
            if pred.item_id not in where:
                raise ExtractionError(f"backend returned item {pred.item_id}, which it was not "
                                      "asked for")
            item_id, j = where[pred.item_id]
            done = got.setdefault(item_id, {})
            done[j] = pred
            item, orders = plan[item_id]
            if len(done) == len(orders):
                yield combine(item, orders, [done[k] for k in range(len(orders))])
                del got[item_id]
        if got:
            raise ExtractionError(f"backend returned only some answer orders of {len(got)} items "
                                  f"(e.g. {next(iter(got))})")

    def close(self) -> None:
        """Close the wrapped backend."""
        self.backend.close()
