"""Batches for both transformers backends: padding, devices, batch sizes, out-of-memory back-off.

One copy of each helper the token-probability engine and the verbalized backend share:

- :func:`pad_id`: the id that fills left padding: the tokenizer's pad token, else its EOS token,
  else its unknown token; a tokenizer with none of the three is refused (:func:`pad_id` says why).
- :func:`input_device`: where a model's inputs go (its input embeddings' device, which is the
  first device under ``device_map="auto"``).
- :func:`make_sizer`: what ``batch_size="auto"`` means per method and device
  (:data:`AUTO_BATCH`), and the check of an explicit batch size.
- :func:`left_pad`, :func:`positions`: left-padded ``input_ids``/``attention_mask`` and the
  ``position_ids`` that make a padded row compute what it computes alone.
- :class:`BatchSizer`: runs work in batches, halving the batch on out-of-memory.

Examples
--------
>>> ids, mask = left_pad([(5, 6, 7), (8,)], pad_id=0, device="cpu")
>>> ids.tolist(), mask.tolist()
([[5, 6, 7], [0, 0, 8]], [[1, 1, 1], [0, 0, 1]])
>>> positions(mask, torch.tensor([0, 4])).tolist()
[[0, 1, 2], [4, 4, 4]]
"""

from __future__ import annotations

import gc
import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import torch

from ...choices import Method
from ...errors import ExtractionError, OptionError

__all__ = [
    "AUTO_BATCH",
    "BatchSizer",
    "Request",
    "input_device",
    "is_oom",
    "left_pad",
    "make_sizer",
    "pad_id",
    "positions",
]

logger = logging.getLogger(__name__)

#: Rows per batch that ``batch_size="auto"`` starts at, per method and device type ("cpu" or any
#: other); halved on out-of-memory. Generation keeps a growing cache per row, hence fewer rows.
AUTO_BATCH: dict[Method, dict[str, int]] = {
    "token_probs": {"cpu": 64, "other": 64},
    "verbalized": {"cpu": 16, "other": 32},
}
#: On CPU, ``auto`` token probabilities also cap a batch at this many (padded) tokens: past it the
#: activations leave the caches and the element-wise ops (norms, rotary, SiLU) slow down (SmolLM2,
#: 2-core CPU, 250 items: 2.68 items/s at 1,024 tokens, 2.12 at 2,048, 1.94 at 4,096).
CPU_BATCH_TOKENS = 1024
#: ... and end a batch before a row shorter than this fraction of its longest (padding costs as
#: much as real tokens; on one row at a time the CPU loses nothing).
CPU_MIN_FILL = 0.9


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
    """Whether ``exc`` is an out-of-memory error from torch (any device).

    >>> is_oom(torch.OutOfMemoryError("CUDA out of memory")), is_oom(ValueError("out of memory"))
    (True, False)
    """
    oom_type = getattr(torch, "OutOfMemoryError", None)
    if oom_type is not None and isinstance(exc, oom_type):
        return True
    return isinstance(exc, RuntimeError) and "out of memory" in str(exc).lower()


def _free_memory() -> None:
    gc.collect()
    if torch.cuda.is_available():
        torch.cuda.empty_cache()


def pad_id(tokenizer: Any) -> int:
    """The token id that fills left padding: pad, else EOS, else unknown token.

    Padded positions are masked out of attention, so any of these gives the same logits. A
    tokenizer with none of them is refused rather than padded with an arbitrary id: ``generate``
    also writes the pad id after a row has finished, and an ordinary token there would leak into
    the decoded text (special tokens are skipped when decoding).

    >>> class Tok:
    ...     pad_token_id, eos_token_id, unk_token_id = None, 2, 0
    >>> pad_id(Tok())
    2

    Raises:
        ExtractionError: the tokenizer has no pad, EOS or unknown token.
    """
    for attr in ("pad_token_id", "eos_token_id", "unk_token_id"):
        value = getattr(tokenizer, attr, None)
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    raise ExtractionError("the tokenizer has no pad, EOS or unknown token to pad a batch with: "
                          "set one (e.g. tokenizer.pad_token = tokenizer.eos_token, or add a "
                          "'<pad>' token)")


def input_device(model: Any) -> torch.device:
    """The device of ``model``'s input embeddings (the first device under ``device_map="auto"``),
    else its ``device`` attribute, else the CPU.

    >>> from simbench.extraction.hf.tiny import tiny_model
    >>> input_device(tiny_model()[0])
    device(type='cpu')
    """
    try:
        return torch.device(model.get_input_embeddings().weight.device)
    except AttributeError:
        return torch.device(getattr(model, "device", "cpu"))


def make_sizer(batch_size: int | str, *, method: Method, device: torch.device | str) -> BatchSizer:
    """The :class:`BatchSizer` for ``batch_size`` (``"auto"`` or a positive integer).

    ``"auto"`` starts at :data:`AUTO_BATCH` rows and backs off on out-of-memory; on CPU, token
    probabilities are also capped at :data:`CPU_BATCH_TOKENS` padded tokens per batch. An integer
    is used as given (an out-of-memory error is then re-raised with advice).

    >>> make_sizer("auto", method="verbalized", device="cpu").size
    16
    >>> make_sizer(0, method="token_probs", device="cpu")
    Traceback (most recent call last):
    ...
    simbench.errors.OptionError: batch_size must be 'auto' or a positive integer, got 0
    """
    kind = "cpu" if torch.device(device).type == "cpu" else "other"
    if batch_size == "auto":
        if method == "token_probs" and kind == "cpu":
            return BatchSizer(AUTO_BATCH[method][kind], auto=True, max_tokens=CPU_BATCH_TOKENS,
                              min_fill=CPU_MIN_FILL)
        return BatchSizer(AUTO_BATCH[method][kind], auto=True)
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise OptionError(f"batch_size must be 'auto' or a positive integer, got {batch_size!r}")
    return BatchSizer(batch_size, auto=False)


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
            raise OptionError(f"batch size must be at least 1, got {size}")
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
                    raise ExtractionError(f"out of memory at batch size {self.size}; use a smaller "
                                       "batch size or batch_size='auto'") from exc
                if len(batch) == 1:
                    raise ExtractionError("out of memory on a single row: use a smaller model, a "
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
