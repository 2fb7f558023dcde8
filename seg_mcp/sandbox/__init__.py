"""The local Segmentation Service: an ASGI app over DuckDB."""
