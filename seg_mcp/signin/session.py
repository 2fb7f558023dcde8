"""Sign in, check, sign out: the steps behind `seg-mcp login`, `auth status` and `logout`.

`LoginTarget` is what a profile says about signing in (client id and maybe secret, IMS, platform,
org, scopes); `seg_mcp.config` builds it. These functions talk to IMS and the platform over
`httpx2` (a transport may be passed, for tests) and keep the result in a `TokenStore`.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx2
from pydantic import SecretStr

from seg_mcp.aep import AEPError, RetryPolicy, UserTokenProvider
from seg_mcp.signin.flow import IMS, PKCE, LoopbackReceiver, list_sandboxes
from seg_mcp.signin.store import SignIn, SignInError, TokenStore, now_utc

__all__ = ["LoginTarget", "Status", "inspect", "sign_in", "sign_out", "user_token_provider"]

_TIMEOUT = httpx2.Timeout(30.0, connect=10.0)


@dataclass(frozen=True)
class LoginTarget:
    """How one profile signs a person in."""

    profile: str
    client_id: str
    ims_url: str
    platform_url: str
    scopes: tuple[str, ...]
    org_id: str | None = None
    client_secret: SecretStr | None = None

    def __repr__(self) -> str:
        return (
            f"LoginTarget(profile={self.profile!r}, client_id={self.client_id!r}, "
            f"ims_url={self.ims_url!r}, {self.kind})"
        )

    @property
    def kind(self) -> str:
        if self.client_secret is None:
            return "OAuth Native App credential (public client, PKCE)"
        return "OAuth Web App credential (client secret + PKCE)"

    @property
    def ims(self) -> IMS:
        return IMS(self.ims_url, self.client_id, self.client_secret)


def user_token_provider(
    target: LoginTarget,
    record: SignIn,
    refresh_token: SecretStr,
    store: TokenStore,
    retry: RetryPolicy | None = None,
) -> UserTokenProvider:
    """The token provider of a signed-in profile; a rotated refresh token goes back to `store`."""
    profile = target.profile

    def keep(token: SecretStr) -> None:
        store.update_refresh_token(profile, token)

    return UserTokenProvider(
        client_id=target.client_id,
        client_secret=target.client_secret,
        refresh_token=refresh_token,
        ims_url=target.ims_url,
        user=record.email or record.name or record.user_id,
        on_refresh_token=keep,
        reauth_hint=f"run `seg-mcp login --profile {profile}`",
        retry=retry,
    )


async def sign_in(
    target: LoginTarget,
    store: TokenStore,
    *,
    say: Callable[[str], None],
    open_browser: Callable[[str], bool] | None = None,
    timeout: float = 300.0,
    transport: httpx2.AsyncBaseTransport | None = None,
) -> SignIn:
    """Run the browser sign-in for `target` and store it; returns the stored record."""
    pkce = PKCE.new()
    state = secrets.token_urlsafe(32)
    ims = target.ims
    with LoopbackReceiver(state, on_ignored=lambda m: say(f"warning: {m}")) as receiver:
        url = ims.authorize_url(
            redirect_uri=receiver.redirect_uri, scopes=target.scopes, state=state, pkce=pkce
        )
        say(f"Sign in to Adobe for profile {target.profile} ({target.kind}, {target.client_id}).")
        if open_browser is not None and open_browser(url):
            say("Opened your browser. If it did not, open this URL:")
        else:
            say("Open this URL in a browser to sign in:")
        say(f"  {url}")
        say(f"Waiting for the sign-in to finish ({timeout / 60:.0f} min; Ctrl-C cancels)...")
        code = await receiver.wait(timeout)
        redirect_uri = receiver.redirect_uri
    async with httpx2.AsyncClient(timeout=_TIMEOUT, transport=transport) as http:
        tokens = await ims.exchange(http, code=code, pkce=pkce, redirect_uri=redirect_uri)
        if tokens.refresh_token is None:
            raise SignInError(
                "IMS issued no refresh token, so seg-mcp could not stay signed in: give the "
                "credential the offline_access scope in Adobe Developer Console (and in the "
                "profile's scopes)"
            )
        info = await ims.userinfo(http, tokens.access_token)
        org_id = target.org_id or _str(info.get("org"))
        sandboxes: tuple[str, ...] | None = None
        if org_id:
            try:
                sandboxes = await _sandboxes(http, target, org_id, tokens.access_token)
            except SignInError as exc:
                say(f"warning: signed in, but {exc}")
    record = SignIn(
        profile=target.profile,
        client_id=target.client_id,
        ims_url=target.ims_url.rstrip("/"),
        user_id=_str(info.get("sub")) or _str(info.get("userId")) or "unknown",
        name=_str(info.get("name")),
        email=_str(info.get("email")),
        org_id=org_id,
        sandboxes=sandboxes,
        scopes=target.scopes,
        signed_in_at=now_utc(),
    )
    return store.save(record, tokens.refresh_token)


async def _sandboxes(
    http: httpx2.AsyncClient, target: LoginTarget, org_id: str, token: SecretStr
) -> tuple[str, ...]:
    """The sandboxes the person may use (`SignInError` when the platform will not say)."""
    return tuple(
        await list_sandboxes(
            http,
            platform_url=target.platform_url,
            client_id=target.client_id,
            org_id=org_id,
            access_token=token,
        )
    )


@dataclass(frozen=True)
class Status:
    """A live check of a stored sign-in."""

    record: SignIn
    userinfo: dict[str, Any]
    expires_in: float | None
    sandboxes: tuple[str, ...] | None
    sandboxes_error: str | None


async def inspect(
    target: LoginTarget,
    store: TokenStore,
    *,
    transport: httpx2.AsyncBaseTransport | None = None,
) -> Status | None:
    """Refresh the profile's sign-in and ask IMS and the platform about it (None: not signed in).

    A refused refresh (expired, revoked) raises `SignInError` saying to sign in again."""
    loaded = store.load(target.profile)
    if loaded is None:
        return None
    record, refresh_token = loaded
    provider = user_token_provider(target, record, refresh_token, store)
    async with httpx2.AsyncClient(timeout=_TIMEOUT, transport=transport) as http:
        try:
            token = SecretStr(await provider.get_token(http))
        except AEPError as exc:
            hint = f" ({exc.hint})" if exc.hint else ""
            raise SignInError(
                f"profile {target.profile}: the sign-in of {record.who} no longer works: "
                f"{exc.message}{hint}"
            ) from None
        info = await target.ims.userinfo(http, token)
        org_id = target.org_id or record.org_id
        sandboxes: tuple[str, ...] | None = None
        error = None
        if org_id:
            try:
                sandboxes = await _sandboxes(http, target, org_id, token)
            except SignInError as exc:
                error = str(exc)
        else:
            error = "no org id is known: set AEP_ORG_ID (or org_id in the profile)"
    return Status(record, info, provider.expires_in(), sandboxes, error)


async def sign_out(
    profile: str,
    store: TokenStore,
    *,
    target: LoginTarget | None = None,
    transport: httpx2.AsyncBaseTransport | None = None,
) -> tuple[SignIn | None, str | None]:
    """Revoke the profile's sign-in at IMS and forget it. Returns the record that was signed in
    (None: nobody) and, if IMS could not revoke it, why (it is forgotten locally all the same)."""
    try:
        loaded = store.load(profile)
    except SignInError as exc:
        store.delete(profile)
        return None, str(exc)
    if loaded is None:
        return None, None
    record, refresh_token = loaded
    secret = None
    if target is not None and target.client_id == record.client_id:
        secret = target.client_secret
    ims = IMS(record.ims_url, record.client_id, secret)
    problem = None
    try:
        async with httpx2.AsyncClient(timeout=_TIMEOUT, transport=transport) as http:
            await ims.revoke(http, refresh_token, "refresh_token")
    except SignInError as exc:
        problem = str(exc)
    finally:
        store.delete(profile)
    return record, problem


def _str(value: object) -> str | None:
    return value if isinstance(value, str) and value else None
