"""How a tool is declared: `ToolSpec` (name, toolset, annotations, the operationIds it calls) and
the `tool` decorator every toolset module uses, so every tool is built the same way.

A handler is `async def handler(call: Call, <its arguments>) -> <Output model>`. The server adds
what every tool shares (the `sandbox` enum, the confirmation of destructive tools, the MCP
context), turns failures into actionable error results and shapes the output (see `app.py`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field

from mcp.types import ToolAnnotations

from seg_mcp.server.output import Output

__all__ = [
    "Confirmation",
    "Refusal",
    "ToolSpec",
    "UnknownNameError",
    "hints",
    "select",
    "tool",
]


class Refusal(Exception):
    """The server refuses a call before (or instead of) sending it: what and what to do next."""

    def __init__(self, message: str, *, hint: str | None = None, outcome: str = "refused") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.outcome = outcome

    def __str__(self) -> str:
        return f"{self.message} {self.hint}" if self.hint else self.message


def hints(
    *, read_only: bool, destructive: bool, idempotent: bool, open_world: bool
) -> ToolAnnotations:
    """All four annotations, each given explicitly (no defaults on purpose)."""
    return ToolAnnotations(
        read_only_hint=read_only,
        destructive_hint=destructive,
        idempotent_hint=idempotent,
        open_world_hint=open_world,
    )


@dataclass(frozen=True)
class Confirmation:
    """What a destructive call must be confirmed with: the exact phrase naming the target, and
    the question an elicitation asks."""

    phrase: str
    question: str


Handler = Callable[..., Awaitable[Output]]
Confirmer = Callable[..., Awaitable[Confirmation]]


@dataclass(frozen=True)
class ToolSpec:
    name: str
    toolset: str
    description: str
    annotations: ToolAnnotations
    #: Segmentation Service operationIds the handler may call (checked by tests/server).
    operations: tuple[str, ...]
    handler: Handler
    #: Destructive tools: builds the confirmation from the call's arguments (may refuse).
    confirm: Confirmer | None = None
    #: False for tools that never talk to a sandbox (no `sandbox` argument).
    sandboxed: bool = True
    title: str | None = field(default=None)

    @property
    def writes(self) -> bool:
        return not self.annotations.read_only_hint


def tool(
    registry: list[ToolSpec],
    *,
    toolset: str,
    annotations: ToolAnnotations,
    operations: Sequence[str],
    confirm: Confirmer | None = None,
    sandboxed: bool = True,
) -> Callable[[Handler], Handler]:
    """Register a handler in its module's `TOOLS` list; the docstring is the description."""

    def register(handler: Handler) -> Handler:
        description = " ".join((handler.__doc__ or "").split())
        registry.append(
            ToolSpec(
                name=handler.__name__,
                toolset=toolset,
                description=description,
                annotations=annotations,
                operations=tuple(operations),
                handler=handler,
                confirm=confirm,
                sandboxed=sandboxed,
            )
        )
        return handler

    return register


class UnknownNameError(ValueError):
    """A toolset or tool name that does not exist (the message lists the valid ones)."""


def _check(kind: str, names: Iterable[str], valid: Sequence[str]) -> None:
    unknown = [n for n in names if n not in valid]
    if unknown:
        raise UnknownNameError(
            f"unknown {kind} {', '.join(repr(n) for n in unknown)}; valid {kind}s: "
            + ", ".join(valid)
        )


def select(
    specs: Sequence[ToolSpec],
    *,
    toolsets: Sequence[str] | None = None,
    tools: Sequence[str] | None = None,
    exclude_tools: Sequence[str] | None = None,
    read_only: bool = False,
) -> list[ToolSpec]:
    """The enabled tools, GitHub-style: the toolsets' tools plus `tools` (only `tools` when no
    toolset is named; every toolset when neither is), minus `exclude_tools`; `read_only` drops
    every write tool, even one named in `tools`."""
    all_sets = list(dict.fromkeys(s.toolset for s in specs))
    names = [s.name for s in specs]
    _check("toolset", [t for t in toolsets or () if t != "all"], [*all_sets, "all"])
    _check("tool", [*(tools or ()), *(exclude_tools or ())], names)
    if (toolsets is None and tools is None) or (toolsets is not None and "all" in toolsets):
        wanted_sets = set(all_sets)
    else:
        wanted_sets = set(toolsets or ())
    wanted = set(tools or ())
    excluded = set(exclude_tools or ())
    return [
        s
        for s in specs
        if (s.toolset in wanted_sets or s.name in wanted)
        and s.name not in excluded
        and not (read_only and s.writes)
    ]
