"""The caching base of the IMS providers: one access token held, refreshed ahead of expiry.

* under concurrency only one fetch is in flight: every caller waiting for a token shares it;
* if a refresh fails while the old token is still valid, the old token keeps being used;
* `invalidate(token)` after a 401 drops the cached token only if it is the one that failed, so
  many concurrent 401s cause one re-fetch;
* the token endpoint's answer is parsed and its refusals become `AuthenticationError`s that say
  what to do, with every secret the provider holds redacted.

A subclass says which grant it sends (`_fetch`) and which long-lived secrets it holds.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

import anyio
import httpx2
from pydantic import SecretStr

from seg_mcp.aep.auth.provider import AccessToken
from seg_mcp.aep.errors import AEPError, AuthenticationError
from seg_mcp.aep.retry import RetryPolicy

__all__ = ["CachingProvider"]

logger = logging.getLogger("seg_mcp.aep.auth")

#: `expires_in` above this is in milliseconds (the deprecated JWT exchange); v3 uses seconds.
_MILLISECONDS_THRESHOLD = 10_000_000


class _Flight:
    """One token fetch that concurrent callers wait on."""

    __slots__ = ("done", "error", "token")

    def __init__(self) -> None:
        self.done = anyio.Event()
        self.token: AccessToken | None = None
        self.error: BaseException | None = None


class CachingProvider:
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
        raw = payload.get("expires_in", 86399)
        try:
            expires_in = float(raw) if isinstance(raw, int | float | str) else 86399.0
        except ValueError:
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
            found = payload.get("error") or payload.get("error_code")
            code = None if found is None else str(found)
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
