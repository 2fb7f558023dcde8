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

from seg_mcp.config.file import FileConfig, FileProfile
from seg_mcp.config.load import (
    LOCAL_BASE_URL,
    LOCAL_SANDBOXES,
    load_config,
    local_config,
    token_store,
)
from seg_mcp.config.profiles import (
    DEFAULT_IMS_URL,
    BackendConfig,
    Profile,
    default_audit_log,
)
from seg_mcp.config.settings import AEPEnvSettings, ConfigError, SegMcpSettings

__all__ = [
    "DEFAULT_IMS_URL",
    "LOCAL_BASE_URL",
    "LOCAL_SANDBOXES",
    "AEPEnvSettings",
    "BackendConfig",
    "ConfigError",
    "FileConfig",
    "FileProfile",
    "Profile",
    "SegMcpSettings",
    "default_audit_log",
    "load_config",
    "local_config",
    "token_store",
]
