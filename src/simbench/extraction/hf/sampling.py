"""Sampling-based elicitation with a loaded transformers causal LM (``--method sampling``).

The token-probability engine (:mod:`.token_probs`: the same prompts ending in ``"("``, the same
in-context label tokens, deduplication, length-sorted batches, shared-prefix KV caches, out-of-
memory back-off), with one change at the last position: instead of reading the labels'
probabilities, each item draws ``samples`` next tokens from the full-vocabulary softmax of
``logits / temperature`` (float32, as ``token_probs``), by inverse CDF from its own seed
(:func:`simbench.extraction.sampling.draw_tokens`). All of an item's samples share one prefill
and one forward pass: an answer is one token, so "N continuations" are N draws from the one
next-token distribution; nothing is generated past it. The histogram of the samples that are a
label's token is the distribution; the others are unparsed (their decoded text kept).

Examples
--------
>>> from simbench.extraction.hf.tiny import example_items, tiny_model
>>> backend = TransformersSamplingBackend(*tiny_model(), samples=20, seed=0)
>>> p = next(backend.predict(example_items()[:1], progress=False))
>>> p.samples["n"], sum(p.samples["counts"].values()) + p.samples["n_unparsed"]
(20, 20)
>>> again = next(TransformersSamplingBackend(*tiny_model(), samples=20, seed=0).predict(
...     example_items()[:1], progress=False))
>>> again.samples == p.samples  # seeded per item: the same counts every time
True
>>> backend.provenance()["method"], backend.provenance()["generation"]["samples"]
('sampling', 20)
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any, cast

import torch

from ...choices import Method, PromptMode, Protocol
from ...errors import OptionError
from ..sampling import DEFAULT_SAMPLES, SamplingSettings, draw_tokens, tally
from ._batching import Request
from .token_probs import TransformersLogprobBackend

if TYPE_CHECKING:
    from ...data.schema import Item
    from ..base import Prediction

__all__ = ["TransformersSamplingBackend"]


class TransformersSamplingBackend(TransformersLogprobBackend):
    """Label histograms of ``samples`` one-token answers per item (see the module docstring).

    Args:
        model, tokenizer: a loaded causal LM and its tokenizer.
        method: must be ``"sampling"`` (passed by the backend factory).
        samples: answers per item (30).
        temperature: sampling temperature (1.0; 0: the arg-max every time).
        seed: the run seed; each item's draw is seeded from it and the item id.
        protocol: ``"default"`` only (the release never sampled; its prompt ends after the
            end-of-turn marker, where an answer is not one token).
        prompt_mode, batch_size, prefix_cache, min_prefix_tokens, model_id, revision,
            content_hash: as for :class:`~.token_probs.TransformersLogprobBackend`.
    """

    method: Method = "sampling"

    def __init__(self, model: Any, tokenizer: Any, *, method: Method = "sampling",
                 samples: int = DEFAULT_SAMPLES, temperature: float = 1.0, seed: int = 0,
                 protocol: Protocol | str = "default", prompt_mode: PromptMode | str = "auto",
                 batch_size: int | str = "auto", prefix_cache: bool = True,
                 min_prefix_tokens: int = 16, model_id: str | None = None,
                 revision: str | None = None, content_hash: str | None = None) -> None:
        if method != "sampling":
            raise OptionError(f"method: TransformersSamplingBackend implements 'sampling', "
                              f"not {method!r}")
        if protocol != "default":
            raise OptionError(f"protocol {protocol!r} does not apply to method 'sampling' (the "
                              "release never sampled): use protocol 'default'")
        self.settings = SamplingSettings(samples=samples, temperature=temperature, seed=seed)
        super().__init__(model, tokenizer, protocol=protocol, prompt_mode=prompt_mode,
                         batch_size=batch_size, prefix_cache=prefix_cache,
                         min_prefix_tokens=min_prefix_tokens, model_id=model_id,
                         revision=revision, content_hash=content_hash)

    def provenance(self) -> dict[str, Any]:
        """The token-probability engine's provenance, with ``method`` and ``generation``."""
        return {**super().provenance(), "method": self.method,
                "generation": self.settings.provenance()}

    def predict(self, items: Sequence[Item], *, progress: bool = True) -> Iterator[Prediction]:
        """Yield one prediction per item, batch by batch, as soon as each is final."""
        from tqdm.auto import tqdm

        requests = self._requests(items)
        with tqdm(total=len(items), unit="item", disable=not progress, desc="sampling") as bar:
            for request, result in self._score(requests):
                draws = cast("list[list[int]]", result)  # what _forward returns per row
                by_id = {ids[0]: label for label, ids in zip(request.labels, request.label_ids)}
                for item_id, tokens in zip(request.item_ids, draws):
                    parsed = [by_id.get(t) for t in tokens]
                    text = {t: self._token_text(t) for t in set(tokens)}
                    raw = [text[t] for t in tokens]
                    yield tally(item_id, request.labels, parsed, raw, request.prompt_hash)
                bar.update(len(request.item_ids))

    def _token_text(self, token: int) -> str:
        """A sampled token as text; the tokenizer's piece when it is part of a character (a byte
        of a multi-byte UTF-8 character decodes to U+FFFD alone)."""
        text = str(self.tokenizer.decode([token]))
        if "\ufffd" in text:
            piece = self.tokenizer.convert_ids_to_tokens(token)
            return str(piece) if piece is not None else text
        return text

    def _forward(self, rows: Sequence[Request], kv: dict[int, list[tuple[Any, Any]]]) -> list[Any]:
        """One batch: per row, per item asking it, the ``samples`` token ids drawn."""
        n, temperature = self.settings.samples, float(self.settings.temperature)
        with torch.inference_mode():
            logits = self._last_logits(rows, kv).float()
            if temperature == 0:
                top = logits.argmax(-1).tolist()
                return [[[int(t)] * n for _ in r.item_ids] for r, t in zip(rows, top)]
            probs: Any = torch.softmax(logits / temperature, dim=-1).double().cpu().numpy()
        return [[[int(t) for t in draw_tokens(p, n, self.settings.seed_for(item_id))]
                 for item_id in r.item_ids] for r, p in zip(rows, probs)]
