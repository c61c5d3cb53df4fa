"""What both vLLM backends share: engine ownership, data parallel workers, provenance, chunking."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ...choices import Method, PromptMode, Protocol
from ...errors import ExtractionError, OptionError
from ..base import Backend, Prediction
from .engine import VLLMEngine, load_engine

if TYPE_CHECKING:
    from ...data.schema import Item
    from ...prompts import PromptRenderer

logger = logging.getLogger(__name__)


def chunks(rows: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    """Consecutive slices of ``rows`` of at most ``size`` (the last may be shorter).

    >>> [list(c) for c in chunks([1, 2, 3, 4, 5], 2)]
    [[1, 2], [3, 4], [5]]
    """
    for start in range(0, len(rows), size):
        yield rows[start:start + size]


def positive_int(value: Any, what: str) -> int:
    """``value`` as an int >= 1, else :class:`~simbench.errors.OptionError` naming ``what``."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise OptionError(f"{what} must be a positive integer, got {value!r}")
    return value


class VLLMBackendBase(Backend):
    """Common constructor and provenance of :class:`~.token_probs.VLLMLogprobBackend` and
    :class:`~.verbalized.VLLMVerbalizedBackend` (see their docstrings for the arguments)."""

    name = "vllm"
    _METHOD: Method
    _AUTO_CHUNK: int

    def __init__(self, model: str | None = None, *, method: Method | str, protocol: Protocol | str,
                 prompt_mode: PromptMode | str, seed: int, batch_size: int | str,
                 data_parallel_size: int, engine: VLLMEngine | None,
                 engine_options: Mapping[str, Any]) -> None:
        if method != self._METHOD:
            raise OptionError(f"method: {type(self).__name__} implements {self._METHOD!r}, "
                              f"not {method!r}")
        if int(os.environ.get("WORLD_SIZE", "1")) > 1:
            raise OptionError("--backend vllm under torchrun: every rank would start an engine on "
                              "the same GPUs; run one process with --data-parallel-size instead")
        self.seed = seed
        self.chunk_size = self._AUTO_CHUNK if batch_size == "auto" else \
            positive_int(batch_size, "batch_size")
        self.data_parallel_size = positive_int(data_parallel_size, "data_parallel_size")
        self._options = dict(engine_options)
        self._own_engine = engine is None
        self._pool: Any = None
        if engine is not None:
            if self.data_parallel_size > 1:
                raise OptionError("data_parallel_size > 1 starts its own engines: do not pass one")
            self.engine: VLLMEngine | None = engine
            tokenizer, model_info, details = engine.tokenizer, engine.model, engine.provenance()
            device, self.load_s = engine.device, engine.load_s
        elif model is None:
            raise OptionError("give a model (name, folder or Hub id) or a started engine")
        elif self.data_parallel_size > 1:
            from ._data_parallel import DataParallelPool

            self.engine = None
            self._pool = DataParallelPool(
                type(self), model, size=self.data_parallel_size,
                kwargs={"method": method, "protocol": protocol, "prompt_mode": prompt_mode,
                        "seed": seed, "batch_size": batch_size, **self._worker_kwargs(),
                        **self._options},
                tensor_parallel_size=int(self._options.get("tensor_parallel_size") or 1),
                pipeline_parallel_size=int(self._options.get("pipeline_parallel_size") or 1))
            tokenizer, model_info, details = (self._pool.tokenizer, self._pool.model,
                                              self._pool.details)
            device, self.load_s = self._pool.device, self._pool.load_s
        else:
            self.engine = load_engine(model, seed=seed, **self._options)
            tokenizer, model_info, details = (self.engine.tokenizer, self.engine.model,
                                              self.engine.provenance())
            device, self.load_s = self.engine.device, self.engine.load_s
        self.tokenizer = tokenizer
        self.model_info = dict(model_info)
        self._details = dict(details)
        self.device = device
        self.renderer = self._renderer(protocol, prompt_mode)
        self.protocol: Protocol = self.renderer.protocol

    # -- hooks for subclasses -------------------------------------------------------------------
    def _renderer(self, protocol: Protocol | str, prompt_mode: PromptMode | str) -> PromptRenderer:
        raise NotImplementedError

    def _worker_kwargs(self) -> dict[str, Any]:
        """Method-specific constructor arguments a data-parallel worker needs."""
        return {}

    def _predict_local(self, items: Sequence[Item]) -> Iterator[Prediction]:
        raise NotImplementedError

    # -- Backend API ----------------------------------------------------------------------------
    @property
    def prompt_mode(self) -> str:
        """``"chat"`` or ``"base"`` (resolved)."""
        return self.renderer.mode

    def prompt_text(self, item: Item) -> str:
        """The exact prompt text for ``item`` (the transformers engine's, byte for byte)."""
        return self.renderer.text(item)

    def common_provenance(self) -> dict[str, Any]:
        """The provenance keys both methods share."""
        from ...prompts import chat_template_hash

        return {
            "method": self.method, "backend": self.name, "protocol": self.protocol,
            "prompt_mode": self.prompt_mode,
            "model": {**self.model_info, "type": self.prompt_mode},
            "chat_template_hash": chat_template_hash(self.tokenizer),
            "device": self.device,
            **self._details,
            "batch_size": self.chunk_size,
            "data_parallel_size": self.data_parallel_size,
        }

    def predict(self, items: Sequence[Item], *, progress: bool = True) -> Iterator[Prediction]:
        """Yield one prediction per item, chunk by chunk (data-parallel workers: as they come)."""
        from tqdm.auto import tqdm

        with tqdm(total=len(items), unit="item", disable=not progress,
                  desc=f"vllm {self.method}") as bar:
            source = self._pool.predict(items) if self._pool is not None \
                else self._predict_local(items)
            for pred in source:
                yield pred
                bar.update(1)

    def close(self) -> None:
        """Stop the engine (or the workers) this backend started; a passed-in engine is kept."""
        if self._pool is not None:
            self._pool.close()
            self._pool = None
        if self._own_engine and self.engine is not None:
            self.engine.close()
            self.engine = None

    def _engine(self) -> VLLMEngine:
        if self.engine is None:
            raise ExtractionError("the vLLM engine of this backend was closed")
        return self.engine

    def _max_prompt_tokens(self) -> int:
        """The longest prompt that leaves room for one generated token."""
        return int(self._engine().llm.llm_engine.model_config.max_model_len) - 1
