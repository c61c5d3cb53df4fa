"""Hooks into ``transformers`` generation: per-row seeded sampling and stopping on a parsed answer.

Examples
--------
>>> sampler = SeededGumbelSampler([1, 1], temperature=1.0, top_k=0, device="cpu")
>>> scores = torch.zeros(2, 5)
>>> out = sampler(torch.zeros(2, 3, dtype=torch.long), scores)
>>> bool(torch.equal(out[0], out[1]))  # the same seed gives the same draw in every row
True
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from transformers import LogitsProcessor, StoppingCriteria

from ...errors import OptionError
from ..parsing import answer_closed

__all__ = ["AnswerStopper", "SeededGumbelSampler"]


class SeededGumbelSampler(LogitsProcessor):
    """Turns greedy decoding into sampling with one random generator per row (Gumbel-max).

    ``argmax(logits / T + G)`` with ``G`` standard Gumbel noise is an exact sample from
    ``softmax(logits / T)``; drawing ``G`` from a per-row ``torch.Generator`` makes a row's
    tokens depend only on its own seed, never on the other rows of the batch.

    Args:
        seeds: one seed per batch row.
        temperature: sampling temperature (> 0).
        top_k: keep only the ``top_k`` highest logits (0 keeps all).
        device: where the noise is drawn.
    """

    def __init__(self, seeds: Sequence[int], *, temperature: float, top_k: int,
                 device: Any) -> None:
        if temperature <= 0:
            raise OptionError("SeededGumbelSampler needs a temperature > 0 (use greedy for 0)")
        self.temperature = float(temperature)
        self.top_k = int(top_k)
        self.generators = [torch.Generator(device=device).manual_seed(int(s)) for s in seeds]

    def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor) -> torch.FloatTensor:
        return self.perturb(scores)  # type: ignore[return-value]

    def perturb(self, scores: torch.Tensor) -> torch.Tensor:
        """``scores / T`` restricted to the top k, plus one row of Gumbel noise per generator."""
        logits = scores.float() / self.temperature
        if 0 < self.top_k < logits.shape[-1]:
            kth = torch.topk(logits, self.top_k, dim=-1).values[:, -1:]
            logits = logits.masked_fill(logits < kth, float("-inf"))
        noise = torch.stack([
            torch.rand(logits.shape[-1], generator=g, device=logits.device, dtype=torch.float32)
            for g in self.generators])
        gumbel = -torch.log(-torch.log(noise.clamp(min=1e-20, max=1.0 - 1e-7)))
        return logits + gumbel


class AnswerStopper(StoppingCriteria):
    """Stops each row once its generated text holds a complete answer.

    Args:
        tokenizer: decodes the generated tokens.
        width: the padded prompt length (generated tokens start there).
        labels: per row, the item's labels.
        protocol: parser protocol (see :func:`~simbench.extraction.parsing.answer_complete`).
    """

    def __init__(self, tokenizer: Any, *, width: int, labels: Sequence[Sequence[str]],
                 protocol: str) -> None:
        self.tokenizer = tokenizer
        self.width = width
        self.labels = [tuple(lab) for lab in labels]
        self.protocol = protocol
        self.done = [False] * len(self.labels)

    def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor,
                 **kwargs: Any) -> torch.BoolTensor:
        for row in range(input_ids.shape[0]):
            if self.done[row] or input_ids.shape[1] <= self.width:
                continue
            self.done[row] = answer_closed(self.tokenizer, input_ids[row, self.width:],
                                           int(input_ids[row, -1]), self.labels[row],
                                           self.protocol)
        return torch.tensor(self.done, dtype=torch.bool, device=input_ids.device)  # type: ignore[return-value]
