"""The audience view: an MCP App (extension `io.modelcontextprotocol/ui`, SEP-1865).

One self-contained HTML document (`audience.html`, package data: no CDN, nothing fetched, so the
default Apps content-security policy fits it) served as the `ui://` resource `VIEW_URI`. A tool
that sizes an audience links it with `@audience_view` under its `@tool(...)`: `app.py` stamps
`_meta.ui.resourceUri` on it and registers the resource through the SDK's `Apps` extension. The
view calls server tools back through the host (`check_pql`, `find_fields`, `field_values`,
`compare_audiences`, `save_segment_definition`, `run_segment_job`), each an ordinary tool call
under the same safety rules.

Clients without Apps get the same facts: every linked tool answers with its text and structured
content either way; a client that negotiated Apps is also told that the person sees the view.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib.resources import files
from typing import Any, TypeVar

from mcp.server.apps import Apps, client_supports_apps
from mcp.server.mcpserver import Context

__all__ = ["SHOWN", "VIEW_URI", "audience_view", "extension", "html", "shown", "tool_meta"]

VIEW_URI = "ui://seg-mcp/audience-view.html"
#: What a linked tool's result adds for a client that renders the view.
SHOWN = (
    "The person sees this in the audience view (size, meaning, breakdowns, overlaps, save and "
    "evaluate buttons); no need to repeat every figure."
)

_F = TypeVar("_F", bound=Callable[..., Any])
_LINKED: set[Callable[..., Any]] = set()


def audience_view(handler: _F) -> _F:
    """Link a tool handler to the audience view (put it under `@tool(...)`)."""
    _LINKED.add(handler)
    return handler


def tool_meta(handler: Callable[..., Any]) -> dict[str, Any] | None:
    """The tool's `_meta` (the `ui` link), or None for a tool without a view."""
    return {"ui": {"resourceUri": VIEW_URI}} if handler in _LINKED else None


def shown(handler: Callable[..., Any], ctx: Context[Any, Any] | None) -> bool:
    """Whether this call's result is rendered in the view (a linked tool, an Apps client)."""
    return handler in _LINKED and ctx is not None and client_supports_apps(ctx)


def html() -> str:
    return files(__name__).joinpath("audience.html").read_text("utf-8")


def extension() -> Apps:
    """The Apps extension serving the view (`MCPServer(extensions=[...])`)."""
    apps = Apps()
    apps.add_html_resource(
        VIEW_URI,
        html(),
        name="audience-view",
        title="Audience view",
        description="Size, meaning, breakdowns and overlaps of an audience, with save/evaluate.",
        prefers_border=True,
    )
    return apps
