"""`IMSTokenProvider`: Adobe IMS OAuth Server-to-Server tokens (the `client_credentials` grant).

It fetches `POST {ims_url}/ims/token/v3` with a form body (grant_type, client_id, client_secret,
scope), caches the token and refreshes it `refresh_margin` seconds before it expires
(`CachingProvider`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

import httpx2
from pydantic import SecretStr

from seg_mcp.aep.auth.caching import CachingProvider
from seg_mcp.aep.auth.provider import AccessToken, required_secret
from seg_mcp.aep.retry import RetryPolicy

__all__ = ["DEFAULT_SCOPES", "IMSTokenProvider"]

#: What most AEP OAuth Server-to-Server credentials are granted (Developer Console shows the set).
DEFAULT_SCOPES: tuple[str, ...] = (
    "openid",
    "AdobeID",
    "read_organizations",
    "additional_info.projectedProductContext",
)


class IMSTokenProvider(CachingProvider):
    """Adobe IMS OAuth Server-to-Server (client_credentials) tokens, cached and refreshed."""

    def __init__(
        self,
        *,
        client_id: str,
        client_secret: str | SecretStr,
        scopes: Sequence[str] = DEFAULT_SCOPES,
        ims_url: str = "https://ims-na1.adobelogin.com",
        refresh_margin: float = 300.0,
        retry: RetryPolicy | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(
            client_id=client_id,
            ims_url=ims_url,
            refresh_margin=refresh_margin,
            retry=retry,
            clock=clock,
        )
        self._secret = required_secret(client_secret, "IMS client secret")
        self.scopes = tuple(scopes)

    def __repr__(self) -> str:
        return (
            f"IMSTokenProvider(client_id={self.client_id!r}, "
            "client_secret=SecretStr('**********'), "
            f"scopes={list(self.scopes)!r}, token_url={self.token_url!r})"
        )

    def _held_secrets(self) -> list[str]:
        return [self._secret.get_secret_value()]

    async def _fetch(self, http: httpx2.AsyncClient) -> AccessToken:
        form = {
            "grant_type": "client_credentials",
            "client_id": self.client_id,
            "client_secret": self._secret.get_secret_value(),
            "scope": ",".join(self.scopes),
        }
        return self._access_token(await self._post(http, form))
