"""Settings of the local sandbox (environment variables, CLI flags, or constructed in tests)."""

from __future__ import annotations

import os
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_CLIENT_ID = "seg-mcp-local"
DEFAULT_CLIENT_SECRET = "seg-mcp-local-secret"  # a documented local credential, not a secret
DEFAULT_ORG_ID = "seg-mcp-local@AdobeOrg"
DATABASE_FILE = "seg-mcp.duckdb"


def default_data_dir() -> Path:
    """`seg-mcp` under the user's data directory (XDG on Linux, the platform's own elsewhere)."""
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    else:
        base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / "seg-mcp"


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
        env_prefix="SEG_SANDBOX_", extra="ignore", populate_by_name=True
    )

    data_dir: Path = Field(default_factory=default_data_dir, validation_alias="SEG_MCP_DATA_DIR")
    client_id: str = DEFAULT_CLIENT_ID
    client_secret: SecretStr = SecretStr(DEFAULT_CLIENT_SECRET)
    org_id: str = DEFAULT_ORG_ID
    extra_credentials: list[LocalCredential] = Field(default_factory=list)
    sandboxes: list[SandboxSpec] = Field(
        default_factory=lambda: [
            SandboxSpec(name="prod", type="production", title="Production", is_default=True),
            SandboxSpec(name="dev", type="development", title="Development"),
        ]
    )
    # Profiles generated for a sandbox that has never held data, on first start (0: none).
    default_profiles: int = Field(default=100_000, ge=0)
    seed: int = 42
    # The evaluation clock (`now` of PQL) for every sandbox without its own clock setting.
    now: datetime | None = None
    # Pace of background jobs: seconds between progress steps (0: complete as fast as possible).
    job_step_seconds: float = Field(default=0.5, ge=0)
    job_steps: int = Field(default=4, ge=1, le=100)
    # Estimates read a sample once a sandbox holds more profiles than this.
    sample_threshold: int = Field(default=1_000_000, ge=1)
    max_jobs_in_flight: int = Field(default=5, ge=1)
    preview_max_results: int = Field(default=10_000, ge=1)
    token_ttl_seconds: int = Field(default=86_399, ge=1)
    threads: int = Field(default=2, ge=1)
    memory_limit: str = "2GB"

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
