"""A person's own Adobe sign-in for local use: `seg-mcp login`, `auth status`, `logout`.

* `flow`: authorization code + PKCE through the browser and a loopback redirect; IMS calls.
* `store`: the refresh token in the OS keyring (or a 0600 file) and a record of who signed in.
* `session`: sign in, check, sign out; the token provider of a signed-in profile.

`seg_mcp.config` turns a stored sign-in into a profile's credential; the platform then enforces
that person's permissions.
"""

from seg_mcp.signin.flow import DEFAULT_USER_SCOPES
from seg_mcp.signin.session import LoginTarget, inspect, sign_in, sign_out, user_token_provider
from seg_mcp.signin.store import SignIn, SignInError, TokenStore, default_state_dir

__all__ = [
    "DEFAULT_USER_SCOPES",
    "LoginTarget",
    "SignIn",
    "SignInError",
    "TokenStore",
    "default_state_dir",
    "inspect",
    "sign_in",
    "sign_out",
    "user_token_provider",
]
