"""The MCP face of seg-mcp."""
