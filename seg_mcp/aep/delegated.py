"""Where the server imports `DelegatedTokenProvider` from; it lives in `seg_mcp.aep.auth`."""

from seg_mcp.aep.auth.delegated import DelegatedTokenProvider

__all__ = ["DelegatedTokenProvider"]
