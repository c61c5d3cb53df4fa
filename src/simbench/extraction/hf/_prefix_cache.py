"""Shared-prefix reuse: find token prefixes shared by many prompts and batch their KV caches.

Planning (:func:`plan_prefixes`, pure Python) works on the *full-prompt token ids*, so every cut is
a token boundary of the real tokenization: a prefix is the first ``L`` tokens that a group of prompts
have in common, and each member still has at least one token after it (the logits we need come from
the last position). Sorting the prompts puts prompts with common prefixes next to each other; the
longest common prefix (LCP) of neighbours defines a tree of intervals, and a bottom-up pass picks, for
each subtree, either one group for the whole interval (saving ``(n - 1) * L`` tokens) or the best
choice inside its children, whichever saves more. Prefixes shorter than ``min_prefix`` tokens are
not worth a cache.

At run time (:func:`padded_prefix_cache`) each prompt of a batch gets its group's prefix keys and
values, left-padded to the longest prefix in the batch; the attention mask hides the padding and
``position_ids`` continue from each prompt's own prefix length, so the results equal the full
forward pass up to float rounding.

Examples
--------
>>> plan = plan_prefixes([(1, 2, 3, 4, 5), (1, 2, 3, 4, 6), (1, 2, 3, 9), (7, 8)], min_prefix=3)
>>> plan.prefix_len, plan.group  # one group of three saves more than a pair sharing 4 tokens
((3, 3, 3, 0), (0, 0, 0, -1))
>>> plan.groups, plan.saved_tokens
(((1, 2, 3),), 6)
"""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import torch
from transformers import DynamicCache

__all__ = ["ForwardArgs", "PrefixPlan", "extract_kv", "forward_args", "padded_prefix_cache",
           "plan_prefixes", "supports_prefix_cache"]


@dataclass(frozen=True)
class PrefixPlan:
    """Which prompts share a computed prefix.

    Attributes:
        prefix_len: per prompt, the number of leading tokens taken from its group's cache (0: none).
        group: per prompt, the index into :attr:`groups`, or -1.
        groups: the prefix token ids of each group.
    """

    prefix_len: tuple[int, ...]
    group: tuple[int, ...]
    groups: tuple[tuple[int, ...], ...]

    @property
    def saved_tokens(self) -> int:
        """Tokens not recomputed: every member's prefix minus one computation per group."""
        return sum(self.prefix_len) - sum(len(g) for g in self.groups)


def _common(a: Sequence[int], b: Sequence[int]) -> int:
    n = min(len(a), len(b))
    i = 0
    while i < n and a[i] == b[i]:
        i += 1
    return i


def plan_prefixes(seqs: Sequence[tuple[int, ...]], *, min_prefix: int = 16) -> PrefixPlan:
    """Choose shared prefixes maximising the tokens saved (see the module docstring).

    Args:
        seqs: token ids of distinct prompts.
        min_prefix: shortest prefix worth caching, in tokens.
    """
    n = len(seqs)
    order = sorted(range(n), key=lambda i: seqs[i])
    lcp = [_common(seqs[order[j]], seqs[order[j + 1]]) for j in range(n - 1)]
    lens = [len(seqs[i]) for i in order]
    chosen = _choose_intervals(lcp, lens, n, min_prefix)
    prefix_len, group = [0] * n, [-1] * n
    groups: list[tuple[int, ...]] = []
    for lo, hi, length in sorted(chosen):
        for pos in range(lo, hi):
            prefix_len[order[pos]] = length
            group[order[pos]] = len(groups)
        groups.append(tuple(seqs[order[lo]][:length]))
    return PrefixPlan(tuple(prefix_len), tuple(group), tuple(groups))


def _children(lo: int, hi: int, lcp: Sequence[int], low: int) -> list[tuple[int, int]]:
    out, start = [], lo
    for j in range(lo, hi - 1):
        if lcp[j] == low:
            out.append((start, j + 1))
            start = j + 1
    out.append((start, hi))
    return out


