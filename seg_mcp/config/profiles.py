"""The resolved configuration: `Profile` (one credential: org, client id, how it gets tokens,
its sandboxes and posture) and `BackendConfig` (which backend, which profiles, the default
sandbox), and the client it opens."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import httpx2
from pydantic import BaseModel, ConfigDict, Field, SecretStr

from seg_mcp import dirs
from seg_mcp.aep import (
    DEFAULT_PLATFORM_URL,
    DEFAULT_SCOPES,
    AEPClient,
    Credential,
    IMSTokenProvider,
    RetryPolicy,
    SandboxNotAllowedError,
    StaticTokenProvider,
    TokenProvider,
)
from seg_mcp.config.settings import ConfigError
from seg_mcp.signin.flow import DEFAULT_USER_SCOPES
from seg_mcp.signin.profiles import UserAuth
from seg_mcp.signin.session import LoginTarget, user_token_provider
from seg_mcp.signin.store import TokenStore

__all__ = [
    "DEFAULT_IMS_URL",
    "DEFAULT_TIMEOUT_SECONDS",
    "BackendConfig",
    "Profile",
    "default_audit_log",
]

DEFAULT_IMS_URL = "https://ims-na1.adobelogin.com"
DEFAULT_TIMEOUT_SECONDS = 30.0


def default_audit_log() -> Path:
    """`audit.jsonl` in the user's state folder (`~/.local/state/seg-mcp` on Linux)."""
    return dirs.state_dir() / "audit.jsonl"


class Profile(BaseModel):
    """One credential: an org, its API key (client id), how to get tokens, its sandboxes."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    name: str
    org_id: str
    client_id: str
    client_secret: SecretStr | None = None
    access_token: SecretStr | None = None
    scopes: tuple[str, ...] = DEFAULT_SCOPES
    sandboxes: tuple[str, ...]
    #: Whether the MCP server may write in this profile's production sandboxes.
    allow_production_writes: bool = False
    #: Whether a client without elicitation may confirm a destructive call with a phrase the
    #: person types (weaker than elicitation; off by default).
    confirm_with_phrase: bool = False
    platform_url: str = DEFAULT_PLATFORM_URL
    ims_url: str = DEFAULT_IMS_URL
    #: A user profile acts as the person signed in for it (`seg-mcp login`); None: it does not.
    user: UserAuth | None = None
    #: The scopes `seg-mcp login` asks for.
    login_scopes: tuple[str, ...] = DEFAULT_USER_SCOPES
    token_store: TokenStore | None = Field(default=None, exclude=True, repr=False)

    @property
    def auth_kind(self) -> str:
        if self.user is not None:
            who = self.user.sign_in.who if self.user.sign_in else None
            return f"signed in as {who}" if who else "user sign-in (nobody signed in)"
        return "client credentials" if self.client_secret is not None else "static access token"

    def login_target(self) -> LoginTarget:
        """How `seg-mcp login` signs a person in for this profile."""
        return LoginTarget(
            profile=self.name,
            client_id=self.client_id,
            ims_url=self.ims_url,
            platform_url=self.platform_url,
            scopes=self.login_scopes,
            org_id=self.org_id or None,
            client_secret=self.client_secret,
        )

    def token_provider(self, retry: RetryPolicy | None = None) -> TokenProvider:
        if self.user is not None:
            user, store = self.user, self.token_store
            if user.sign_in is None or user.refresh_token is None or store is None:
                raise ConfigError(user.problem(self.name, "AEP_SANDBOXES") or "not signed in")
            target = self.login_target()
            return user_token_provider(target, user.sign_in, user.refresh_token, store, retry)
        if self.client_secret is not None:
            return IMSTokenProvider(
                client_id=self.client_id,
                client_secret=self.client_secret,
                scopes=self.scopes,
                ims_url=self.ims_url,
                retry=retry,
            )
        if self.access_token is not None:
            return StaticTokenProvider(self.access_token)
        raise ConfigError(f"profile {self.name!r} has neither a client secret nor an access token")

    def credential(self, retry: RetryPolicy | None = None) -> Credential:
        return Credential(
            name=self.name,
            org_id=self.org_id,
            api_key=self.client_id,
            token_provider=self.token_provider(retry),
            sandboxes=self.sandboxes,
            platform_url=self.platform_url,
        )


class BackendConfig(BaseModel):
    """The resolved configuration: which backend and which profiles."""

    model_config = ConfigDict(frozen=True)

    kind: Literal["adobe", "local"]
    profiles: tuple[Profile, ...]
    default_sandbox: str
    #: Where it came from, for humans ("AEP_* environment variables", "SEG_MCP_CONFIG=...").
    source: str
    timeout: float = DEFAULT_TIMEOUT_SECONDS
    #: JSON-lines audit log of the MCP server's writes (None: `default_audit_log()`).
    audit_log: Path | None = None

    @property
    def sandboxes(self) -> tuple[str, ...]:
        return tuple(s for p in self.profiles for s in p.sandboxes)

    def profile_for(self, sandbox: str | None = None) -> Profile:
        name = self.default_sandbox if sandbox is None else sandbox
        for profile in self.profiles:
            if name in profile.sandboxes:
                return profile
        raise SandboxNotAllowedError(name, self.sandboxes)

    def credentials(self, retry: RetryPolicy | None = None) -> list[Credential]:
        return [p.credential(retry) for p in self.profiles]

    def create_client(
        self,
        *,
        transport: httpx2.AsyncBaseTransport | None = None,
        retry: RetryPolicy | None = None,
    ) -> AEPClient:
        return AEPClient(
            self.credentials(retry),
            default_sandbox=self.default_sandbox,
            transport=transport,
            timeout=httpx2.Timeout(self.timeout, connect=min(self.timeout, 10.0)),
            retry=retry,
        )

    def describe(self) -> str:
        """The posture, without secrets."""
        backend = "local sandbox" if self.kind == "local" else "Adobe Experience Platform"
        lines = [f"backend: {backend} (from {self.source})"]
        for p in self.profiles:
            writes = "allowed" if p.allow_production_writes else "blocked"
            lines.append(
                f"profile {p.name}: org {p.org_id}, {p.auth_kind}, sandboxes "
                f"{', '.join(p.sandboxes)}, production writes {writes}, platform {p.platform_url}"
            )
        lines.append(f"default sandbox: {self.default_sandbox}")
        return "\n".join(lines)
