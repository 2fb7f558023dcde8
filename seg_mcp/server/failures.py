"""Error texts for failures that are not the platform's answer (those are `outcomes.py`'s):
arguments that do not fit a tool's schema, arguments a tool does not take, a credential that
IMS or the platform refused (which setting to fix), and the fallback for anything unexpected.

Each says what happened, where, and what to do next, and never carries internal detail: no
exception class or text, no traceback, no file path, no secret, and no echo of a caller's
value (a 1 MB argument is described by its length). The server log keeps the traceback.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from pydantic import ValidationError

from seg_mcp.aep import AEPError, AuthenticationError
from seg_mcp.config import BackendConfig, ConfigError
from seg_mcp.server.output import clean

__all__ = [
    "credential_advice",
    "first_failure",
    "invalid_arguments",
    "unexpected",
    "unknown_arguments",
    "unknown_sandbox",
]

#: At most this many argument problems are listed in one message.
_MAX_LISTED = 5


def first_failure(exc: BaseException) -> BaseException:
    """The exception a task group wrapped (its first), else `exc` itself."""
    while isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        exc = exc.exceptions[0]
    return exc


def _where(sandbox: str | None) -> str:
    return f" in sandbox {sandbox!r}" if sandbox else ""


def unexpected(tool: str, sandbox: str | None, writes: bool) -> str:
    """The fallback for a failure nobody anticipated."""
    text = (
        f"{tool} failed{_where(sandbox)}: an unexpected error inside seg-mcp stopped the call "
        "(the server's log has the details)."
    )
    if writes:
        return text + (
            " Next: it may have stopped after the write was sent, so look with the matching "
            f"find_* tool (or get_job) before calling {tool} again; if it fails the same way "
            "again, report it with the time of the call."
        )
    return text + (
        " Next: check the arguments against the tool's input schema and call again; if it "
        "fails the same way again, report it with the time of the call."
    )


def _argument(loc: Sequence[int | str]) -> str:
    """`ids[2]` for the location ('ids', 2)."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            name = clean(str(part), 60) or "?"
            text += f".{name}" if text else name
    return text or "(arguments)"


def _size(value: object) -> str:
    if isinstance(value, str):
        return f" (got {len(value)} characters)"
    if isinstance(value, list | dict):
        return f" (got {len(value)} items)"
    return ""


def _problem(error: Mapping[str, Any]) -> str:
    message = str(error.get("msg", "is invalid")).removeprefix("Value error, ")
    if error.get("type") == "missing":
        message = "is required"
    elif error.get("type") in ("string_too_long", "string_too_short"):
        message += _size(error.get("input"))
    return f"`{_argument(error.get('loc', ()))}`: {message}"


def invalid_arguments(tool: str, exc: ValidationError) -> str:
    """Arguments that do not fit the tool's input schema: each argument and its limit."""
    errors = exc.errors()
    listed = [_problem(e) for e in errors[:_MAX_LISTED]]
    if len(errors) > _MAX_LISTED:
        listed.append(f"and {len(errors) - _MAX_LISTED} more")
    return (
        f"{tool} was not run: {'; '.join(listed)}. Nothing was sent. Next: fix the "
        "argument(s) as the tool's input schema says and call again."
    )


def unknown_arguments(tool: str, unknown: Iterable[str], known: Iterable[str]) -> str:
    """Arguments the tool does not take (a misspelt filter would otherwise be ignored)."""
    names = sorted(unknown)
    shown = ", ".join(repr(clean(n, 40)) for n in names[:_MAX_LISTED])
    if len(names) > _MAX_LISTED:
        shown += f" and {len(names) - _MAX_LISTED} more"
    takes = ", ".join(sorted(known)) or "no arguments"
    return (
        f"{tool} was not run: it takes no argument {shown}. Nothing was sent. Next: call it "
        f"again with only its own arguments ({takes})."
    )


def unknown_sandbox(tool: str, given: object, config: BackendConfig) -> str:
    """A `sandbox` argument where the schema has none (a one-sandbox deployment) naming
    another sandbox: acting in the only one instead would be wrong."""
    shown = repr(clean(given, 60)) if isinstance(given, str) else "that is not a name"
    return (
        f"{tool} was not run: this server acts only in sandbox {', '.join(config.sandboxes)}, "
        f"not {shown}. Nothing was sent. Next: call it without sandbox to act in "
        f"{config.default_sandbox}, or use a seg-mcp server configured for that sandbox."
    )


def credential_advice(exc: AEPError, config: BackendConfig, sandbox: str | None) -> str:
    """For a refused credential (IMS refused the token request, or the platform answered 401):
    which credential it was and what to set. Empty for any other error."""
    if not (isinstance(exc, AuthenticationError) or exc.status == 401):
        return ""
    try:
        profile = config.profile_for(sandbox)
    except (AEPError, ConfigError):
        return ""
    which = f"profile {profile.name!r} (client id {profile.client_id}, {profile.auth_kind})"
    if profile.user is not None:
        fix = f"sign in again with `seg-mcp login --profile {profile.name}`"
    elif config.kind == "local":
        fix = (
            "set SEG_SANDBOX_CLIENT_ID and SEG_SANDBOX_CLIENT_SECRET to the local sandbox's own "
            "credential (or unset both for its defaults), then restart seg-mcp"
        )
    elif not config.source.startswith("SEG_MCP_CONFIG="):  # the AEP_* variables
        fix = (
            "set AEP_CLIENT_ID and AEP_CLIENT_SECRET (or AEP_ACCESS_TOKEN) to a valid "
            "credential of your Adobe Developer Console project, then restart seg-mcp"
        )
    else:
        fix = (
            f"fix the secret of profile {profile.name!r} in {config.source} (the variable its "
            "client_secret_env or access_token_env names), then restart seg-mcp"
        )
    return f" The refused credential is {which}: {fix}."
