"""The ``simbench`` command line.

Each sub-command lives in its own module of this package, exposing ``register(subparsers)`` which
adds its parser and sets ``func`` (taking the parsed args, returning an exit code). Modules import
heavy libraries (torch, transformers, evaluate, matplotlib) inside ``func`` only, so ``--help`` is fast.
"""

from __future__ import annotations

import argparse
import difflib
import importlib
import importlib.util
import logging
import re
import sys
from collections.abc import Sequence
from typing import NoReturn

from .._version import __version__
from ..errors import CLIError, SimBenchError

__all__ = ["CLIError", "build_parser", "main"]

# (module, in display order). A module that is not present in this installation is not listed.
_COMMAND_MODULES = (
    "simbench.cli.install",
    "simbench.cli.data",
    "simbench.cli.run",
    "simbench.cli.calibrate",
    "simbench.cli.score",
    "simbench.cli.report",
    "simbench.cli.submit",
    "simbench.cli.leaderboard",
)



_INVALID_CHOICE = re.compile(r"invalid choice: '(?P<value>[^']*)' \(choose from (?P<choices>.*)\)$")


def _did_you_mean(message: str) -> str:
    """Add the closest choice to argparse's "invalid choice" message (any other message as is).

    >>> _did_you_mean("argument --split: invalid choice: 'popp' (choose from 'pop', 'grouped', 'both')")
    "argument --split: invalid choice: 'popp' (choose from 'pop', 'grouped', 'both'); did you mean 'pop'?"
    >>> _did_you_mean("argument --split: invalid choice: 'x' (choose from pop, grouped, both)")
    "argument --split: invalid choice: 'x' (choose from pop, grouped, both)"
    """
    match = _INVALID_CHOICE.search(message)
    if not match:
        return message
    choices = [c.strip().strip("'\"") for c in match["choices"].split(",")]
    close = difflib.get_close_matches(match["value"], choices, n=1, cutoff=0.6)
    return f"{message}; did you mean {close[0]!r}?" if close else message


class _Parser(argparse.ArgumentParser):
    """argparse with one-line usage errors: the problem, the closest choice, where to read more."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {_did_you_mean(message)} (see '{self.prog} --help')\n")


def _verbose_everywhere(parser: argparse.ArgumentParser) -> None:
    """Accept ``-v`` after any sub-command too (``simbench run -v ...``), counted like before it."""
    for action in parser._actions:
        if not isinstance(action, argparse._SubParsersAction):
            continue
        for child in {id(p): p for p in action.choices.values()}.values():
            if not any("-v" in a.option_strings for a in child._actions):
                # SUPPRESS: when not given here, the count from before the sub-command stays
                child.add_argument("-v", "--verbose", action="count", default=argparse.SUPPRESS,
                                   help="more logging (-vv: debug); also accepted before the command")
            _verbose_everywhere(child)


def build_parser() -> argparse.ArgumentParser:
    """Build the top-level parser with every available sub-command."""
    parser = _Parser(
        prog="simbench",
        description="SimBench: how faithfully do language models simulate human answer distributions?",
        epilog="Run 'simbench <command> --help' for the options of a command.",
    )
    parser.add_argument("--version", action="version", version=f"simbench-eval {__version__}")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more logging (-vv: debug)")
    sub = parser.add_subparsers(dest="command", metavar="<command>")
    for name in _COMMAND_MODULES:
        if importlib.util.find_spec(name) is not None:
            importlib.import_module(name).register(sub)
    _verbose_everywhere(parser)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``simbench`` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    level = logging.WARNING - 10 * min(args.verbose, 2)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except (SimBenchError, FileNotFoundError) as e:
        # One place turns every deliberate error into one message; -v shows the traceback too.
        if args.verbose:
            logging.getLogger("simbench.cli").exception("traceback")
        print(f"simbench {args.command}: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
