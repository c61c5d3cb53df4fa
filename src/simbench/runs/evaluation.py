"""One call for a whole evaluation: data, model, backend, run folder (what ``simbench run`` does).

Examples
--------
The uniform baseline on a made-up release file of four Jester rows, two of them sampled:

>>> import json, tempfile
>>> from pathlib import Path
>>> data = Path(tempfile.mkdtemp()) / "SimBenchPop.jsonl"
>>> rows = [{"row_index": i, "dataset_name": "Jester", "group_prompt_template": "You like jokes.",
...          "group_prompt_variable_map": {}, "group_size": 50, "auxiliary": {},
...          "input_template": f"Rate joke {i}.\\n\\nOptions:\\n(A): Funny\\n(B): Not funny",
...          "human_answer": {"A": a, "B": 100.0 - a}} for i, a in enumerate([10.0, 30, 60, 95])]
>>> _ = data.write_text("".join(json.dumps(r) + "\\n" for r in rows))
>>> result = run_evaluation("uniform", out=tempfile.mkdtemp(), data=data, split="pop",
...                         limit_per_study=2, progress=False)
>>> result.n_items, result.scores["n_items_total"], result.run_info["data"]["limit_per_study"]
(2, {'pop': 4}, 2)
>>> select_run_items(resolve_source(data), "pop", studies=["nope"])
Traceback (most recent call last):
...
simbench.errors.RunError: studies: ...

A model from the Hub (or a local folder, or ``"smollm2"``) is evaluated the same way:

>>> run_evaluation("Qwen/Qwen2.5-0.5B", out="runs/qwen")  # needs the network  # doctest: +SKIP
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ..data.load import DataSource, load_items, resolve_source, select_items
from ..data.registry import SPLITS, get_study
from ..data.schema import Item
from ..errors import OptionError
from .distributed import DistContext, init_distributed
from .folder import RunError, RunFolder
from .provenance import check_compatible
from .runner import RunResult, RunSettings, execute_run, finish_resumed

if TYPE_CHECKING:
    from ..extraction import AdapterSpec

__all__ = ["run_evaluation", "select_run_items"]

logger = logging.getLogger(__name__)
# Keys known before the model is loaded: checked first, so a wrong ``out`` fails in a second.
_EARLY_KEYS = ("method", "backend", "protocol", "model.id", "model.adapter.content_hash",
               "data.sha256", "calibration.kind", "permutations")


def select_run_items(
    source: DataSource, split: str = "both", studies: Sequence[str] | None = None,
    limit_per_study: int | None = None, seed: int = 0,
) -> tuple[list[Item], list[Item]]:
    """Load both splits of ``source`` (the norms need full splits) and pick the run's items.

    Returns:
        ``(all_items, selected)``: every item of the source, and the seeded stratified sample of
        the requested splits and studies (:func:`simbench.select_items`).

    Raises:
        RunError: for an unknown study or an empty selection.
    """
    all_items = load_items("both", source=source)
    splits = SPLITS if split == "both" else (split,)
    try:
        keep = None if not studies else {get_study(s).slug for s in studies}
    except KeyError as e:
        raise RunError(f"studies: {e.args[0]}") from None
    chosen = [it for it in all_items if it.split in splits and (keep is None or it.study in keep)]
    if not chosen:
        raise RunError(f"no items for split {split!r} and studies {studies} in {source.description}")
    return all_items, select_items(chosen, limit_per_study, seed=seed)


def _settings(source: DataSource, data: Any, split: str, studies: Sequence[str] | None,
              limit_per_study: int | None, seed: int, options: Mapping[str, Any]) -> RunSettings:
    generation_keys = ("max_new_tokens", "temperature", "retries")
    generation = {k: options[k] for k in generation_keys if options.get(k) is not None} or None
    extra = {k: v for k, v in options.items()
             if v is not None and k in ("base_url", "concurrency", "timeout", "batch_size",
                                        "prefix_cache", "api_key_env", "compile")}
    return RunSettings(
        data_source=str(data) if data is not None else source.description,
        data_files={s: str(p) for s, p in source.files.items()},
        data_sha256=source.sha256(), splits=SPLITS if split == "both" else (split,),
        studies=None if not studies else tuple(get_study(s).slug for s in studies),
        limit_per_study=limit_per_study, seed=seed, generation=generation, extra=extra)


def _early_check(out: str | os.PathLike[str], method: str, backend: str, model: str,
                 options: Mapping[str, Any], settings: RunSettings, dist: DistContext,
                 adapter: AdapterSpec | None = None) -> None:
    if not dist.is_main:
        return
    lora = None if adapter is None else {"content_hash": adapter.content_hash}
    new = {"method": method, "backend": backend, "protocol": options.get("protocol", "default"),
           "model": {"id": model, "adapter": lora}, "data": {"sha256": settings.data_sha256},
           "calibration": None,  # a run is never calibrated: a calibrated folder is refused
           "permutations": _permutations(options)}
    check_compatible(RunFolder(out).read_run_info(), new, str(out), keys=_EARLY_KEYS)


def _permutations(options: Mapping[str, Any]) -> dict[str, Any] | None:
    """The ``permutations`` block the run will record (known before any model loads)."""
    from ..prompts.permute import PermutationSpec

    spec = PermutationSpec.parse(options.get("permutations"), seed=int(options.get("seed") or 0))
    return spec.provenance()


def _same_model_settings(out: str | os.PathLike[str], method: str, options: Mapping[str, Any],
                         dtype: str, device: str, device_map: str | None) -> bool:
    """Whether the folder's run was made with the settings asked for now that only a loaded model
    would otherwise reveal (prompt mode, dtype), so that a fully finished folder can be re-scored
    without loading the model. Raises as the full check would when they differ; ``False`` where
    it cannot tell without the model (sampling methods, permutations, a device map).
    """
    old = RunFolder(out).read_run_info()
    if (old is None or method != "token_probs" or device_map or old.get("permutations")
            or options.get("permutations") not in (None, "none")):
        return False
    from ..extraction.hf import resolve_dtype

    mode = options.get("prompt_mode") or "auto"
    if mode == "auto":  # auto is chat exactly when the tokenizer has a chat template
        mode = "chat" if old.get("chat_template_hash") else "base"
    want = {"prompt_mode": mode,
            "model": {"dtype": str(resolve_dtype(dtype, device)).removeprefix("torch.")}}
    check_compatible(old, want, str(out), keys=("prompt_mode", "model.dtype"))
    return True


def _adapter(adapter: str | os.PathLike[str] | None, backend: str, model: str,
             options: dict[str, Any]) -> AdapterSpec | None:
    """The run's LoRA adapter, checked against the model by name; for vLLM it becomes the engine's
    ``lora`` option (the transformers wing merges it when the model loads)."""
    if adapter is None:
        return None
    from ..extraction import check_base_model, resolve_adapter

    if backend not in ("transformers", "vllm"):
        raise OptionError(f"adapter: backend {backend!r} takes no adapter (transformers or vllm do)")
    spec = resolve_adapter(adapter)
    check_base_model(spec, model)
    if backend == "vllm":
        if options.get("lora") is not None:
            raise OptionError("adapter and lora both name an adapter: give one")
        options["lora"] = str(spec.path)
        if spec.rank and spec.rank > 64:  # the wing reserves rank 64; vLLM takes these maxima
            options["lora_rank"] = next((r for r in (128, 256, 320, 512) if r >= spec.rank),
                                        spec.rank)
    return spec


def run_evaluation(
    model: str, *, out: str | os.PathLike[str], method: str = "token_probs",
    backend: str = "transformers", data: str | os.PathLike[str] | None = None, split: str = "both",
    studies: Sequence[str] | None = None, limit_per_study: int | None = None, seed: int = 0,
    dtype: str = "auto", device: str = "auto", device_map: str | None = None,
    backend_options: Mapping[str, Any] | None = None, progress: bool = True,
    adapter: str | os.PathLike[str] | None = None,
) -> RunResult:
    """Evaluate ``model`` on SimBench into the run folder ``out`` (resuming it if present).

    Args:
        model: a Hub id, a local folder, ``"smollm2"``; the served model's name with
            ``backend="openai"``; ``"uniform"`` (or ``backend="uniform"``) for the uniform baseline
            (:func:`simbench.extraction.resolve_backend`).
        out: the run folder.
        method, backend: see :mod:`simbench.extraction.factory`.
        data: release file or folder (default ``$SIMBENCH_DATA``, then the Hub).
        split, studies, limit_per_study, seed: which items (:func:`select_run_items`).
        dtype, device, device_map: how to load a transformers model
            (:func:`simbench.extraction.load_model`).
        backend_options: keyword arguments for the backend class (``protocol``, ``prompt_mode``,
            ``batch_size``, ``max_new_tokens``, ``base_url``...; ``None`` values are ignored).
        progress: show a progress bar.
        adapter: a PEFT LoRA adapter (folder or Hub id) for ``transformers`` (merged into the
            weights) or ``vllm`` (its LoRA support); recorded as ``model.adapter``
            (:mod:`simbench.extraction.adapters`).

    Under ``torchrun`` each process takes a shard; only rank 0's result carries the scores.
    """
    from ..extraction import create_backend, model_input, resolve_backend

    backend, model = resolve_backend(backend, model)
    options = dict(backend_options or {})
    options.setdefault("seed", seed)
    local = model_input(backend) == "loaded"
    lora = _adapter(adapter, backend, model, options)
    if local and not device_map:
        from ..extraction import resolve_device

        device = resolve_device(device)
    dist = init_distributed(device if local else "cpu")
    if dist.world_size > 1 and device.startswith("cuda") and ":" not in device:
        device = f"cuda:{dist.local_rank}"
    source = resolve_source(data)
    all_items, items = select_run_items(source, split, studies, limit_per_study, seed)
    settings = _settings(source, data, split, studies, limit_per_study, seed, options)
    _early_check(out, method, backend, model, options, settings, dist, lora)
    if local and dist.world_size == 1 and _same_model_settings(out, method, options, dtype, device,
                                                             device_map):
        resumed = finish_resumed(items, out, all_items=all_items)
        if resumed is not None:  # every item finished before: re-scored, the model is not loaded
            return resumed
    model_info, load_s = None, None
    if local:
        from ..extraction import load_model

        loaded = load_model(model, dtype=dtype, device=device, device_map=device_map, adapter=lora)
        model_info, load_s = loaded.provenance(), loaded.load_s
        built = create_backend(method, backend, loaded, **options)
    else:
        built = create_backend(method, backend, model, **options)
        load_s = getattr(built, "load_s", None)  # a backend that starts its own engine (vllm)
        if lora is not None:  # vLLM applies the adapter per request, unmerged
            model_info = {"adapter": lora.provenance(merged=False)}
    try:
        return execute_run(built, items, out, settings=settings, all_items=all_items,
                           model_info=model_info, load_s=load_s, dist=dist, progress=progress)
    finally:
        built.close()
