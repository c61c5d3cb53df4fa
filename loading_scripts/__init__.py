"""Per-study converters: rebuild SimBench rows from the raw public data of a study.

The modules live in the repository's top-level ``loading_scripts/`` folder and are installed and
imported as ``simbench.converters`` (``src/simbench/converters`` is a link to that folder).
One module per study slug (``loading_scripts/<slug>.py``), each with
``convert(raw, release=None, *, extended=False, min_group_size=...) -> Conversion``. The release
items key the rebuilt rows (a reproduced row takes the ``item_id`` of the release row it matches)
and the :class:`~simbench.converters._common.ReproductionReport` measures how close they are.

Examples
--------
>>> sorted(CONVERTERS)
['chaos_nli', 'choices13k', 'osp_big5', 'osp_rwas', 'wisdom_of_crowds']
>>> get_converter("ChaosNLI").__name__      # a slug or the release's dataset name
'simbench.converters.chaos_nli'
>>> get_converter("jester")
Traceback (most recent call last):
    ...
KeyError: "no converter for 'jester'; converters exist for chaos_nli, choices13k, osp_big5, ..."

Converting checks the raw folder first (each study module shows a full run on small data):

>>> import tempfile
>>> with tempfile.TemporaryDirectory() as raw:
...     convert("osp_big5", raw)
Traceback (most recent call last):
    ...
simbench.converters._common.RawDataError: osp_big5: ... lacks data.csv, codebook.txt (see ...)
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

from simbench.data.registry import get_study
from simbench.data.schema import Item

from ._common import Conversion, Mismatch, RawDataError, ReproductionReport

__all__ = ["CONVERTERS", "Conversion", "Mismatch", "RawDataError", "ReproductionReport", "convert",
           "get_converter"]

#: Study slug -> the raw-data folder name used in the project's shared data (a hint for users).
CONVERTERS: dict[str, str] = {
    "chaos_nli": "chaosnli",
    "choices13k": "choices13k",
    "osp_big5": "ospsych_big5",
    "osp_rwas": "ospsych_rwas",
    "wisdom_of_crowds": "wisdom_of_crowds",
}


def get_converter(study: str) -> ModuleType:
    """The converter module of a study (slug or release name).

    Raises:
        KeyError: naming the studies that have a converter.
    """
    slug = get_study(study).slug
    if slug not in CONVERTERS:
        raise KeyError(f"no converter for {slug!r}; converters exist for {', '.join(sorted(CONVERTERS))} "
                       "(see loading_scripts/README.md for the other studies)")
    return importlib.import_module(f"{__name__}.{slug}")


def convert(study: str, raw: str | Path, release: Sequence[Item] | None = None, *,
            extended: bool = False, min_group_size: int | None = None) -> Conversion:
    """Run the converter of ``study`` on the raw folder ``raw``.

    Args:
        study: slug or release name, e.g. ``"osp_big5"``.
        raw: the folder holding the study's raw files.
        release: release items to key and check the rebuilt rows against (all studies may be
            passed; each converter keeps its own).
        extended: also build the study's extended config(s), where the data allows.
        min_group_size: threshold for the extended config (the converter's default if ``None``).
    """
    module = get_converter(study)
    kwargs = {} if min_group_size is None else {"min_group_size": min_group_size}
    result: Conversion = module.convert(raw, release, extended=extended, **kwargs)
    return result
