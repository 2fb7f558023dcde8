"""`seg-mcp serve`: the MCP server over stdio (default) or stateless streamable HTTP.

Backend: Adobe when credentials are configured, else the local sandbox in-process
(`cli._backend.open_client`). Logs go to stderr; stdout belongs to the stdio transport.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypedDict

if TYPE_CHECKING:
    from seg_mcp.config import BackendConfig

_EPILOG = """\
toolsets: `seg-mcp tools` lists them with their tools (or all).
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


class Selection(TypedDict):
    """The tool selection flags, as `build_server` and `select` take them."""

    toolsets: list[str] | None
    tools: list[str] | None
    exclude_tools: list[str] | None
    read_only: bool


def selection(args: argparse.Namespace) -> Selection:
    return {
        "toolsets": _names(args.toolsets),
        "tools": _names(args.tools),
        "exclude_tools": _names(args.exclude_tools),
        "read_only": bool(args.read_only),
    }


def _csv(values: list[str] | None) -> tuple[str, ...]:
    return tuple(_names(values) or ())


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
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
    auth = parser.add_argument_group("HTTP authentication (see docs/auth.md)")
    auth.add_argument(
        "--auth",
        choices=("oauth", "token", "none"),
        help="oauth: people sign in with their Adobe ID (this server is their OAuth "
        "authorization server, Adobe IMS behind it); token: static bearer tokens (hashes in "
        "SEG_MCP_TOKENS_FILE); none: no authentication, loopback only (the default there)",
    )
    auth.add_argument(
        "--allow-unauthenticated",
        action="store_true",
        help="serve without authentication on a non-loopback address (anyone who reaches the "
        "port acts with this server's credential)",
    )
    auth.add_argument(
        "--allowed-hosts", action="append", metavar="HOSTS", help="Host headers to answer"
    )
    auth.add_argument(
        "--allowed-origins", action="append", metavar="ORIGINS", help="browser Origins to allow"
    )
    auth.add_argument("--public-url", help="the URL clients use (behind a proxy)")
    auth.add_argument("--tokens-file", type=Path, help="TOML file of static token hashes")
    auth.add_argument(
        "--new-token",
        metavar="NAME",
        help="print a new static token and its [tokens.NAME] entry, then exit",
    )
    auth.add_argument(
        "--hash-token", action="store_true", help="read a token on stdin, print its sha256, exit"
    )
    parser.set_defaults(func=run)


