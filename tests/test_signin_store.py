"""Where sign-ins are kept (the OS keyring, else a 0600 file) and what they make of the configured
profiles. The keyring here is a real `keyring` backend that keeps values in memory."""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import fail, null
from keyring.errors import PasswordDeleteError
from pydantic import SecretStr

from seg_mcp.aep import IMSTokenProvider, UserTokenProvider
from seg_mcp.config import ConfigError, load_config
from seg_mcp.signin import SignIn, SignInError, TokenStore
from seg_mcp.signin.store import KEYRING_SERVICE, keyring_available

REFRESH = "rt-DISTINCT-store-7f3a9"
ORG = "seg-mcp-local@AdobeOrg"
IMS_URL = "http://127.0.0.1:9"
_OWN = ("AEP_", "SEG_MCP_", "SEG_SANDBOX_")


class MemoryKeyring(KeyringBackend):
    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.values: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.values.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.values[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self.values.pop((service, username), None) is None:
            raise PasswordDeleteError("not found")


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    try:
        yield backend
    finally:
        keyring.set_keyring(previous)


@pytest.fixture
def no_keyring() -> Iterator[None]:
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        yield
    finally:
        keyring.set_keyring(previous)


def alice(profile: str = "me", client_id: str = "native-id", **extra: object) -> SignIn:
    values: dict[str, object] = {
        "profile": profile,
        "client_id": client_id,
        "ims_url": IMS_URL,
        "user_id": "A1B2@c3d4.e",
        "name": "Alice Local",
        "email": "alice@example.com",
        "org_id": ORG,
        "sandboxes": ("dev",),
        "signed_in_at": datetime(2026, 11, 1, tzinfo=UTC),
        **extra,
    }
    return SignIn.model_validate(values)


# -- the store -----------------------------------------------------------------------------------


def test_with_a_keyring_the_token_goes_there_and_the_file_holds_no_secret(
    tmp_path: Path, memory_keyring: MemoryKeyring
) -> None:
    store = TokenStore(tmp_path / "sign-ins")
    record = store.save(alice(), SecretStr(REFRESH))
    assert record.store == "keyring"
    assert memory_keyring.values == {(KEYRING_SERVICE, "me"): REFRESH}
    path = store.path("me")
    assert REFRESH not in path.read_text()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    loaded = store.load("me")
    assert loaded is not None and loaded[1].get_secret_value() == REFRESH
    store.update_refresh_token("me", SecretStr("rt-rotated-1"))
    assert memory_keyring.values[(KEYRING_SERVICE, "me")] == "rt-rotated-1"
    assert store.delete("me") is True
    assert memory_keyring.values == {} and not path.exists()
    assert store.load("me") is None and store.delete("me") is False


@pytest.mark.parametrize("backend", [fail.Keyring(), null.Keyring()])
def test_without_a_keyring_auto_falls_back_to_a_0600_file(
    tmp_path: Path, backend: KeyringBackend
) -> None:
    previous = keyring.get_keyring()
    keyring.set_keyring(backend)
    try:
        assert not keyring_available()
        store = TokenStore(tmp_path / "sign-ins")
        record = store.save(alice(), SecretStr(REFRESH))
        with pytest.raises(SignInError, match="SEG_MCP_TOKEN_STORE=file"):
            TokenStore(tmp_path / "other", mode="keyring").save(alice(), SecretStr(REFRESH))
    finally:
        keyring.set_keyring(previous)
    assert record.store == "file"
    path = store.path("me")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert json.loads(path.read_text())["refresh_token"] == REFRESH
    store.update_refresh_token("me", SecretStr("rt-rotated-2"))
    loaded = store.load("me")
    assert loaded is not None and loaded[1].get_secret_value() == "rt-rotated-2"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600  # rewritten, still owner-only
    assert [p.name for p in path.parent.iterdir()] == ["me.json"]  # no temporary left over


def test_file_mode_is_used_even_with_a_keyring(
    tmp_path: Path, memory_keyring: MemoryKeyring
) -> None:
    record = TokenStore(tmp_path, mode="file").save(alice(), SecretStr(REFRESH))
    assert record.store == "file" and memory_keyring.values == {}


def test_damaged_or_incomplete_sign_ins_say_what_to_do(
    tmp_path: Path, memory_keyring: MemoryKeyring
) -> None:
    store = TokenStore(tmp_path)
    store.save(alice(), SecretStr(REFRESH))
    memory_keyring.values.clear()  # someone removed it in the keychain app
    with pytest.raises(SignInError, match=r"no refresh token in the OS keyring: run `seg-mcp lo"):
        store.load("me")
    store.path("me").write_text("{not json")
    with pytest.raises(SignInError, match=r"is damaged: run `seg-mcp logout --profile me`"):
        store.load("me")
    assert store.delete("me") is True
    with pytest.raises(SignInError, match="cannot name a sign-in"):
        store.path("../evil")


# -- profiles ------------------------------------------------------------------------------------


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_keyring: None) -> TokenStore:
    for name in list(os.environ):
        if name.startswith(_OWN):
            monkeypatch.delenv(name)
    monkeypatch.setenv("SEG_MCP_STATE_DIR", str(tmp_path / "state"))
    return TokenStore(tmp_path / "state" / "sign-ins")


