"""Settings of the local sandbox (environment variables, CLI flags, or constructed in tests)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, BaseModel, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from seg_mcp import dirs

DEFAULT_CLIENT_ID = "seg-mcp-local"
DEFAULT_CLIENT_SECRET = "seg-mcp-local-secret"  # a documented local credential, not a secret
DEFAULT_ORG_ID = "seg-mcp-local@AdobeOrg"
DATABASE_FILE = "seg-mcp.duckdb"
NATIVE_CLIENT_ID = "seg-mcp-local-native"  # the public "native app" client (PKCE, no secret)
OTHER_ORG_ID = "seg-mcp-other@AdobeOrg"  # the organization of the test user `eve`


class SandboxSpec(BaseModel):
    """A sandbox the local service offers to the configured organization."""

    name: str
    type: Literal["development", "production"]
    title: str = ""
    is_default: bool = False


class LocalCredential(BaseModel):
    """A client id / secret pair the IMS endpoint accepts, and the organization it acts for."""

    client_id: str
    client_secret: SecretStr
    org_id: str
    # Redirect URIs the sign-in flow may send codes to, besides every loopback http URI
    # (fnmatch-style patterns, e.g. "https://app.example.com/callback*").
    redirect_uri_patterns: list[str] = Field(default_factory=list)


class LocalUser(BaseModel):
    """A person who can sign in at the local IMS's sign-in page.

    `password` defaults to `<name>-local`, `email` to `<name>@example.com`. `sandboxes`: the
    sandboxes of `org_id` this person may use (others answer 403)."""

    name: str = Field(pattern=r"^[A-Za-z0-9._-]{1,64}$")
    password: SecretStr
    org_id: str = DEFAULT_ORG_ID
    sandboxes: list[str] = Field(default_factory=list)
    email: str = ""
    given_name: str = ""
    family_name: str = "Local"

    @model_validator(mode="before")
    @classmethod
    def _defaults(cls, data: object) -> object:
        if isinstance(data, dict) and isinstance(data.get("name"), str):
            name = data["name"]
            data = {"password": f"{name}-local", "email": f"{name}@example.com", **data}
            data.setdefault("given_name", name.title())
        return data


def default_users() -> list[LocalUser]:
    """alice (dev only), bob (dev and prod), eve (another organization, no local sandboxes)."""
    return [
        LocalUser(name="alice", password=SecretStr("alice-local"), sandboxes=["dev"]),
        LocalUser(name="bob", password=SecretStr("bob-local"), sandboxes=["dev", "prod"]),
        LocalUser(name="eve", password=SecretStr("eve-local"), org_id=OTHER_ORG_ID),
    ]


def parse_clock(value: str | datetime | None) -> datetime | None:
    """A clock setting as naive UTC (`2026-11-01T00:00:00Z`, an offset, or naive = UTC)."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        text = value.strip()
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        try:
            value = datetime.fromisoformat(text)
        except ValueError as exc:
            raise ValueError(
                f"not an ISO 8601 time: {value!r} (expected e.g. 2026-11-01T00:00:00Z)"
            ) from exc
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value


