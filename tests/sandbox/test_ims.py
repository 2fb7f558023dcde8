"""The local IMS's user sign-in over HTTP through the app: discovery, the sign-in page, the
authorization code + PKCE flow, refresh, userinfo, revocation, and what the gateway lets each test
user do (alice: dev only; bob: dev and prod; eve: another organization)."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import anyio.to_thread
import httpx2
import jwt
import pytest
from starlette.applications import Starlette

from seg_mcp.config import LOCAL_BASE_URL
from seg_mcp.sandbox import SandboxSettings, create_app

from .conftest import CLIENT_SECRET, asgi, fetch_token
from .imsflow import (
    LOCAL_ORG,
    NATIVE,
    OTHER_ORG,
    REDIRECT,
    authorize_params,
    exchange,
    gateway,
    parse_form,
    pkce,
    redirect_query,
    sign_in,
    submit,
)
from .test_definitions import definition

DEFINITIONS = "/data/core/ups/segment/definitions"
SANDBOXES = "/data/foundation/sandbox-management/sandboxes"


@pytest.fixture
async def http(sandbox_app: Starlette) -> AsyncIterator[httpx2.AsyncClient]:
    async with httpx2.AsyncClient(transport=asgi(sandbox_app), base_url=LOCAL_BASE_URL) as client:
        yield client


def shift_clock(monkeypatch: pytest.MonkeyPatch, seconds: float) -> None:
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() + seconds)


async def test_discovery_and_jwks(http: httpx2.AsyncClient) -> None:
    config = (await http.get("/ims/.well-known/openid-configuration")).json()
    assert config["issuer"] == LOCAL_BASE_URL
    assert config["authorization_endpoint"] == LOCAL_BASE_URL + "/ims/authorize/v2"
    assert config["token_endpoint"] == LOCAL_BASE_URL + "/ims/token/v3"
    assert config["userinfo_endpoint"] == LOCAL_BASE_URL + "/ims/userinfo/v2"
    assert config["revocation_endpoint"] == LOCAL_BASE_URL + "/ims/revoke"
    assert config["jwks_uri"] == LOCAL_BASE_URL + "/ims/keys"
    assert config["code_challenge_methods_supported"] == ["S256"]
    assert config["response_types_supported"] == ["code"]
    assert set(config["grant_types_supported"]) == {
        "authorization_code",
        "refresh_token",
        "client_credentials",
    }
    assert "none" in config["token_endpoint_auth_methods_supported"]
    assert config["id_token_signing_alg_values_supported"] == ["RS256"]
    [key] = (await http.get("/ims/keys")).json()["keys"]
    assert key["kty"] == "RSA" and key["alg"] == "RS256" and key["kid"]
    assert "d" not in key and "p" not in key  # public only


async def test_sign_in_page_is_a_plain_escaped_form(http: httpx2.AsyncClient) -> None:
    _, challenge = pkce()
    hostile = '"><script>alert(1)</script>'
    page = await http.get(
        "/ims/authorize/v2", params=authorize_params(challenge, state=hostile, nonce="n-1")
    )
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "script-src" not in page.headers["content-security-policy"]  # default-src 'none'
    assert page.headers["x-frame-options"] == "DENY"
    form = parse_form(page.text)
    assert (form.method, form.action) == ("post", "/ims/authorize/v2")
    assert form.inputs["username"]["type"] == "text"
    assert form.inputs["password"]["type"] == "password"
    assert form.buttons == 1 and form.scripts == 0 and form.external == []
    assert "<script>" not in page.text
    values = form.values()
    assert values["state"] == hostile  # carried through, escaped in the HTML
    assert values["code_challenge"] == challenge and values["nonce"] == "n-1"
    assert values["redirect_uri"] == REDIRECT and values["client_id"] == NATIVE


async def test_authorization_code_flow_for_alice(http: httpx2.AsyncClient) -> None:
    verifier, challenge = pkce()
    response = await submit(
        http, authorize_params(challenge, nonce="nonce-9"), "alice", "alice-local"
    )
    assert response.headers["location"].startswith(REDIRECT + "?")
    query = redirect_query(response)
    assert query["state"] == "state-123" and query["code"]
    answer = await exchange(http, query["code"], verifier)
    assert answer.status_code == 200, answer.text
    assert answer.headers["cache-control"] == "no-store"
    tokens = answer.json()
    assert set(tokens) == {"access_token", "refresh_token", "id_token", "token_type", "expires_in"}
    assert tokens["token_type"] == "bearer" and tokens["expires_in"] == 3600

    # The JWKS verifies every token's signature (PyJWT, RS256, key chosen by kid).
    keys = (await http.get("/ims/keys")).json()["keys"]
    kid = jwt.get_unverified_header(tokens["access_token"])["kid"]
    [jwk] = [k for k in keys if k["kid"] == kid]
    public = jwt.PyJWK(jwk).key
    access = jwt.decode(tokens["access_token"], public, algorithms=["RS256"])
    assert access["type"] == "access_token" and access["client_id"] == NATIVE
    assert access["org"] == LOCAL_ORG and access["sid"]
    assert access["user_id"].endswith(".e") and "@" in access["user_id"]
    assert int(access["expires_in"]) == 3600 * 1000 and int(access["created_at"]) > 0
    assert "AdobeID" in access["scope"].split(",")
    identity = jwt.decode(
        tokens["id_token"], public, algorithms=["RS256"], audience=NATIVE, issuer=LOCAL_BASE_URL
    )
    assert identity["sub"] == access["user_id"] and identity["nonce"] == "nonce-9"
    assert identity["email"] == "alice@example.com"
    with pytest.raises(jwt.InvalidSignatureError):
        forged = tokens["access_token"][:-6] + (
            "AAAAAA" if tokens["access_token"][-6:] != "AAAAAA" else "BBBBBB"
        )
        jwt.decode(forged, public, algorithms=["RS256"])

    info = await http.get(
        "/ims/userinfo/v2", headers={"Authorization": f"Bearer {tokens['access_token']}"}
    )
    assert info.status_code == 200
    assert info.json() == {
        "sub": access["user_id"],
        "email": "alice@example.com",
        "email_verified": True,
        "name": "Alice Local",
        "given_name": "Alice",
        "family_name": "Local",
        "account_type": "type1",
        "org": LOCAL_ORG,
        "sandboxes": ["dev"],
    }

    # alice may use dev (and her writes are attributed to her), not prod.
    token = tokens["access_token"]
    created = await http.post(
        "/data/core/ups/audiences",
        headers=gateway(token),
        json={**definition("alice's audience"), "type": "SegmentDefinition"},
    )
    assert created.status_code == 200, created.text
    assert created.json()["createdBy"] == access["user_id"]
    refused = await http.get(DEFINITIONS, headers=gateway(token, "prod"))
    assert refused.status_code == 403
    body = refused.json()
    assert body["status"] == 403 and body["type"].startswith("https://ns.adobe.com/aep/errors/")
    assert "Available sandboxes: dev." in body["title"]
    listed = await http.get(SANDBOXES, headers=gateway(token))
    assert [s["name"] for s in listed.json()["sandboxes"]] == ["dev"]
    prod = await http.get(SANDBOXES + "/prod", headers=gateway(token))
    assert prod.status_code == 403 and prod.json()["status"] == 403
    assert (await http.get(SANDBOXES + "/dev", headers=gateway(token))).status_code == 200


async def test_bob_uses_both_sandboxes_and_eve_none(http: httpx2.AsyncClient) -> None:
    bob = (await sign_in(http, "bob"))["access_token"]
    for sandbox in ("dev", "prod"):
        response = await http.get(DEFINITIONS, headers=gateway(bob, sandbox))
        assert response.status_code == 200, response.text
    listed = await http.get(SANDBOXES, headers=gateway(bob))
    assert {s["name"] for s in listed.json()["sandboxes"]} == {"dev", "prod"}

    eve = (await sign_in(http, "eve"))["access_token"]
    own_org = gateway(eve, org=OTHER_ORG)
    assert (await http.get(SANDBOXES, headers=own_org)).json()["sandboxes"] == []
    for sandbox in ("dev", "prod"):
        response = await http.get(DEFINITIONS, headers=gateway(eve, sandbox, org=OTHER_ORG))
        assert response.status_code == 403
        assert "Available sandboxes: none." in response.json()["title"]
    spoofed = await http.get(DEFINITIONS, headers=gateway(eve))  # claims the local org
    assert spoofed.status_code == 403 and spoofed.json()["error_code"] == "403025"
    info = await http.get("/ims/userinfo/v2", headers={"Authorization": f"Bearer {eve}"})
    assert info.json()["org"] == OTHER_ORG and info.json()["sandboxes"] == []


async def test_wrong_password_shows_the_page_again(http: httpx2.AsyncClient) -> None:
    _, challenge = pkce()
    response = await submit(http, authorize_params(challenge), "alice", "wrong-PASSWORD-x7")
    assert response.status_code == 401 and "location" not in response.headers
    assert "incorrect" in response.text
    assert "wrong-PASSWORD-x7" not in response.text
    form = parse_form(response.text)
    assert form.inputs["username"]["value"] == "alice" and "value" not in form.inputs["password"]
    assert form.values()["code_challenge"] == challenge  # try again with the same request
    unknown = await submit(http, authorize_params(challenge), "mallory", "mallory-local")
    assert unknown.status_code == 401 and "incorrect" in unknown.text


@pytest.mark.parametrize(
    ("change", "what"),
    [
        ({"redirect_uri": "https://evil.example/callback"}, "Redirect URI not allowed"),
        ({"redirect_uri": "http://127.0.0.1.evil.example/cb"}, "Redirect URI not allowed"),
        ({"redirect_uri": "http://user@127.0.0.1:9/cb"}, "Redirect URI not allowed"),
        ({"redirect_uri": ""}, "Redirect URI not allowed"),
        ({"client_id": "nobody"}, "Unknown application"),
    ],
)
async def test_bad_client_or_redirect_is_a_page_never_a_redirect(
    http: httpx2.AsyncClient, change: dict[str, str], what: str
) -> None:
    _, challenge = pkce()
    params = {**authorize_params(challenge), **change}
    page = await http.get("/ims/authorize/v2", params=params)
    assert page.status_code == 400 and "location" not in page.headers
    assert what in page.text and "<form" not in page.text
    posted = await http.post(
        "/ims/authorize/v2", data={**params, "username": "bob", "password": "bob-local"}
    )
    assert posted.status_code == 400 and "location" not in posted.headers


async def test_loopback_redirects_on_any_port_and_path(http: httpx2.AsyncClient) -> None:
    for uri in ("http://localhost:50123/a/b?x=1", "http://127.0.0.1:9/", "http://[::1]:8080/cb"):
        verifier, challenge = pkce()
        response = await submit(
            http, authorize_params(challenge, redirect_uri=uri), "bob", "bob-local"
        )
        location = response.headers["location"]
        assert location.startswith(uri.split("?")[0]), location
        if "?x=1" in uri:
            assert "x=1&code=" in location  # the URI's own query is kept
        answer = await exchange(http, redirect_query(response)["code"], verifier, redirect_uri=uri)
        assert answer.status_code == 200, answer.text


@pytest.mark.parametrize(
    ("params", "description"),
    [
        ({"code_challenge": None}, "code_challenge is required"),
        ({"code_challenge_method": "plain"}, "must be S256"),
        ({"code_challenge_method": None}, "must be S256"),
        ({"code_challenge": "short"}, "43-character"),
        ({"response_type": "token"}, "response_type must be code"),
    ],
)
async def test_pkce_is_required_at_authorization(
    http: httpx2.AsyncClient, params: dict[str, str | None], description: str
) -> None:
    _, challenge = pkce()
    query = {**authorize_params(challenge)}
    for k, v in params.items():
        if v is None:
            query.pop(k, None)
        else:
            query[k] = v
    response = await http.get("/ims/authorize/v2", params=query)
    answer = redirect_query(response)
    assert response.headers["location"].startswith(REDIRECT + "?")
    assert answer["error"] in ("invalid_request", "unsupported_response_type")
    assert description in answer["error_description"] and answer["state"] == "state-123"
    assert "code" not in answer


async def test_pkce_is_checked_at_the_token_endpoint(http: httpx2.AsyncClient) -> None:
    verifier, challenge = pkce()
    code = redirect_query(await submit(http, authorize_params(challenge), "bob", "bob-local"))
    missing = await exchange(http, code["code"], None)
    assert missing.status_code == 400 and missing.json()["error"] == "invalid_request"
    assert "code_verifier" in missing.json()["error_description"]
    wrong_verifier = "WRONG-verifier-" + "x" * 40
    wrong = await exchange(http, code["code"], wrong_verifier)
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"
    assert "PKCE" in wrong.json()["error_description"]
    assert wrong_verifier not in wrong.text and code["code"] not in wrong.text
    again = await exchange(http, code["code"], verifier)  # a failed exchange used the code up
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"


async def test_codes_are_single_use_and_reuse_ends_the_session(http: httpx2.AsyncClient) -> None:
    verifier, challenge = pkce()
    code = redirect_query(await submit(http, authorize_params(challenge), "bob", "bob-local"))
    first = await exchange(http, code["code"], verifier)
    assert first.status_code == 200
    token = first.json()["access_token"]
    assert (await http.get(DEFINITIONS, headers=gateway(token))).status_code == 200
    second = await exchange(http, code["code"], verifier)
    assert second.status_code == 400 and second.json()["error"] == "invalid_grant"
    assert "already used" in second.json()["error_description"]
    after = await http.get(DEFINITIONS, headers=gateway(token))
    assert after.status_code == 401 and after.json()["error_code"] == "401013"


async def test_code_bound_to_client_and_redirect_uri(http: httpx2.AsyncClient) -> None:
    verifier, challenge = pkce()
    code = redirect_query(await submit(http, authorize_params(challenge), "bob", "bob-local"))
    other = await exchange(http, code["code"], verifier, redirect_uri="http://127.0.0.1:1/x")
    assert other.status_code == 400 and "redirect_uri" in other.json()["error_description"]
    verifier, challenge = pkce()
    code = redirect_query(await submit(http, authorize_params(challenge), "bob", "bob-local"))
    stolen = await exchange(
        http, code["code"], verifier, client_id="seg-mcp-local", client_secret=CLIENT_SECRET
    )
    assert stolen.status_code == 400 and "another client" in stolen.json()["error_description"]


async def test_confidential_client_needs_its_secret(http: httpx2.AsyncClient) -> None:
    local = {"client_id": "seg-mcp-local"}
    for secret, status, error in (
        (None, 400, "invalid_request"),
        ("not-the-SECRET-q4", 401, "invalid_client"),
    ):
        verifier, challenge = pkce()
        params = authorize_params(challenge, **local)
        code = redirect_query(await submit(http, params, "bob", "bob-local"))["code"]
        extra = {"client_secret": secret} if secret else {}
        refused = await exchange(http, code, verifier, **local, **extra)
        assert (refused.status_code, refused.json()["error"]) == (status, error)
        assert "not-the-SECRET-q4" not in refused.text
    # client_secret_basic
    verifier, challenge = pkce()
    query = redirect_query(
        await submit(http, authorize_params(challenge, **local), "bob", "bob-local")
    )
    basic = await http.post(
        "/ims/token/v3",
        data={
            "grant_type": "authorization_code",
            "code": query["code"],
            "redirect_uri": REDIRECT,
            "code_verifier": verifier,
        },
        auth=("seg-mcp-local", CLIENT_SECRET),
    )
    assert basic.status_code == 200, basic.text
    token = basic.json()["access_token"]
    ok = await http.get(DEFINITIONS, headers=gateway(token, "prod", client_id="seg-mcp-local"))
    assert ok.status_code == 200
    wrong_key = await http.get(DEFINITIONS, headers=gateway(token, "prod"))  # x-api-key: native
    assert wrong_key.status_code == 403 and wrong_key.json()["error_code"] == "403003"


async def test_native_client_cannot_use_client_credentials(http: httpx2.AsyncClient) -> None:
    response = await http.post(
        "/ims/token/v3", data={"grant_type": "client_credentials", "client_id": NATIVE}
    )
    assert response.status_code == 400 and response.json()["error"] == "unauthorized_client"


async def test_refresh(http: httpx2.AsyncClient, monkeypatch: pytest.MonkeyPatch) -> None:
    tokens = await sign_in(http, "alice")
    refreshed = await http.post(
        "/ims/token/v3",
        data={
            "grant_type": "refresh_token",
            "refresh_token": tokens["refresh_token"],
            "client_id": NATIVE,
        },
    )
    assert refreshed.status_code == 200, refreshed.text
    body = refreshed.json()
    assert body["refresh_token"] == tokens["refresh_token"]
    assert body["access_token"] != tokens["access_token"] and body["expires_in"] == 3600
    old = jwt.decode(tokens["access_token"], options={"verify_signature": False})
    new = jwt.decode(body["access_token"], options={"verify_signature": False})
    assert new["sid"] == old["sid"] and new["user_id"] == old["user_id"]
    assert (await http.get(DEFINITIONS, headers=gateway(body["access_token"]))).status_code == 200

    other = await http.post(
        "/ims/token/v3",
        data={
            "grant_type": "refresh_token",
            "refresh_token": tokens["refresh_token"],
            "client_id": "seg-mcp-local",
            "client_secret": CLIENT_SECRET,
        },
    )
    assert other.status_code == 400 and other.json()["error"] == "invalid_grant"
    assert tokens["refresh_token"] not in other.text
    # An access token is not a refresh token.
    swapped = await http.post(
        "/ims/token/v3",
        data={
            "grant_type": "refresh_token",
            "refresh_token": tokens["access_token"],
            "client_id": NATIVE,
        },
    )
    assert swapped.status_code == 400 and swapped.json()["error"] == "invalid_grant"


async def test_expiry(sandbox_settings: SandboxSettings, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = sandbox_settings.model_copy(
        update={"user_token_ttl_seconds": 5, "code_ttl_seconds": 5}
    )
    app = create_app(settings)
    try:
        async with httpx2.AsyncClient(transport=asgi(app), base_url=LOCAL_BASE_URL) as http:
            tokens = await sign_in(http, "bob")
            assert tokens["expires_in"] == 5
            verifier, challenge = pkce()
            late = redirect_query(
                await submit(http, authorize_params(challenge), "bob", "bob-local")
            )
            shift_clock(monkeypatch, 6)
            expired_code = await exchange(http, late["code"], verifier)
            assert expired_code.status_code == 400
            assert "expired" in expired_code.json()["error_description"]
            stale = await http.get(DEFINITIONS, headers=gateway(tokens["access_token"]))
            assert stale.status_code == 401 and stale.json()["error_code"] == "401013"
            info = await http.get(
                "/ims/userinfo/v2", headers={"Authorization": f"Bearer {tokens['access_token']}"}
            )
            assert info.status_code == 401 and info.json() == {"error": "invalid_token"}
            fresh = await http.post(
                "/ims/token/v3",
                data={
                    "grant_type": "refresh_token",
                    "refresh_token": tokens["refresh_token"],
                    "client_id": NATIVE,
                },
            )
            assert fresh.status_code == 200
            again = await http.get(DEFINITIONS, headers=gateway(fresh.json()["access_token"]))
            assert again.status_code == 200
    finally:
        await anyio.to_thread.run_sync(app.state.service.close)


async def _revoke(http: httpx2.AsyncClient, token: str, **extra: str) -> httpx2.Response:
    return await http.post("/ims/revoke", data={"token": token, "client_id": NATIVE, **extra})


@pytest.mark.parametrize("which", ["refresh_token", "access_token"])
async def test_revoke_ends_the_session_everywhere(
    sandbox_settings: SandboxSettings, which: str
) -> None:
    app = create_app(sandbox_settings)
    try:
        async with httpx2.AsyncClient(transport=asgi(app), base_url=LOCAL_BASE_URL) as http:
            tokens = await sign_in(http, "bob")
            refreshed = await http.post(
                "/ims/token/v3",
                data={
                    "grant_type": "refresh_token",
                    "refresh_token": tokens["refresh_token"],
                    "client_id": NATIVE,
                },
            )
            second_access = refreshed.json()["access_token"]
            other_session = await sign_in(http, "bob")  # another sign-in: not affected
            revoked = await _revoke(http, tokens[which], token_type_hint=which)
            assert revoked.status_code == 200 and revoked.content == b""
            await _assert_refused(http, tokens, second_access)
            ok = await http.get(DEFINITIONS, headers=gateway(other_session["access_token"]))
            assert ok.status_code == 200
        await anyio.to_thread.run_sync(app.state.service.close)
        # Revocation is kept in the database: still refused after a restart.
        app = create_app(sandbox_settings)
        async with httpx2.AsyncClient(transport=asgi(app), base_url=LOCAL_BASE_URL) as http:
            await _assert_refused(http, tokens, second_access)
            ok = await http.get(DEFINITIONS, headers=gateway(other_session["access_token"]))
            assert ok.status_code == 200
    finally:
        await anyio.to_thread.run_sync(app.state.service.close)


async def _assert_refused(http: httpx2.AsyncClient, tokens: dict[str, Any], access2: str) -> None:
    for access in (tokens["access_token"], access2):
        gw = await http.get(DEFINITIONS, headers=gateway(access))
        assert gw.status_code == 401 and gw.json()["error_code"] == "401013"
        sm = await http.get(SANDBOXES, headers=gateway(access))
        assert sm.status_code == 401
        info = await http.get("/ims/userinfo/v2", headers={"Authorization": f"Bearer {access}"})
        assert info.status_code == 401 and info.json() == {"error": "invalid_token"}
    refresh = await http.post(
        "/ims/token/v3",
        data={
            "grant_type": "refresh_token",
            "refresh_token": tokens["refresh_token"],
            "client_id": NATIVE,
        },
    )
    assert refresh.status_code == 400 and refresh.json()["error"] == "invalid_grant"
    assert "sign in again" in refresh.json()["error_description"]


async def test_revoke_checks_the_client(http: httpx2.AsyncClient) -> None:
    tokens = await sign_in(http, "bob")
    foreign = await http.post(
        "/ims/revoke",
        data={
            "token": tokens["refresh_token"],
            "client_id": "seg-mcp-local",
            "client_secret": CLIENT_SECRET,
        },
    )
    assert foreign.status_code == 400 and foreign.json()["error"] == "unauthorized_client"
    assert tokens["refresh_token"] not in foreign.text
    assert (await http.get(DEFINITIONS, headers=gateway(tokens["access_token"]))).status_code == 200
    nonsense = await _revoke(http, "not-a-token")
    assert nonsense.status_code == 200  # RFC 7009: an unknown token is not an error
    missing = await http.post("/ims/revoke", data={"client_id": NATIVE})
    assert missing.status_code == 400 and missing.json()["error"] == "invalid_request"


async def test_client_credentials_tokens_are_rs256_and_revocable(http: httpx2.AsyncClient) -> None:
    token = await fetch_token(http)
    assert jwt.get_unverified_header(token)["alg"] == "RS256"
    headers = {
        "Authorization": f"Bearer {token}",
        "x-api-key": "seg-mcp-local",
        "x-gw-ims-org-id": LOCAL_ORG,
        "x-sandbox-name": "prod",
    }
    assert (await http.get(DEFINITIONS, headers=headers)).status_code == 200
    listed = await http.get(SANDBOXES, headers=headers)
    assert {s["name"] for s in listed.json()["sandboxes"]} == {"dev", "prod"}
    info = await http.get("/ims/userinfo/v2", headers={"Authorization": f"Bearer {token}"})
    assert info.status_code == 401  # not a user
    revoked = await http.post(
        "/ims/revoke",
        data={"token": token, "client_id": "seg-mcp-local", "client_secret": CLIENT_SECRET},
    )
    assert revoked.status_code == 200
    assert (await http.get(DEFINITIONS, headers=headers)).status_code == 401


async def test_users_are_configurable(sandbox_template: Path, tmp_path: Path) -> None:
    import shutil

    from seg_mcp.sandbox.settings import DATABASE_FILE, LocalUser

    from .conftest import make_settings

    shutil.copy(sandbox_template / DATABASE_FILE, tmp_path / DATABASE_FILE)
    carol = LocalUser.model_validate({"name": "carol", "sandboxes": ["prod"]})
    dave = LocalUser.model_validate({"name": "dave", "password": "s3cret-DAVE"})
    app = create_app(make_settings(tmp_path, users=[carol, dave]))
    try:
        async with httpx2.AsyncClient(transport=asgi(app), base_url=LOCAL_BASE_URL) as http:
            carol_token = (await sign_in(http, "carol"))["access_token"]
            assert (await http.get(DEFINITIONS, headers=gateway(carol_token, "prod"))).is_success
            assert (await http.get(DEFINITIONS, headers=gateway(carol_token))).status_code == 403
            _, challenge = pkce()
            refused = await submit(http, authorize_params(challenge), "alice", "alice-local")
            assert refused.status_code == 401  # not configured here
            _, challenge = pkce()
            ok = await submit(http, authorize_params(challenge), "dave", "s3cret-DAVE")
            assert redirect_query(ok)["code"]
    finally:
        await anyio.to_thread.run_sync(app.state.service.close)
    assert "s3cret-DAVE" not in repr(dave) + str(dave)
