"""The confirmation of a destructive call: by the person, never by the model.

A `Resolve` dependency (`resolver`) returns an `Elicit`, which the SDK carries as a live
`elicitation/create` request (2025-11-25) or as an `InputRequiredResult` round trip with a sealed
`request_state` (2026-07-28). A client without elicitation is refused, and told what the operator
can do. Only when the sandbox's profile sets `confirm_with_phrase` (weaker, off by default) may
such a client pass `confirm` (`toolkit.ConfirmPhrase`): a phrase the person typed. No result,
refusal or schema ever carries the phrase or its shape.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mcp.server.mcpserver import AcceptedElicitation, Context, DeclinedElicitation, Elicit
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import BaseModel, Field

from seg_mcp.aep import AEPError
from seg_mcp.config import BackendConfig
from seg_mcp.server.runtime import Call, Runtime, current_tool, describe_error
from seg_mcp.server.toolkit import Confirmation, Refusal, ToolSpec

__all__ = ["ConfirmForm", "accepted", "audit_target", "phrase_fallback", "resolver"]


class ConfirmForm(BaseModel):
    confirm: bool = Field(description="true to go ahead")


class _PhraseConfirmed(ConfirmForm):
    """The resolver's outcome when the person's typed phrase matched (the fallback)."""


def _no_elicitation() -> Refusal:
    return Refusal(
        "it needs the user's confirmation and this client cannot ask its user (it does not "
        "support MCP elicitation); nothing was changed.",
        hint="Use an MCP client that supports elicitation (form mode). Or the server's "
        "operator can set confirm_with_phrase = true in this sandbox's profile "
        "(AEP_CONFIRM_WITH_PHRASE): a weaker confirmation by a phrase the user types.",
    )


def _ask_for_phrase() -> Refusal:
    return Refusal(
        "it needs the user's confirmation and this client cannot ask its user (no MCP "
        "elicitation); nothing was changed.",
        hint="Ask the user to type the confirmation phrase for this action, then call again with "
        "confirm set to exactly what they typed.",
    )


def _wrong_phrase() -> Refusal:
    return Refusal(
        "the confirmation phrase does not match this action; nothing was changed.",
        hint="Ask the user to type the confirmation phrase again; never write one yourself.",
    )


def phrase_fallback(config: BackendConfig) -> bool:
    """Whether some profile lets a client without elicitation confirm with a phrase."""
    return any(p.confirm_with_phrase for p in config.profiles)


def _can_elicit(ctx: Context[Any, Any]) -> bool:
    """Whether the client declared form elicitation (a bare `elicitation: {}` counts)."""
    caps = ctx.client_capabilities
    elicitation = caps.elicitation if caps is not None else None
    return elicitation is not None and (elicitation.form is not None or elicitation.url is None)


def _same_phrase(given: str, wanted: str) -> bool:
    return " ".join(given.split()).casefold() == " ".join(wanted.split()).casefold()


def audit_target(args: dict[str, Any]) -> str:
    """What a write was aimed at, for the audit log of a refused call."""
    for key in ("id", "handle", "name"):
        if args.get(key):
            return str(args[key])
    return ",".join(args.get("segment_ids") or ())


async def _confirmation(
    call: Call, ctx: Context[Any, Any], wanted: Confirmation, given: str | None
) -> ConfirmForm | Elicit[ConfirmForm]:
    """Ask the person (elicitation), else check the phrase they typed (if the profile allows),
    else refuse. Never puts the phrase in a message."""
    if _can_elicit(ctx):
        return Elicit(wanted.question, ConfirmForm)
    if not call.runtime.config.profile_for(call.sandbox).confirm_with_phrase:
        raise _no_elicitation()
    if given is None:
        raise _ask_for_phrase()
    if not _same_phrase(given, wanted.phrase):
        raise _wrong_phrase()
    return _PhraseConfirmed(confirm=True)


def resolver(spec: ToolSpec, runtime: Runtime) -> Callable[..., Any]:
    """The `Resolve` dependency of a destructive tool: checks the caller and the sandbox guard,
    builds the confirmation from the call's arguments, then asks (or checks the phrase). Its
    signature (the tool's wire arguments and `ctx`) is given by `app.py`."""
    assert spec.confirm is not None
    confirm = spec.confirm

    async def resolve(**kwargs: Any) -> Any:
        ctx = kwargs.pop("ctx")
        sandbox = kwargs.get("sandbox") or runtime.config.default_sandbox
        call = Call(runtime, spec, ctx, sandbox)
        token = current_tool.set(spec.name)
        try:
            runtime.guard.check_caller(runtime.principal(sandbox), sandbox, writes=True)
            await runtime.guard.check_write(sandbox)
            wanted = await confirm(call, **spec.arguments(kwargs))
            return await _confirmation(call, ctx, wanted, kwargs.get("confirm"))
        except (Refusal, AEPError) as exc:
            if isinstance(exc, Refusal):
                await call.audit(spec.name, audit_target(kwargs), exc.outcome, None, exc.message)
            raise ToolError(describe_error(exc, spec.name, sandbox)) from None
        finally:
            current_tool.reset(token)

    resolve.__qualname__ = f"confirm_{spec.name}"
    return resolve


def accepted(call: Call, outcome: object) -> None:
    """Record how the person confirmed (`call.confirmed_by`), or refuse: declined or cancelled."""
    data = outcome.data if isinstance(outcome, AcceptedElicitation) else None
    if not (isinstance(data, ConfirmForm) and data.confirm):
        raise Refusal(
            "the user did not confirm; nothing was changed.",
            outcome="declined"
            if isinstance(outcome, AcceptedElicitation | DeclinedElicitation)
            else "cancelled",
        )
    call.confirmed_by = "phrase" if isinstance(data, _PhraseConfirmed) else "elicitation"
