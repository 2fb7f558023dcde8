"""Adobe IMS as the server's own upstream identity provider (user sign-in on a person's behalf).

The server is a confidential OAuth client of IMS (the deployment's `AEP_CLIENT_ID` /
`AEP_CLIENT_SECRET`, an OAuth Web App credential in Developer Console). It sends people to
`/ims/authorize/v2` with PKCE, exchanges the code at `/ims/token/v3`, refreshes there, checks a
session with `/ims/userinfo/v2`, and ends it with `/ims/revoke`. Paths and parameters are Adobe's
documented ones. Errors carry IMS's `error` / `error_description`, never a token or the secret.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx2
from pydantic import SecretStr

__all__ = ["IMSError", "IMSSignIn", "IMSTokens"]

#: `expires_in` above this is in milliseconds (IMS's older endpoints); v3 answers seconds.
_MS_THRESHOLD = 10_000_000


class IMSError(RuntimeError):
    """IMS refused or failed a request. `status` is IMS's HTTP status (None: no answer)."""

    def __init__(self, message: str, status: int | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code


@dataclass(frozen=True, slots=True)
class IMSTokens:
    access_token: SecretStr
    refresh_token: SecretStr | None
    expires_at: float  # epoch seconds

    def __repr__(self) -> str:
        return f"IMSTokens(expires_at={self.expires_at:.0f}, access_token=**********)"


class IMSSignIn:
    def __init__(
        self,
        *,
        ims_url: str,
        client_id: str,
        client_secret: SecretStr,
        scopes: tuple[str, ...],
        http: httpx2.AsyncClient,
    ) -> None:
        self.ims_url = ims_url.rstrip("/")
        self.client_id = client_id
        self._secret = client_secret
        self.scopes = scopes
        self._http = http

    def __repr__(self) -> str:
        return f"IMSSignIn(ims_url={self.ims_url!r}, client_id={self.client_id!r})"

    def secrets(self) -> tuple[str, ...]:
        return (self._secret.get_secret_value(),)

    def authorize_url(self, *, redirect_uri: str, state: str, code_challenge: str) -> str:
        query = {
            "client_id": self.client_id,
            "redirect_uri": redirect_uri,
            "scope": ",".join(self.scopes),
            "response_type": "code",
            "state": state,
            "code_challenge": code_challenge,
            "code_challenge_method": "S256",
        }
        return f"{self.ims_url}/ims/authorize/v2?{urlencode(query)}"

    async def _token(self, form: dict[str, str], what: str) -> IMSTokens:
        form = {
            **form,
            "client_id": self.client_id,
            "client_secret": self._secret.get_secret_value(),
        }
        try:
            response = await self._http.post(
                f"{self.ims_url}/ims/token/v3", data=form, headers={"Accept": "application/json"}
            )
        except httpx2.HTTPError as exc:
            raise IMSError(
                f"IMS at {self.ims_url} did not answer the {what}: {type(exc).__name__}"
            ) from None
        if not response.is_success:
            raise self._error(response, what)
        try:
            body = response.json()
            access = str(body["access_token"])
            expires_in = float(body.get("expires_in", 3600))
        except (ValueError, KeyError, TypeError):
            raise IMSError(f"IMS answered the {what} without an access token") from None
        if expires_in > _MS_THRESHOLD:
            expires_in /= 1000.0
        refresh = body.get("refresh_token")
        return IMSTokens(
            access_token=SecretStr(access),
            refresh_token=SecretStr(str(refresh)) if refresh else None,
            expires_at=time.time() + expires_in,
        )

    async def exchange_code(self, code: str, redirect_uri: str, code_verifier: str) -> IMSTokens:
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "code_verifier": code_verifier,
        }
        return await self._token(form, "authorization code exchange")

    async def refresh(self, refresh_token: str) -> IMSTokens:
        form = {"grant_type": "refresh_token", "refresh_token": refresh_token}
        return await self._token(form, "token refresh")

    async def userinfo(self, access_token: str) -> dict[str, Any] | None:
        """The person's profile, or None when IMS says the token is not (or no longer) valid."""
        try:
            response = await self._http.get(
                f"{self.ims_url}/ims/userinfo/v2",
                headers={"Authorization": f"Bearer {access_token}", "Accept": "application/json"},
            )
        except httpx2.HTTPError as exc:
            raise IMSError(
                f"IMS at {self.ims_url} did not answer userinfo: {type(exc).__name__}"
            ) from None
        if response.status_code in (400, 401, 403):
            return None
        if not response.is_success:
            raise self._error(response, "userinfo request")
        try:
            info = response.json()
        except ValueError:
            raise IMSError("IMS answered userinfo with something other than JSON") from None
        return info if isinstance(info, dict) and info.get("sub") else None

    async def revoke(self, token: str) -> None:
        form = {
            "token": token,
            "client_id": self.client_id,
            "client_secret": self._secret.get_secret_value(),
        }
        try:
            response = await self._http.post(f"{self.ims_url}/ims/revoke", data=form)
        except httpx2.HTTPError as exc:
            raise IMSError(
                f"IMS at {self.ims_url} did not answer the revocation: {type(exc).__name__}"
            ) from None
        if not response.is_success:
            raise self._error(response, "revocation")

    def _error(self, response: httpx2.Response, what: str) -> IMSError:
        code = description = None
        try:
            body = response.json()
            if isinstance(body, dict):
                code = body.get("error") or body.get("error_code")
                description = body.get("error_description") or body.get("message")
        except ValueError:
            pass
        text = f"IMS refused the {what} (HTTP {response.status_code}"
        text += f", {code})" if code else ")"
        if description:
            text += f": {str(description)[:200]}"
        return IMSError(
            text.replace(self._secret.get_secret_value(), "[redacted]"),
            response.status_code,
            str(code) if code else None,
        )
