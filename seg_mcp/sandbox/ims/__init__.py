"""The local sandbox's IMS: user sign-in (authorization code + PKCE) and technical-account tokens.

`keys` (the RS256 signing key, JWKS), `users` (test users and clients), `sessions` (sign-in
sessions, codes and revocation in the database), `tokens` (issuing and verifying), `page` (the
sign-in HTML) and `routes` (the endpoints at Adobe's paths).
"""

from seg_mcp.sandbox.ims.tokens import Ims

__all__ = ["Ims"]
