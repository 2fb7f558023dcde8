"""Credentials scoped to sandboxes.

A `Credential` is one org's identity (org id, API key = client id, a token provider, the platform
URL) plus the sandboxes it may act in. A `SandboxScope` maps every allowed sandbox to exactly one
credential and refuses any other sandbox before a byte goes on the wire.

These are plain objects: `seg_mcp.config` builds them from environment variables or the TOML file.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from seg_mcp.aep.auth import TokenProvider
from seg_mcp.aep.errors import SandboxNotAllowedError

__all__ = ["DEFAULT_PLATFORM_URL", "Credential", "SandboxScope"]

DEFAULT_PLATFORM_URL = "https://platform.adobe.io"


@dataclass(frozen=True)
class Credential:
    """One org's credential and the sandboxes it may act in."""

    name: str
    org_id: str
    api_key: str
    token_provider: TokenProvider
    sandboxes: tuple[str, ...]
    platform_url: str = DEFAULT_PLATFORM_URL

    def __post_init__(self) -> None:
        for field_name in ("name", "org_id", "api_key"):
            if not getattr(self, field_name):
                raise ValueError(f"credential {self.name!r}: {field_name} is empty")
        if not self.sandboxes:
            raise ValueError(f"credential {self.name!r} allows no sandbox")
        object.__setattr__(self, "sandboxes", tuple(self.sandboxes))
        object.__setattr__(self, "platform_url", self.platform_url.rstrip("/"))


class SandboxScope:
    """Which credential acts in which sandbox; the first sandbox of the first credential is the
    default unless `default_sandbox` says otherwise."""

    def __init__(self, credentials: Sequence[Credential], default_sandbox: str | None = None):
        if not credentials:
            raise ValueError("at least one credential is required")
        self._by_sandbox: dict[str, Credential] = {}
        for credential in credentials:
            for sandbox in credential.sandboxes:
                other = self._by_sandbox.get(sandbox)
                if other is not None and other is not credential:
                    raise ValueError(
                        f"sandbox {sandbox!r} is allowed by two profiles ({other.name!r} and "
                        f"{credential.name!r}); each sandbox belongs to exactly one profile"
                    )
                self._by_sandbox[sandbox] = credential
        self.credentials: tuple[Credential, ...] = tuple(credentials)
        self.default_sandbox = default_sandbox or credentials[0].sandboxes[0]
        if self.default_sandbox not in self._by_sandbox:
            raise SandboxNotAllowedError(self.default_sandbox, self.allowed)

    @property
    def allowed(self) -> tuple[str, ...]:
        return tuple(self._by_sandbox)

    def resolve(self, sandbox: str | None) -> tuple[str, Credential]:
        """The sandbox name to send and the credential to use, or `SandboxNotAllowedError`."""
        name = self.default_sandbox if sandbox is None else sandbox
        credential = self._by_sandbox.get(name)
        if credential is None:
            raise SandboxNotAllowedError(name, self.allowed)
        return name, credential

    def __repr__(self) -> str:
        return f"SandboxScope(allowed={list(self.allowed)!r}, default={self.default_sandbox!r})"
