"""Every time claim in ``--help`` is the one the README makes."""

from __future__ import annotations

import argparse
import re
from collections.abc import Iterator
from pathlib import Path

from simbench.cli import build_parser

README = Path(__file__).resolve().parents[2] / "README.md"
_CLAIM = re.compile(r"(?:about|~)\s*[\d.,]+\s*(?:s|seconds|min|minutes|CPU-minutes|hours)\b")


def _helps(parser: argparse.ArgumentParser) -> Iterator[tuple[str, str]]:
    yield parser.prog, " ".join(parser.format_help().split())
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in {id(p): p for p in action.choices.values()}.values():
                yield from _helps(child)


def test_help_time_claims_are_the_readmes() -> None:
    readme = " ".join(README.read_text().split())
    claims = [(prog, m.group(0)) for prog, text in _helps(build_parser())
              for m in _CLAIM.finditer(text)]
    assert ("simbench run", "about 3 CPU-minutes") in claims
    assert ("simbench install", "about 20 s") in claims
    for prog, claim in claims:
        assert claim in readme, f"{prog} --help says {claim!r}; the README does not"
    # and the sample they describe is the same
    assert "75 items: about 3 CPU-minutes" in readme
    assert "(75 items: about 3 CPU-minutes)" in dict(_helps(build_parser()))["simbench run"]
