"""`DelegatedTokenProvider`: act with the current caller's own Adobe token.

A server that signs people in (seg-mcp's HTTP server with `--auth oauth`) holds, for the request
it is serving, that person's IMS access token. It gives the client a provider built on a callable
that returns the token of the caller being served (typically a `ContextVar` lookup its auth layer
sets per request), so one `AEPClient` serves many people and each platform call carries the
caller's own token: the platform then enforces that person's permissions.

The provider never fetches or refreshes anything: the auth layer hands it a valid token or none.
With none, the call fails before anything is sent. The token never appears in reprs or errors,
and `secrets()` names it so the client redacts it from any text that comes back.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import httpx2
from pydantic import SecretStr

from seg_mcp.aep.errors import AuthenticationError

__all__ = ["DelegatedTokenProvider"]


class DelegatedTokenProvider:
    """The token of whoever is being served now, read from `source` on every request."""

    can_refresh = False

    def __init__(
        self,
        source: Callable[[], SecretStr | str | None],
        *,
        description: str = "the signed-in caller's Adobe token",
    ) -> None:
        self._source = source
        self.description = description

    def _current(self) -> str | None:
        value = self._source()
        if isinstance(value, SecretStr):
            value = value.get_secret_value()
        return value or None

    async def get_token(self, http: httpx2.AsyncClient) -> str:
        token = self._current()
        if token is None:
            raise AuthenticationError(
                f"no caller token: this client acts with {self.description}, and none is set "
                "for this request",
                hint="call it from within a signed-in request (the server's auth layer sets it)",
            )
        return token

    def invalidate(self, token: str) -> bool:
        # The auth layer re-checks the caller's session on the next request; nothing to refetch.
        return False

    def secrets(self) -> Iterable[str]:
        token = self._current()
        return (token,) if token else ()

    def __repr__(self) -> str:
        return f"DelegatedTokenProvider({self.description!r})"
