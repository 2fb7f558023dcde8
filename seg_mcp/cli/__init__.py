"""The `seg-mcp` command.

Each subcommand lives in its own module with a `register(subparsers)` function that adds its parser
and sets `func`, a callable taking the parsed arguments and returning an exit code. Handlers import
what they need lazily, so `seg-mcp --help` stays fast.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from seg_mcp import __version__
from seg_mcp.cli import api, demo, login, pql, sandbox, serve, settings, tools

COMMANDS = (serve, demo, api, pql, sandbox, tools, settings, login)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="seg-mcp",
        description="Adobe Experience Platform segmentation for AI assistants, over MCP.",
    )
    parser.add_argument("--version", action="version", version=f"seg-mcp {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for command in COMMANDS:
        command.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (`seg-mcp ... | head`): stop quietly, as `cat` does. Point stdout
        # at devnull so the interpreter's final flush does not raise again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
