"""How a tool is declared: `ToolSpec` (name, toolset, annotations, the operationIds it calls) and
the `tool` decorator every toolset module uses, so every tool is built the same way.

A handler is `async def handler(call: Call, <its arguments>) -> <Output model>`, and its
signature is every argument the model sees. Two argument types are filled in by the server from
the deployment's configuration: `sandbox: Sandbox = None` (an enum of the configured sandboxes,
left out of the schema when there is only one; the handler receives the sandbox the call acts
in, also `call.sandbox`) and, on a destructive tool declared with `confirm=`,
`confirm: ConfirmPhrase = None` (in the schema only when some profile sets
`confirm_with_phrase`; the server checks it before the handler runs). The server turns failures
into actionable error results and shapes the output (see `app.py`).
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Annotated, Any, Literal, get_args, get_origin

from mcp.types import ToolAnnotations
from pydantic import Field

from seg_mcp.server.output import Output

__all__ = [
    "ConfirmPhrase",
    "Confirmation",
    "PhraseFallback",
    "Refusal",
    "Sandbox",
    "SandboxChoice",
    "ToolSpec",
    "UnknownNameError",
    "hints",
    "select",
    "tool",
]


class SandboxChoice:
    """Marks a tool's `sandbox` argument: on the wire, an enum of the deployment's sandboxes."""

    @staticmethod
    def annotation(sandboxes: Sequence[str]) -> Any:
        """The argument's type for these sandboxes (one enum value each)."""
        choices: Any = Literal[tuple(sandboxes)]
        return Annotated[choices | None, Field()]


class PhraseFallback:
    """Marks a destructive tool's `confirm` argument: on the wire only when some profile sets
    `confirm_with_phrase` (see `app.py`)."""


#: The sandbox a call acts in (None: the default one).
Sandbox = Annotated[str | None, SandboxChoice()]
#: The phrase a person typed to confirm a destructive call, for clients without elicitation.
ConfirmPhrase = Annotated[
    str | None,
    PhraseFallback(),
    Field(
        description="Only if this client cannot ask its user: the confirmation phrase "
        "exactly as the user typed it. Ask the user for it; never write one yourself."
    ),
]


def marked(param: inspect.Parameter, *markers: type) -> bool:
    """Whether `param`'s annotation carries one of `markers` (`Annotated[..., marker()]`)."""
    annotation = param.annotation
    return get_origin(annotation) is Annotated and any(
        isinstance(m, markers) for m in get_args(annotation)[1:]
    )


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
    title: str | None = field(default=None)

    @property
    def writes(self) -> bool:
        return not self.annotations.read_only_hint

    @cached_property
    def parameters(self) -> list[inspect.Parameter]:
        """The handler's arguments after `call`: what the model sees (see `SandboxChoice`)."""
        signature = inspect.signature(self.handler, eval_str=True)
        return list(signature.parameters.values())[1:]

    @cached_property
    def sandboxed(self) -> bool:
        """Whether it acts in a sandbox (declares `sandbox: Sandbox`)."""
        return any(marked(p, SandboxChoice) for p in self.parameters)

    def arguments(self, given: dict[str, Any]) -> dict[str, Any]:
        """`given` without what the server fills in (`sandbox`, `confirm`): the arguments a
        `Confirmer` takes."""
        own = {p.name for p in self.parameters if marked(p, SandboxChoice, PhraseFallback)}
        return {k: v for k, v in given.items() if k not in own}


def tool(
    registry: list[ToolSpec],
    *,
    toolset: str,
    annotations: ToolAnnotations,
    operations: Sequence[str],
    confirm: Confirmer | None = None,
) -> Callable[[Handler], Handler]:
    """Register a handler in its module's `TOOLS` list; the docstring is the description.
    A tool declared with `confirm=` must declare `confirm: ConfirmPhrase = None`, and only it."""

    def register(handler: Handler) -> Handler:
        description = " ".join((handler.__doc__ or "").split())
        spec = ToolSpec(
            name=handler.__name__,
            toolset=toolset,
            description=description,
            annotations=annotations,
            operations=tuple(operations),
            handler=handler,
            confirm=confirm,
        )
        phrase = any(marked(p, PhraseFallback) for p in spec.parameters)
        if phrase != (confirm is not None):
            raise TypeError(
                f"tool {spec.name}: a tool declared with confirm= declares "
                "`confirm: ConfirmPhrase = None`, and no other tool does"
            )
        registry.append(spec)
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
