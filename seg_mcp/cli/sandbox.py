"""`seg-mcp sandbox`: the local Segmentation Service: generate or load its data, serve it.

    seg-mcp sandbox generate --profiles 100000 [--seed 42] [--sandbox dev]
    seg-mcp sandbox load --profiles people.jsonl --events events.jsonl [--sandbox dev] [--replace]
    seg-mcp sandbox serve [--host 127.0.0.1] [--port 8787]

Every subcommand takes --data-dir (else SEG_MCP_DATA_DIR, else the user's data directory) and
reads the other SEG_SANDBOX_* settings from the environment. Exit codes: 0 done; 2 bad input
(usage, a missing file, a bad line, an unknown sandbox, an unusable data directory, a port in use).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import socket

    from seg_mcp.sandbox.settings import SandboxSettings
    from seg_mcp.sandbox.store import SandboxInfo, Store

_EPILOG = """\
JSON lines for `load`: one object per line. A profile has a string _id and may have identityMap;
an event has _id, timestamp (ISO 8601) and profileId (the _id of its profile). Fields the sandbox
does not declare are added to its schema. A bad line is reported as FILE:LINE and nothing loads."""


class _InputError(Exception):
    """Bad input: the message says what and what to do (exit code 2)."""


def _add_data_dir(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data-dir",
        type=Path,
        metavar="DIR",
        help="where the sandbox database lives (default: SEG_MCP_DATA_DIR or the user data dir)",
    )


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "sandbox",
        help="the local Segmentation Service: generate or load data, serve it over HTTP",
        description="The local Segmentation Service: generate or load its data, serve it.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.set_defaults(func=lambda args: _usage(parser))
    sub = parser.add_subparsers(dest="sandbox_command", metavar="COMMAND")

    gen = sub.add_parser("generate", help="replace a sandbox's data with a synthetic dataset")
    gen.add_argument("--profiles", type=int, required=True, metavar="N", help="profiles to make")
    gen.add_argument("--seed", type=int, help="random seed (default: SEG_SANDBOX_SEED or 42)")
    gen.add_argument("--sandbox", default="dev", metavar="NAME", help="sandbox (default: dev)")
    _add_data_dir(gen)
    gen.set_defaults(func=_guarded(_generate))

    load = sub.add_parser(
        "load",
        help="load XDM profiles and events from JSON-lines files",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    load.add_argument("--profiles", type=Path, metavar="FILE", help="profiles, one per line")
    load.add_argument("--events", type=Path, metavar="FILE", help="experience events, one per line")
    load.add_argument("--sandbox", default="dev", metavar="NAME", help="sandbox (default: dev)")
    load.add_argument(
        "--replace",
        action="store_true",
        help="replace the sandbox's profiles, events and memberships (default: add to them)",
    )
    _add_data_dir(load)
    load.set_defaults(func=_guarded(_load))

    serve = sub.add_parser("serve", help="serve the Segmentation Service API over HTTP")
    serve.add_argument("--host", default="127.0.0.1", help="interface (default: 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8787, help="port (default: 8787; 0: any free)")
    _add_data_dir(serve)
    serve.set_defaults(func=_guarded(_serve))


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return 2


def _guarded(handler: Any) -> Any:
    def run(args: argparse.Namespace) -> int:
        try:
            return int(handler(args))
        except _InputError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2

    return run


# -- shared ------------------------------------------------------------------------------------


def _settings(args: argparse.Namespace) -> SandboxSettings:
    from pydantic import ValidationError

    from seg_mcp.aep.operation import describe_validation_error
    from seg_mcp.sandbox import SandboxSettings

    overrides: dict[str, Any] = {}
    if args.data_dir is not None:
        overrides["data_dir"] = args.data_dir
    try:
        settings = SandboxSettings(**overrides)
    except ValidationError as exc:
        raise _InputError(
            f"invalid SEG_SANDBOX_* setting: {describe_validation_error(exc)}"
        ) from None
    data_dir = settings.data_dir
    if data_dir.exists() and not data_dir.is_dir():
        raise _InputError(f"data directory {data_dir} is not a directory; give another --data-dir")
    return settings


def _open_store(settings: SandboxSettings) -> Store:
    import duckdb

    from seg_mcp.sandbox.store import DatabaseInUse, open_store

    try:
        return open_store(settings)
    except DatabaseInUse as exc:
        raise _InputError(str(exc)) from None
    except (OSError, duckdb.Error) as exc:
        raise _InputError(
            f"cannot open the sandbox database {settings.database_path}: {exc}; "
            "give another --data-dir (or SEG_MCP_DATA_DIR)"
        ) from None


def _sandbox(store: Store, settings: SandboxSettings, name: str) -> SandboxInfo:
    info = store.sandbox(settings.org_id, name)
    if info is None:
        valid = ", ".join(s.name for s in store.sandboxes(settings.org_id))
        raise _InputError(f"no sandbox named {name!r}; the sandboxes are: {valid}")
    return info


# -- generate ------------------------------------------------------------------------------------


def _generate(args: argparse.Namespace) -> int:
    from seg_mcp.sandbox.generate import generate_sandbox

    if args.profiles < 0:
        raise _InputError("--profiles must be 0 or more")
    settings = _settings(args)
    seed = settings.seed if args.seed is None else args.seed
    store = _open_store(settings)
    try:
        info = _sandbox(store, settings, args.sandbox)
        anchor = store.now(info).replace(microsecond=0)
        started = time.perf_counter()
        result = store.db.write(
            lambda cur: generate_sandbox(
                cur, store, info, profiles=args.profiles, seed=seed, anchor=anchor
            )
        )
        seconds = time.perf_counter() - started
        print(
            f"generated {result.profiles:,} profiles and {result.events:,} events in sandbox "
            f"{info.name} in {seconds:.2f} s (seed {seed}, events up to "
            f"{anchor:%Y-%m-%d %H:%M:%S} UTC)\ndatabase: {settings.database_path}"
        )
    finally:
        store.db.close()
    return 0


# -- load ----------------------------------------------------------------------------------------


def _load(args: argparse.Namespace) -> int:
    from seg_mcp.sandbox.load import LoadError, load

    if args.profiles is None and args.events is None:
        raise _InputError("give --profiles FILE, --events FILE or both")
    for flag, path in (("--profiles", args.profiles), ("--events", args.events)):
        if path is not None and not path.is_file():
            raise _InputError(f"{flag} {path}: no such file")
    settings = _settings(args)
    store = _open_store(settings)
    try:
        info = _sandbox(store, settings, args.sandbox)
        started = time.perf_counter()
        try:
            result = load(
                store, info, profiles=args.profiles, events=args.events, replace=args.replace
            )
        except LoadError as exc:
            raise _InputError(str(exc)) from None
        seconds = time.perf_counter() - started
        verb = "replaced the data of" if args.replace else "loaded into"
        print(
            f"{verb} sandbox {info.name}: {result.profiles:,} profiles and {result.events:,} "
            f"events in {seconds:.2f} s"
        )
        if result.new_fields:
            added = ", ".join(f"{root} {path}" for root, path in result.new_fields)
            print(f"new fields: {added}")
    finally:
        store.db.close()
    return 0


# -- serve ---------------------------------------------------------------------------------------


def _bind(host: str, port: int) -> socket.socket:
    import socket

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise _InputError(
            f"cannot listen on {host}:{port}: {exc.strerror}; choose another --port or --host"
        ) from None
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def _banner(settings: SandboxSettings, store: Store, host: str, port: int) -> str:
    from seg_mcp.sandbox.settings import DEFAULT_CLIENT_SECRET

    shown = "127.0.0.1" if host in ("0.0.0.0", "", "::") else host
    url = f"http://[{shown}]:{port}" if ":" in shown else f"http://{shown}:{port}"
    secret = settings.client_secret.get_secret_value()
    documented = secret == DEFAULT_CLIENT_SECRET
    sandboxes = store.sandboxes(settings.org_id)
    names = ",".join(sorted((s.name for s in sandboxes), key=lambda n: n != "dev"))
    lines = [
        f"seg-mcp local sandbox serving on {url}",
        f"  platform (AEP_PLATFORM_URL): {url}  (Segmentation API under /data/core/ups)",
        f"  IMS (AEP_IMS_URL):           {url}  (tokens: POST /ims/token/v3; "
        "sign-in: /ims/authorize/v2)",
        f"  database: {settings.database_path}",
        "  sandboxes: " + ", ".join(f"{s.name} ({s.type})" for s in sandboxes),
        "credentials it accepts:",
        f"  client id:     {settings.client_id}",
        "  client secret: "
        + (secret if documented else "(the value of SEG_SANDBOX_CLIENT_SECRET)"),
        f"  org id:        {settings.org_id}",
        *_users_lines(settings, sandboxes),
        "for `seg-mcp api` and `seg-mcp serve`, export:",
        f"  export AEP_PLATFORM_URL={url}",
        f"  export AEP_IMS_URL={url}",
        f"  export AEP_CLIENT_ID={settings.client_id}",
        "  export AEP_CLIENT_SECRET=" + (secret if documented else '"$SEG_SANDBOX_CLIENT_SECRET"'),
        f"  export AEP_ORG_ID={settings.org_id}",
        f"  export AEP_SANDBOXES={names}",
    ]
    if host in ("0.0.0.0", "", "::"):
        lines.append("warning: listening on every interface with well-known credentials")
    return "\n".join(lines)


def _users_lines(settings: SandboxSettings, sandboxes: list[Any]) -> list[str]:
    """The people who can sign in (authorization code + PKCE) and the public native client."""
    lines = [
        "users who can sign in (authorization code + PKCE S256, through the sign-in page):",
        f"  native app client id (public, no secret): {settings.native_client_id}",
        f"  (the client id {settings.client_id} signs users in too, with its secret)",
    ]
    local = {s.name for s in sandboxes}
    width = max((len(u.name) for u in settings.users), default=0)
    for user in settings.users:
        password = user.password.get_secret_value()
        shown = password if password == f"{user.name}-local" else "(configured)"
        usable = [n for n in user.sandboxes if user.org_id != settings.org_id or n in local]
        lines.append(
            f"  {user.name:<{width}}  password {shown:<{width + 6}}  org {user.org_id}  "
            f"sandboxes: {', '.join(usable) or 'none'}"
        )
    return lines


def _hide_query_secrets(record: Any) -> bool:
    """A logging filter: IMS also takes its parameters in the query string, which the access
    log prints; keep client secrets, tokens, codes and passwords out of it."""
    import re

    if isinstance(record.args, tuple):
        pattern = re.compile(
            r"((?<![A-Za-z0-9_])(?:client_secret|access_token|refresh_token|id_token|token|code"
            r"|code_verifier|password)=)[^&\s]*",
            re.IGNORECASE,
        )
        record.args = tuple(
            pattern.sub(r"\1[redacted]", a) if isinstance(a, str) else a for a in record.args
        )
    return True


def _serve(args: argparse.Namespace) -> int:
    import asyncio
    import logging
    import signal

    import uvicorn

    from seg_mcp.sandbox import SandboxService, create_app
    from seg_mcp.sandbox.store import DatabaseInUse

    logging.basicConfig(
        level=logging.INFO,
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("uvicorn.access").addFilter(_hide_query_secrets)
    settings = _settings(args)
    sock = _bind(args.host, args.port)
    service = SandboxService(settings)
    try:
        try:
            service.open()  # on first start: generates the default dataset (logged)
        except DatabaseInUse as exc:
            raise _InputError(str(exc)) from None
        except OSError as exc:
            raise _InputError(f"cannot open {settings.database_path}: {exc}") from None
        port = sock.getsockname()[1]
        banner = _banner(settings, service.store, args.host, port)
        config = uvicorn.Config(create_app(service=service), log_config=None, lifespan="on")
        server = uvicorn.Server(config)
        stopped_by: list[int] = []
        # uvicorn shuts down gracefully on SIGINT/SIGTERM, then re-raises the signal to the
        # handler that was there before it: ours, which just notes it.
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda signum, frame: stopped_by.append(signum))

        async def run() -> None:
            task = asyncio.create_task(server.serve(sockets=[sock]))
            while not server.started and not task.done():
                await asyncio.sleep(0.02)
            if server.started:
                print(banner, flush=True)
            await task

        asyncio.run(run())
        if not server.started:
            print("error: the sandbox server did not start (see the log above)", file=sys.stderr)
            return 1
        why = f" ({signal.Signals(stopped_by[0]).name})" if stopped_by else ""
        print(f"seg-mcp local sandbox stopped{why}", file=sys.stderr)
        return 0
    finally:
        service.close()
        sock.close()
