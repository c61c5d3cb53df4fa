"""Requests, left-padded batches and the out-of-memory back-off of the transformers engine.

Examples
--------
>>> import torch
>>> ids, mask = left_pad([(5, 6, 7), (8,)], pad_id=0, device="cpu")
>>> ids.tolist(), mask.tolist()
([[5, 6, 7], [0, 0, 8]], [[1, 1, 1], [0, 0, 1]])
>>> positions(mask, torch.tensor([0, 4])).tolist()
[[0, 1, 2], [4, 4, 4]]
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = ["BatchSizer", "Request", "is_oom", "left_pad", "positions"]

logger = logging.getLogger(__name__)


@dataclass
class Request:
    """One distinct prompt to score; several items with the same prompt share it.

    Attributes:
        ids: the full prompt's token ids.
        label_ids: per label, the token ids whose probabilities make up the label's (one id under
            the default protocol; the release protocol's id list otherwise).
        labels: the labels, in order.
        item_ids: the items asking exactly this prompt.
        prompt_hash: hash of the prompt text.
        prefix_len: leading tokens taken from a shared prefix cache (0: none).
        group: index of the shared prefix, or -1.
    """

    ids: tuple[int, ...]
    label_ids: tuple[tuple[int, ...], ...]
    labels: tuple[str, ...]
    prompt_hash: str
    item_ids: list[str] = field(default_factory=list)
    prefix_len: int = 0
    group: int = -1

    @property
    def suffix(self) -> tuple[int, ...]:
        """The tokens computed in the batch forward pass (after the shared prefix)."""
        return self.ids[self.prefix_len:]


def left_pad(seqs: Sequence[Sequence[int]], *, pad_id: int, device: Any) -> tuple[Any, Any]:
    """Left-pad token sequences into ``(input_ids, attention_mask)`` long tensors."""
    import torch

    width = max(len(s) for s in seqs)
    ids = torch.full((len(seqs), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(seqs), width), dtype=torch.long)
    for row, seq in enumerate(seqs):
        if seq:
            ids[row, width - len(seq):] = torch.tensor(list(seq), dtype=torch.long)
            mask[row, width - len(seq):] = 1
    return ids.to(device), mask.to(device)


def positions(mask: Any, offsets: Any | None = None) -> Any:
    """``position_ids`` from a left-padded mask, shifted by each row's prefix length."""
    pos = (mask.cumsum(-1) - 1).clamp(min=0)
    return pos if offsets is None else pos + offsets.to(pos.device)[:, None]


def is_oom(exc: BaseException) -> bool:
    """Whether ``exc`` is an out-of-memory error from torch (any device)."""
    import torch

    oom_type = getattr(torch, "OutOfMemoryError", None)
    if oom_type is not None and isinstance(exc, oom_type):
        return True
    return isinstance(exc, RuntimeError) and "out of memory" in str(exc).lower()


def _free_memory() -> None:
    import gc

    import torch

    gc.collect()
    if torch.cuda.is_available():
        torch.cuda.empty_cache()


class BatchSizer:
    """Runs work in batches; in auto mode halves the batch size on out-of-memory and retries.

    Args:
        size: the (starting) number of rows per batch.
        auto: back off on out-of-memory; otherwise an out-of-memory error is re-raised with advice.
        max_tokens: also cap a batch's padded size (rows x its longest row) at this many tokens,
            at least one row (``None``: rows only). Rows are expected longest first.
        min_fill: with ``max_tokens``, a batch also stops before a row shorter than this fraction
            of its longest row, which bounds the padding computed.
    """

    def __init__(self, size: int, *, auto: bool, max_tokens: int | None = None,
                 min_fill: float = 0.0) -> None:
        if size < 1:
            raise ValueError(f"batch size must be at least 1, got {size}")
        self.size = size
        self.auto = auto
        self.max_tokens = max_tokens
        self.min_fill = min_fill

    def run(self, rows: Sequence[Any], fn: Callable[[Sequence[Any]], Any],
            length: Callable[[Any], int] | None = None) -> Iterator[tuple[Any, Any]]:
        """Yield ``(batch_rows, fn(batch_rows))`` over ``rows`` in order.

        ``length(row)`` gives a row's token count for the ``max_tokens`` cap.
        """
        start = 0
        while start < len(rows):
            count = self.size
            if self.max_tokens is not None and length is not None:
                widest = max(1, length(rows[start]))
                count = max(1, min(count, self.max_tokens // widest))
                # and no row shorter than min_fill x the widest: padding is computed too
                floor = self.min_fill * widest
                count = next((i for i in range(1, count)
                              if start + i < len(rows) and length(rows[start + i]) < floor), count)
            batch = rows[start:start + count]
            try:
                out = fn(batch)
            except Exception as exc:  # noqa: BLE001 - only out-of-memory is handled
                if not is_oom(exc):
                    raise
                if not self.auto:
                    raise RuntimeError(f"out of memory at batch size {self.size}; use a smaller "
                                       "batch size or batch_size='auto'") from exc
                if len(batch) == 1:
                    raise RuntimeError("out of memory on a single row: use a smaller model, a "
                                       "lower --dtype or another device") from exc
                del exc
                _free_memory()
                self.size = max(1, min(self.size, len(batch)) // 2)
                if self.max_tokens is not None:
                    self.max_tokens = max(1, self.max_tokens // 2)
                logger.warning("out of memory: batch size lowered to %d", self.size)
                continue
            yield batch, out
            start += len(batch)
