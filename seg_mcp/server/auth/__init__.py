"""Authentication of seg-mcp's HTTP server: `--auth oauth` (people sign in with Adobe IMS through
this server, which is their MCP authorization server), `--auth token` (static bearer tokens),
`--auth none` (loopback only). See docs/auth.md for the design and the threat model.

Modules: `settings` (environment, Host/Origin policy), `sealing` (self-contained encrypted tokens),
`ims` (IMS as the upstream identity provider), `sessions` (who a token's person is, checked with
IMS, cached briefly), `provider` (the OAuth authorization server), `pages` (consent and IMS
callback), `gate` (the ASGI gate), `statictokens`, `requeststate` (confirmations across replicas),
`discovery` (the sandboxes a deployment offers), `deploy` (assembly for `seg-mcp serve`).
"""

from seg_mcp.server.auth.deploy import (
    AuthSetupError,
    HttpAuthOptions,
    build_gate,
    check_exposure,
    oauth_client,
)
from seg_mcp.server.auth.sessions import caller_ims_token
from seg_mcp.server.auth.settings import HttpAuthSettings

__all__ = [
    "AuthSetupError",
    "HttpAuthOptions",
    "HttpAuthSettings",
    "build_gate",
    "caller_ims_token",
    "check_exposure",
    "oauth_client",
]
