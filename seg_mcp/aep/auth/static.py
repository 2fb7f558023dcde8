"""`StaticTokenProvider`: a bearer token someone already holds; it cannot be refreshed."""

from __future__ import annotations

from collections.abc import Iterable

import httpx2
from pydantic import SecretStr

from seg_mcp.aep.auth.provider import required_secret

__all__ = ["StaticTokenProvider"]


class StaticTokenProvider:
    """A token someone already holds (AEP_ACCESS_TOKEN). It cannot be refreshed."""

    can_refresh = False

    def __init__(self, token: str | SecretStr) -> None:
        self._token = required_secret(token, "the static access token")

    async def get_token(self, http: httpx2.AsyncClient) -> str:
        return self._token.get_secret_value()

    def invalidate(self, token: str) -> bool:
        return False

    def secrets(self) -> Iterable[str]:
        return (self._token.get_secret_value(),)

    def __repr__(self) -> str:
        return "StaticTokenProvider(token=SecretStr('**********'))"
