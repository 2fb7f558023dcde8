"""Settings of the HTTP server's auth layer, and which Hosts and Origins it answers.

Environment (prefix `SEG_MCP_`), each also settable by a `seg-mcp serve` option where one exists:

* `SEG_MCP_AUTH_SECRET`: the secret every replica shares to seal and open tokens (comma-separated
  for rotation: the first seals). Unset: a key file `auth-secret` in `SEG_MCP_DATA_DIR`.
* `SEG_MCP_ACCESS_TOKEN_TTL` (s, default 600), `SEG_MCP_REFRESH_TOKEN_TTL` (s, default 7 days),
  `SEG_MCP_AUTH_CODE_TTL` (s, default 120), `SEG_MCP_IMS_CHECK_TTL` (s, default 30: how long a
  person's IMS session check and sandbox list are reused), `SEG_MCP_IMS_REFRESH_MARGIN` (s,
  default 120: an MCP refresh renews the IMS token when less than this is left of it).
* `SEG_MCP_IMS_SCOPES`: the scopes asked of IMS at sign-in.
* `SEG_MCP_PUBLIC_URL`: the URL clients use (behind a proxy); else taken from each request's Host.
* `SEG_MCP_ALLOWED_HOSTS`, `SEG_MCP_ALLOWED_ORIGINS`: comma-separated, `host:*` allows any port.
* `SEG_MCP_TOKENS_FILE` / `SEG_MCP_TOKENS`: the static tokens of `--auth token` (see statictokens).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

__all__ = [
    "LOOPBACK_HOSTS",
    "HostPolicy",
    "HttpAuthSettings",
    "default_data_dir",
    "is_loopback",
]

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1", "[::1]")
DEFAULT_IMS_SCOPES = (
    "openid",
    "AdobeID",
    "read_organizations",
    "additional_info.projectedProductContext",
    "email",
    "profile",
    "offline_access",
)


def is_loopback(host: str) -> bool:
    return host in LOOPBACK_HOSTS or host.startswith("127.")


def default_data_dir() -> Path:
    """Where `seg-mcp` keeps its data (the same place as the local sandbox's)."""
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    else:
        base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / "seg-mcp"


def _split(value: Any) -> Any:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


class HttpAuthSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SEG_MCP_", extra="ignore")

    auth_secret: SecretStr | None = None
    data_dir: Path = Field(default_factory=default_data_dir)
    access_token_ttl: float = Field(default=600.0, gt=0)
    refresh_token_ttl: float = Field(default=7 * 86400.0, gt=0)
    auth_code_ttl: float = Field(default=120.0, gt=0)
    ims_check_ttl: float = Field(default=30.0, ge=0)
    ims_refresh_margin: float = Field(default=120.0, ge=0)
    ims_scopes: Annotated[tuple[str, ...], NoDecode] = DEFAULT_IMS_SCOPES
    public_url: str | None = None
    allowed_hosts: Annotated[tuple[str, ...], NoDecode] = ()
    allowed_origins: Annotated[tuple[str, ...], NoDecode] = ()
    tokens_file: Path | None = None
    tokens: SecretStr | None = None

    @field_validator("ims_scopes", "allowed_hosts", "allowed_origins", mode="before")
    @classmethod
    def split_csv(cls, value: Any) -> Any:
        return _split(value)


class HostPolicy:
    """The Host and Origin headers a request may carry (DNS-rebinding and cross-site defence).

    Patterns are exact values or `base:*` (any port). A request without an Origin passes the
    Origin check (non-browser clients send none)."""

    def __init__(self, hosts: list[str], origins: list[str]) -> None:
        self.hosts = list(dict.fromkeys(hosts))
        self.origins = list(dict.fromkeys(origins))

    @classmethod
    def for_bind(
        cls,
        bind_host: str,
        *,
        public_url: str | None,
        extra_hosts: list[str],
        extra_origins: list[str],
    ) -> HostPolicy:
        hosts: list[str] = []
        origins: list[str] = []
        if is_loopback(bind_host):
            hosts += ["127.0.0.1:*", "localhost:*", "[::1]:*"]
            origins += ["http://127.0.0.1:*", "http://localhost:*", "http://[::1]:*"]
        if public_url:
            from urllib.parse import urlsplit

            parts = urlsplit(public_url)
            hosts.append(parts.netloc)
            origins.append(f"{parts.scheme}://{parts.netloc}")
        return cls(hosts + extra_hosts, origins + extra_origins)

    @staticmethod
    def _match(value: str, patterns: list[str]) -> bool:
        for pattern in patterns:
            if value == pattern:
                return True
            base = pattern[:-1]
            if pattern.endswith(":*") and value.startswith(base) and value[len(base) :].isdigit():
                return True
        return False

    def host_allowed(self, host: str | None) -> bool:
        return bool(host) and self._match(host or "", self.hosts)

    def origin_allowed(self, origin: str | None) -> bool:
        return not origin or self._match(origin, self.origins)

    def describe(self) -> str:
        return (
            f"hosts {', '.join(self.hosts) or 'none'}; origins {', '.join(self.origins) or 'none'}"
        )
