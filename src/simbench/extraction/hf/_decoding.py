"""A decoding loop for verbalized elicitation: one prompt prefill per batch, reused by every attempt.

``model.generate`` recomputes the prompt at every call (5 attempts = 5 prefills), grows its
``DynamicCache`` by concatenation at every step, and keeps finished rows in the batch until the
last row stops. This loop:

- prefills the left-padded prompts once into a ``StaticCache`` sized ``width + max_new_tokens``
  and keeps the prompt's keys/values; a retry builds its cache from them for the failed rows only
  (a copy, no forward pass), and starts from the stored next-token logits;
- writes new keys/values in place (no concatenation);
- drops finished rows (EOS, or an answer that already parses) from the batch as soon as at least
  a quarter of the rows are done, so the remaining steps cost less.

Tokens are chosen exactly as ``generate`` would with the same hooks: greedy (``argmax``) at
temperature 0, else :class:`~._generation_hooks.SeededGumbelSampler`'s per-row draw, so a row's
text depends only on its prompt and seed (tested against ``generate``).

Examples
--------
>>> from simbench.extraction.hf._batching import left_pad
>>> from simbench.extraction.hf.tiny import tiny_model
>>> model, tok = tiny_model()
>>> prompts = [tok("How funny is this joke?")["input_ids"], tok("Why?")["input_ids"]]
>>> ids, mask = left_pad(prompts, pad_id=tok.eos_token_id, device="cpu")
>>> with torch.inference_mode():
...     state = prefill(model, ids, mask, max_new_tokens=5)
...     both = decode(model, state, [0, 1], max_new_tokens=5, temperature=1.0, top_k=50,
...                   seeds=[7, 8], eos=set())
...     again = decode(model, state, [1], max_new_tokens=5, temperature=1.0, top_k=50,
...                    seeds=[8], eos=set())  # a retry of row 1 alone, from the stored prompt
>>> [len(t) for t in both], again[0] == both[1]
([5, 5], True)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import torch
from transformers import StaticCache

from ._generation_hooks import SeededGumbelSampler
from ._prefix_cache import forward_args

__all__ = ["PromptState", "decode", "eos_ids", "prefill"]

#: Compact the batch once this fraction of its rows has finished.
_COMPACT_FRACTION = 0.25


@dataclass
class PromptState:
    """A batch's prompt, computed once.

    Attributes:
        kv: per layer, ``(keys, values)`` of the prompt, ``(batch, heads, width, head_dim)``.
        logits: ``(batch, vocab)`` float32 next-token logits at the prompt's last position.
        mask: ``(batch, width)`` attention mask of the left-padded prompt.
        cache: the prefill cache, reusable once by the first attempt (``None`` after that).
    """

    kv: list[tuple[torch.Tensor, torch.Tensor]]
    logits: torch.Tensor
    mask: torch.Tensor
    cache: Any

    @property
    def width(self) -> int:
        return int(self.mask.shape[1])


def _step_kwargs(model: Any, cache: Any) -> dict[str, Any]:
    """The cache and keep-one-position arguments, by the names ``model.forward`` uses."""
    args = forward_args(model)
    return {str(args.cache): cache, str(args.keep): 1, "use_cache": True}


def _static_cache(model: Any, length: int) -> Any:
    return StaticCache(config=model.config, max_cache_len=length)


def prefill(model: Any, ids: torch.Tensor, mask: torch.Tensor, *, max_new_tokens: int) -> PromptState:
    """Run the left-padded prompts once; keep their keys/values and next-token logits."""
    cache = _static_cache(model, ids.shape[1] + max_new_tokens)
    pos = (mask.cumsum(-1) - 1).clamp(min=0)
    out = model(input_ids=ids, attention_mask=mask, position_ids=pos,
                **_step_kwargs(model, cache))
    width = ids.shape[1]
    kv = [(layer.keys[:, :, :width], layer.values[:, :, :width]) for layer in cache.layers]
    return PromptState(kv=kv, logits=out.logits[:, -1].float(), mask=mask, cache=cache)


def _cache_for(model: Any, state: PromptState, rows: Sequence[int], max_new_tokens: int) -> Any:
    """The first attempt reuses the prefill cache; later ones copy the prompt's rows they need."""
    if state.cache is not None and len(rows) == state.mask.shape[0]:
        cache, state.cache = state.cache, None
        return cache
    state.cache = None
    index = torch.tensor(list(rows), device=state.mask.device)
    cache = _static_cache(model, state.width + max_new_tokens)
    for layer_idx, (keys, values) in enumerate(state.kv):
        cache.update(keys.index_select(0, index), values.index_select(0, index), layer_idx)
    return cache


