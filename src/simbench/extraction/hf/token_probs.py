"""Token-probability extraction with a loaded transformers causal LM.

For each item: render the prompt (:mod:`simbench.prompts`), read the next-token distribution at the
last position (float32 softmax over the full vocabulary) and take each label's probability
(:mod:`simbench.extraction.labels`). Distinct prompts are computed once, sorted by length and
batched with left padding and ``position_ids`` from the attention mask, with ``logits_to_keep=1``;
shared prefixes are computed once and their KV caches reused (:mod:`._prefix_cache`).

Examples
--------
>>> from simbench.extraction.hf.tiny import example_items, tiny_model
>>> model, tokenizer = tiny_model()
>>> backend = TransformersLogprobBackend(model, tokenizer, model_id="tiny-llama")
>>> predictions = {p.item_id: p for p in backend.predict(example_items(), progress=False)}
>>> sorted(predictions["pop/1"].distribution), round(sum(predictions["pop/1"].distribution.values()), 12)
(['A', 'B'], 1.0)
>>> 0 < predictions["pop/1"].label_mass < 1  # the labels' share of the next-token probability
True
>>> prov = backend.provenance()
>>> prov["prompt_mode"], tokenizer.convert_ids_to_tokens(prov["label_token_ids"]["A"])
('chat', 'A')
"""

from __future__ import annotations

import functools
import logging
import math
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

import torch

from ...choices import Method, PromptMode, Protocol, ResolvedPromptMode
from ...errors import ExtractionError, OptionError
from ...prompts import PromptRenderer, chat_template_hash
from ..base import Backend, Prediction, prompt_hash
from ..labels import InContextLabels, label_token_table, release_label_ids
from ._batching import Request, input_device, left_pad, make_sizer, pad_id, positions
from ._prefix_cache import (
    extract_kv,
    forward_args,
    padded_prefix_cache,
    plan_prefixes,
    supports_prefix_cache,
)

if TYPE_CHECKING:
    from ...data.schema import Item

__all__ = ["TransformersLogprobBackend"]

logger = logging.getLogger(__name__)
_TOKENIZE_CHUNK = 512


