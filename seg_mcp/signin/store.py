"""Where a person's sign-in is kept: the refresh token in the OS keyring, or a 0600 file.

One sign-in per profile. Two parts:

* the record (`SignIn`: who, which client id and IMS, org, sandboxes, when): not secret, a JSON
  file `<state dir>/sign-ins/<profile>.json` (0600, in a 0700 directory);
* the refresh token: in the OS keyring (`keyring`: macOS Keychain, Windows Credential Locker,
  Secret Service / KWallet), service `seg-mcp`, user name = the profile; where no keyring backend
  exists (a server, a container, CI), in the record file itself, which is then the secret.

`mode` (SEG_MCP_TOKEN_STORE): `auto` (the keyring when a backend exists, else the file), `keyring`
(the keyring or an error), `file` (always the file). The record says where its token is, so
reading never guesses. Access tokens are never stored: each process gets its own from the refresh
token. Nothing here logs or repeats a token.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, SecretStr, ValidationError

from seg_mcp import dirs

__all__ = [
    "KEYRING_SERVICE",
    "SignIn",
    "SignInError",
    "StoreMode",
    "TokenStore",
    "default_state_dir",
    "keyring_available",
    "now_utc",
]

KEYRING_SERVICE = "seg-mcp"
StoreMode = Literal["auto", "keyring", "file"]
_PROFILE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")


class SignInError(RuntimeError):
    """A sign-in cannot be read, stored or used. The message says what to do."""


def default_state_dir() -> Path:
    """The user's state folder for seg-mcp (`~/.local/state/seg-mcp` on Linux)."""
    return dirs.state_dir()


