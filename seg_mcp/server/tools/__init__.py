"""One module per toolset; each declares `TOOLS` (its `ToolSpec`s, in order)."""

from seg_mcp.server.toolkit import ToolSpec
from seg_mcp.server.tools import (
    audiences,
    compare,
    context,
    definitions,
    delete,
    evaluate,
    jobs,
    pql,
    schedules,
    search,
    values,
)

MODULES = (
    context,
    pql,
    values,
    definitions,
    audiences,
    evaluate,
    compare,
    jobs,
    schedules,
    search,
    delete,
)
ALL_TOOLS: list[ToolSpec] = [spec for module in MODULES for spec in module.TOOLS]

__all__ = ["ALL_TOOLS", "MODULES"]
