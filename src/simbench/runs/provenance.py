"""Provenance: what produced a run folder, and the check that refuses mixing two different runs.

The record itself is :class:`~simbench.runs.records.RunInfo`; this module fills in the versions and
times, and compares the record of a folder with the settings of a new invocation.

Examples
--------
>>> old = {"method": "token_probs", "model": {"id": "smollm2", "dtype": "float32"}}
>>> new = {"method": "token_probs", "model": {"id": "gpt2", "dtype": "float32"}}
>>> identity_differences(old, new)
[('model.id', 'smollm2', 'gpt2')]
"""

from __future__ import annotations

import platform
from collections.abc import Mapping
from datetime import datetime, timezone
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from .._version import __version__
from ..errors import RunFolderError
from .folder import RUN_INFO_FILE
from .records import RUN_SCHEMA_VERSION

__all__ = [
    "IDENTITY_KEYS",
    "RUN_SCHEMA_VERSION",
    "check_compatible",
    "identity_differences",
    "library_versions",
    "utc_now",
]

#: Dotted keys of the provenance record that must agree for a run to continue in an existing folder: a change
#: in any of them changes the predictions. ``seed`` and ``generation`` only count for sampling
#: methods (``verbalized``, ``sampling``); for token probabilities the seed only picks the sample of items, and a
#: folder may be extended with more items.
IDENTITY_KEYS = (
    "method", "backend", "protocol", "prompt_mode",
    "model.id", "model.revision", "model.content_hash", "model.dtype",
    "model.adapter.content_hash",
    "chat_template_hash", "label_token_ids", "data.sha256",
    "calibration.kind",  # a calibrated folder (simbench calibrate) is never extended by a run
    "permutations",      # --permutations: the scheme, its count and seed
)
_SAMPLING_KEYS = ("seed", "generation")
_PACKAGES = ("numpy", "torch", "transformers", "tokenizers", "accelerate", "datasets",
             "huggingface_hub", "httpx")


def utc_now() -> str:
    """The current UTC time as ``2026-11-27T08:00:00Z``."""
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def library_versions() -> dict[str, str | None]:
    """Versions of simbench, Python and the libraries that shape results (``None``: not installed).

    Read from package metadata, so nothing heavy is imported.
    """
    out: dict[str, str | None] = {"simbench": __version__, "python": platform.python_version()}
    for name in _PACKAGES:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = None
    return out


def _get(info: Mapping[str, Any], dotted: str) -> Any:
    value: Any = info
    for part in dotted.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value


def identity_differences(old: Mapping[str, Any], new: Mapping[str, Any],
                         keys: tuple[str, ...] | None = None) -> list[tuple[str, Any, Any]]:
    """The identity keys whose values differ, as ``(key, old, new)``.

    A key whose top-level part is missing from ``new`` (not known yet, e.g. before the model is
    loaded) is not compared.
    """
    if keys is None:
        keys = IDENTITY_KEYS
        if {"verbalized", "sampling"} & {old.get("method"), new.get("method")}:
            keys = keys + _SAMPLING_KEYS
    diffs = []
    for key in keys:
        if key.split(".")[0] not in new:
            continue
        a, b = _get(old, key), _get(new, key)
        if a != b:
            diffs.append((key, a, b))
    return diffs


def _expanded(diffs: list[tuple[str, Any, Any]]) -> list[tuple[str, Any, Any]]:
    """Differences between two objects as their differing fields (``generation.samples: 5 ...``),
    and a ``permutations`` block as its scheme, so the message stays one readable line.

    >>> _expanded([("generation", {"samples": 5, "seed": 0}, {"samples": 6, "seed": 0}),
    ...            ("permutations", {"scheme": "random", "n": 4, "seed": 0}, None)])
    [('generation.samples', 5, 6), ('permutations', 'random:4 (seed 0)', None)]
    """
    out: list[tuple[str, Any, Any]] = []
    for key, a, b in diffs:
        if key == "permutations":
            out.append((key, _scheme(a), _scheme(b)))
        elif isinstance(a, Mapping) and isinstance(b, Mapping):
            out.extend((f"{key}.{k}", a.get(k), b.get(k)) for k in dict.fromkeys([*a, *b])
                       if a.get(k) != b.get(k))
        else:
            out.append((key, a, b))
    return out


def _scheme(block: Any) -> Any:
    if not isinstance(block, Mapping):
        return block
    if block.get("scheme") == "random":
        return f"random:{block.get('n')} (seed {block.get('seed')})"
    return block.get("scheme")


def check_compatible(old: Mapping[str, Any] | None, new: Mapping[str, Any], folder: str,
                     keys: tuple[str, ...] | None = None) -> None:
    """Refuse to continue the run in ``folder`` (described by ``old``) with different settings.

    ``keys`` limits the comparison (default: :data:`IDENTITY_KEYS`).

    Raises:
        RunFolderError: naming every differing key with both values.
    """
    if old is None:
        return
    if old.get("schema_version", RUN_SCHEMA_VERSION) != RUN_SCHEMA_VERSION:
        raise RunFolderError(f"{folder}/{RUN_INFO_FILE} has schema_version "
                             f"{old.get('schema_version')}; this simbench writes "
                             f"{RUN_SCHEMA_VERSION}: use a new run folder (out)")
    diffs = identity_differences(old, new, keys)
    if diffs:
        listed = "; ".join(f"{k}: {a!r} in the folder, {b!r} now" for k, a, b in _expanded(diffs))
        raise RunFolderError(f"{folder} holds a different run ({listed}). Resume it with the same "
                             "settings, or choose another run folder (out)")
