"""What every token provider is: the `TokenProvider` protocol the client calls, and the
`AccessToken` a caching provider holds."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import httpx2
from pydantic import SecretStr

__all__ = ["AccessToken", "TokenProvider", "required_secret"]


@runtime_checkable
class TokenProvider(Protocol):
    #: Whether asking again can yield a new token (False for a static token).
    can_refresh: bool

    async def get_token(self, http: httpx2.AsyncClient) -> str:
        """A bearer token that is valid now."""
        ...

    def invalidate(self, token: str) -> bool:
        """The platform rejected `token`. Return True if asking again may give a different one."""
        ...

    def secrets(self) -> Iterable[str]:
        """Secret strings this provider holds, for redaction."""
        ...


@dataclass(frozen=True, slots=True)
class AccessToken:
    value: SecretStr
    expires_at: float  # on the provider's (monotonic) clock
    lifetime: float

    def __repr__(self) -> str:
        return f"AccessToken(value=SecretStr('**********'), lifetime={self.lifetime:.0f}s)"


def required_secret(value: str | SecretStr, what: str) -> SecretStr:
    """`value` as a `SecretStr`; a ValueError naming `what` if it is empty."""
    secret = value if isinstance(value, SecretStr) else SecretStr(value)
    if not secret.get_secret_value():
        raise ValueError(f"{what} is empty")
    return secret