def _choose_intervals(lcp: Sequence[int], lens: Sequence[int], n: int,
                      min_prefix: int) -> list[tuple[int, int, int]]:
    """Bottom-up over the LCP interval tree; returns chosen ``(lo, hi, prefix_len)`` intervals."""
    best: dict[tuple[int, int], tuple[int, list[tuple[int, int, int]]]] = {}
    stack: list[tuple[int, int, bool]] = [(0, n, False)] if n else []
    while stack:
        lo, hi, expanded = stack.pop()
        if hi - lo < 2:
            best[(lo, hi)] = (0, [])
            continue
        low = min(lcp[lo:hi - 1])
        kids = _children(lo, hi, lcp, low)
        if not expanded:
            stack.append((lo, hi, True))
            stack.extend((a, b, False) for a, b in kids)
            continue
        kid_value = sum(best[k][0] for k in kids)
        kid_choice = [c for k in kids for c in best.pop(k)[1]]
        length = min(low, min(lens[lo:hi]) - 1)
        own = (hi - lo - 1) * length if length >= min_prefix else 0
        best[(lo, hi)] = (own, [(lo, hi, length)]) if own > 0 and own >= kid_value \
            else (kid_value, kid_choice)
    return best[(0, n)][1] if n else []


class ForwardArgs(NamedTuple):
    """What a model's ``forward`` accepts, across transformers versions.

    Attributes:
        cache: the name of its KV-cache argument (``cache`` or ``past_key_values``), or ``None``.
        keep: the name of its logits-to-keep argument, or ``None``.
        positions: whether it takes ``position_ids``.
    """

    cache: str | None
    keep: str | None
    positions: bool


def forward_args(model: Any) -> ForwardArgs:
    """Inspect ``model.forward`` once (all ``None``/``False`` when it has no signature)."""
    try:
        params = inspect.signature(model.forward).parameters
    except (TypeError, ValueError):
        return ForwardArgs(None, None, False)
    return ForwardArgs(next((k for k in ("cache", "past_key_values") if k in params), None),
                       next((k for k in ("logits_to_keep", "num_logits_to_keep") if k in params),
                            None),
                       "position_ids" in params)


def supports_prefix_cache(model: Any) -> bool:
    """Whether the padded-prefix cache is safe for ``model`` (no sliding-window attention layers)."""
    config = model.config.get_text_config(decoder=True) if hasattr(model.config, "get_text_config") \
        else model.config
    if any(t != "full_attention" for t in getattr(config, "layer_types", None) or ()):
        return False
    if getattr(config, "sliding_window", None) and getattr(config, "use_sliding_window", True):
        return False
    return not getattr(config, "is_encoder_decoder", False)


def extract_kv(cache: Any) -> list[tuple[Any, Any]]:
    """Per-layer ``(keys, values)`` tensors of shape ``(batch, heads, length, head_dim)``."""
    if hasattr(cache, "layers"):
        return [(layer.keys, layer.values) for layer in cache.layers]
    return list(zip(cache.key_cache, cache.value_cache))  # transformers < 4.56


def padded_prefix_cache(prefixes: Sequence[list[tuple[Any, Any]] | None]) -> tuple[Any, Any]:
    """Stack per-row prefix caches, left-padded to the longest, into a new ``DynamicCache``.

    Args:
        prefixes: per batch row, the per-layer ``(keys, values)`` of its prefix (batch dim 1), or
            ``None`` for a row without prefix. At least one row must have a prefix.

    Returns:
        ``(cache, prefix_mask)``: a ``DynamicCache`` holding ``(B, H, Lp, D)`` tensors and a
        ``(B, Lp)`` long tensor with 1 where a row has a real prefix token.
    """
    ref = next(p for p in prefixes if p is not None)
    width = max(p[0][0].shape[-2] for p in prefixes if p is not None)
    layers = []
    for layer_idx, (k_ref, v_ref) in enumerate(ref):
        keys = k_ref.new_zeros((len(prefixes), k_ref.shape[1], width, k_ref.shape[-1]))
        values = v_ref.new_zeros((len(prefixes), v_ref.shape[1], width, v_ref.shape[-1]))
        for row, prefix in enumerate(prefixes):
            if prefix is not None:
                k, v = prefix[layer_idx]
                keys[row, :, width - k.shape[-2]:] = k[0]
                values[row, :, width - v.shape[-2]:] = v[0]
        layers.append((keys, values))
    mask = torch.zeros((len(prefixes), width), dtype=torch.long, device=ref[0][0].device)
    for row, prefix in enumerate(prefixes):
        if prefix is not None:
            mask[row, width - prefix[0][0].shape[-2]:] = 1
    return DynamicCache(ddp_cache_data=layers), mask