class TransformersLogprobBackend(Backend):
    """Label probabilities from a transformers causal LM (the paper's token-probability method).

    Args:
        model: a loaded causal LM (any dtype; may be dispatched with ``device_map="auto"``).
        tokenizer: its tokenizer.
        protocol: ``"default"`` or ``"release"`` (see :mod:`simbench.prompts.render`).
        prompt_mode: ``"auto"`` (chat when the tokenizer has a chat template), ``"chat"``, ``"base"``.
        batch_size: rows per forward pass, or ``"auto"`` (start at 64 rows, and on CPU at most
            1,024 padded tokens per batch; halve on out-of-memory).
        prefix_cache: reuse the KV cache of prefixes shared by several prompts.
        min_prefix_tokens: shortest shared prefix worth caching.
        model_id, revision, content_hash: provenance of the model, as the loader knows it.
        compile: compile the model's MLP and RMSNorm modules with ``torch.compile`` (in place,
            a few seconds the first time), equal to eager to 1e-5; on CPU it speeds up the
            forward by up to ~20% and the engine by a few percent at most (:mod:`._compile`).
            Recorded in the provenance.
    """

    method: Method = "token_probs"
    name = "transformers"

    def __init__(self, model: Any, tokenizer: Any, *, method: Method = "token_probs",
                 protocol: Protocol | str = "default", prompt_mode: PromptMode | str = "auto",
                 batch_size: int | str = "auto", prefix_cache: bool = True,
                 min_prefix_tokens: int = 16, model_id: str | None = None,
                 revision: str | None = None, content_hash: str | None = None,
                 compile: bool = False) -> None:
        if method != "token_probs":
            raise OptionError(f"method: TransformersLogprobBackend implements 'token_probs', "
                              f"not {method!r}")
        self.model = model.eval()
        self.tokenizer = tokenizer
        self.renderer = PromptRenderer.create(tokenizer, prompt_mode=prompt_mode, protocol=protocol)
        self.device = input_device(model)
        self._sizer = make_sizer(batch_size, method="token_probs", device=self.device)
        self.prefix_cache = bool(prefix_cache) and supports_prefix_cache(model)
        if prefix_cache and not self.prefix_cache:
            logger.warning("prefix cache disabled: the model uses sliding-window attention")
        self.min_prefix_tokens = min_prefix_tokens
        self.model_id = model_id or getattr(model.config, "_name_or_path", None) or None
        self.revision, self.content_hash = revision, content_hash
        self._labels = InContextLabels(tokenizer, add_special_tokens=self.renderer.add_special_tokens)
        self._pad_id = pad_id(tokenizer)
        args = forward_args(model)
        self._cache_kw = args.cache or "past_key_values"
        self._keep_kw = args.keep
        self._max_len = _max_positions(model.config)
        self.compiled: list[str] = []
        if compile:
            from ._compile import compile_hot_modules

            self.compiled = compile_hot_modules(self.model)

    @property
    def protocol(self) -> Protocol:
        """``"default"`` or ``"release"``."""
        return self.renderer.protocol

    @property
    def prompt_mode(self) -> ResolvedPromptMode:
        """``"chat"`` or ``"base"`` (resolved)."""
        return self.renderer.mode

    @property
    def batch_size(self) -> int:
        """The current batch size (after any out-of-memory back-off)."""
        return self._sizer.size

    def prompt_text(self, item: Item) -> str:
        """The exact prompt text for ``item``."""
        return self.renderer.text(item)

    def label_token_ids(self) -> dict[str, Any]:
        """label -> token id (default protocol) or id list (release protocol), for labels A-O."""
        return label_token_table(self.renderer, self._labels)

    def provenance(self) -> dict[str, Any]:
        """Provenance for the run record (see ``docs/run-folder.md``)."""
        dtype = str(getattr(self.model, "dtype", "")).removeprefix("torch.") or None
        return {
            "method": self.method,
            "backend": self.name,
            "protocol": self.protocol,
            "prompt_mode": self.prompt_mode,
            "model": {"id": self.model_id, "revision": self.revision,
                      "content_hash": self.content_hash, "dtype": dtype,
                      "type": "chat" if self.prompt_mode == "chat" else "base"},
            "chat_template_hash": chat_template_hash(self.tokenizer),
            "label_token_ids": self.label_token_ids(),
            "device": str(self.device),
            "batch_size": self.batch_size,
            "prefix_cache": self.prefix_cache,
            "compile": self.compiled or None,
        }

    def predict(self, items: Sequence[Item], *, progress: bool = True) -> Iterator[Prediction]:
        """Yield one :class:`Prediction` per item, batch by batch, as soon as each is final."""
        from tqdm.auto import tqdm

        requests = self._requests(items)
        with tqdm(total=len(items), unit="item", disable=not progress,
                  desc="token probabilities") as bar:
            for request, label_logp in self._score(requests):
                for item_id in request.item_ids:
                    yield _prediction(item_id, request, label_logp)
                bar.update(len(request.item_ids))

    # ----------------------------------------------------------------------------- preparation
    def _requests(self, items: Sequence[Item]) -> list[Request]:
        """Render, tokenize and deduplicate the prompts; resolve the label tokens."""
        texts = [self.prompt_text(item) for item in items]
        by_ids: dict[tuple[int, ...], Request] = {}
        for start in range(0, len(items), _TOKENIZE_CHUNK):
            chunk = texts[start:start + _TOKENIZE_CHUNK]
            encoded = self.tokenizer(chunk, add_special_tokens=self.renderer.add_special_tokens)
            for item, text, ids in zip(items[start:], chunk, encoded["input_ids"]):
                key = tuple(int(i) for i in ids)
                if self._max_len is not None and len(key) > self._max_len:
                    raise ExtractionError(f"item {item.item_id}: the prompt has {len(key)} tokens, "
                                          f"more than the model's {self._max_len} positions")
                if key not in by_ids:
                    by_ids[key] = Request(key, self._label_ids(item, text, key),
                                          item.option_labels, prompt_hash(text))
                by_ids[key].item_ids.append(item.item_id)
        requests = list(by_ids.values())
        logger.info("%d items, %d distinct prompts, %d tokens", len(items), len(requests),
                    sum(len(r.ids) for r in requests))
        return requests

    def _label_ids(self, item: Item, text: str, ids: tuple[int, ...]) -> tuple[tuple[int, ...], ...]:
        if self.protocol == "release":
            return tuple(release_label_ids(self.tokenizer, lab) for lab in item.option_labels)
        found = self._labels.ids(text, ids, item.option_labels, item_id=item.item_id)
        return tuple((i,) for i in found)

    # ----------------------------------------------------------------------------- scoring
    def item_costs(self, items: Sequence[Item]) -> list[float]:
        """The tokens computed for each item, counted when the engine computes them: its prompt
        after the shared prefix, and, for the first item of each chunk, every prefix of that
        chunk (they are computed together before it); items asking the same prompt share its
        cost. The runner's ETA is by these costs: the engine goes longest prompts first, so a
        rate per item would mislead.

        >>> from simbench.extraction.hf.tiny import example_items, tiny_model
        >>> backend = TransformersLogprobBackend(*tiny_model())
        >>> costs = backend.item_costs(example_items())
        >>> len(costs), all(c > 0 for c in costs)
        (3, True)
        """
        requests = self._requests(items)
        self._plan(requests)
        per_request: dict[int, float] = {}
        for chunk in self._schedule(requests):
            prefixes = {r.group: r.prefix_len for r in chunk if r.group >= 0}
            per_request.update((id(r), float(len(r.suffix))) for r in chunk)
            per_request[id(chunk[0])] += sum(prefixes.values())
        per_item = {item_id: per_request[id(r)] / len(r.item_ids)
                    for r in requests for item_id in r.item_ids}
        return [per_item[item.item_id] for item in items]

    def _plan(self, requests: list[Request]) -> None:
        """Set each request's shared prefix (``prefix_len``, ``group``) when the cache is on."""
        if self.prefix_cache and len(requests) > 1:
            plan = plan_prefixes([r.ids for r in requests], min_prefix=self.min_prefix_tokens)
            for request, length, group in zip(requests, plan.prefix_len, plan.group):
                request.prefix_len, request.group = length, group
            logger.info("prefix cache: %d shared prefixes save %d tokens", len(plan.groups),
                        plan.saved_tokens)

    def _score(self, requests: list[Request]) -> Iterator[tuple[Request, list[float]]]:
        """Yield ``(request, per-label log-probabilities)`` for every request."""
        self._plan(requests)
        for chunk in self._schedule(requests):
            forward = functools.partial(self._forward, kv=self._prefix_kv(chunk))
            for batch, logps in self._sizer.run(chunk, forward, length=_suffix_len):
                yield from zip(batch, logps)

    def _schedule(self, requests: list[Request]) -> Iterator[list[Request]]:
        """The order of the work: chunks, whose prefixes are computed together first, each in
        the order its requests are batched and its predictions come out: longest suffix first
        (then longest prefix), whatever their prefixes.

        A batch mixes prefixes: each row gets its own prefix's keys and values, left-padded to
        the batch's longest prefix (:func:`padded_prefix_cache`), which costs attention only.
        Batching by suffix length alone makes full batches where batching the requests of one
        prefix at a time made many small ones (the whole benchmark on SmolLM2: 1,634 forward
        passes of the suffixes instead of 4,577, 1.5% fewer padded tokens; 1.13x float32 and
        1.09x bfloat16 on a 2-core CPU, ``benchmarks/README.md``)."""
        for chunk in self._chunks(requests):
            yield sorted(chunk, key=lambda r: (len(r.suffix), r.prefix_len), reverse=True)

    def _chunks(self, requests: list[Request]) -> Iterator[list[Request]]:
        """Groups of requests whose prefix caches are held in memory together (longest first)."""
        units: dict[int, list[Request]] = {}
        for i, request in enumerate(requests):
            units.setdefault(request.group if request.group >= 0 else -1 - i, []).append(request)
        ordered = sorted(units.values(), key=lambda u: max(len(r.ids) for r in u), reverse=True)
        limit = max(64, 8 * self._sizer.size)
        chunk: list[Request] = []
        for unit in ordered:
            chunk.extend(unit)
            if len(chunk) >= limit:
                yield chunk
                chunk = []
        if chunk:
            yield chunk

    def _prefix_kv(self, chunk: list[Request]) -> dict[int, list[tuple[Any, Any]]]:
        """Compute each shared prefix of ``chunk`` once; per group, its per-layer keys/values."""
        out: dict[int, list[tuple[Any, Any]]] = {}
        for batch, caches in self._sizer.run(_prefix_rows(chunk), self._prefix_forward,
                                             length=_prefix_len):
            out.update(zip((r.group for r in batch), caches))
        return out

    def _prefix_forward(self, rows: Sequence[Request]) -> list[list[tuple[Any, Any]]]:
        ids, mask = left_pad([r.ids[:r.prefix_len] for r in rows], pad_id=self._pad_id,
                             device=self.device)
        with torch.inference_mode():
            out = self.model(input_ids=ids, attention_mask=mask, position_ids=positions(mask),
                             use_cache=True, **self._keep_kwargs())
        layers = extract_kv(getattr(out, "cache", None) or out.past_key_values)
        width = ids.shape[1]
        return [[(k[i:i + 1, :, width - r.prefix_len:], v[i:i + 1, :, width - r.prefix_len:])
                 for k, v in layers] for i, r in enumerate(rows)]

    def _forward(self, rows: Sequence[Request], kv: dict[int, list[tuple[Any, Any]]]) -> list[list[float]]:
        """One batch: per row, the log-probability of each label (float32 full softmax)."""
        with torch.inference_mode():
            logp = torch.log_softmax(self._last_logits(rows, kv).float(), dim=-1)
            flat = [i for r in rows for ids_ in r.label_ids for i in ids_]
            rows_idx = [n for n, r in enumerate(rows) for ids_ in r.label_ids for _ in ids_]
            picked = logp[torch.tensor(rows_idx), torch.tensor(flat)].cpu().tolist()
        return _group_label_logps(rows, picked)

    def _last_logits(self, rows: Sequence[Request], kv: dict[int, list[tuple[Any, Any]]]) -> Any:
        """One batch: the next-token logits ``(rows, vocab)`` at each prompt's last position."""
        ids, mask = left_pad([r.suffix for r in rows], pad_id=self._pad_id, device=self.device)
        kwargs = self._keep_kwargs()
        if any(r.group >= 0 for r in rows):
            cache, prefix_mask = padded_prefix_cache([kv[r.group] if r.group >= 0 else None
                                                      for r in rows])
            offsets = torch.tensor([r.prefix_len for r in rows], dtype=torch.long)
            pos = positions(mask, offsets)
            mask = torch.cat([prefix_mask.to(self.device), mask], dim=1)
            kwargs.update({self._cache_kw: cache, "use_cache": True})
        else:
            pos = positions(mask)
            kwargs["use_cache"] = False
        with torch.inference_mode():
            return self.model(input_ids=ids, attention_mask=mask, position_ids=pos,
                              **kwargs).logits[:, -1, :]

    def _keep_kwargs(self) -> dict[str, Any]:
        return {self._keep_kw: 1} if self._keep_kw else {}


