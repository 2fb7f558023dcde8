"""Access tokens: Adobe IMS OAuth Server-to-Server (client_credentials), a signed-in person's
tokens (refresh_token grant), and static tokens.

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

`UserTokenProvider` does the same for a person who signed in (authorization code + PKCE, done
elsewhere): it holds their refresh token, gets access tokens with the `refresh_token` grant, and
hands a rotated refresh token to a callback the caller gives it (which stores it; this layer
knows no keyring or file).

Secrets are held as `SecretStr` and never appear in reprs, logs or errors.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import anyio
import anyio.to_thread
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
    "UserTokenProvider",
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


class _CachingProvider:
    """Caches one access token, refreshes it ahead of expiry with a single fetch in flight."""

    can_refresh = True

    def __init__(
        self,
        *,
        client_id: str,
        ims_url: str,
        refresh_margin: float,
        retry: RetryPolicy | None,
        clock: Callable[[], float],
    ) -> None:
        if not client_id:
            raise ValueError("IMS client id is empty")
        self.client_id = client_id
        self.token_url = ims_url.rstrip("/") + "/ims/token/v3"
        self.refresh_margin = refresh_margin
        self._retry = retry or RetryPolicy()
        self._clock = clock
        self._token: AccessToken | None = None
        self._flight: _Flight | None = None
        #: How many token requests this provider has sent (for diagnostics and tests).
        self.fetch_count = 0

    def _held_secrets(self) -> list[str]:
        """The long-lived secrets (client secret, refresh token) this provider holds."""
        raise NotImplementedError

    def secrets(self) -> Iterable[str]:
        out = self._held_secrets()
        if self._token is not None:
            out.append(self._token.value.get_secret_value())
        return out

    def expires_in(self) -> float | None:
        """Seconds the cached access token has left (None: none held)."""
        token = self._token
        return None if token is None else max(0.0, token.expires_at - self._clock())

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
        raise NotImplementedError

    async def _post(self, http: httpx2.AsyncClient, form: dict[str, str]) -> dict[str, object]:
        """POST `form` to the token endpoint (retried per the policy); the JSON answer."""

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
        except ValueError:
            payload = None
        if not isinstance(payload, dict) or not payload.get("access_token"):
            raise AuthenticationError(
                f"IMS at {self.token_url} answered {response.status_code} without an access token",
                status=response.status_code,
                hint="check AEP_IMS_URL points at Adobe IMS",
            )
        return payload

    def _access_token(self, payload: dict[str, object]) -> AccessToken:
        value = payload["access_token"]
        if not isinstance(value, str):
            raise AuthenticationError(f"IMS at {self.token_url} returned a malformed access token")
        try:
            expires_in = float(payload.get("expires_in", 86399))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            expires_in = 86399.0
        if expires_in > _MILLISECONDS_THRESHOLD:
            expires_in /= 1000.0
        logger.debug(
            "fetched IMS token for client id %s (expires in %.0f s)", self.client_id, expires_in
        )
        now = self._clock()
        return AccessToken(SecretStr(value), expires_at=now + expires_in, lifetime=expires_in)

    def _hint(self, code: str | None, status: int) -> str:
        if code in {"invalid_client", "unauthorized_client"}:
            return "check the client id and client secret of this credential"
        if code == "invalid_scope":
            return "set the scopes this credential has in Adobe Developer Console (AEP_SCOPES)"
        if status >= 500 or status == 429:
            return "IMS is unavailable or throttling; retry later"
        return "check the credential in Adobe Developer Console"

    _what = "the token request"

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
        for secret in self._held_secrets():
            if secret:
                description = description.replace(secret, "[redacted]")
        return AuthenticationError(
            f"IMS refused {self._what} for client id {self.client_id}: {description}",
            status=status,
            code=code,
            request_id=response.headers.get("x-request-id") or response.headers.get("x-debug-id"),
            retryable=status >= 500 or status == 429,
            hint=self._hint(code, status),
        )


class IMSTokenProvider(_CachingProvider):
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
        self._secret = _secret(client_secret)
        if not self._secret.get_secret_value():
            raise ValueError("IMS client secret is empty")
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


class UserTokenProvider(_CachingProvider):
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
        self._refresh = _secret(refresh_token)
        if not self._refresh.get_secret_value():
            raise ValueError("the refresh token is empty")
        self._secret = None if client_secret is None else _secret(client_secret)
        if self._secret is not None and not self._secret.get_secret_value():
            raise ValueError("IMS client secret is empty")
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


def _secret(value: str | SecretStr) -> SecretStr:
    return value if isinstance(value, SecretStr) else SecretStr(value)


def _str_or_none(value: object) -> str | None:
    return None if value is None else str(value)