def _file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    path = tmp_path / "seg-mcp.toml"
    path.write_text(text)
    monkeypatch.setenv("SEG_MCP_CONFIG", str(path))


FILE = f"""
ims_url = "{IMS_URL}"
platform_url = "{IMS_URL}"

[profiles.tech]
org_id = "{ORG}"
client_id = "tech-id"
client_secret_env = "TECH_SECRET"
sandboxes = ["prod"]

[profiles.me]
auth = "user"
org_id = "{ORG}"
client_id = "native-id"
"""


def test_a_user_profile_acts_as_the_person_signed_in_for_it(
    env: TokenStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TECH_SECRET", "tech-SECRET-distinct")
    _file(tmp_path, monkeypatch, FILE)
    with pytest.raises(ConfigError) as caught:
        load_config()
    assert str(caught.value) == (
        "profile 'me' acts as a signed-in person and nobody is signed in for it: run "
        "`seg-mcp login --profile me`"
    )
    pending = load_config(require_sign_in=False)
    me = pending.profiles[1]
    assert me.auth_kind == "user sign-in (nobody signed in)"
    target = me.login_target()
    assert target.kind == "OAuth Native App credential (public client, PKCE)"
    assert "offline_access" in target.scopes and target.org_id == ORG

    env.save(alice(), SecretStr(REFRESH))
    config = load_config()
    tech, me = config.profiles
    assert me.sandboxes == ("dev",)  # the person's, as listed at sign-in
    assert config.sandboxes == ("prod", "dev")
    assert isinstance(tech.token_provider(), IMSTokenProvider)
    provider = me.token_provider()
    assert isinstance(provider, UserTokenProvider)
    assert provider.client_id == "native-id" and provider.user == "alice@example.com"
    described = config.describe()
    assert "profile me: org seg-mcp-local@AdobeOrg, signed in as Alice Local" in described
    leaks = described + repr(config) + repr(me) + repr(provider) + repr(target) + repr(env)
    assert REFRESH not in leaks and "tech-SECRET-distinct" not in leaks


def test_configured_sandboxes_win_over_the_sign_in_list(
    env: TokenStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    me_only = FILE.split("[profiles.tech]")[0] + "[profiles.me]" + FILE.split("[profiles.me]")[1]
    _file(tmp_path, monkeypatch, me_only + 'sandboxes = ["dev", "prod"]\n')
    env.save(alice(), SecretStr(REFRESH))
    [me] = load_config().profiles
    assert me.sandboxes == ("dev", "prod")  # the platform refuses what the person may not use


def test_env_profile_auto_uses_a_stored_sign_in_only_for_the_same_client(
    env: TokenStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in {
        "AEP_CLIENT_ID": "web-id",
        "AEP_CLIENT_SECRET": "web-SECRET-distinct",
        "AEP_ORG_ID": ORG,
        "AEP_SANDBOXES": "dev",
        "AEP_IMS_URL": IMS_URL,
    }.items():
        monkeypatch.setenv(name, value)
    assert load_config().profiles[0].user is None  # nobody signed in: client credentials
    env.save(alice("env", client_id="another-id"), SecretStr(REFRESH))
    assert load_config().profiles[0].auth_kind == "client credentials"
    monkeypatch.setenv("AEP_AUTH", "user")
    with pytest.raises(ConfigError, match=r"is for client id another-id at http://127\.0\.0\.1:9"):
        load_config()
    env.save(alice("env", client_id="web-id"), SecretStr(REFRESH))
    monkeypatch.delenv("AEP_AUTH")
    [profile] = load_config().profiles
    assert profile.auth_kind == "signed in as Alice Local <alice@example.com>"
    assert profile.login_target().kind == "OAuth Web App credential (client secret + PKCE)"
    monkeypatch.setenv("AEP_ACCESS_TOKEN", "static-token")
    monkeypatch.delenv("AEP_CLIENT_SECRET")
    assert load_config().profiles[0].auth_kind == "static access token"  # named: it wins
    monkeypatch.setenv("AEP_AUTH", "user")
    with pytest.raises(ConfigError, match="AEP_AUTH=user signs a person in: unset AEP_ACCESS"):
        load_config()


def test_without_any_credential_the_message_offers_signing_in(
    env: TokenStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AEP_CLIENT_ID", "x")
    with pytest.raises(ConfigError, match=r"AEP_AUTH=user to sign in\)"):
        load_config()
