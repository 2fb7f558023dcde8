"""`UserTokenProvider`: a signed-in person's access tokens, from their refresh token.

The sign-in itself (authorization code + PKCE) happens elsewhere; this provider holds the refresh
token, gets access tokens with the `refresh_token` grant (cached and refreshed like every
`CachingProvider`), and hands a rotated refresh token to a callback the caller gives it (which
stores it: this layer knows no keyring or file).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

import anyio.to_thread
import httpx2
from pydantic import SecretStr

from seg_mcp.aep.auth.caching import CachingProvider
from seg_mcp.aep.auth.provider import AccessToken, required_secret
from seg_mcp.aep.retry import RetryPolicy

__all__ = ["UserTokenProvider"]

logger = logging.getLogger("seg_mcp.aep.auth")


class UserTokenProvider(CachingProvider):
    """A signed-in person's access tokens, from their refresh token (`refresh_token` grant).

    `client_secret` is given for an OAuth Web App credential and left out for a Native App (public
    client). When IMS answers with a different refresh token, `on_refresh_token` is called with
    it (in a worker thread) so the caller can store it; a failure there is logged, not raised.
    `reauth_hint` is what an error tells the person to do once the sign-in is refused (expired or
    revoked), e.g. the command that signs in again.
    """

    _what = "to refresh the sign-in"

    def __init__(
        self,
        *,
        client_id: str,
        refresh_token: str | SecretStr,
        client_secret: str | SecretStr | None = None,
        ims_url: str = "https://ims-na1.adobelogin.com",
        user: str | None = None,
        on_refresh_token: Callable[[SecretStr], None] | None = None,
        reauth_hint: str = "sign in again",
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
        self._refresh = required_secret(refresh_token, "the refresh token")
        self._secret = (
            None if client_secret is None else required_secret(client_secret, "IMS client secret")
        )
        #: Who signed in (an email or name, for messages; not a secret).
        self.user = user
        self._on_refresh_token = on_refresh_token
        self.reauth_hint = reauth_hint

    def __repr__(self) -> str:
        secret = "None" if self._secret is None else "SecretStr('**********')"
        return (
            f"UserTokenProvider(client_id={self.client_id!r}, user={self.user!r}, "
            f"refresh_token=SecretStr('**********'), client_secret={secret}, "
            f"token_url={self.token_url!r})"
        )

    def _held_secrets(self) -> list[str]:
        out = [self._refresh.get_secret_value()]
        if self._secret is not None:
            out.append(self._secret.get_secret_value())
        return out

    def _hint(self, code: str | None, status: int) -> str:
        if code not in {"invalid_client", "unauthorized_client"} and (
            code == "invalid_grant" or status in {400, 401}
        ):
            return f"the sign-in has expired or was revoked: {self.reauth_hint}"
        return super()._hint(code, status)

    async def _fetch(self, http: httpx2.AsyncClient) -> AccessToken:
        form = {
            "grant_type": "refresh_token",
            "refresh_token": self._refresh.get_secret_value(),
            "client_id": self.client_id,
        }
        if self._secret is not None:
            form["client_secret"] = self._secret.get_secret_value()
        payload = await self._post(http, form)
        token = self._access_token(payload)
        rotated = payload.get("refresh_token")
        if isinstance(rotated, str) and rotated and rotated != self._refresh.get_secret_value():
            self._refresh = SecretStr(rotated)
            await self._store(self._refresh)
        return token

    async def _store(self, refresh_token: SecretStr) -> None:
        if self._on_refresh_token is None:
            return
        try:
            await anyio.to_thread.run_sync(self._on_refresh_token, refresh_token)
        except Exception as exc:
            logger.warning(
                "could not store the new refresh token IMS issued (%s); this process keeps "
                "working, and a later one may have to sign in again",
                type(exc).__name__,
            )
