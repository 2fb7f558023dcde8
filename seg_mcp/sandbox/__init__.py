"""The local Segmentation Service: an ASGI app over DuckDB."""

from seg_mcp.sandbox.app import create_app
from seg_mcp.sandbox.service import SandboxService
from seg_mcp.sandbox.settings import SandboxSettings

__all__ = ["SandboxService", "SandboxSettings", "create_app"]
