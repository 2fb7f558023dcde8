"""Settings of the HTTP server's auth layer (environment, prefix `SEG_MCP_`; each also settable
by a `seg-mcp serve` option where one exists), and which Hosts and Origins it answers."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from seg_mcp import dirs
from seg_mcp.config.settings import CommaList

__all__ = [
    "LOOPBACK_HOSTS",
    "HostPolicy",
    "HttpAuthSettings",
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


class HttpAuthSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="SEG_MCP_", extra="ignore", use_attribute_docstrings=True
    )

    auth_secret: SecretStr | None = None
    """The secret every replica shares to seal and open the tokens it issues (comma-separated for
    rotation: the first seals). Unset: a 0600 key file `auth-secret` in `SEG_MCP_DATA_DIR`."""
    data_dir: Path = Field(default_factory=dirs.data_dir)
    """Where the key file lives when `SEG_MCP_AUTH_SECRET` is unset."""
    access_token_ttl: float = Field(default=600.0, gt=0)
    """Lifetime of the access tokens this server issues to MCP clients, seconds."""
    refresh_token_ttl: float = Field(default=7 * 86400.0, gt=0)
    """Lifetime of its refresh tokens, seconds (the person's IMS session can end them sooner)."""
    auth_code_ttl: float = Field(default=120.0, gt=0)
    """Lifetime of its authorization codes, seconds."""
    ims_check_ttl: float = Field(default=30.0, ge=0)
    """How long a person's IMS session check and sandbox list are reused, seconds."""
    ims_refresh_margin: float = Field(default=120.0, ge=0)
    """An MCP refresh renews the person's IMS token when less than this is left of it, seconds."""
    ims_scopes: CommaList = DEFAULT_IMS_SCOPES
    """The scopes asked of Adobe IMS when a person signs in (comma-separated)."""
    public_url: str | None = None
    """The URL clients use, behind a proxy (`--public-url`); else taken from each request's
    Host."""
    allowed_hosts: CommaList = ()
    """Host headers to answer besides loopback and the public URL's (comma-separated; `host:*`
    allows any port)."""
    allowed_origins: CommaList = ()
    """Browser Origins to allow (comma-separated; `origin:*` allows any port)."""
    tokens_file: Path | None = None
    """TOML file of `--auth token`'s static tokens: `[tokens.NAME]` with `sha256`, `sandboxes`,
    `read_only` (`seg-mcp serve --new-token NAME` makes an entry)."""
    tokens: SecretStr | None = None
    """The same tokens as JSON (`{"NAME": {"sha256": "…", "sandboxes": […], "read_only": true}}`),
    instead of a file."""


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
