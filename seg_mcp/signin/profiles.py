"""What a stored sign-in makes of a configured profile (used by `seg_mcp.config`).

A profile acts as a signed-in person when it says so (`AEP_AUTH=user`, `auth = "user"`) or, with
`auth` left at `auto`, when a sign-in is stored for it with the same client id and IMS and it names
no static access token. Its sandboxes are the configured ones, else those Sandbox Management
listed for the person at sign-in; the platform enforces the person's permissions either way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pydantic import SecretStr

from seg_mcp.signin.store import SignIn, TokenStore

__all__ = ["AuthMode", "UserAuth", "user_auth"]

AuthMode = Literal["auto", "user"]


@dataclass(frozen=True)
class UserAuth:
    """A user profile's sign-in (`sign_in` None: nobody signed in yet) and its sandboxes."""

    sign_in: SignIn | None
    refresh_token: SecretStr | None
    sandboxes: tuple[str, ...]
    #: Why a stored sign-in was not used (another client id or IMS), for the error message.
    mismatch: str | None = None

    def __repr__(self) -> str:
        who = self.sign_in.who if self.sign_in else None
        return f"UserAuth(signed_in_as={who!r}, sandboxes={list(self.sandboxes)!r})"

    def problem(self, profile: str, sandboxes_setting: str) -> str | None:
        """What stops this profile from acting as the person, or None."""
        login = "seg-mcp login" if profile == "env" else f"seg-mcp login --profile {profile}"
        if self.sign_in is None:
            reason = f" ({self.mismatch})" if self.mismatch else ""
            return (
                f"profile {profile!r} acts as a signed-in person and nobody is signed in for "
                f"it{reason}: run `{login}`"
            )
        if not self.sandboxes:
            return (
                f"profile {profile!r}: {self.sign_in.who} may use no sandbox that seg-mcp knows "
                f"of (none was listed at sign-in): set {sandboxes_setting}, or run `{login}` "
                "again once access is granted"
            )
        return None


def user_auth(
    store: TokenStore,
    *,
    profile: str,
    mode: AuthMode,
    client_id: str,
    ims_url: str,
    sandboxes: tuple[str, ...],
    static_token: bool,
) -> UserAuth | None:
    """The profile's user sign-in, or None if the profile is not a user profile."""
    if mode == "auto" and static_token:
        return None
    record = store.record(profile)
    mismatch = None
    if record is not None and not record.matches(client_id, ims_url):
        mismatch = (
            f"the stored sign-in of {record.who} is for client id {record.client_id} at "
            f"{record.ims_url}"
        )
        record = None
    loaded = store.load(profile) if record is not None else None
    if loaded is None:
        if mode == "auto":
            return None
        return UserAuth(None, None, sandboxes, mismatch)
    record, token = loaded
    return UserAuth(record, token, sandboxes or record.sandboxes or ())
