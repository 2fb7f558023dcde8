"""Settings and credential profiles: which backend, sandboxes and credentials, what posture.

Where the configuration comes from, first match wins:

1. `SEG_MCP_BACKEND=local` forces the local sandbox.
2. `SEG_MCP_CONFIG=/path/to/seg-mcp.toml`: several profiles (below).
3. `AEP_*` environment variables: one profile (`AEPEnvSettings`; `seg-mcp settings` lists each).
   `AEP_AUTH=user`: act as the person who ran `seg-mcp login`.
4. No Adobe credentials at all: the local sandbox, served in-process at `http://seg-mcp.local`
   with the local credentials (`SEG_SANDBOX_CLIENT_ID` / `_CLIENT_SECRET` / `_ORG_ID` override).

The TOML file never holds a secret; it names the environment variables that do:

```toml
default_sandbox = "dev"          # optional: else the first sandbox of the first profile
timeout = 30                     # optional, seconds
audit_log = "/var/log/seg-mcp/audit.jsonl"   # optional (SEG_MCP_AUDIT_LOG overrides)

[profiles.acme-dev]
org_id = "1BD6382559DF0C130A49422D@AdobeOrg"
client_id_env = "ACME_DEV_CLIENT_ID"          # or client_id = "..." (not a secret)
client_secret_env = "ACME_DEV_CLIENT_SECRET"  # or access_token_env = "ACME_DEV_TOKEN"
scopes = ["openid", "AdobeID", "read_organizations", "additional_info.projectedProductContext"]
sandboxes = ["dev", "qa"]
allow_production_writes = false
confirm_with_phrase = false   # optional, see below

[profiles.me]                    # a user profile: acts as whoever ran `seg-mcp login --profile me`
auth = "user"
org_id = "1BD6382559DF0C130A49422D@AdobeOrg"
client_id = "..."                # an OAuth Native App credential, or a Web App + client_secret_env
sandboxes = ["stage"]            # optional: else the person's sandboxes, listed at sign-in
```

A sign-in keeps the refresh token in the OS keyring, or a 0600 file under the state directory
where no keyring exists (`SEG_MCP_TOKEN_STORE` = auto | keyring | file; `SEG_MCP_STATE_DIR`
moves the directory; see `seg_mcp.signin`).

Deletes and cancels are confirmed by the person through MCP elicitation (the client asks its
user). `confirm_with_phrase = true` lets a client without elicitation confirm with a phrase the
person types: `delete <kind> <id>` (kind: segment definition, audience, schedule) or
`cancel <kind> <id>` (kind: preview, segment job, export job), with the id the person reads in
the host's UI. It is weaker: the model is never told the phrase, but nothing stops a model from
composing it, so turn it on only for clients you trust to show each tool call to the person.

Each sandbox belongs to exactly one profile. Errors are `ConfigError`s that name the variable, file
key or profile at fault and never quote a secret.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal

import httpx2
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

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
from seg_mcp.aep.operation import describe_validation_error
from seg_mcp.signin.flow import DEFAULT_USER_SCOPES
from seg_mcp.signin.profiles import AuthMode, UserAuth, user_auth
from seg_mcp.signin.session import LoginTarget, user_token_provider
from seg_mcp.signin.store import SignInError, StoreMode, TokenStore

__all__ = [
    "DEFAULT_IMS_URL",
    "LOCAL_BASE_URL",
    "LOCAL_SANDBOXES",
    "BackendConfig",
    "ConfigError",
    "Profile",
    "default_audit_log",
    "load_config",
    "local_config",
    "token_store",
]

DEFAULT_IMS_URL = "https://ims-na1.adobelogin.com"
LOCAL_BASE_URL = "http://seg-mcp.local"
LOCAL_SANDBOXES = ("dev", "prod")
DEFAULT_TIMEOUT_SECONDS = 30.0
_ENV_SOURCE = "AEP_* environment variables"

#: Keys that would put a secret into the TOML file.
_SECRET_KEYS = frozenset({"client_secret", "access_token", "secret", "token", "password"})


def default_audit_log() -> Path:
    """`audit.jsonl` in the user's state folder (`~/.local/state/seg-mcp` on Linux)."""
    return dirs.state_dir() / "audit.jsonl"