def eos_ids(model: Any, tokenizer: Any) -> set[int]:
    """The token ids that end a row: the generation config's EOS ids, else the tokenizer's."""
    eos = getattr(getattr(model, "generation_config", None), "eos_token_id", None)
    if eos is None:
        eos = tokenizer.eos_token_id
    if eos is None:
        return set()
    return {int(e) for e in (eos if isinstance(eos, (list, tuple)) else [eos])}


def decode(model: Any, state: PromptState, rows: Sequence[int], *, max_new_tokens: int,
           temperature: float, top_k: int, seeds: Sequence[int], eos: set[int],
           is_done: Callable[[int, list[int], int], bool] | None = None) -> list[list[int]]:
    """Generate up to ``max_new_tokens`` for the prompt rows ``rows``; return each row's tokens.

    Args:
        model: the causal LM.
        state: the batch's prompt (:func:`prefill`).
        rows: indices into the batch of the rows to generate for (an attempt's pending rows).
        max_new_tokens: budget per row.
        temperature: 0 for greedy, else sampling temperature (per-row seeded Gumbel-max).
        top_k: sampling keeps the ``top_k`` most likely tokens (0: all).
        seeds: one seed per entry of ``rows``.
        eos: token ids that end a row (the EOS token ends the row's tokens, as in ``generate``).
        is_done: ``is_done(i, tokens, last)`` -> whether row ``i`` of ``rows`` can stop after
            appending token ``last`` (e.g. its answer already parses).
    """
    device = state.mask.device
    cache = _cache_for(model, state, rows, max_new_tokens)
    index = torch.tensor(list(rows), device=device)
    logits = state.logits.index_select(0, index)
    mask = state.mask.index_select(0, index)
    pos = mask.sum(-1, keepdim=True) - 1
    sampler = SeededGumbelSampler(seeds, temperature=temperature, top_k=top_k, device=device) \
        if temperature > 0 else None
    step_kwargs = _step_kwargs(model, cache)
    tokens: list[list[int]] = [[] for _ in rows]
    slots = list(range(len(rows)))   # batch slot -> index into `rows`
    live = [True] * len(slots)
    for step in range(max_new_tokens):
        scores = sampler.perturb(logits) if sampler is not None else logits
        chosen = scores.argmax(-1).tolist()
        for slot, token in enumerate(chosen):
            if not live[slot]:
                continue     # a finished row waiting for the next compaction: never read
            row = slots[slot]
            tokens[row].append(int(token))   # an EOS token is kept, as generate keeps it
            if token in eos or (is_done is not None and is_done(row, tokens[row], int(token))):
                live[slot] = False
        keep = [slot for slot, alive in enumerate(live) if alive]
        if not keep or step == max_new_tokens - 1:
            break
        next_ids = torch.tensor(chosen, device=device)[:, None]
        if len(keep) <= (1 - _COMPACT_FRACTION) * len(slots):
            sel = torch.tensor(keep, device=device)
            cache.reorder_cache(sel)
            mask, pos, next_ids = mask[sel], pos[sel], next_ids[sel]
            if sampler is not None:
                sampler.generators = [sampler.generators[i] for i in keep]
            slots = [slots[i] for i in keep]
            live = [True] * len(slots)
        mask = torch.cat([mask, mask.new_ones((mask.shape[0], 1))], dim=1)
        pos = pos + 1
        out = model(input_ids=next_ids, attention_mask=mask, position_ids=pos, **step_kwargs)
        logits = out.logits[:, -1].float()
    return tokens
