"""`seg-mcp login`, `auth status`, `api` as the signed-in person, `logout`, end to end against the
local sandbox (its IMS and gateway) served by uvicorn on 127.0.0.1.

The browser is played over HTTP: the URL `seg-mcp login --no-browser` prints is opened, the
sign-in page's form is filled and posted, and the redirect is followed to the loopback listener,
as a browser would. Tokens are the IMS's own random values, so finding one in an output is a
real leak.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import stat
import subprocess
import sys
import threading
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qs, urljoin, urlsplit

import anyio
import httpx2
import pytest
from loopback import serve

from seg_mcp.aep import UserTokenProvider
from seg_mcp.cli import main
from seg_mcp.config import load_config, token_store
from seg_mcp.sandbox import SandboxSettings, create_app
from seg_mcp.signin import SignInError, sign_in

NATIVE = "seg-mcp-local-native"
ORG = "seg-mcp-local@AdobeOrg"
TTL = 2  # seconds a user access token lives here
_OWN = ("AEP_", "SEG_MCP_", "SEG_SANDBOX_")


# -- the served sandbox --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sandbox_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    settings = SandboxSettings(
        data_dir=tmp_path_factory.mktemp("signin-sandbox"),
        default_profiles=0,
        job_step_seconds=0,
        user_token_ttl_seconds=TTL,
    )
    with serve(create_app(settings)) as url:
        yield url


@pytest.fixture
def env(sandbox_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """A user profile from AEP_* variables (the Native App client), sign-ins kept in a file
    under the test's directory; also applied to this process for in-process tests."""
    for name in list(os.environ):
        if name.startswith(_OWN):
            monkeypatch.delenv(name)
    values = {
        "AEP_AUTH": "user",
        "AEP_CLIENT_ID": NATIVE,
        "AEP_ORG_ID": ORG,
        "AEP_PLATFORM_URL": sandbox_url,
        "AEP_IMS_URL": sandbox_url,
        "SEG_MCP_TOKEN_STORE": "file",
        "SEG_MCP_STATE_DIR": str(tmp_path / "state"),
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    return {**{k: v for k, v in os.environ.items() if not k.startswith(_OWN)}, **values}


# -- a browser, over HTTP --------------------------------------------------------------------------


class _Form(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.action = ""
        self.values: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.action = a.get("action", "")
        elif tag == "input" and a.get("name"):
            self.values[a["name"]] = a.get("value", "")


def browse(url: str, username: str, password: str) -> httpx2.Response:
    """Open the sign-in URL, post the form, follow the redirect; the last page (or the sign-in
    page again if it refused). The browser's own HTTP logging is off: it sees the code."""
    with _quiet(), httpx2.Client(timeout=30) as http:
        page = http.get(url)
        assert page.status_code == 200, page.text
        form = _Form()
        form.feed(page.text)
        assert {"username", "password"} <= set(form.values)
        answer = http.post(
            urljoin(url, form.action),
            data={**form.values, "username": username, "password": password},
        )
        if answer.status_code != 302:
            return answer
        location = answer.headers["location"]
        assert location.startswith("http://127.0.0.1:") and "/callback?" in location
        codes.append(parse_qs(urlsplit(location).query)["code"][0])
        return http.get(location)


codes: list[str] = []  # every authorization code seen, for the leak check


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    loggers = [logging.getLogger(name) for name in ("httpx2", "httpcore2")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> subprocess.CompletedProcess[str]:
    """A `seg-mcp` command in this process (its environment is the test's `env`)."""
    capsys.readouterr()
    code = main(list(argv))
    out, err = capsys.readouterr()
    outputs.append(out + err)
    return subprocess.CompletedProcess(argv, code, out, err)


outputs: list[str] = []  # everything any command printed, for the leak check


def login(env: dict[str, str], username: str, *extra: str) -> subprocess.CompletedProcess[str]:
    """`seg-mcp login --no-browser`, with the printed URL followed as a browser would."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "seg_mcp", "login", "--no-browser", *extra],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stderr is not None
    seen = []
    for line in proc.stderr:
        seen.append(line)
        if line.strip().startswith("http"):
            break
    else:
        proc.wait(timeout=10)
        raise AssertionError("login printed no URL: " + "".join(seen))
    url = line.strip()
    assert url.startswith(env["AEP_IMS_URL"] + "/ims/authorize/v2?")
    query = parse_qs(urlsplit(url).query)
    assert query["code_challenge_method"] == ["S256"] and len(query["code_challenge"][0]) == 43
    assert query["client_id"] == [env["AEP_CLIENT_ID"]] and query["response_type"] == ["code"]
    done = browse(url, username, f"{username}-local")
    assert done.status_code == 200 and "You can close this tab" in done.text
    out, err = proc.communicate(timeout=60)
    result = subprocess.CompletedProcess(proc.args, proc.returncode, out, "".join(seen) + err)
    outputs.append(result.stdout + result.stderr)
    return result


def refresh(url: str, refresh_token: str) -> httpx2.Response:
    form = {"grant_type": "refresh_token", "refresh_token": refresh_token, "client_id": NATIVE}
    return httpx2.post(f"{url}/ims/token/v3", data=form)


def list_definitions(url: str, token: str, sandbox: str = "dev") -> httpx2.Response:
    headers = {
        "Authorization": f"Bearer {token}",
        "x-api-key": NATIVE,
        "x-gw-ims-org-id": ORG,
        "x-sandbox-name": sandbox,
    }
    return httpx2.get(f"{url}/data/core/ups/segment/definitions", headers=headers)


# -- the tests -----------------------------------------------------------------------------------


def test_login_status_api_and_logout_as_alice(
    env: dict[str, str],
    sandbox_url: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    signed_in = login(env, "alice")
    assert signed_in.returncode == 0, signed_in.stderr
    assert "Signed in as Alice" in signed_in.stdout and "<alice@example.com>" in signed_in.stdout
    assert "sandboxes: dev\n" in signed_in.stdout

    # The file fallback: owner-only, in an owner-only directory.
    state = Path(env["SEG_MCP_STATE_DIR"]) / "sign-ins"
    record_file = state / "env.json"
    assert stat.S_IMODE(record_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(state.stat().st_mode) == 0o700
    record = json.loads(record_file.read_text())
    refresh_token = record["refresh_token"]
    assert record["email"] == "alice@example.com" and record["sandboxes"] == ["dev"]
    assert record["store"] == "file"

    status = run(capsys, "auth", "status")
    assert status.returncode == 0, status.stderr
    assert "profile env: signed in as Alice" in status.stdout
    assert "alice@example.com" in status.stdout
    assert f"org: {ORG}\n" in status.stdout
    assert "sandboxes: dev\n" in status.stdout  # Sandbox Management, asked with alice's token
    assert "access token: valid for 2 s" in status.stdout or "valid for 1 s" in status.stdout
    assert f"refresh token: in {record_file}" in status.stdout

    # seg-mcp api acts as alice: her sandboxes by default (dev), writes attributed to her.
    body = {
        "name": "Alice's gold members",
        "expression": {"type": "PQL", "format": "pql/text", "value": 'loyalty.tier = "gold"'},
        "schema": {"name": "_xdm.context.profile"},
    }
    created = run(capsys, "api", "createSegmentDefinition", "--body", json.dumps(body))
    assert created.returncode == 0, created.stderr
    listed = run(capsys, "api", "listSegmentDefinitions")
    assert listed.returncode == 0, listed.stderr
    [segment] = json.loads(listed.stdout)["segments"]
    assert segment["name"] == "Alice's gold members"

    # prod: not among her sandboxes, refused here; configured anyway, refused by the platform.
    local = run(capsys, "api", "listSegmentDefinitions", "--sandbox", "prod")
    assert local.returncode == 2 and "sandbox 'prod' is not allowed" in local.stderr
    monkeypatch.setenv("AEP_SANDBOXES", "dev,prod")
    platform = run(capsys, "api", "listSegmentDefinitions", "--sandbox", "prod")
    monkeypatch.delenv("AEP_SANDBOXES")
    assert platform.returncode == 1 and "status: 403" in platform.stderr, platform.stderr

    # An access token from this sign-in works until the logout revokes the session.
    minted = refresh(sandbox_url, refresh_token)
    assert minted.status_code == 200, minted.text
    access_token = minted.json()["access_token"]
    assert list_definitions(sandbox_url, access_token).status_code == 200

    out = run(capsys, "logout")
    assert out.returncode == 0, out.stderr
    assert "Signed out Alice" in out.stdout and "revoked at IMS" in out.stdout
    assert not record_file.exists()
    assert list_definitions(sandbox_url, access_token).status_code == 401
    assert refresh(sandbox_url, refresh_token).status_code in (400, 401)

    status = run(capsys, "auth", "status")
    assert status.returncode == 1
    assert "profile env: not signed in: run `seg-mcp login`" in status.stdout
    api = run(capsys, "api", "listSegmentDefinitions")
    assert api.returncode == 2 and "nobody is signed in" in api.stderr
    assert "run `seg-mcp login`" in api.stderr
    again = run(capsys, "logout")
    assert again.returncode == 1 and "not signed in" in again.stderr

    secrets = [refresh_token, access_token, *codes]
    for text in [*outputs, caplog.text]:
        for secret in secrets:
            assert secret not in text


def test_a_web_app_credential_signs_in_with_its_secret(
    env: dict[str, str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The confidential local credential (client secret) as an OAuth Web App; bob, who may use
    both sandboxes. Without AEP_AUTH, the stored sign-in is what makes the profile act as him."""
    web = {
        **env,
        "AEP_CLIENT_ID": "seg-mcp-local",
        "AEP_CLIENT_SECRET": "seg-mcp-local-secret",
        "AEP_SANDBOXES": "dev,prod",
    }
    del web["AEP_AUTH"]
    monkeypatch.delenv("AEP_AUTH")
    for name in ("AEP_CLIENT_ID", "AEP_CLIENT_SECRET", "AEP_SANDBOXES"):
        monkeypatch.setenv(name, web[name])
    signed_in = login(web, "bob")
    assert signed_in.returncode == 0, signed_in.stderr
    assert "sandboxes: prod, dev" in signed_in.stdout or "sandboxes: dev, prod" in signed_in.stdout
    status = run(capsys, "auth", "status")
    assert status.returncode == 0 and "signed in as Bob" in status.stdout, status.stdout
    prod = run(capsys, "api", "listSegmentDefinitions", "--sandbox", "prod")
    assert prod.returncode == 0, prod.stderr
    assert run(capsys, "logout").returncode == 0
    # Signed out: the same variables are a server-to-server credential again.
    assert "signed in" not in run(capsys, "auth", "status").stdout


async def test_refresh_ahead_of_expiry_in_a_long_running_process(
    env: dict[str, str], sandbox_url: str
) -> None:
    await _sign_in_in_process("alice")
    config = load_config()
    [profile] = config.profiles
    assert profile.sandboxes == ("dev",) and profile.auth_kind.startswith("signed in as Alice")
    async with config.create_client() as client:
        provider = client.scope.credentials[0].token_provider
        assert isinstance(provider, UserTokenProvider)
        first = await provider.get_token(client._http)
        await client.list_segment_definitions()
        await anyio.sleep(TTL / 2 + 0.3)  # inside the margin (half the lifetime): renewed
        await client.list_segment_definitions()
        second = await provider.get_token(client._http)
        assert second != first and provider.fetch_count == 2
        await anyio.sleep(TTL / 2)  # the first token has expired: the gateway refuses it
        assert list_definitions(sandbox_url, first).status_code == 401
        assert repr(provider).count("**********") >= 1
        assert first not in repr(provider) + repr(config) + config.describe()


async def test_a_stray_callback_is_ignored_and_a_wrong_password_issues_nothing(
    env: dict[str, str],
) -> None:
    said: list[str] = []

    def browser(url: str) -> bool:
        def act() -> None:
            redirect = parse_qs(urlsplit(url).query)["redirect_uri"][0]
            stray = httpx2.get(redirect, params={"code": "forged", "state": "not-it"})
            assert stray.status_code == 400 and "does not match" in stray.text
            refused = browse(url, "alice", "wrong-password")
            assert refused.status_code == 401
            assert browse(url, "alice", "alice-local").status_code == 200

        threading.Thread(target=act, daemon=True).start()
        return True

    store = token_store()
    target = load_config(require_sign_in=False).profiles[0].login_target()
    record = await sign_in(target, store, say=said.append, open_browser=browser, timeout=30)
    assert record.email == "alice@example.com"
    assert "warning: ignored a sign-in response whose state does not match" in said
    assert "Opened your browser. If it did not, open this URL:" in said


async def test_nobody_coming_back_times_out_with_a_message(env: dict[str, str]) -> None:
    target = load_config(require_sign_in=False).profiles[0].login_target()
    with pytest.raises(SignInError, match="no sign-in came back within 0 s"):
        await sign_in(target, token_store(), say=lambda _: None, timeout=0.2)
    assert token_store().record("env") is None


async def _sign_in_in_process(username: str) -> None:
    def browser(url: str) -> bool:
        threading.Thread(
            target=browse, args=(url, username, f"{username}-local"), daemon=True
        ).start()
        return True

    target = load_config(require_sign_in=False).profiles[0].login_target()
    await sign_in(target, token_store(), say=lambda _: None, open_browser=browser, timeout=30)


async def test_the_stdio_server_acts_as_the_signed_in_person(
    env: dict[str, str], tmp_path: Path
) -> None:
    """`seg-mcp serve` over stdio, alice signed in: her token on every call, so the platform
    refuses her prod even though the profile lists it."""
    from mcp import Client, StdioServerParameters

    await _sign_in_in_process("alice")
    server_env = {
        **env,
        "AEP_SANDBOXES": "dev,prod",
        "SEG_MCP_AUDIT_LOG": str(tmp_path / "audit.jsonl"),
    }
    params = StdioServerParameters(
        command=sys.executable, args=["-m", "seg_mcp", "serve"], env=server_env
    )
    async with Client(params) as client:
        context = await client.call_tool("get_context", {})
        found = await client.call_tool("find_segment_definitions", {"sandbox": "dev"})
        refused = await client.call_tool("find_segment_definitions", {"sandbox": "prod"})
        saved = await client.call_tool(
            "save_segment_definition",
            {"name": "Alice's US", "pql": 'homeAddress.countryCode = "US"', "sandbox": "dev"},
        )
    assert not saved.is_error, saved.content
    (line,) = [json.loads(x) for x in (tmp_path / "audit.jsonl").read_text().splitlines()]
    assert line["who"]["kind"] == "user" and line["who"]["email"] == "alice@example.com", line
    assert context.structured_content is not None
    assert context.structured_content["orgs"] == [ORG]
    assert not found.is_error
    sandboxes = {s["name"]: s["type"] for s in context.structured_content["sandboxes"]}
    assert sandboxes == {"dev": "development", "prod": "unknown"}  # prod is not listed to her
    assert refused.is_error
    text = refused.content[0].text  # type: ignore[union-attr]
    assert "HTTP 403" in text and "is not accessible to user" in text
