"""`seg-mcp api`: call any Segmentation Service operation by Adobe's operationId, like `gh api`.

    seg-mcp api listSegmentDefinitions --sandbox dev
    seg-mcp api retrieveSegmentDefinitionById --path SEGMENT_ID=4afe34ae-...
    seg-mcp api createPreview --body '{"predicateExpression": "homeAddress.countryISO = \\"US\\""}'
    seg-mcp api listAudiences --paginate --query limit=50
    seg-mcp api --list

Prints the JSON response on stdout. On an API error, exits 1 with the status, Adobe error code,
message and request id on stderr; on a usage or configuration error, exits 2. Every failure says
its outcome (the failure contract of seg_mcp/aep/errors.py): `not sent` (nothing reached the
platform: safe to send again), `failed` (the platform answered with an error), or `unknown` (a
write was sent and no answer came, or a gateway 502/504 answered a create: it may have happened,
and stderr names the `seg-mcp api` call that shows whether it did; exit 1 as well).
"""

from __future__ import annotations

import argparse
import inspect
import json
import sys
from pathlib import Path
from typing import Any

_EPILOG = """\
path and query parameters use the spec's names (SEGMENT_ID, PREVIEW_ID, schema.name, ...);
--body takes JSON, @FILE or @- (standard input).
Backend: Adobe when AEP_* or SEG_MCP_CONFIG credentials are set, else the local sandbox."""


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "api",
        help="call any Segmentation Service operation by operationId",
        description="Call a Segmentation Service operation by Adobe's operationId and print the "
        "JSON response.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("operation_id", nargs="?", metavar="OPERATION_ID")
    parser.add_argument(
        "--path", action="append", default=[], metavar="NAME=VALUE", help="a path parameter"
    )
    parser.add_argument(
        "--query", action="append", default=[], metavar="NAME=VALUE", help="a query parameter"
    )
    parser.add_argument("--body", metavar="JSON|@FILE", help="the request body")
    parser.add_argument("--sandbox", metavar="NAME", help="sandbox (default: the configured one)")
    parser.add_argument(
        "--paginate", action="store_true", help="follow every page and print all items as one array"
    )
    parser.add_argument("--list", action="store_true", help="list every operationId and exit")
    parser.set_defaults(func=run)


class _UsageError(Exception):
    pass


