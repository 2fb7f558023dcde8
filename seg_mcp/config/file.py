"""The `SEG_MCP_CONFIG` TOML file: several profiles. It never holds a secret; it names the
environment variables that do (see `seg_mcp.config`)."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError

from seg_mcp.aep import DEFAULT_PLATFORM_URL, DEFAULT_SCOPES
from seg_mcp.aep.operation import describe_validation_error
from seg_mcp.config.profiles import (
    DEFAULT_IMS_URL,
    DEFAULT_TIMEOUT_SECONDS,
    BackendConfig,
    Profile,
)
from seg_mcp.config.settings import AEPEnvSettings, CommaList, ConfigError
from seg_mcp.config.signins import dedupe, signed_in
from seg_mcp.signin.flow import DEFAULT_USER_SCOPES
from seg_mcp.signin.profiles import AuthMode
from seg_mcp.signin.store import TokenStore

__all__ = ["FileConfig", "FileProfile", "from_file"]

#: Keys that would put a secret into the TOML file.
_SECRET_KEYS = frozenset({"client_secret", "access_token", "secret", "token", "password"})


class FileProfile(BaseModel):
    """One `[profiles.NAME]` table of the `SEG_MCP_CONFIG` file."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)

    org_id: str
    """The IMS organization id (`…@AdobeOrg`)."""
    auth: AuthMode = "auto"
    """`user`: act as the person who ran `seg-mcp login --profile NAME`; `auto`: so when a
    sign-in is stored for the profile."""
    client_id: str | None = None
    """The credential's client id (not a secret)."""
    client_id_env: str | None = None
    """Or the environment variable holding it."""
    client_secret_env: str | None = None
    """The environment variable holding the client secret."""
    access_token_env: str | None = None
    """The environment variable holding a ready access token, instead of a secret."""
    scopes: CommaList | None = None
    """IMS scopes (a list, or comma-separated)."""
    sandboxes: list[str] = Field(default_factory=list)
    """The profile's sandboxes; each sandbox belongs to one profile."""
    allow_production_writes: bool = False
    """Let the MCP server write in this profile's production sandboxes."""
    confirm_with_phrase: bool = False
    """Let a client without elicitation confirm deletes with a typed phrase (weaker)."""
    platform_url: str | None = None
    """The platform gateway, for this profile."""
    ims_url: str | None = None
    """Adobe IMS, for this profile."""