class _NoQueryStrings(logging.Filter):
    """Access-log lines without query strings (they can carry authorization codes)."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            record.args = (*args[:2], args[2].split("?", 1)[0], *args[3:])
        return True


async def _serve(args: argparse.Namespace, config: BackendConfig, options: Any) -> None:
    from seg_mcp.cli._backend import open_client
    from seg_mcp.server import build_server

    mode = options.mode if args.transport == "http" else None
    if mode == "oauth":
        from seg_mcp.server.auth import oauth_client

        opened: Any = oauth_client(config)
    else:
        opened = open_client(config)
    async with opened as client:
        server = build_server(client, config, transport=args.transport, **selection(args))
        logging.getLogger("seg_mcp").info("%s", server.instructions)
        if args.transport == "stdio":
            await server.run_stdio_async()
            return
        import httpx2
        import uvicorn

        from seg_mcp.server.auth import HttpAuthSettings, build_gate
        from seg_mcp.server.auth.deploy import host_policy, transport_security

        settings = HttpAuthSettings()
        app = server.streamable_http_app(
            stateless_http=True,
            json_response=True,
            host=args.host,
            transport_security=transport_security(host_policy(options)),
        )
        async with httpx2.AsyncClient(timeout=httpx2.Timeout(15.0)) as http:
            gate = build_gate(
                app,
                mode=mode or "none",
                options=options,
                config=config,
                client=client,
                settings=settings,
                http=http,
            )
            log = logging.getLogger("seg_mcp")
            log.info("HTTP auth: %s; %s", mode, gate.hosts.describe())
            logging.getLogger("uvicorn.access").addFilter(_NoQueryStrings())
            # log_config=None: uvicorn's loggers go to the root logger, i.e. stderr.
            config_ = uvicorn.Config(gate, host=args.host, port=args.port, log_config=None)
            await uvicorn.Server(config_).serve()


def _token_commands(args: argparse.Namespace) -> int | None:
    from seg_mcp.server.auth.statictokens import hash_token, new_token

    if args.hash_token:
        value = sys.stdin.readline().strip()
        if not value:
            print("error: no token on stdin", file=sys.stderr)
            return 2
        print(hash_token(value))
        return 0
    if args.new_token:
        token = new_token()
        print(f"token (shown once; give it to the automation): {token}")
        print("entry for SEG_MCP_TOKENS_FILE (edit sandboxes and read_only):")
        print(f'[tokens.{args.new_token}]\nsha256 = "{hash_token(token)}"')
        print('sandboxes = ["dev"]\nread_only = true')
        return 0
    return None


def _http_options(args: argparse.Namespace) -> Any:
    from seg_mcp.server.auth import HttpAuthOptions, HttpAuthSettings

    settings = HttpAuthSettings()
    if args.tokens_file is not None:
        os.environ["SEG_MCP_TOKENS_FILE"] = str(args.tokens_file)
    return HttpAuthOptions(
        mode=args.auth,
        host=args.host,
        allow_unauthenticated=args.allow_unauthenticated,
        allowed_hosts=_csv(args.allowed_hosts) or settings.allowed_hosts,
        allowed_origins=_csv(args.allowed_origins) or settings.allowed_origins,
        public_url=args.public_url or settings.public_url,
    )


def run(args: argparse.Namespace) -> int:
    import anyio

    from seg_mcp.cli._backend import BackendUnavailableError
    from seg_mcp.config import ConfigError, load_config
    from seg_mcp.server import ALL_TOOLS, UnknownNameError, select
    from seg_mcp.server.auth import AuthSetupError, check_exposure
    from seg_mcp.server.auth.statictokens import TokenConfigError

    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(message)s")
    for noisy in ("httpx", "httpx2", "httpcore"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    done = _token_commands(args)
    if done is not None:
        return done
    try:
        select(ALL_TOOLS, **selection(args))
        options = None
        if args.transport == "stdio":
            if args.auth or args.allow_unauthenticated or args.public_url:
                raise AuthSetupError(
                    "--auth, --allow-unauthenticated and --public-url apply to --transport http"
                )
        else:
            options = _http_options(args)
            mode, exposed = check_exposure(options)
            if exposed:
                logging.getLogger("seg_mcp").warning(_UNAUTHENTICATED_WARNING, args.host)
            if mode == "oauth":
                _discover_sandboxes()
        config = load_config()
        anyio.run(_serve, args, config, options)
    except (
        UnknownNameError,
        ConfigError,
        BackendUnavailableError,
        AuthSetupError,
        TokenConfigError,
    ) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


_UNAUTHENTICATED_WARNING = (
    "WARNING: seg-mcp serves MCP WITHOUT AUTHENTICATION on %s (--allow-unauthenticated): "
    "anyone who can reach this port acts with this server's Adobe credential. Use --auth oauth "
    "or --auth token."
)


def _discover_sandboxes() -> None:
    """`--auth oauth` with AEP_* credentials but no AEP_SANDBOXES: the deployment offers every
    sandbox its credential lists (people still see only theirs). Sets AEP_SANDBOXES for
    `load_config` in this process."""
    env = os.environ
    if env.get("SEG_MCP_CONFIG") or env.get("AEP_SANDBOXES") or not env.get("AEP_CLIENT_ID"):
        return
    from seg_mcp.server.auth import AuthSetupError
    from seg_mcp.server.auth.discovery import discover_sandboxes

    try:
        names = discover_sandboxes(env)
    except Exception as exc:  # any failure: say what to set instead
        raise AuthSetupError(
            "AEP_SANDBOXES is not set and listing the org's sandboxes with the server's "
            f"credential failed ({exc}); set AEP_SANDBOXES to the sandboxes this deployment "
            "offers"
        ) from None
    if not names:
        raise AuthSetupError("AEP_SANDBOXES is not set and the credential lists no sandbox")
    logging.getLogger("seg_mcp").info("sandboxes offered (from Sandbox Management): %s", names)
    env["AEP_SANDBOXES"] = ",".join(names)
