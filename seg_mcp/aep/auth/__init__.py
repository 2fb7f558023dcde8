"""Access tokens, one module per way of getting them.

A `TokenProvider` (`provider`) hands the client a bearer token for each request and is told when
the platform rejected one (`invalidate`). Providers borrow the client's `httpx2.AsyncClient`, so
the IMS call travels through the same transport as the API calls (which is how the in-process
local sandbox serves IMS too).

* `IMSTokenProvider` (`client_credentials`): Adobe IMS OAuth Server-to-Server tokens;
* `UserTokenProvider` (`user`): a signed-in person's tokens, from their refresh token;
* both cache and refresh through `CachingProvider` (`caching`);
* `StaticTokenProvider` (`static`): a token someone already holds;
* `DelegatedTokenProvider` (`delegated`): the token of the caller an HTTP server is serving.

Secrets are held as `SecretStr` and never appear in reprs, logs or errors.
"""

from seg_mcp.aep.auth.caching import CachingProvider
from seg_mcp.aep.auth.client_credentials import DEFAULT_SCOPES, IMSTokenProvider
from seg_mcp.aep.auth.delegated import DelegatedTokenProvider
from seg_mcp.aep.auth.provider import AccessToken, TokenProvider
from seg_mcp.aep.auth.static import StaticTokenProvider
from seg_mcp.aep.auth.user import UserTokenProvider

__all__ = [
    "DEFAULT_SCOPES",
    "AccessToken",
    "CachingProvider",
    "DelegatedTokenProvider",
    "IMSTokenProvider",
    "StaticTokenProvider",
    "TokenProvider",
    "UserTokenProvider",
]
