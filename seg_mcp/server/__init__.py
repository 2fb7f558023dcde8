"""The MCP face of seg-mcp: `build_server` over an `AEPClient`, tools in toolsets."""

from seg_mcp.server.app import build_server
from seg_mcp.server.toolkit import ToolSpec, UnknownNameError, select
from seg_mcp.server.tools import ALL_TOOLS

__all__ = ["ALL_TOOLS", "ToolSpec", "UnknownNameError", "build_server", "select"]