class FileConfig(BaseModel):
    """The top level of the `SEG_MCP_CONFIG` file."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)

    default_sandbox: str | None = None
    """The sandbox used when a call names none (default: the first profile's first)."""
    timeout: float | None = Field(default=None, gt=0)
    """Seconds to wait for one platform call (default 30)."""
    audit_log: Path | None = None
    """The audit log (`SEG_MCP_AUDIT_LOG` wins)."""
    platform_url: str | None = None
    """The platform gateway for every profile that names none."""
    ims_url: str | None = None
    """Adobe IMS for every profile that names none."""
    profiles: dict[str, FileProfile] = Field(min_length=1)
    """The `[profiles.NAME]` tables (at least one)."""


def _reject_secrets(raw: dict[str, Any], path: Path) -> None:
    profiles = raw.get("profiles")
    places: list[tuple[str, dict[str, Any]]] = [("the top level", raw)]
    if isinstance(profiles, dict):
        places += [(f"profile {n!r}", p) for n, p in profiles.items() if isinstance(p, dict)]
    for where, table in places:
        for key in table:
            if key.lower() in _SECRET_KEYS:
                raise ConfigError(
                    f"{path}: {where} has {key!r}; secrets are never written into the config "
                    f"file: put it in an environment variable and name that variable with "
                    f"{key.lower()}_env"
                )


def _env_value(name: str, profile: str, what: str) -> str:
    value = os.environ.get(name, "")
    if not value:
        raise ConfigError(
            f"profile {profile!r}: environment variable {name} (its {what}) is not set"
        )
    return value


def _profile_from_file(
    name: str, fp: FileProfile, top: FileConfig, env: AEPEnvSettings, store: TokenStore
) -> Profile:
    if fp.client_id and fp.client_id_env:
        raise ConfigError(f"profile {name!r}: give client_id or client_id_env, not both")
    if fp.client_id:
        client_id = fp.client_id
    elif fp.client_id_env:
        client_id = _env_value(fp.client_id_env, name, "client id")
    else:
        raise ConfigError(f"profile {name!r}: set client_id_env (or client_id)")
    if fp.client_secret_env and fp.access_token_env:
        raise ConfigError(
            f"profile {name!r}: set exactly one of client_secret_env, access_token_env"
        )
    if fp.auth == "user" and fp.access_token_env:
        raise ConfigError(
            f'profile {name!r}: auth = "user" signs a person in; drop access_token_env'
        )
    secret = token = None
    if fp.client_secret_env:
        secret = SecretStr(_env_value(fp.client_secret_env, name, "client secret"))
    elif fp.access_token_env:
        token = SecretStr(_env_value(fp.access_token_env, name, "access token"))
    ims_url = fp.ims_url or top.ims_url or env.ims_url or DEFAULT_IMS_URL
    user = signed_in(
        store,
        profile=name,
        mode=fp.auth,
        client_id=client_id,
        ims_url=ims_url,
        sandboxes=dedupe(fp.sandboxes),
        static_token=token is not None,
    )
    if user is None and secret is None and token is None:
        raise ConfigError(
            f"profile {name!r}: set exactly one of client_secret_env, access_token_env (or "
            'auth = "user" to act as the person who signs in with `seg-mcp login`)'
        )
    if user is None and not fp.sandboxes:
        raise ConfigError(f"profile {name!r}: sandboxes is empty; list the sandboxes it may use")
    return Profile(
        name=name,
        org_id=fp.org_id,
        client_id=client_id,
        client_secret=secret,
        access_token=token,
        scopes=tuple(fp.scopes) if fp.scopes else DEFAULT_SCOPES,
        sandboxes=user.sandboxes if user else dedupe(fp.sandboxes),
        allow_production_writes=fp.allow_production_writes,
        confirm_with_phrase=fp.confirm_with_phrase,
        platform_url=fp.platform_url
        or top.platform_url
        or env.platform_url
        or DEFAULT_PLATFORM_URL,
        ims_url=ims_url,
        user=user,
        login_scopes=tuple(fp.scopes) if fp.scopes else DEFAULT_USER_SCOPES,
        token_store=store,
    )


def from_file(path: Path, env: AEPEnvSettings, store: TokenStore) -> BackendConfig:
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"SEG_MCP_CONFIG names {path}, which does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read {path}: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}") from None
    _reject_secrets(raw, path)
    try:
        top = FileConfig.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(f"{path}: {describe_validation_error(exc, limit=5)}") from None
    profiles = tuple(_profile_from_file(n, fp, top, env, store) for n, fp in top.profiles.items())
    owner: dict[str, str] = {}
    for profile in profiles:
        for sandbox in profile.sandboxes:
            if sandbox in owner:
                raise ConfigError(
                    f"{path}: sandbox {sandbox!r} is listed by profiles {owner[sandbox]!r} and "
                    f"{profile.name!r}; each sandbox belongs to exactly one profile"
                )
            owner[sandbox] = profile.name
    default = top.default_sandbox or next(iter(owner), "")
    unknown = any(p.user is not None and not p.sandboxes for p in profiles)
    if default not in owner and not unknown:
        raise ConfigError(
            f"{path}: default_sandbox {default!r} is in no profile (sandboxes: {', '.join(owner)})"
        )
    return BackendConfig(
        kind="adobe",
        profiles=profiles,
        default_sandbox=default,
        source=f"SEG_MCP_CONFIG={path}",
        timeout=top.timeout or env.timeout or DEFAULT_TIMEOUT_SECONDS,
        audit_log=top.audit_log,
    )
