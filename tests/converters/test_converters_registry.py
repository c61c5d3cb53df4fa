"""Every converter is a registered study slug, installed under the package's namespace."""

from __future__ import annotations

import subprocess
import sys


def test_every_converter_is_a_registered_study_slug(scripts):
    from simbench.data.registry import get_study

    for slug in scripts.CONVERTERS:
        assert get_study(slug).slug == slug
        module = scripts.get_converter(slug)
        assert module.__name__ == f"simbench.converters.{slug}"
        assert module.STUDY == slug and callable(module.convert)


def test_the_converters_are_not_a_top_level_package(scripts, tmp_path):
    """Installed as ``simbench.converters`` only: no generic ``loading_scripts`` on ``sys.path``."""
    assert scripts.__name__ == "simbench.converters"
    code = ("import importlib.util, simbench.converters as c; "
            "print(importlib.util.find_spec('loading_scripts'), sorted(c.CONVERTERS)[0])")
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True,
                         check=True, timeout=120)
    assert out.stdout.split() == ["None", "chaos_nli"]
