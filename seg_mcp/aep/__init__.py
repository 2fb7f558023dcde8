"""Everything that speaks HTTP to Adobe Experience Platform. Knows nothing about MCP or the sandbox."""