class ConfigError(ValueError):
    """The configuration is incomplete or contradictory. The message says what to set."""


def _split(value: Any) -> Any:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


def _dedupe(items: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


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


# -- environment -------------------------------------------------------------------------------


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
    scopes: Annotated[tuple[str, ...], NoDecode] = ()
    """IMS scopes, comma-separated (default: openid, AdobeID, read_organizations,
    additional_info.projectedProductContext)."""
    sandboxes: Annotated[tuple[str, ...], NoDecode] = ()
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

    @field_validator("scopes", "sandboxes", mode="before")
    @classmethod
    def split_csv(cls, value: Any) -> Any:
        return _split(value)

    def has_credentials(self) -> bool:
        return any(
            v is not None and (v.get_secret_value() if isinstance(v, SecretStr) else v)
            for v in (self.client_id, self.client_secret, self.org_id, self.access_token)
        )


class _LocalSandboxSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SEG_SANDBOX_", extra="ignore")

    client_id: str = "seg-mcp-local"
    client_secret: SecretStr = SecretStr("seg-mcp-local-secret")
    org_id: str = "seg-mcp-local@AdobeOrg"


def _settings(cls: type[BaseSettings], what: str) -> Any:
    try:
        return cls()
    except ValidationError as exc:
        # Never the pydantic text: it quotes input values, which may be secrets.
        raise ConfigError(f"invalid {what}: {describe_validation_error(exc)}") from None


def local_config() -> BackendConfig:
    """The in-process local sandbox with its local credentials."""
    local = _settings(_LocalSandboxSettings, "SEG_SANDBOX_* setting")
    profile = Profile(
        name="local",
        org_id=local.org_id,
        client_id=local.client_id,
        client_secret=local.client_secret,
        sandboxes=LOCAL_SANDBOXES,
        platform_url=LOCAL_BASE_URL,
        ims_url=LOCAL_BASE_URL,
    )
    return BackendConfig(
        kind="local",
        profiles=(profile,),
        default_sandbox=LOCAL_SANDBOXES[0],
        source="no Adobe credentials configured",
    )


def _user_auth(store: TokenStore, **kwargs: Any) -> UserAuth | None:
    try:
        return user_auth(store, **kwargs)
    except SignInError as exc:
        raise ConfigError(str(exc)) from None


def _from_env(env: AEPEnvSettings, store: TokenStore) -> BackendConfig:
    has_secret = env.client_secret is not None and env.client_secret.get_secret_value()
    has_token = env.access_token is not None and env.access_token.get_secret_value()
    if env.auth == "user" and has_token:
        raise ConfigError("AEP_AUTH=user signs a person in: unset AEP_ACCESS_TOKEN")
    user = None
    if env.client_id:
        user = _user_auth(
            store,
            profile="env",
            mode=env.auth,
            client_id=env.client_id,
            ims_url=env.ims_url or DEFAULT_IMS_URL,
            sandboxes=_dedupe(list(env.sandboxes)),
            static_token=bool(has_token),
        )
    required: list[tuple[str, object]] = [
        ("AEP_CLIENT_ID", env.client_id),
        ("AEP_ORG_ID", env.org_id),
    ]
    if user is None and env.auth != "user":
        required.append(("AEP_SANDBOXES", env.sandboxes))
    missing = [name for name, value in required if not value]
    if user is None and env.auth != "user" and not has_secret and not has_token:
        missing.append("AEP_CLIENT_SECRET (or AEP_ACCESS_TOKEN, or AEP_AUTH=user to sign in)")
    if missing:
        raise ConfigError(
            "incomplete Adobe credentials in the environment: set "
            + ", ".join(missing)
            + " (AEP_CLIENT_ID is also the x-api-key header, needed with a token too)"
        )
    if has_secret and has_token:
        raise ConfigError("set either AEP_CLIENT_SECRET or AEP_ACCESS_TOKEN, not both")
    assert env.client_id is not None and env.org_id is not None
    profile = Profile(
        name="env",
        org_id=env.org_id,
        client_id=env.client_id,
        client_secret=env.client_secret if has_secret else None,
        access_token=env.access_token if has_token else None,
        scopes=env.scopes or DEFAULT_SCOPES,
        sandboxes=user.sandboxes if user else _dedupe(list(env.sandboxes)),
        allow_production_writes=env.allow_production_writes,
        confirm_with_phrase=env.confirm_with_phrase,
        platform_url=env.platform_url or DEFAULT_PLATFORM_URL,
        ims_url=env.ims_url or DEFAULT_IMS_URL,
        user=user,
        login_scopes=env.scopes or DEFAULT_USER_SCOPES,
        token_store=store,
    )
    return BackendConfig(
        kind="adobe",
        profiles=(profile,),
        default_sandbox=profile.sandboxes[0] if profile.sandboxes else "",
        source=_ENV_SOURCE,
        timeout=env.timeout or DEFAULT_TIMEOUT_SECONDS,
    )


# -- TOML file ---------------------------------------------------------------------------------


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
    scopes: Annotated[list[str], NoDecode] | None = None
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

    @field_validator("scopes", mode="before")
    @classmethod
    def split_csv(cls, value: Any) -> Any:
        return _split(value)


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
    user = _user_auth(
        store,
        profile=name,
        mode=fp.auth,
        client_id=client_id,
        ims_url=ims_url,
        sandboxes=_dedupe(fp.sandboxes),
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
        sandboxes=user.sandboxes if user else _dedupe(fp.sandboxes),
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


def _from_file(path: Path, env: AEPEnvSettings, store: TokenStore) -> BackendConfig:
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


def token_store() -> TokenStore:
    """Where sign-ins are kept (SEG_MCP_TOKEN_STORE, SEG_MCP_STATE_DIR)."""
    return _token_store(_settings(SegMcpSettings, "SEG_MCP_* setting"))


def _token_store(seg: SegMcpSettings) -> TokenStore:
    directory = seg.state_dir / "sign-ins" if seg.state_dir is not None else None
    return TokenStore(directory, seg.token_store)


def load_config(*, require_sign_in: bool = True) -> BackendConfig:
    """Resolve the configuration from the environment (see the module docstring).

    `SEG_MCP_AUDIT_LOG` names the MCP server's audit log (over the file's `audit_log`).
    A user profile nobody signed in for is a `ConfigError` unless `require_sign_in` is False
    (`seg-mcp login` itself)."""
    seg = _settings(SegMcpSettings, "SEG_MCP_* setting")
    config = _resolve(seg)
    if seg.audit_log is not None:
        config = config.model_copy(update={"audit_log": seg.audit_log})
    if require_sign_in:
        from_env = config.source == _ENV_SOURCE
        for profile in config.profiles:
            setting = "AEP_SANDBOXES" if from_env else f"sandboxes in profile {profile.name!r}"
            problem = profile.user.problem(profile.name, setting) if profile.user else None
            if problem:
                raise ConfigError(problem)
    return config


def _resolve(seg: SegMcpSettings) -> BackendConfig:
    if seg.backend == "local":
        return local_config()
    env = _settings(AEPEnvSettings, "AEP_* setting")
    if seg.config is not None:
        return _from_file(seg.config, env, _token_store(seg))
    if env.has_credentials():
        return _from_env(env, _token_store(seg))
    if seg.backend == "adobe":
        raise ConfigError(
            "SEG_MCP_BACKEND=adobe but no Adobe credentials are configured: set AEP_CLIENT_ID, "
            "AEP_CLIENT_SECRET (or AEP_ACCESS_TOKEN), AEP_ORG_ID and AEP_SANDBOXES, or "
            "SEG_MCP_CONFIG"
        )
    return local_config()