def _pairs(values: list[str], flag: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in values:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise _UsageError(f"{flag} expects NAME=VALUE, got {item!r}")
        if name in out:
            raise _UsageError(f"{flag} {name} given twice")
        out[name] = value
    return out


def _body(raw: str | None) -> Any:
    if raw is None:
        return None
    source = "--body"
    if raw.startswith("@"):
        source = raw[1:] or "-"
        try:
            raw = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
        except OSError as exc:
            raise _UsageError(f"cannot read the body from {source}: {exc.strerror}") from None
    try:
        return json.loads(raw)
    except json.JSONDecodeError as exc:
        raise _UsageError(
            f"the body from {source} is not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from None


def _jsonable(value: Any) -> Any:
    from pydantic import BaseModel

    from seg_mcp.aep.models import AEPModel

    if isinstance(value, AEPModel):
        return value.to_wire()  # as the platform sent it, values the model could not read too
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", by_alias=True, exclude_unset=True)
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def _list_operations() -> int:
    from seg_mcp.aep.registry import REGISTRY

    width = max(len(op.operation_id) for op in REGISTRY)
    for op in REGISTRY:
        path = op.path if op.in_spec else op.service.value + op.path
        print(f"{op.operation_id:<{width}}  {op.http_method:<6} {path}  {op.summary}")
    return 0


async def _paginate(client: Any, op: Any, kwargs: dict[str, Any], sandbox: str | None) -> Any:
    if op.paginator is None:
        raise _UsageError(f"{op.operation_id} is not a paged list; drop --paginate")
    iterator = getattr(client, op.paginator)
    accepted = set(inspect.signature(iterator).parameters)
    rejected = [k for k in kwargs if k not in accepted]
    if rejected:
        raise _UsageError(
            f"--paginate starts from the first page itself; drop {', '.join(rejected)}"
        )
    return [item async for item in iterator(**kwargs, sandbox=sandbox)]


async def _call(args: argparse.Namespace) -> Any:
    from seg_mcp.aep.registry import REGISTRY, bind, invoke
    from seg_mcp.cli._backend import open_client

    op = REGISTRY.find(args.operation_id)
    path = _pairs(args.path, "--path")
    query = _pairs(args.query, "--query")
    body = _body(args.body)
    if args.paginate:
        if body is not None:
            raise _UsageError("--paginate lists take no --body")
        kwargs = bind(op, path=path, query=query)
        async with open_client() as client:
            return await _paginate(client, op, kwargs, args.sandbox)
    bind(op, path=path, query=query)  # usage errors before any backend starts
    async with open_client() as client:
        return await invoke(
            client, op.operation_id, path=path, query=query, body=body, sandbox=args.sandbox
        )


#: For each create: the listing that shows whether a create of unknown outcome happened.
_LOOK = {
    "createSegmentDefinition": "listSegmentDefinitions --query sort=creationTime:desc",
    "createAudience": "listAudiences --query name={name}",
    "createSchedule": "listSchedules",
    "createSegmentJob": "listSegmentJobs --query sort=creationTime:desc",
    "createExportJob": "listExportJobs",
}
_OUTCOME = {
    "not_sent": "not sent: nothing reached the platform, nothing changed; it is safe to retry "
    "once the cause is fixed",
    "failed": "failed: the platform answered with an error (below)",
    "unknown": "unknown: the request was sent and no answer came; the write may have happened",
}


def _how_to_check(operation_id: str, body: Any) -> str:
    """The `seg-mcp api` call that shows whether a write of unknown outcome happened."""
    name = body.get("name") if isinstance(body, dict) else None
    look = _LOOK.get(operation_id)
    if look is None:
        return (
            "read the object back (its retrieve/get operation, or the list) to see whether the "
            "change is there before sending it again"
        )
    what = f" and look for one named {name!r}" if name and "{name}" not in look else ""
    if operation_id in ("createSegmentJob", "createExportJob"):
        what = " and look for a job over the same segments started in the last few minutes"
    command = look.format(name=name or "<name>")
    return f"run `seg-mcp api {command}`{what} before sending it again (a resend can duplicate it)"


def _report(exc: Exception, body: Any = None) -> None:
    from seg_mcp.aep import AEPError, OutcomeUnknownError

    if not isinstance(exc, AEPError):
        print(f"error: {exc}", file=sys.stderr)
        return
    print(f"error: {exc.message}", file=sys.stderr)
    hint = exc.hint
    if isinstance(exc, OutcomeUnknownError):
        hint = _how_to_check(exc.operation_id, body)
    outcome = _OUTCOME[exc.outcome]
    if exc.outcome == "failed" and exc.retryable:
        wait = getattr(exc, "retry_after", None)
        outcome += f"; it is temporary: retry {f'after {wait:g} s' if wait else 'shortly'}"
    for label, value in (
        ("outcome", outcome),
        ("status", exc.status),
        ("code", exc.code),
        ("request id", exc.request_id),
        ("hint", hint),
    ):
        if value is not None:
            print(f"  {label}: {value}", file=sys.stderr)


def _quiet_body(raw: str | None) -> Any:
    """The request body for the report, when it was given inline as JSON (else None)."""
    if raw is None or raw.startswith("@"):
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return None


def run(args: argparse.Namespace) -> int:
    if args.list:
        return _list_operations()
    if not args.operation_id:
        print("error: give an OPERATION_ID (seg-mcp api --list shows them all)", file=sys.stderr)
        return 2

    import anyio

    from seg_mcp.aep import AEPError, ClientUsageError
    from seg_mcp.cli._backend import BackendUnavailableError
    from seg_mcp.config import ConfigError

    try:
        result = anyio.run(_call, args)
    except (_UsageError, ConfigError, BackendUnavailableError, ClientUsageError) as exc:
        _report(exc)
        return 2
    except AEPError as exc:
        _report(exc, _quiet_body(args.body))
        return 1
    if result is not None:
        print(json.dumps(_jsonable(result), indent=2, ensure_ascii=False))
    return 0
