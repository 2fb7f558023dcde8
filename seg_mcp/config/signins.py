"""What the loaders share: a profile's stored sign-in (`signed_in`), and de-duplicated
sandbox lists."""

from __future__ import annotations

from typing import Any

from seg_mcp.config.settings import ConfigError
from seg_mcp.signin.profiles import UserAuth, user_auth
from seg_mcp.signin.store import SignInError, TokenStore

__all__ = ["dedupe", "signed_in"]


def dedupe(items: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


def signed_in(store: TokenStore, **kwargs: Any) -> UserAuth | None:
    """The profile's sign-in (`seg_mcp.signin.profiles.user_auth`), its problems as
    `ConfigError`s."""
    try:
        return user_auth(store, **kwargs)
    except SignInError as exc:
        raise ConfigError(str(exc)) from None
