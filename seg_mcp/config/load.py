"""Where the configuration comes from (`load_config`, see `seg_mcp.config`): the local
sandbox, the `SEG_MCP_CONFIG` file, or one profile from the `AEP_*` environment variables."""

from __future__ import annotations

from seg_mcp.aep import DEFAULT_PLATFORM_URL, DEFAULT_SCOPES
from seg_mcp.config.file import from_file
from seg_mcp.config.profiles import (
    DEFAULT_IMS_URL,
    DEFAULT_TIMEOUT_SECONDS,
    BackendConfig,
    Profile,
)
from seg_mcp.config.settings import (
    AEPEnvSettings,
    ConfigError,
    LocalSandboxSettings,
    SegMcpSettings,
    read,
)
from seg_mcp.config.signins import dedupe, signed_in
from seg_mcp.signin.flow import DEFAULT_USER_SCOPES
from seg_mcp.signin.store import TokenStore

__all__ = [
    "LOCAL_BASE_URL",
    "LOCAL_SANDBOXES",
    "load_config",
    "local_config",
    "token_store",
]

LOCAL_BASE_URL = "http://seg-mcp.local"
LOCAL_SANDBOXES = ("dev", "prod")
_ENV_SOURCE = "AEP_* environment variables"


def local_config() -> BackendConfig:
    """The in-process local sandbox with its local credentials."""
    local = read(LocalSandboxSettings, "SEG_SANDBOX_* setting")
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


def _from_env(env: AEPEnvSettings, store: TokenStore) -> BackendConfig:
    has_secret = env.client_secret is not None and env.client_secret.get_secret_value()
    has_token = env.access_token is not None and env.access_token.get_secret_value()
    if env.auth == "user" and has_token:
        raise ConfigError("AEP_AUTH=user signs a person in: unset AEP_ACCESS_TOKEN")
    user = None
    if env.client_id:
        user = signed_in(
            store,
            profile="env",
            mode=env.auth,
            client_id=env.client_id,
            ims_url=env.ims_url or DEFAULT_IMS_URL,
            sandboxes=dedupe(list(env.sandboxes)),
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
        sandboxes=user.sandboxes if user else dedupe(list(env.sandboxes)),
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


def token_store() -> TokenStore:
    """Where sign-ins are kept (SEG_MCP_TOKEN_STORE, SEG_MCP_STATE_DIR)."""
    return _token_store(read(SegMcpSettings, "SEG_MCP_* setting"))


def _token_store(seg: SegMcpSettings) -> TokenStore:
    directory = seg.state_dir / "sign-ins" if seg.state_dir is not None else None
    return TokenStore(directory, seg.token_store)


def load_config(*, require_sign_in: bool = True) -> BackendConfig:
    """Resolve the configuration from the environment (see the module docstring).

    `SEG_MCP_AUDIT_LOG` names the MCP server's audit log (over the file's `audit_log`).
    A user profile nobody signed in for is a `ConfigError` unless `require_sign_in` is False
    (`seg-mcp login` itself)."""
    seg = read(SegMcpSettings, "SEG_MCP_* setting")
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
    env = read(AEPEnvSettings, "AEP_* setting")
    if seg.config is not None:
        return from_file(seg.config, env, _token_store(seg))
    if env.has_credentials():
        return _from_env(env, _token_store(seg))
    if seg.backend == "adobe":
        raise ConfigError(
            "SEG_MCP_BACKEND=adobe but no Adobe credentials are configured: set AEP_CLIENT_ID, "
            "AEP_CLIENT_SECRET (or AEP_ACCESS_TOKEN), AEP_ORG_ID and AEP_SANDBOXES, or "
            "SEG_MCP_CONFIG"
        )
    return local_config()
