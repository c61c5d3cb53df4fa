"""PEFT LoRA adapters (``simbench run --adapter``): find one, hash it, check its base model.

An adapter is named by a local folder or a Hub id; either way it is a folder holding
``adapter_config.json`` and the weights (``adapter_model.safetensors`` or ``adapter_model.bin``),
as ``peft``'s ``save_pretrained`` writes it. A Hub id is fetched with
``huggingface_hub.snapshot_download`` (offline: from the Hugging Face cache).

:func:`resolve_adapter` reads the config (LoRA only) and hashes the files: the *content hash* is
``sha256:`` over each file's name and the sha256 of its bytes, so a copy of the adapter in another
folder has the same hash, and any change to its weights or config changes it.
:func:`check_base_model` refuses an adapter made for another model: the model its config names
(``base_model_name_or_path``) must be the model the run loads, by Hub id (an alias counts as its
Hub id), by folder, or by content hash. This module imports no torch; applying the adapter
happens in the engine's wing (``hf/``: peft, merged into the weights; ``vllm/``: vLLM's LoRA
support).

Examples
--------
>>> import json, tempfile
>>> from pathlib import Path
>>> folder = Path(tempfile.mkdtemp())
>>> _ = (folder / "adapter_config.json").write_text(json.dumps({
...     "peft_type": "LORA", "r": 8, "lora_alpha": 16, "target_modules": ["v_proj", "q_proj"],
...     "base_model_name_or_path": "HuggingFaceTB/SmolLM2-135M-Instruct"}))
>>> _ = (folder / "adapter_model.safetensors").write_bytes(b"made-up weights")
>>> spec = resolve_adapter(str(folder))
>>> spec.rank, spec.target_modules, spec.content_hash[:7], spec.base_model
(8, ['q_proj', 'v_proj'], 'sha256:', 'HuggingFaceTB/SmolLM2-135M-Instruct')
>>> check_base_model(spec, "smollm2")  # the alias stands for that Hub id: no error
>>> check_base_model(spec, "Qwen/Qwen2.5-0.5B")
Traceback (most recent call last):
...
simbench.errors.AdapterError: adapter ... was made for base model 'HuggingFaceTB/SmolLM2-135M-Instruct' (adapter_config.json base_model_name_or_path), not for the model 'Qwen/Qwen2.5-0.5B' of this run: give the adapter's base model with --model, or an adapter made for this model
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import AdapterError

__all__ = [
    "ADAPTER_CONFIG",
    "AdapterSpec",
    "check_base_model",
    "resolve_adapter",
]

logger = logging.getLogger(__name__)

#: The adapter's config file, as peft names it.
ADAPTER_CONFIG = "adapter_config.json"
_WEIGHTS = ("adapter_model.safetensors", "adapter_model.bin")


@dataclass(frozen=True)
class AdapterSpec:
    """A resolved LoRA adapter.

    Attributes:
        id: the name given (folder or Hub id).
        path: the local folder holding its files.
        source: ``"local"`` or ``"hub"``.
        revision: the Hub commit of the snapshot (``None`` for a local folder).
        content_hash: ``sha256:<hex>`` over the names and contents of its files.
        base_model: ``base_model_name_or_path`` of its config (``None`` when absent).
        rank, alpha, target_modules: the LoRA settings of its config.
        config: the whole ``adapter_config.json``.
    """

    id: str
    path: Path
    source: str
    revision: str | None
    content_hash: str
    base_model: str | None
    rank: int | None
    alpha: float | None
    target_modules: list[str]
    config: dict[str, Any]

    def provenance(self, *, merged: bool | None) -> dict[str, Any]:
        """The ``model.adapter`` block of the run record (:class:`simbench.runs.AdapterInfo`)."""
        return {"id": self.id, "type": "lora", "source": str(self.path), "revision": self.revision,
                "content_hash": self.content_hash, "base_model": self.base_model,
                "rank": self.rank, "alpha": self.alpha, "target_modules": self.target_modules,
                "merged": merged}


def _looks_like_path(name: str) -> bool:
    return name.startswith((".", "/", "~")) or name.count("/") > 1 or Path(name).exists()


def _download(repo_id: str) -> tuple[Path, str | None]:
    """The snapshot folder and commit of a Hub adapter (from the cache when offline)."""
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import HFValidationError

    try:
        folder = Path(snapshot_download(repo_id, allow_patterns=[ADAPTER_CONFIG, *_WEIGHTS]))
    except HFValidationError as e:
        raise AdapterError(f"adapter {repo_id!r}: not a local folder nor a Hub id ({e})") from None
    except Exception as e:  # noqa: BLE001 - offline, missing repo, no access: all say the same
        raise AdapterError(f"adapter {repo_id!r}: not a local folder, and it could not be fetched "
                           f"from the Hub ({type(e).__name__}: {e}); give a folder holding "
                           f"{ADAPTER_CONFIG}") from None
    return folder, folder.name if folder.parent.name == "snapshots" else None


def _content_hash(folder: Path) -> str:
    h = hashlib.sha256()
    for name in (ADAPTER_CONFIG, *_WEIGHTS):
        p = folder / name
        if p.is_file():
            digest = hashlib.sha256()
            with p.open("rb") as f:
                for chunk in iter(lambda: f.read(1 << 20), b""):
                    digest.update(chunk)
            h.update(f"{name}\t{digest.hexdigest()}\n".encode())
    return f"sha256:{h.hexdigest()}"


def resolve_adapter(name: str | os.PathLike[str]) -> AdapterSpec:
    """Find the LoRA adapter ``name`` (a folder, else a Hub id), read its config, hash its files.

    Raises:
        AdapterError: no such folder or Hub repository; no ``adapter_config.json`` or weights; not
            a LoRA adapter.
    """
    given = str(name)
    path = Path(given).expanduser()
    if path.is_dir():
        folder, source, revision = path.resolve(), "local", None
    elif _looks_like_path(given):
        raise AdapterError(f"adapter folder {given!r} does not exist")
    else:
        (folder, revision), source = _download(given), "hub"
    config_file = folder / ADAPTER_CONFIG
    if not config_file.is_file():
        raise AdapterError(f"adapter {given!r}: {folder} holds no {ADAPTER_CONFIG} (expected a "
                           "folder written by peft's save_pretrained)")
    if not any((folder / w).is_file() for w in _WEIGHTS):
        raise AdapterError(f"adapter {given!r}: {folder} holds no weights ({' or '.join(_WEIGHTS)})")
    try:
        config = json.loads(config_file.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as e:
        raise AdapterError(f"adapter {given!r}: {config_file} is not valid JSON ({e})") from None
    if not isinstance(config, dict) or str(config.get("peft_type", "")).upper() != "LORA":
        kind = config.get("peft_type") if isinstance(config, dict) else None
        raise AdapterError(f"adapter {given!r}: field 'peft_type' of {ADAPTER_CONFIG} is {kind!r}; "
                           "only LoRA adapters ('LORA') are supported")
    targets = config.get("target_modules") or []
    return AdapterSpec(
        id=given, path=folder, source=source, revision=revision,
        content_hash=_content_hash(folder), base_model=config.get("base_model_name_or_path") or None,
        rank=config.get("r"), alpha=config.get("lora_alpha"),
        target_modules=sorted([targets] if isinstance(targets, str) else map(str, targets)),
        config=config)


def _identity(name: str) -> tuple[set[str], str | None, bool]:
    """How a model name can be compared: its Hub ids or folder, its content hash when cheap to
    know, and whether it names a Hub model."""
    from .hf.models import ALIASES, folder_content_hash

    if name.lower() in ALIASES:
        return {ALIASES[name.lower()]}, None, True
    path = Path(name).expanduser()
    if path.is_dir():
        return {str(path.resolve())}, folder_content_hash(path), False
    if _looks_like_path(name):
        return {name}, None, False
    return {name}, None, True


def check_base_model(adapter: AdapterSpec, model: str, *, model_content_hash: str | None = None
                     ) -> None:
    """Refuse an adapter whose config names another base model than ``model``.

    The two agree when they name the same Hub id (an alias such as ``smollm2`` counts as its Hub
    id) or the same folder, or when the folders hold the same weights (content hash). They
    disagree when both are Hub ids, or both have a content hash, and these differ. Otherwise (no
    base model recorded, or a Hub id against a local folder) the run goes ahead with a warning:
    loading the adapter still checks that its modules and shapes fit the model.

    Args:
        adapter: the resolved adapter.
        model: the run's model name (alias, folder or Hub id).
        model_content_hash: the loaded model's content hash, when known.

    Raises:
        AdapterError: the adapter was made for another model (the message names both).
    """
    base = adapter.base_model
    if base is None:
        logger.warning("adapter %s names no base model (%s has no base_model_name_or_path): "
                       "cannot check that it was made for %s", adapter.id, ADAPTER_CONFIG, model)
        return
    names, model_hash, model_on_hub = _identity(model)
    base_names, base_hash, base_on_hub = _identity(base)
    model_hash = model_content_hash or model_hash
    if names & base_names or (model_hash is not None and model_hash == base_hash):
        return
    if (model_on_hub and base_on_hub) or (model_hash is not None and base_hash is not None):
        raise AdapterError(
            f"adapter {adapter.id!r} was made for base model {base!r} ({ADAPTER_CONFIG} "
            f"base_model_name_or_path), not for the model {model!r} of this run: give the "
            "adapter's base model with --model, or an adapter made for this model")
    logger.warning("adapter %s was made for %r; this run's model is %r: the names cannot be "
                   "compared (a Hub id and a local folder), so loading checks only that the "
                   "adapter's modules and shapes fit", adapter.id, base, model)