class SignIn(BaseModel):
    """Who signed in for a profile, with which credential; no secret."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    profile: str
    client_id: str
    ims_url: str
    user_id: str
    name: str | None = None
    email: str | None = None
    org_id: str | None = None
    #: The sandboxes Sandbox Management listed for the person at sign-in (None: not known).
    sandboxes: tuple[str, ...] | None = None
    scopes: tuple[str, ...] = ()
    signed_in_at: datetime
    #: Where the refresh token is.
    store: Literal["keyring", "file"] = "file"

    @property
    def who(self) -> str:
        """`Alice Example <alice@example.com>`, or whichever part is known."""
        if self.name and self.email:
            return f"{self.name} <{self.email}>"
        return self.email or self.name or self.user_id

    def matches(self, client_id: str, ims_url: str) -> bool:
        return self.client_id == client_id and self.ims_url.rstrip("/") == ims_url.rstrip("/")


def keyring_available() -> bool:
    """Whether `keyring` has a backend that actually stores (not `fail`, `null`, or an empty
    chainer)."""
    try:
        import keyring
        from keyring.backends import chainer, fail, null
    except ImportError:  # pragma: no cover - keyring is a dependency
        return False
    try:
        backend = keyring.get_keyring()
    except Exception:
        return False
    if isinstance(backend, fail.Keyring | null.Keyring):
        return False
    return not (isinstance(backend, chainer.ChainerBackend) and not backend.backends)


class TokenStore:
    """Sign-ins under `directory` (default: `default_state_dir()/sign-ins`)."""

    def __init__(self, directory: Path | None = None, mode: StoreMode = "auto") -> None:
        self.directory = directory or default_state_dir() / "sign-ins"
        self.mode: StoreMode = mode

    def __repr__(self) -> str:
        return f"TokenStore(directory={str(self.directory)!r}, mode={self.mode!r})"

    def path(self, profile: str) -> Path:
        if not _PROFILE_NAME.match(profile):
            raise SignInError(
                f"profile name {profile!r} cannot name a sign-in: use letters, digits, '.', '_' "
                "and '-'"
            )
        return self.directory / f"{profile}.json"

    # -- reading -------------------------------------------------------------------------------

    def record(self, profile: str) -> SignIn | None:
        """The sign-in record of `profile`, or None if nobody signed in for it."""
        data = self._read(profile)
        if data is None:
            return None
        try:
            return SignIn.model_validate(data)
        except ValidationError:
            raise SignInError(
                f"the sign-in record {self.path(profile)} is damaged: run "
                f"`seg-mcp logout --profile {profile}` and sign in again"
            ) from None

    def load(self, profile: str) -> tuple[SignIn, SecretStr] | None:
        """The record and refresh token of `profile`, or None if nobody signed in for it."""
        data = self._read(profile)
        if data is None:
            return None
        record = self.record(profile)
        assert record is not None
        in_file = record.store == "file"
        token = data.get("refresh_token") if in_file else self._keyring_get(profile)
        if not isinstance(token, str) or not token:
            where = "the OS keyring" if record.store == "keyring" else str(self.path(profile))
            raise SignInError(
                f"profile {profile!r}: the sign-in of {record.who} has no refresh token in "
                f"{where}: run `seg-mcp login --profile {profile}`"
            )
        return record, SecretStr(token)

    def _read(self, profile: str) -> dict[str, object] | None:
        path = self.path(profile)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise SignInError(f"cannot read the sign-in record {path}: {exc.strerror}") from None
        try:
            data = json.loads(text)
        except json.JSONDecodeError:
            data = None
        if not isinstance(data, dict):
            raise SignInError(
                f"the sign-in record {path} is damaged: run `seg-mcp logout --profile "
                f"{profile}` and sign in again"
            )
        return data

    # -- writing -------------------------------------------------------------------------------

    def save(self, record: SignIn, refresh_token: SecretStr) -> SignIn:
        """Store a new sign-in (replacing the profile's previous one); returns the record with
        `store` saying where the token went."""
        previous = self.record(record.profile)
        use_keyring = self.mode == "keyring" or (self.mode == "auto" and keyring_available())
        if self.mode == "keyring" and not keyring_available():
            raise SignInError(
                "SEG_MCP_TOKEN_STORE=keyring but no OS keyring backend is available: install "
                "one (Secret Service, KWallet) or set SEG_MCP_TOKEN_STORE=file"
            )
        if use_keyring:
            try:
                self._keyring_set(record.profile, refresh_token)
            except SignInError:
                if self.mode == "keyring":
                    raise
                use_keyring = False
        if use_keyring:
            record = record.model_copy(update={"store": "keyring"})
            self._write(record, None)
        else:
            record = record.model_copy(update={"store": "file"})
            self._write(record, refresh_token)
            if previous is not None and previous.store == "keyring":
                self._keyring_delete(record.profile)
        return record

    def update_refresh_token(self, profile: str, refresh_token: SecretStr) -> None:
        """IMS issued a new refresh token: keep it where the current one is."""
        record = self.record(profile)
        if record is None:
            raise SignInError(f"profile {profile!r}: no sign-in to update (signed out meanwhile)")
        if record.store == "keyring":
            self._keyring_set(profile, refresh_token)
        else:
            self._write(record, refresh_token)

    def delete(self, profile: str) -> bool:
        """Forget the profile's sign-in (record and token). False if there was none."""
        record = None
        with contextlib.suppress(SignInError):
            record = self.record(profile)
        path = self.path(profile)
        if record is not None and record.store == "keyring":
            self._keyring_delete(profile)
        try:
            path.unlink()
        except FileNotFoundError:
            return record is not None
        return True

    def _write(self, record: SignIn, refresh_token: SecretStr | None) -> None:
        path = self.path(record.profile)
        data = record.model_dump(mode="json")
        if refresh_token is not None:
            data["refresh_token"] = refresh_token.get_secret_value()
        try:
            self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
            # mkstemp creates the file 0600 (owner only) before anything is written to it.
            fd, tmp = tempfile.mkstemp(dir=self.directory, prefix=f".{record.profile}.")
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as handle:
                    json.dump(data, handle, indent=2)
                    handle.write("\n")
                    handle.flush()
                    os.fsync(handle.fileno())
                os.replace(tmp, path)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
                raise
        except OSError as exc:
            raise SignInError(
                f"cannot write the sign-in record {path}: {exc.strerror}; set SEG_MCP_STATE_DIR "
                "to a writable directory"
            ) from None

    # -- keyring -------------------------------------------------------------------------------

    def _keyring_get(self, profile: str) -> str | None:
        import keyring
        from keyring.errors import KeyringError

        try:
            return keyring.get_password(KEYRING_SERVICE, profile)
        except KeyringError as exc:
            raise SignInError(
                f"cannot read the refresh token of profile {profile!r} from the OS keyring "
                f"({type(exc).__name__}): unlock the keyring, or sign in again with "
                "SEG_MCP_TOKEN_STORE=file"
            ) from None

    def _keyring_set(self, profile: str, token: SecretStr) -> None:
        import keyring
        from keyring.errors import KeyringError

        try:
            keyring.set_password(KEYRING_SERVICE, profile, token.get_secret_value())
        except KeyringError as exc:
            raise SignInError(
                f"cannot store the refresh token of profile {profile!r} in the OS keyring "
                f"({type(exc).__name__}): unlock the keyring, or set SEG_MCP_TOKEN_STORE=file"
            ) from None

    def _keyring_delete(self, profile: str) -> None:
        import keyring
        from keyring.errors import KeyringError

        with contextlib.suppress(KeyringError):
            keyring.delete_password(KEYRING_SERVICE, profile)


def now_utc() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)
