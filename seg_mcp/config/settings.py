"""The settings read from the environment: seg-mcp's own (`SEG_MCP_*`), one Adobe profile
(`AEP_*`), and the local sandbox's credential (`SEG_SANDBOX_*`); `read` turns a bad value into a
`ConfigError` that never quotes it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

from pydantic import BeforeValidator, Field, SecretStr, ValidationError
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from seg_mcp.aep.operation import describe_validation_error
from seg_mcp.signin.profiles import AuthMode
from seg_mcp.signin.store import StoreMode

__all__ = [
    "AEPEnvSettings",
    "CommaList",
    "ConfigError",
    "LocalSandboxSettings",
    "SegMcpSettings",
    "read",
    "split_commas",
]

S = TypeVar("S", bound=BaseSettings)


class ConfigError(ValueError):
    """The configuration is incomplete or contradictory. The message says what to set."""


def split_commas(value: Any) -> Any:
    """A comma-separated string as its parts (blank parts dropped); anything else as it is."""
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


#: A list setting: a list, or one comma-separated string (as an environment variable holds it).
CommaList = Annotated[tuple[str, ...], NoDecode, BeforeValidator(split_commas)]


class SegMcpSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="SEG_MCP_", extra="ignore", use_attribute_docstrings=True
    )

    config: Path | None = None
    """A TOML file of several credential profiles (it names the variables holding secrets)."""
    backend: Literal["auto", "adobe", "local"] = "auto"
    """`local` forces the local sandbox; `auto` uses Adobe when credentials are configured."""
    audit_log: Path | None = None
    """The JSON-lines audit log of writes (`-` or `stdout`: standard output, HTTP transport
    only; default `seg-mcp/audit.jsonl` under the user's state folder)."""
    token_store: StoreMode = "auto"
    """Where `seg-mcp login` keeps a refresh token: `keyring` (the OS's), `file` (0600), or
    `auto` (the keyring where one works, else the file)."""
    state_dir: Path | None = None
    """Folder of the sign-in file store (default `seg-mcp` under the user's state folder)."""


class AEPEnvSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="AEP_", extra="ignore", use_attribute_docstrings=True
    )

    client_id: str | None = None
    """Client id (API key) of the Adobe Developer Console credential."""
    client_secret: SecretStr | None = None
    """Its client secret (OAuth server-to-server, or a Web App signing people in)."""
    org_id: str | None = None
    """The IMS organization id (`…@AdobeOrg`)."""
    access_token: SecretStr | None = None
    """A ready access token, instead of a client secret (it is not refreshed)."""
    auth: AuthMode = "auto"
    """`user`: act as the person who ran `seg-mcp login`; `auto`: so when a sign-in is stored
    for this credential, else as the technical account."""
    scopes: CommaList = ()
    """IMS scopes, comma-separated (default: openid, AdobeID, read_organizations,
    additional_info.projectedProductContext)."""
    sandboxes: CommaList = ()
    """Sandbox names, comma-separated; the first is the default (a signed-in person: default
    theirs)."""
    platform_url: str | None = None
    """The platform gateway (default `https://platform.adobe.io`)."""
    ims_url: str | None = None
    """Adobe IMS (default `https://ims-na1.adobelogin.com`)."""
    timeout: float | None = Field(default=None, gt=0)
    """Seconds to wait for one platform call (default 30)."""
    allow_production_writes: bool = False
    """Let the MCP server write in this profile's production sandboxes."""
    confirm_with_phrase: bool = False
    """Let a client without elicitation confirm deletes with a phrase the person types (weaker:
    nothing stops a model from composing it)."""

    def has_credentials(self) -> bool:
        return any(
            v is not None and (v.get_secret_value() if isinstance(v, SecretStr) else v)
            for v in (
                self.client_id,
                self.client_secret,
                self.org_id,
                self.access_token,
            )
        )


class LocalSandboxSettings(BaseSettings):
    """The local sandbox's own credential, which the in-process backend signs in with: the
    `client_id`, `client_secret` and `org_id` of `seg_mcp.sandbox.settings.SandboxSettings`
    (same variables, same defaults; that class documents them, and `seg-mcp settings` lists
    them from it). Declared here too because configuration does not import the sandbox."""

    model_config = SettingsConfigDict(env_prefix="SEG_SANDBOX_", extra="ignore")

    client_id: str = "seg-mcp-local"
    client_secret: SecretStr = SecretStr("seg-mcp-local-secret")
    org_id: str = "seg-mcp-local@AdobeOrg"


def read(cls: type[S], what: str) -> S:
    """`cls()` from the environment, or a `ConfigError` naming the setting at fault."""
    try:
        return cls()
    except ValidationError as exc:
        # Never the pydantic text: it quotes input values, which may be secrets.
        raise ConfigError(f"invalid {what}: {describe_validation_error(exc)}") from None
