"""Putting the HTTP auth layer together for `seg-mcp serve --transport http --auth …`.

* `check_exposure`: the safe-by-default rules (a non-loopback bind needs an auth mode, or
  `--allow-unauthenticated`; `--auth none` is for loopback; a non-loopback bind must name the
  Hosts it answers for).
* `oauth_client`: the `AEPClient` of `--auth oauth`, whose credentials carry the current caller's
  IMS token (`DelegatedTokenProvider` over `caller_ims_token`), never the server's own.
* `build_gate`: the `AuthGate` around the MCP app for the chosen mode.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx2
from mcp.server.transport_security import TransportSecuritySettings
from starlette.types import ASGIApp

from seg_mcp.aep import AEPClient, Credential, RetryPolicy
from seg_mcp.aep.delegated import DelegatedTokenProvider
from seg_mcp.config import BackendConfig
from seg_mcp.server.auth.gate import AuthGate, AuthMode
from seg_mcp.server.auth.ims import IMSSignIn
from seg_mcp.server.auth.provider import SegOAuthProvider
from seg_mcp.server.auth.sealing import Sealer, load_secrets
from seg_mcp.server.auth.sessions import SessionChecker, caller_ims_token
from seg_mcp.server.auth.settings import HostPolicy, HttpAuthSettings, is_loopback
from seg_mcp.server.auth.statictokens import StaticTokens
from seg_mcp.server.identity import Principal

__all__ = ["AuthSetupError", "HttpAuthOptions", "build_gate", "check_exposure", "oauth_client"]

MODES_TEXT = (
    "--auth oauth (people sign in with their Adobe ID), --auth token (static bearer tokens for "
    "automations), or --allow-unauthenticated (anyone who can reach the port acts with this "
    "server's credential)"
)


class AuthSetupError(ValueError):
    """The HTTP server cannot start with these options (the message names what to set)."""


@dataclass(frozen=True)
class HttpAuthOptions:
    mode: AuthMode | None
    host: str
    allow_unauthenticated: bool = False
    allowed_hosts: tuple[str, ...] = ()
    allowed_origins: tuple[str, ...] = ()
    public_url: str | None = None


def check_exposure(options: HttpAuthOptions) -> tuple[AuthMode, bool]:
    """The effective mode, and whether to warn loudly (unauthenticated beyond loopback)."""
    loopback = is_loopback(options.host)
    mode = options.mode or "none"
    if mode == "none" and not loopback and not options.allow_unauthenticated:
        raise AuthSetupError(
            f"refusing to serve MCP over HTTP on {options.host} without authentication: choose "
            f"{MODES_TEXT}; or bind to 127.0.0.1"
        )
    if not loopback and not (options.allowed_hosts or options.public_url):
        raise AuthSetupError(
            f"on a non-loopback address ({options.host}) name the Host headers this server "
            "answers for: --allowed-hosts host:port[,…] (or SEG_MCP_ALLOWED_HOSTS), or "
            "--public-url https://… (SEG_MCP_PUBLIC_URL)"
        )
    return mode, mode == "none" and not loopback


def host_policy(options: HttpAuthOptions) -> HostPolicy:
    return HostPolicy.for_bind(
        options.host,
        public_url=options.public_url,
        extra_hosts=list(options.allowed_hosts),
        extra_origins=list(options.allowed_origins),
    )


def transport_security(policy: HostPolicy) -> TransportSecuritySettings:
    return TransportSecuritySettings(
        enable_dns_rebinding_protection=True,
        allowed_hosts=policy.hosts,
        allowed_origins=policy.origins,
    )


def _oauth_profile(config: BackendConfig) -> tuple[str, str]:
    """The IMS client id and org every profile shares (one credential signs people in)."""
    if config.kind != "adobe":
        raise AuthSetupError(
            "--auth oauth signs people in with Adobe IMS, which their browser must reach: set "
            "AEP_IMS_URL, AEP_PLATFORM_URL, AEP_CLIENT_ID, AEP_CLIENT_SECRET and AEP_ORG_ID "
            "(for a local try, the values `seg-mcp sandbox serve` prints)"
        )
    first = config.profiles[0]
    if first.client_secret is None:
        raise AuthSetupError(
            f"--auth oauth needs the client secret of an OAuth Web App credential (profile "
            f"{first.name!r} has a static access token): set AEP_CLIENT_SECRET"
        )
    for p in config.profiles[1:]:
        if p.client_id != first.client_id or p.org_id != first.org_id or p.ims_url != first.ims_url:
            raise AuthSetupError(
                "--auth oauth signs people in with one IMS credential: every profile must share "
                f"the client id, org and IMS of profile {first.name!r} ({p.name!r} differs)"
            )
    return first.client_id, first.org_id


def oauth_client(config: BackendConfig, retry: RetryPolicy | None = None) -> AEPClient:
    client_id, _ = _oauth_profile(config)
    provider = DelegatedTokenProvider(caller_ims_token.get)
    credentials = [
        Credential(
            name=p.name,
            org_id=p.org_id,
            api_key=client_id,
            token_provider=provider,
            sandboxes=p.sandboxes,
            platform_url=p.platform_url,
        )
        for p in config.profiles
    ]
    return AEPClient(
        credentials,
        default_sandbox=config.default_sandbox,
        timeout=httpx2.Timeout(config.timeout, connect=min(config.timeout, 10.0)),
        retry=retry,
    )


def build_gate(
    inner: ASGIApp,
    *,
    mode: AuthMode,
    options: HttpAuthOptions,
    config: BackendConfig,
    client: AEPClient | None,
    settings: HttpAuthSettings,
    http: httpx2.AsyncClient,
) -> AuthGate:
    policy = host_policy(options)
    public_url = options.public_url or settings.public_url
    if mode == "token":
        tokens = StaticTokens.load(
            file=settings.tokens_file,
            env_json=settings.tokens.get_secret_value() if settings.tokens else None,
            deployment_sandboxes=config.sandboxes,
        )
        return AuthGate(inner, mode=mode, hosts=policy, public_url=public_url, tokens=tokens)
    if mode == "none":
        anonymous = Principal(kind="local") if config.kind == "local" else None
        return AuthGate(inner, mode=mode, hosts=policy, public_url=public_url, anonymous=anonymous)
    assert client is not None
    profile = config.profiles[0]
    assert profile.client_secret is not None
    secret = settings.auth_secret.get_secret_value() if settings.auth_secret else None
    sealer = Sealer(load_secrets(secret, settings.data_dir))
    ims = IMSSignIn(
        ims_url=profile.ims_url,
        client_id=profile.client_id,
        client_secret=profile.client_secret,
        scopes=settings.ims_scopes,
        http=http,
    )
    sessions = SessionChecker(ims, client, config.sandboxes, ttl=settings.ims_check_ttl)
    provider = SegOAuthProvider(sealer, ims, sessions, settings)
    return AuthGate(inner, mode=mode, hosts=policy, public_url=public_url, provider=provider)