def _prefix_rows(chunk: Sequence[Request]) -> list[Request]:
    """One request per shared prefix of ``chunk``, longest prefix first: the rows whose prefixes
    the engine computes, in that order, before the chunk's suffixes."""
    firsts = {r.group: r for r in chunk if r.group >= 0}
    return sorted(firsts.values(), key=_prefix_len, reverse=True)


def _suffix_len(request: Request) -> int:
    return len(request.ids) - request.prefix_len


def _prefix_len(request: Request) -> int:
    return request.prefix_len


def _group_label_logps(rows: Sequence[Request], picked: list[float]) -> list[list[float]]:
    """Fold the flat per-id log-probabilities into per-label values (log-sum-exp over a label's ids)."""
    out, pos = [], 0
    for request in rows:
        per_label = []
        for ids_ in request.label_ids:
            vals = picked[pos:pos + len(ids_)]
            pos += len(ids_)
            per_label.append(_logsumexp(vals))
        out.append(per_label)
    return out


def _logsumexp(values: Sequence[float]) -> float:
    top = max(values)
    if top == -math.inf or math.isnan(top):
        return top
    return top + math.log(math.fsum(math.exp(v - top) for v in values))


def _prediction(item_id: str, request: Request, label_logp: list[float]) -> Prediction:
    """Renormalise the labels' log-probabilities into a :class:`Prediction`."""
    total = _logsumexp(label_logp)
    if not math.isfinite(total):
        return Prediction.failed(item_id, prompt_hash=request.prompt_hash,
                                 error=f"label log-probabilities are not finite: {label_logp}")
    dist = {lab: math.exp(lp - total) for lab, lp in zip(request.labels, label_logp)}
    return Prediction(item_id, dist, math.exp(total), request.prompt_hash)


def _max_positions(config: Any) -> int | None:
    for attr in ("max_position_embeddings", "n_positions"):
        value = getattr(config, attr, None)
        if isinstance(value, int) and value > 0:
            return value
    return None
