"""The ``simbench`` command line.

Each sub-command lives in its own module of this package, exposing ``register(subparsers)`` which
adds its parser and sets ``func`` (taking the parsed args, returning an exit code). Modules import
heavy libraries (torch, transformers, evaluate, matplotlib) inside ``func`` only, so ``--help`` is fast.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import logging
import sys
from collections.abc import Sequence

from .._version import __version__
from ..errors import CLIError, SimBenchError

__all__ = ["CLIError", "build_parser", "main"]

# (module, in display order). A module that is not present in this installation is not listed.
_COMMAND_MODULES = (
    "simbench.cli.install",
    "simbench.cli.data",
    "simbench.cli.run",
    "simbench.cli.score",
    "simbench.cli.report",
    "simbench.cli.submit",
    "simbench.cli.leaderboard",
)



def build_parser() -> argparse.ArgumentParser:
    """Build the top-level parser with every available sub-command."""
    parser = argparse.ArgumentParser(
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