class SandboxSettings(BaseSettings):
    """Everything the local sandbox can be told. Environment: SEG_MCP_DATA_DIR, SEG_SANDBOX_*."""

    model_config = SettingsConfigDict(
        env_prefix="SEG_SANDBOX_",
        extra="ignore",
        populate_by_name=True,
        use_attribute_docstrings=True,
    )

    data_dir: Path = Field(default_factory=dirs.data_dir, validation_alias="SEG_MCP_DATA_DIR")
    """Where the local sandbox keeps its database (default: `seg-mcp` under the user's data
    folder, `~/.local/share/seg-mcp` on Linux)."""
    client_id: str = DEFAULT_CLIENT_ID
    """Client id (API key) of the local server-to-server credential."""
    client_secret: SecretStr = SecretStr(DEFAULT_CLIENT_SECRET)
    """Its client secret (the default is documented: the sandbox is local)."""
    org_id: str = DEFAULT_ORG_ID
    """The IMS organization the local credential acts for."""
    extra_credentials: list[LocalCredential] = Field(default_factory=list)
    """More credentials, as JSON: `[{"client_id", "client_secret", "org_id"}]`."""
    sandboxes: list[SandboxSpec] = Field(
        default_factory=lambda: [
            SandboxSpec(name="prod", type="production", title="Production", is_default=True),
            SandboxSpec(name="dev", type="development", title="Development"),
        ]
    )
    """The sandboxes offered, as JSON `[{"name", "type", "title", "is_default"}]` (default:
    `prod`, production, and `dev`, development)."""
    default_profiles: int = Field(default=100_000, ge=0)
    """Profiles generated for a sandbox that has never held data, on first start (0: none)."""
    seed: int = 42
    """Seed of the generated data (same seed, same profiles)."""
    now: datetime | None = None
    """The evaluation clock (PQL's `now`) for every sandbox without its own (ISO 8601; default:
    the real time)."""
    job_step_seconds: float = Field(default=0.5, ge=0)
    """Pace of background jobs: seconds between progress steps (0: as fast as possible)."""
    job_steps: int = Field(default=4, ge=1, le=100)
    """Progress steps of a background job."""
    sample_threshold: int = Field(default=1_000_000, ge=1)
    """Estimates read a sample once a sandbox holds more profiles than this."""
    max_jobs_in_flight: int = Field(default=5, ge=1)
    """Segment jobs in processing at once in a sandbox; more are refused with 429."""
    preview_max_results: int = Field(default=10_000, ge=1)
    """Most qualifying profile ids a preview keeps for paging."""
    token_ttl_seconds: int = Field(
        default=86_399,
        ge=1,
        validation_alias=AliasChoices("SEG_SANDBOX_TOKEN_TTL", "SEG_SANDBOX_TOKEN_TTL_SECONDS"),
    )
    """Lifetime of client-credentials access tokens, seconds."""
    users: list[LocalUser] = Field(default_factory=default_users)
    """People who can sign in at the local IMS, as JSON `[{"name", "password", "org_id",
    "sandboxes", "email"}]` (default: alice, dev only; bob, dev and prod; eve, another org;
    passwords `<name>-local`)."""
    native_client_id: str = NATIVE_CLIENT_ID
    """Client id of the local public "native app" client (PKCE, no secret)."""
    redirect_uri_patterns: list[str] = Field(default_factory=list)
    """Redirect URI patterns the local clients accept besides loopback ones (JSON list,
    `*` wildcards)."""
    user_token_ttl_seconds: int = Field(
        default=3600,
        ge=1,
        validation_alias=AliasChoices(
            "SEG_SANDBOX_USER_TOKEN_TTL", "SEG_SANDBOX_USER_TOKEN_TTL_SECONDS"
        ),
    )
    """Lifetime of a signed-in person's access token, seconds."""
    refresh_token_ttl_seconds: int = Field(default=14 * 86_400, ge=1)
    """Lifetime of a sign-in session's refresh token, seconds."""
    code_ttl_seconds: int = Field(default=300, ge=1)
    """Lifetime of an authorization code, seconds."""
    max_body_bytes: int = Field(default=4 * 1024 * 1024, ge=1024)
    """Largest request body accepted, bytes (default 4 MiB); a larger one is refused with 413
    before it is read (by its Content-Length) or as soon as the count passes the limit (a
    chunked body). The largest bodies of this API, a definition with a long PQL expression or a
    bulk-get of 100 ids, are tens of kilobytes: the default leaves a hundredfold margin while a
    hostile client cannot make the sandbox hold more than a few MB per request."""
    threads: int = Field(default=2, ge=1)
    """DuckDB worker threads."""
    memory_limit: str = "2GB"
    """DuckDB memory limit."""

    @field_validator("now", mode="before")
    @classmethod
    def _clock(cls, value: object) -> datetime | None:
        if value is None or isinstance(value, str | datetime):
            return parse_clock(value)
        raise ValueError("expected an ISO 8601 time")

    @property
    def database_path(self) -> Path:
        return self.data_dir / DATABASE_FILE

    def credentials(self) -> list[LocalCredential]:
        main = LocalCredential(
            client_id=self.client_id, client_secret=self.client_secret, org_id=self.org_id
        )
        return [main, *self.extra_credentials]

    def orgs(self) -> list[str]:
        seen: list[str] = []
        for c in self.credentials():
            if c.org_id not in seen:
                seen.append(c.org_id)
        return seen
