"""seg-mcp: Adobe Experience Platform segmentation for AI assistants, over MCP."""

__version__ = "0.1.0"
