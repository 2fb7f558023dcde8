"""The IMS endpoints (`seg_mcp.sandbox.ims.routes`), mounted at the origin's root."""

from seg_mcp.sandbox.ims.routes import PREFIX, ROUTES

__all__ = ["PREFIX", "ROUTES"]
