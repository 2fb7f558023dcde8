"""`seg-mcp serve`: the MCP server over stdio (default) or stateless streamable HTTP.

Backend: Adobe when credentials are configured, else the local sandbox in-process
(`cli._backend.open_client`). Logs go to stderr; stdout belongs to the stdio transport.
"""

from __future__ import annotations

import argparse
import logging
import sys

_EPILOG = """\
toolsets: context, pql, definitions, audiences, evaluate, jobs, schedules, search, delete (or all).
Names are comma-separated or repeated. An unknown name fails at start (exit 2)."""


def _names(values: list[str] | None) -> list[str] | None:
    if values is None:
        return None
    return [n.strip() for v in values for n in v.split(",") if n.strip()]


def add_selection(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--toolsets", action="append", metavar="NAMES", help="toolsets to enable")
    parser.add_argument("--tools", action="append", metavar="NAMES", help="tools to enable too")
    parser.add_argument(
        "--exclude-tools", action="append", metavar="NAMES", help="tools to leave out"
    )
    parser.add_argument("--read-only", action="store_true", help="leave out every write tool")


def selection(args: argparse.Namespace) -> dict[str, object]:
    return {
        "toolsets": _names(args.toolsets),
        "tools": _names(args.tools),
        "exclude_tools": _names(args.exclude_tools),
        "read_only": args.read_only,
    }


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser(
        "serve",
        help="run the MCP server (stdio or HTTP)",
        description="Run the seg-mcp MCP server.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--transport", choices=("stdio", "http"), default="stdio")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    add_selection(parser)
    parser.set_defaults(func=run)


async def _serve(args: argparse.Namespace, config: object) -> None:
    from seg_mcp.cli._backend import open_client
    from seg_mcp.server import build_server

    async with open_client(config) as client:  # type: ignore[arg-type]
        server = build_server(client, config, **selection(args))  # type: ignore[arg-type]
        logging.getLogger("seg_mcp").info("%s", server.instructions)
        if args.transport == "stdio":
            await server.run_stdio_async()
        else:
            import uvicorn

            app = server.streamable_http_app(
                stateless_http=True, json_response=True, host=args.host
            )
            # log_config=None: uvicorn's loggers go to the root logger, i.e. stderr.
            config_ = uvicorn.Config(app, host=args.host, port=args.port, log_config=None)
            await uvicorn.Server(config_).serve()


def run(args: argparse.Namespace) -> int:
    import anyio

    from seg_mcp.cli._backend import BackendUnavailableError
    from seg_mcp.config import ConfigError, load_config
    from seg_mcp.server import ALL_TOOLS, UnknownNameError, select

    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(message)s")
    for noisy in ("httpx", "httpx2", "httpcore"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    try:
        select(ALL_TOOLS, **selection(args))  # type: ignore[arg-type]
        config = load_config()
        anyio.run(_serve, args, config)
    except (UnknownNameError, ConfigError, BackendUnavailableError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0
