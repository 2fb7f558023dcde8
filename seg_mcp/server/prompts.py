"""MCP prompts, loaded from markdown templates (`prompts/*.md`, shipped as `seg_mcp/prompts/`).

A template is TOML front matter between `+++` lines, then the message text::

    +++
    name = "explain-audience"
    title = "Explain an audience"          # optional
    description = "Explain in plain words who is in a segment definition ..."

    [[arguments]]
    name = "segment"
    description = "The segment definition to explain: its id, its name, or a PQL query."
    required = true

    [[arguments]]
    name = "sandbox"
    description = "The sandbox the definition lives in."
    required = false
    default = "the default sandbox"      # optional: the text used when the argument is omitted
    +++
    Explain the audience {{segment}} (sandbox {{sandbox}}) ...

`{{argument}}` is replaced by the argument's value (or its default; an omitted optional argument
without a default becomes an empty string). Single braces are left alone, so URI templates such
as `segment-definition://{sandbox}/{id}` can be quoted. A placeholder that names no declared
argument is an error at load time, as is a malformed front matter: a broken template fails the
server's start, not a user's request.

TOML, not YAML: `tomllib` is in the standard library, so the front matter costs no dependency.

The files live in the package (`seg_mcp/prompts/`, package data, so they ship in the wheel); the
repository's `prompts/` is a link to that folder, the documented place to edit them.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any

from mcp import MCPError
from mcp.server import MCPServer
from mcp.server.mcpserver.prompts import Prompt
from mcp.server.mcpserver.prompts.base import Message, PromptArgument, UserMessage
from mcp_types import INVALID_PARAMS
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

__all__ = ["PromptTemplate", "PromptTemplateError", "load_templates", "parse_template", "register"]

_FENCE = "+++"
_PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")


class PromptTemplateError(ValueError):
    """A prompt template cannot be loaded. The message names the file and what to fix."""


class TemplateArgument(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    description: str
    required: bool = False
    default: str | None = None

    @model_validator(mode="after")
    def _no_default_when_required(self) -> TemplateArgument:
        if self.required and self.default is not None:
            raise ValueError(f"argument {self.name!r} is required, so it cannot have a default")
        return self


class PromptTemplate(BaseModel):
    """One prompt: its front matter and its text."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[a-z][a-z0-9-]*$")
    title: str | None = None
    description: str
    arguments: tuple[TemplateArgument, ...] = ()
    body: str = Field(min_length=1)

    @model_validator(mode="after")
    def _placeholders_are_arguments(self) -> PromptTemplate:
        declared = [a.name for a in self.arguments]
        if len(set(declared)) != len(declared):
            raise ValueError(f"arguments are declared twice: {declared}")
        unknown = sorted(set(_PLACEHOLDER.findall(self.body)) - set(declared))
        if unknown:
            raise ValueError(
                f"the text uses {', '.join('{{' + u + '}}' for u in unknown)} but declares no "
                f"such argument (declared: {', '.join(declared) or 'none'})"
            )
        return self

    def render(self, values: dict[str, str]) -> str:
        """The text with every `{{argument}}` replaced; refuses unknown or missing arguments."""
        known = {a.name: a for a in self.arguments}
        unknown = sorted(set(values) - set(known))
        if unknown:
            raise ValueError(
                f"prompt {self.name!r} has no argument {', '.join(unknown)}; "
                f"its arguments are: {', '.join(known) or 'none'}"
            )
        missing = [a.name for a in self.arguments if a.required and not values.get(a.name)]
        if missing:
            raise ValueError(f"prompt {self.name!r} needs {', '.join(missing)}")

        def fill(match: re.Match[str]) -> str:
            argument = known[match.group(1)]
            value = values.get(argument.name)
            return value if value else (argument.default or "")

        return _PLACEHOLDER.sub(fill, self.body)

    def to_prompt(self) -> Prompt:
        return _TemplatePrompt(
            name=self.name,
            title=self.title,
            description=self.description,
            arguments=[
                PromptArgument(name=a.name, description=a.description, required=a.required)
                for a in self.arguments
            ],
            fn=self.render,
            template=self,
            context_kwarg=None,
        )


class _TemplatePrompt(Prompt):
    """A prompt whose argument errors reach the client as invalid params with their message (the
    SDK's own check would answer a bare "Internal server error")."""

    template: PromptTemplate = Field(exclude=True)

    async def render(self, arguments: dict[str, Any] | None, context: Any) -> list[Message]:
        try:
            text = self.template.render(dict(arguments or {}))
        except ValueError as exc:
            raise MCPError(INVALID_PARAMS, str(exc)) from None
        return [UserMessage(text)]


def parse_template(text: str, source: str) -> PromptTemplate:
    """A template from the text of a `.md` file; `source` names it in errors."""
    lines = text.splitlines()
    if not lines or lines[0].strip() != _FENCE:
        raise PromptTemplateError(f"{source}: the file must start with a {_FENCE} line")
    try:
        end = next(i for i, line in enumerate(lines[1:], 1) if line.strip() == _FENCE)
    except StopIteration:
        raise PromptTemplateError(f"{source}: the front matter has no closing {_FENCE}") from None
    try:
        front: dict[str, Any] = tomllib.loads("\n".join(lines[1:end]))
    except tomllib.TOMLDecodeError as exc:
        raise PromptTemplateError(f"{source}: the front matter is not TOML: {exc}") from None
    try:
        return PromptTemplate(**front, body="\n".join(lines[end + 1 :]).strip() + "\n")
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'front matter'}: {e['msg']}"
            for e in exc.errors()
        )
        raise PromptTemplateError(f"{source}: {problems}") from None


def _default_folder() -> Traversable:
    return resources.files("seg_mcp") / "prompts"


def load_templates(folder: Traversable | None = None) -> list[PromptTemplate]:
    """Every `*.md` template of `folder` (default: the packaged prompts), sorted by name."""
    folder = folder or _default_folder()
    files: Iterable[Traversable] = sorted(
        (f for f in folder.iterdir() if f.name.endswith(".md")), key=lambda f: f.name
    )
    templates = [parse_template(f.read_text(encoding="utf-8"), f.name) for f in files]
    for template, file in zip(templates, files, strict=True):
        if file.name != f"{template.name}.md":
            raise PromptTemplateError(f"{file.name}: names the prompt {template.name!r}")
    if not templates:
        raise PromptTemplateError(f"no prompt templates (*.md) in {folder}")
    return templates


def register(server: MCPServer, folder: Traversable | None = None) -> None:
    """Add every prompt template to `server`."""
    for template in load_templates(folder):
        server.add_prompt(template.to_prompt())
