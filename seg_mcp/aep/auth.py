"""Access tokens: Adobe IMS OAuth Server-to-Server (client_credentials) and static tokens.

A `TokenProvider` hands the client a bearer token for each request and is told when the platform
rejected one (`invalidate`). Providers borrow the client's `httpx2.AsyncClient`, so the IMS call
travels through the same transport as the API calls (which is how the in-process local sandbox
serves IMS too).

`IMSTokenProvider`:

* fetches `POST {ims_url}/ims/token/v3` with a form body (grant_type, client_id, client_secret,
  scope), caches the token, and refreshes it `refresh_margin` seconds before it expires;
* under concurrency, only one fetch is in flight: every caller waiting for a token shares it;
* if a refresh fails while the old token is still valid, the old token keeps being used;
* `invalidate(token)` after a 401 drops the cached token only if it is the one that failed, so many
  concurrent 401s cause one re-fetch.

Secrets are held as `SecretStr` and never appear in reprs, logs or errors.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import anyio
import httpx2
from pydantic import SecretStr

from seg_mcp.aep.errors import AEPError, AuthenticationError
from seg_mcp.aep.retry import RetryPolicy

__all__ = [
    "DEFAULT_SCOPES",
    "AccessToken",
    "IMSTokenProvider",
    "StaticTokenProvider",
    "TokenProvider",
]

logger = logging.getLogger("seg_mcp.aep.auth")

#: What most AEP OAuth Server-to-Server credentials are granted (Developer Console shows the set).
DEFAULT_SCOPES: tuple[str, ...] = (
    "openid",
    "AdobeID",
    "read_organizations",
    "additional_info.projectedProductContext",
)

#: `expires_in` above this is in milliseconds (the deprecated JWT exchange); v3 uses seconds.
_MILLISECONDS_THRESHOLD = 10_000_000


@runtime_checkable
class TokenProvider(Protocol):
    #: Whether asking again can yield a new token (False for a static token).
    can_refresh: bool

    async def get_token(self, http: httpx2.AsyncClient) -> str:
        """A bearer token that is valid now."""
        ...

    def invalidate(self, token: str) -> bool:
        """The platform rejected `token`. Return True if asking again may give a different one."""
        ...

    def secrets(self) -> Iterable[str]:
        """Secret strings this provider holds, for redaction."""
        ...


@dataclass(frozen=True, slots=True)
class AccessToken:
    value: SecretStr
    expires_at: float  # on the provider's (monotonic) clock
    lifetime: float

    def __repr__(self) -> str:
        return f"AccessToken(value=SecretStr('**********'), lifetime={self.lifetime:.0f}s)"


class StaticTokenProvider:
    """A token someone already holds (AEP_ACCESS_TOKEN). It cannot be refreshed."""

    can_refresh = False

    def __init__(self, token: str | SecretStr) -> None:
        self._token = token if isinstance(token, SecretStr) else SecretStr(token)
        if not self._token.get_secret_value():
            raise ValueError("the static access token is empty")

    async def get_token(self, http: httpx2.AsyncClient) -> str:
        return self._token.get_secret_value()

    def invalidate(self, token: str) -> bool:
        return False

    def secrets(self) -> Iterable[str]:
        return (self._token.get_secret_value(),)

    def __repr__(self) -> str:
        return "StaticTokenProvider(token=SecretStr('**********'))"


class _Flight:
    """One token fetch that concurrent callers wait on."""

    __slots__ = ("done", "error", "token")

    def __init__(self) -> None:
        self.done = anyio.Event()
        self.token: AccessToken | None = None
        self.error: BaseException | None = None


class IMSTokenProvider:
    """Adobe IMS OAuth Server-to-Server (client_credentials) tokens, cached and refreshed."""

    can_refresh = True

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
        if not client_id:
            raise ValueError("IMS client id is empty")
        self.client_id = client_id
        self._secret = (
            client_secret if isinstance(client_secret, SecretStr) else SecretStr(client_secret)
        )
        if not self._secret.get_secret_value():
            raise ValueError("IMS client secret is empty")
        self.scopes = tuple(scopes)
        self.token_url = ims_url.rstrip("/") + "/ims/token/v3"
        self.refresh_margin = refresh_margin
        self._retry = retry or RetryPolicy()
        self._clock = clock
        self._token: AccessToken | None = None
        self._flight: _Flight | None = None
        #: How many token requests this provider has sent (for diagnostics and tests).
        self.fetch_count = 0

    def __repr__(self) -> str:
        return (
            f"IMSTokenProvider(client_id={self.client_id!r}, "
            "client_secret=SecretStr('**********'), "
            f"scopes={list(self.scopes)!r}, token_url={self.token_url!r})"
        )

    def secrets(self) -> Iterable[str]:
        out = [self._secret.get_secret_value()]
        if self._token is not None:
            out.append(self._token.value.get_secret_value())
        return out

    def _fresh(self, token: AccessToken | None) -> bool:
        if token is None:
            return False
        margin = min(self.refresh_margin, token.lifetime / 2)
        return self._clock() < token.expires_at - margin

    def _valid(self, token: AccessToken | None) -> bool:
        return token is not None and self._clock() < token.expires_at

    async def get_token(self, http: httpx2.AsyncClient) -> str:
        while True:
            cached = self._token
            if self._fresh(cached):
                assert cached is not None
                return cached.value.get_secret_value()
            flight = self._flight
            if flight is None:
                return await self._lead_fetch(http, cached)
            await flight.done.wait()
            if flight.token is not None:
                return flight.token.value.get_secret_value()
            if isinstance(flight.error, AEPError):
                raise flight.error
            # The fetching task was cancelled or died unexpectedly: try again ourselves.

    async def _lead_fetch(self, http: httpx2.AsyncClient, previous: AccessToken | None) -> str:
        flight = self._flight = _Flight()
        try:
            try:
                token = await self._fetch(http)
            except AEPError:
                if self._valid(previous):
                    assert previous is not None
                    logger.warning(
                        "IMS token refresh failed; the current token is still valid, using it"
                    )
                    token = previous
                else:
                    raise
            self._token = token
            flight.token = token
            return token.value.get_secret_value()
        except BaseException as exc:
            flight.error = exc
            raise
        finally:
            self._flight = None
            flight.done.set()

    def invalidate(self, token: str) -> bool:
        current = self._token
        if current is not None and current.value.get_secret_value() == token:
            self._token = None
        return True

    async def _fetch(self, http: httpx2.AsyncClient) -> AccessToken:
        form = {
            "grant_type": "client_credentials",
            "client_id": self.client_id,
            "client_secret": self._secret.get_secret_value(),
            "scope": ",".join(self.scopes),
        }

        async def send() -> httpx2.Response:
            self.fetch_count += 1
            return await http.post(
                self.token_url, data=form, headers={"Accept": "application/json"}
            )

        response = await self._retry.run(send, idempotent=True, target=f"IMS {self.token_url}")
        if not response.is_success:
            raise self._error(response)
        try:
            payload = response.json()
            value = payload["access_token"]
            expires_in = float(payload.get("expires_in", 86399))
        except (ValueError, KeyError, TypeError) as exc:
            raise AuthenticationError(
                f"IMS at {self.token_url} answered {response.status_code} without an access token",
                status=response.status_code,
                hint="check AEP_IMS_URL points at Adobe IMS",
            ) from exc
        if not isinstance(value, str) or not value:
            raise AuthenticationError(
                f"IMS at {self.token_url} returned an empty access token",
                status=response.status_code,
            )
        if expires_in > _MILLISECONDS_THRESHOLD:
            expires_in /= 1000.0
        now = self._clock()
        logger.debug(
            "fetched IMS token for client id %s (expires in %.0f s)", self.client_id, expires_in
        )
        return AccessToken(SecretStr(value), expires_at=now + expires_in, lifetime=expires_in)

    def _error(self, response: httpx2.Response) -> AuthenticationError:
        status = response.status_code
        code: str | None = None
        description = ""
        try:
            payload = response.json()
        except ValueError:
            payload = None
        if isinstance(payload, dict):
            code = _str_or_none(payload.get("error") or payload.get("error_code"))
            description = str(
                payload.get("error_description") or payload.get("message") or ""
            ).strip()
        if not description:
            description = response.text[:200].strip() or response.reason_phrase
        secret = self._secret.get_secret_value()
        description = description.replace(secret, "[redacted]")
        if code in {"invalid_client", "unauthorized_client"}:
            hint = "check the client id and client secret of this credential"
        elif code == "invalid_scope":
            hint = "set the scopes this credential has in Adobe Developer Console (AEP_SCOPES)"
        elif status >= 500 or status == 429:
            hint = "IMS is unavailable or throttling; retry later"
        else:
            hint = "check the credential in Adobe Developer Console"
        return AuthenticationError(
            f"IMS refused the token request for client id {self.client_id}: {description}",
            status=status,
            code=code,
            request_id=response.headers.get("x-request-id") or response.headers.get("x-debug-id"),
            retryable=status >= 500 or status == 429,
            hint=hint,
        )


def _str_or_none(value: object) -> str | None:
    return None if value is None else str(value)
