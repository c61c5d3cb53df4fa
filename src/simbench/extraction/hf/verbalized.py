"""Verbalized elicitation with transformers: the model writes ``{"A": 30, "B": 70}``, we parse it.

Design:

- Prompts: the chat template with the generation prompt (``prompt_mode="auto"`` picks chat when
  the tokenizer has a template; base models get ``system + "\\n" + user``), the protocol's
  verbalized ending (:func:`simbench.prompts.verbalized_ending`). Chat prompts are tokenized
  without adding special tokens (the template writes its own BOS, as
  ``apply_chat_template(tokenize=True)`` does in the release).
- Generation: items sorted by prompt length, batched with left padding, up to
  ``max_new_tokens`` (250) new tokens; a row stops as soon as its text holds a parsable answer
  (a ``StoppingCriteria``; the parse of the full text is unchanged by stopping there, because
  the parser takes the first usable object). Each batch's prompt is computed once for all its
  attempts and decoded into a static cache that drops finished rows (:mod:`._decoding`; same
  tokens as ``generate``, 1.76x faster on SmolLM2 with 8 items and 2 attempts, see
  ``docs/servers.md``); models with sliding-window attention use ``model.generate``.
- Sampling (:mod:`.attempts`): greedy first attempt (the release's 0.0001 under
  ``protocol="release"``), then up to ``retries - 1`` sampled attempts at ``temperature`` for
  the rows that failed. Sampling is the Gumbel-max trick with one ``torch.Generator`` per row,
  seeded by :func:`~.attempts.item_seed`: exact sampling from ``softmax(logits / T)`` restricted
  to the ``top_k`` (50, transformers' default) most likely tokens, and independent of the batch
  an item runs in, so a resumed run reproduces a clean one.
- Failures: an item whose attempts all fail is a ``status="failed"`` prediction keeping its raw
  outputs and reasons; the run carries on.

Examples
--------
A tiny random model writes no JSON, so every attempt fails; the item is recorded as failed with
each attempt's raw output:

>>> from simbench.extraction.hf.tiny import example_items, tiny_model
>>> backend = VerbalizedBackend(*tiny_model(), seed=0, retries=2, max_new_tokens=8)
>>> prediction = next(backend.predict(example_items()[:1], progress=False))
>>> prediction.status, len(prediction.raw_outputs), prediction.error[:40]
('failed', 2, 'no usable answer after 2 attempt(s); las')
>>> backend.provenance()["generation"]["retries"], backend.provenance()["device"]
(2, 'cpu')
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

import torch
from transformers import LogitsProcessorList, StoppingCriteriaList

from ...choices import Method, PromptMode, Protocol
from ...errors import OptionError
from ...prompts import PromptRenderer, chat_template_hash
from ..attempts import AttemptSchedule, ItemAttempts
from ..base import Backend, Prediction, prompt_hash
from ..parsing import answer_closed, parse_verbalized
from ._batching import input_device, left_pad, make_sizer, pad_id
from ._decoding import decode, eos_ids, prefill
from ._generation_hooks import AnswerStopper, SeededGumbelSampler
from ._prefix_cache import forward_args, supports_prefix_cache

if TYPE_CHECKING:
    from ...data.schema import Item

__all__ = ["DEFAULT_MAX_NEW_TOKENS", "VerbalizedBackend"]

logger = logging.getLogger(__name__)

#: The release's generation budget.
DEFAULT_MAX_NEW_TOKENS = 250


class VerbalizedBackend(Backend):
    """Verbalized distributions from a loaded transformers model (batched ``generate``).

    Args:
        model: a causal LM (``PreTrainedModel``), already on its device.
        tokenizer: its tokenizer.
        method: must be ``"verbalized"`` (passed by the backend factory).
        model_id: the name recorded in provenance.
        protocol: ``"default"`` or ``"release"`` (release parser and first-attempt temperature).
        prompt_mode: ``"auto"``, ``"chat"`` or ``"base"``.
        batch_size: rows per ``generate`` call, or ``"auto"`` (16 on CPU, 32 on accelerators,
            halved on out-of-memory).
        seed: run seed; each attempt's seed derives from it, the item and the attempt.
        max_new_tokens: generation budget per attempt (250).
        temperature: temperature of the retry attempts (1.0).
        retries: attempts per item before it is recorded as failed (5).
        first_temperature: override of the first attempt's temperature.
        top_k: sampling keeps the ``top_k`` most likely tokens (``0``: all).
        stop_on_json: stop a row once its answer parses.
        reuse_prompt: compute each batch's prompt once for all attempts, decode into a static
            cache and drop finished rows (:mod:`._decoding`); ``False`` (or a model with
            sliding-window attention) uses ``model.generate`` for every attempt. Both give the
            same tokens up to float tolerance.
    """

    method = "verbalized"
    name = "transformers"

    def __init__(self, model: Any, tokenizer: Any, *, method: Method = "verbalized",
                 model_id: str | None = None, protocol: Protocol | str = "default",
                 prompt_mode: PromptMode | str = "auto", batch_size: int | str = "auto",
                 seed: int = 0, max_new_tokens: int = DEFAULT_MAX_NEW_TOKENS,
                 temperature: float = 1.0, retries: int = 5,
                 first_temperature: float | None = None, top_k: int = 50,
                 stop_on_json: bool = True, reuse_prompt: bool = True) -> None:
        if method != "verbalized":
            raise OptionError(f"method: VerbalizedBackend implements 'verbalized', not {method!r}")
        if max_new_tokens < 1:
            raise OptionError(f"max_new_tokens must be at least 1, got {max_new_tokens}")
        self.model = model
        self.tokenizer = tokenizer
        self.model_id = model_id or getattr(getattr(model, "config", None), "_name_or_path", None)
        self.renderer = PromptRenderer.create(tokenizer, prompt_mode=prompt_mode,
                                              protocol=protocol, method="verbalized")
        self.protocol: Protocol = self.renderer.protocol
        self.schedule = AttemptSchedule(retries=retries, temperature=temperature,
                                        first_temperature=first_temperature,
                                        protocol=self.protocol, seed=seed)
        self.max_new_tokens = max_new_tokens
        self.top_k = top_k
        self.stop_on_json = stop_on_json
        self.device = input_device(model)
        self._sizer = make_sizer(batch_size, method="verbalized", device=self.device)
        self._template_hash = chat_template_hash(tokenizer) if self.renderer.mode == "chat" else None
        self._pad_id = pad_id(tokenizer)
        self.reuse_prompt = bool(reuse_prompt) and _supports_static_cache(model)
        self._eos: set[int] = eos_ids(model, tokenizer) if self.reuse_prompt else set()

    @property
    def batch_size(self) -> int:
        """The current batch size (after any out-of-memory back-off)."""
        return self._sizer.size

    # ----------------------------------------------------------------- Backend API

    def prompt_text(self, item: Item) -> str:
        """The exact prompt text (chat template rendered, generation prompt added)."""
        return self.renderer.text(item)

    def provenance(self) -> dict[str, Any]:
        """Identity of the results: model, protocol, prompt mode, generation settings."""
        dtype = getattr(self.model, "dtype", None)
        return {
            "method": self.method, "backend": self.name, "protocol": self.protocol,
            "prompt_mode": self.renderer.mode,
            "model": {"id": self.model_id, "type": self.renderer.mode,
                      "dtype": None if dtype is None else str(dtype).replace("torch.", "")},
            "chat_template_hash": self._template_hash, "label_token_ids": None,
            "device": str(self.device),
            "generation": {"max_new_tokens": self.max_new_tokens, "top_k": self.top_k,
                           "stop_on_json": self.stop_on_json, **self.schedule.provenance()},
        }

    def predict(self, items: Sequence[Item], *, progress: bool = True) -> Iterator[Prediction]:
        """Yield one prediction per item, per finished batch (retries included)."""
        from tqdm.auto import tqdm

        rows = []
        for item in items:
            text = self.prompt_text(item)
            ids = self._token_ids(text)
            rows.append((ItemAttempts(item.item_id, tuple(item.option_labels), prompt_hash(text)),
                         ids))
        rows.sort(key=lambda r: len(r[1]), reverse=True)
        bar = tqdm(total=len(rows), disable=not progress, desc="verbalized", unit="item")
        try:
            for batch, _ in self._sizer.run(rows, self._run_batch):
                for state, _ids in batch:
                    yield state.prediction(self.schedule)
                bar.update(len(batch))
        finally:
            bar.close()

    # ----------------------------------------------------------------- internals

    def _token_ids(self, text: str) -> list[int]:
        special = self.renderer.mode == "base"
        return [int(i) for i in self.tokenizer(text, add_special_tokens=special)["input_ids"]]

    def _run_batch(self, batch: Sequence[tuple[ItemAttempts, list[int]]]) -> None:
        """All attempts for one batch: the whole batch first, then its failed rows again."""
        for state, _ids in batch:
            state.reset()
        if self.reuse_prompt:
            self._run_batch_cached(batch)
            return
        pending = list(batch)
        for attempt in range(self.schedule.retries):
            if not pending:
                return
            texts = self._generate([ids for _, ids in pending], [s for s, _ in pending], attempt)
            pending = [(s, ids) for (s, ids), text in zip(pending, texts)
                       if not s.record(text, parse_verbalized(text, s.labels,
                                                              protocol=self.protocol))]

    def _run_batch_cached(self, batch: Sequence[tuple[ItemAttempts, list[int]]]) -> None:
        """The same attempts through :mod:`._decoding`: one prompt prefill for all attempts."""
        ids, mask = left_pad([ids for _, ids in batch], pad_id=self._pad_id, device=self.device)
        states = [s for s, _ in batch]
        with torch.inference_mode():
            prompt = prefill(self.model, ids, mask, max_new_tokens=self.max_new_tokens)
            pending = list(range(len(batch)))
            for attempt in range(self.schedule.retries):
                if not pending:
                    return
                tokens = decode(
                    self.model, prompt, pending, max_new_tokens=self.max_new_tokens,
                    temperature=self.schedule.temperature_at(attempt), top_k=self.top_k,
                    seeds=[self.schedule.seed_for(states[r].item_id, attempt) for r in pending],
                    eos=self._eos, is_done=self._stopper([states[r] for r in pending]))
                texts = [self.tokenizer.decode(t, skip_special_tokens=True) for t in tokens]
                pending = [r for r, text in zip(pending, texts)
                           if not states[r].record(text, parse_verbalized(
                               text, states[r].labels, protocol=self.protocol))]

    def _stopper(self, states: Sequence[ItemAttempts]) -> Any:
        """``is_done`` for :func:`._decoding.decode`: the row's answer is complete."""
        if not self.stop_on_json:
            return None

        def is_done(row: int, tokens: list[int], last: int) -> bool:
            return answer_closed(self.tokenizer, tokens, last, states[row].labels, self.protocol)

        return is_done

    def _generate(self, prompts: list[list[int]], states: list[ItemAttempts],
                  attempt: int) -> list[str]:
        device = self.device
        ids, mask = left_pad(prompts, pad_id=self._pad_id, device=device)
        temperature = self.schedule.temperature_at(attempt)
        processors, stoppers = _generation_hooks(
            self.tokenizer, width=ids.shape[1],
            labels=[s.labels for s in states] if self.stop_on_json else None,
            protocol=self.protocol, temperature=temperature, top_k=self.top_k,
            seeds=[self.schedule.seed_for(s.item_id, attempt) for s in states], device=device)
        with torch.inference_mode():
            out = self.model.generate(
                input_ids=ids, attention_mask=mask, max_new_tokens=self.max_new_tokens,
                do_sample=False, num_beams=1, temperature=None, top_k=None, top_p=None,
                logits_processor=processors, stopping_criteria=stoppers,
                pad_token_id=self._pad_id)
        new = out[:, ids.shape[1]:]
        return [self.tokenizer.decode(row, skip_special_tokens=True) for row in new]


def _supports_static_cache(model: Any) -> bool:
    """Whether :mod:`._decoding` can run ``model``: full attention, the cache and position APIs."""
    args = forward_args(model)
    return None not in (args.cache, args.keep) and args.positions \
        and supports_prefix_cache(model) \
        and len(set(getattr(model, "hf_device_map", {"": 0}).values())) <= 1


def _generation_hooks(tokenizer: Any, *, width: int, labels: list[tuple[str, ...]] | None,
                      protocol: str, temperature: float, top_k: int, seeds: list[int],
                      device: Any) -> tuple[Any, Any]:
    """``(LogitsProcessorList, StoppingCriteriaList)`` for one ``generate`` call."""
    processors = LogitsProcessorList()
    if temperature > 0:
        processors.append(SeededGumbelSampler(seeds, temperature=temperature, top_k=top_k,
                                              device=device))
    stoppers = StoppingCriteriaList()
    if labels is not None:
        stoppers.append(AnswerStopper(tokenizer, width=width, labels=labels, protocol=protocol))
    return processors, stoppers
