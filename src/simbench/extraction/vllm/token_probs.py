"""Exact label probabilities through vLLM's offline engine (``--backend vllm``).

The same prompts and labels as the transformers engine (:mod:`simbench.extraction.hf.token_probs`):

- prompts are rendered by :class:`~simbench.prompts.PromptRenderer` with the model's own
  transformers tokenizer and sent as token ids (``TokensPrompt``), so vLLM sees exactly the tokens
  the transformers engine scores (no second tokenization, chat template included);
- each label's token id comes from the same in-context rule
  (:class:`~simbench.extraction.labels.InContextLabels`; the release protocol's id lists from
  :func:`~simbench.extraction.labels.release_label_ids`);
- one request per distinct prompt: ``SamplingParams(max_tokens=1, temperature=0,
  logprob_token_ids=<the label ids>)``. vLLM returns each listed id's log-probability under the
  full-vocabulary softmax of the raw logits (``logprobs_mode="raw_logprobs"``, see
  ``docs/scaling.md`` for where vLLM computes it); ``prompt_logprobs`` is never used, because it
  turns off reads from the prefix cache;
- requests are sorted by their token ids, so prompts that share a prefix run one after another
  and hit vLLM's automatic prefix cache, and sent ``batch_size`` at a time (predictions stream to
  the run folder after each chunk, so a killed run loses at most one chunk);
- a label's probability is the sum over its ids (log-sum-exp; ids listed twice by the release
  protocol count twice), ``label_mass`` is the sum over labels and the distribution is the labels
  renormalised: exactly what the transformers engine reports.

Examples
--------
>>> label_prediction("pop/1", ("A", "B"), [[-1.0], [-2.0]], "0" * 16).distribution["A"]
0.7310585786300049
>>> round(label_prediction("pop/1", ("A", "B"), [[-1.0], [-2.0]], "0" * 16).label_mass, 6)
0.503215

With vLLM installed (``tests/vllm_backend/`` runs this on SmolLM2)::

    backend = VLLMLogprobBackend("smollm2", dtype="float32")
    for prediction in backend.predict(items):
        print(prediction.item_id, prediction.distribution, prediction.label_mass)
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ...choices import Method, PromptMode, Protocol
from ...errors import ExtractionError
from ..base import Prediction, prompt_hash
from ._common import VLLMBackendBase, chunks
from .engine import VLLMEngine

if TYPE_CHECKING:
    from ...data.schema import Item
    from ...prompts import PromptRenderer

__all__ = ["VLLMLogprobBackend", "label_prediction"]

logger = logging.getLogger(__name__)


def _logsumexp(values: Sequence[float]) -> float:
    top = max(values)
    if top == -math.inf or math.isnan(top):
        return top
    return top + math.log(math.fsum(math.exp(v - top) for v in values))


def label_prediction(item_id: str, labels: Sequence[str], label_logps: Sequence[Sequence[float]],
                     prompt_hash: str) -> Prediction:
    """A :class:`Prediction` from each label's id log-probabilities (the engine's arithmetic).

    A label's log-probability is the log-sum-exp of its ids' values; ``label_mass`` is the
    probability on all labels; the distribution renormalises the labels. Non-finite values give a
    failed prediction, as in the transformers engine.
    """
    per_label = [_logsumexp(v) for v in label_logps]
    total = _logsumexp(per_label)
    if not math.isfinite(total):
        return Prediction.failed(item_id, prompt_hash=prompt_hash,
                                 error=f"label log-probabilities are not finite: {per_label}")
    dist = {lab: math.exp(lp - total) for lab, lp in zip(labels, per_label)}
    return Prediction(item_id, dist, math.exp(total), prompt_hash)


@dataclass
class _Request:
    ids: tuple[int, ...]
    label_ids: tuple[tuple[int, ...], ...]
    labels: tuple[str, ...]
    prompt_hash: str
    item_ids: list[str] = field(default_factory=list)


class VLLMLogprobBackend(VLLMBackendBase):
    """Label probabilities from a causal LM served by vLLM in this process.

    Args:
        model: ``--model``: ``smollm2``, a local folder or a Hub id (ignored with ``engine``).
        method: must be ``"token_probs"`` (passed by the backend factory).
        protocol: ``"default"`` or ``"release"``.
        prompt_mode: ``"auto"``, ``"chat"`` or ``"base"``.
        batch_size: requests per ``LLM.generate`` call (``"auto"``: 512); vLLM batches within it.
        seed: the engine seed (token probabilities do not sample).
        data_parallel_size: engines in separate processes, each on its own
            ``tensor_parallel_size x pipeline_parallel_size`` GPUs, each scoring a contiguous part
            of the sorted requests.
        engine: an engine already started by :func:`~.engine.load_engine` (shared, not closed).
        model_id: ignored (the engine records ``--model``); accepted from the factory.
        dtype, prefix_cache, tensor_parallel_size, pipeline_parallel_size,
            gpu_memory_utilization, max_model_len, quantization, lora, lora_rank, engine_args:
            engine options (:func:`~.engine.load_engine`).
    """

    method: Method = "token_probs"
    _METHOD: Method = "token_probs"
    _AUTO_CHUNK = 512

    def __init__(self, model: str | None = None, *, method: Method | str = "token_probs",
                 protocol: Protocol | str = "default", prompt_mode: PromptMode | str = "auto",
                 batch_size: int | str = "auto", seed: int = 0, data_parallel_size: int = 1,
                 engine: VLLMEngine | None = None, model_id: str | None = None,
                 dtype: str = "auto", prefix_cache: bool = True,
                 tensor_parallel_size: int | None = None,
                 pipeline_parallel_size: int | None = None,
                 gpu_memory_utilization: float | None = None, max_model_len: int | None = None,
                 quantization: str | None = None, lora: str | None = None, lora_rank: int = 64,
                 engine_args: Mapping[str, Any] | None = None) -> None:
        options = {"dtype": dtype, "prefix_cache": prefix_cache,
                   "tensor_parallel_size": tensor_parallel_size,
                   "pipeline_parallel_size": pipeline_parallel_size,
                   "gpu_memory_utilization": gpu_memory_utilization,
                   "max_model_len": max_model_len, "quantization": quantization, "lora": lora,
                   "lora_rank": lora_rank, "engine_args": dict(engine_args or {})}
        super().__init__(model, method=method, protocol=protocol, prompt_mode=prompt_mode,
                         seed=seed, batch_size=batch_size, data_parallel_size=data_parallel_size,
                         engine=engine, engine_options=options)
        from ..labels import InContextLabels

        self._labels = InContextLabels(self.tokenizer,
                                       add_special_tokens=self.renderer.add_special_tokens)

    def _renderer(self, protocol: Protocol | str, prompt_mode: PromptMode | str) -> PromptRenderer:
        from ...prompts import PromptRenderer

        return PromptRenderer.create(self.tokenizer, prompt_mode=prompt_mode, protocol=protocol)

    def label_token_ids(self) -> dict[str, Any]:
        """label -> token id (default protocol) or id list (release protocol), for labels A-O."""
        from ..labels import label_token_table

        return label_token_table(self.renderer, self._labels)

    def provenance(self) -> dict[str, Any]:
        """Provenance for the run record: the transformers engine's keys plus the vLLM engine's."""
        return {**self.common_provenance(), "label_token_ids": self.label_token_ids(),
                "prefix_cache": bool(self._details.get("engine_args", {})
                                     .get("enable_prefix_caching", True))}

    # ------------------------------------------------------------------------------ scoring
    def _requests(self, items: Sequence[Item]) -> list[_Request]:
        from ..labels import release_label_ids

        by_ids: dict[tuple[int, ...], _Request] = {}
        for item in items:
            text = self.prompt_text(item)
            ids = tuple(self.renderer.token_ids(text))
            request = by_ids.get(ids)
            if request is None:
                if self.protocol == "release":
                    label_ids = tuple(release_label_ids(self.tokenizer, lab)
                                      for lab in item.option_labels)
                else:
                    found = self._labels.ids(text, ids, item.option_labels, item_id=item.item_id)
                    label_ids = tuple((i,) for i in found)
                request = by_ids[ids] = _Request(ids, label_ids, tuple(item.option_labels),
                                                 prompt_hash(text))
            request.item_ids.append(item.item_id)
        # sorted token ids: prompts sharing a prefix are neighbours and hit the prefix cache
        return sorted(by_ids.values(), key=lambda r: r.ids)

    def _predict_local(self, items: Sequence[Item]) -> Iterator[Prediction]:
        from vllm import SamplingParams

        engine = self._engine()
        requests = self._requests(items)
        limit = self._max_prompt_tokens()
        for request in requests:
            if len(request.ids) > limit:
                raise ExtractionError(f"item {request.item_ids[0]}: the prompt has "
                                      f"{len(request.ids)} tokens, more than the engine's "
                                      f"max_model_len - 1 = {limit} (raise --max-model-len)")
        logger.info("%d items, %d distinct prompts", len(items), len(requests))
        for chunk in chunks(requests, self.chunk_size):
            params = [SamplingParams(max_tokens=1, temperature=0.0, seed=self.seed,
                                     logprob_token_ids=sorted({i for ids in r.label_ids
                                                               for i in ids}))
                      for r in chunk]
            outputs = engine.generate([list(r.ids) for r in chunk], params)
            for request, out in zip(chunk, outputs):
                found = out.outputs[0].logprobs[0]
                try:
                    logps = [[float(found[i].logprob) for i in ids] for ids in request.label_ids]
                except KeyError as e:
                    raise ExtractionError(f"item {request.item_ids[0]}: vLLM returned no "
                                          f"log-probability for label token {e}") from None
                for item_id in request.item_ids:
                    yield label_prediction(item_id, request.labels, logps, request.prompt_hash)
