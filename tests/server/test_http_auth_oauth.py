"""`seg-mcp serve --transport http --auth oauth` end to end: the local sandbox (IMS + platform) on
a loopback port, two real server processes sharing one auth secret, and `mcp.Client` with the
SDK's OAuth support signing in through the sandbox's sign-in page over plain HTTP.

Servers run with 2-second access tokens, a 1-second IMS session cache and 40-second IMS user
tokens, so refresh, IMS renewal and logout show within the test's time."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import httpx2
import pytest
from loopback import free_port

from .authflow import (
    AUTH_SECRET,
    Alternating,
    MemoryStorage,
    Served,
    gateway_headers,
    ims_user_token,
    local_sandbox,
    serve_env,
    signed_in,
)

CLIENT_SECRET = "sb-secret-Xk42-distinctive"
#: Every secret the tests see, checked against logs and results at the end.
SEEN_SECRETS: set[str] = {CLIENT_SECRET, AUTH_SECRET, "alice-local", "bob-local", "eve-local"}


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    root = tmp_path_factory.mktemp("oauth")
    with local_sandbox(
        root / "sandbox", client_secret=CLIENT_SECRET, user_token_ttl_seconds=40
    ) as sandbox:
        env = {
            "AEP_CLIENT_SECRET": CLIENT_SECRET,
            "SEG_MCP_AUTH_SECRET": AUTH_SECRET,
            "SEG_MCP_ACCESS_TOKEN_TTL": "2",
            "SEG_MCP_IMS_CHECK_TTL": "1",
            "SEG_MCP_IMS_REFRESH_MARGIN": "38",
        }
        servers = [
            Served(["--auth", "oauth"], serve_env(sandbox, root / name, **env), free_port())
            for name in ("a", "b")
        ]
        try:
            for server in servers:
                server.wait()
            yield {"sandbox": sandbox, "a": servers[0], "b": servers[1]}
        finally:
            for server in servers:
                server.stop()


def _texts(result: Any) -> str:
    return " ".join(getattr(c, "text", "") for c in result.content)


async def _sandboxes(client: Any) -> list[str]:
    result = await client.call_tool("get_context", {})
    assert not result.is_error, _texts(result)
    return [s["name"] for s in result.structured_content["sandboxes"]]


async def test_each_person_sees_exactly_their_sandboxes(deployment: dict[str, Any]):
    url = deployment["a"].url
    seen = {}
    for user in ("alice", "bob", "eve"):
        async with signed_in(url, user) as client:
            seen[user] = await _sandboxes(client)
    assert seen == {"alice": ["dev"], "bob": ["dev", "prod"], "eve": []}


async def test_discovery_from_the_401(deployment: dict[str, Any]):
    url = deployment["a"].url
    async with httpx2.AsyncClient() as http:
        denied = await http.post(url, json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"})
        assert denied.status_code == 401
        challenge = denied.headers["www-authenticate"]
        assert challenge.startswith("Bearer ")
        prm_url = challenge.split('resource_metadata="')[1].split('"')[0]
        prm = (await http.get(prm_url)).json()
        assert prm["resource"] == url
        (issuer,) = prm["authorization_servers"]
        meta = (await http.get(f"{issuer}/.well-known/oauth-authorization-server")).json()
        assert meta["issuer"] == issuer
        assert meta["registration_endpoint"] == f"{issuer}/register"
        assert meta["code_challenge_methods_supported"] == ["S256"]
        assert "none" in meta["token_endpoint_auth_methods_supported"]


async def test_a_public_client_signs_in_with_pkce_alone(deployment: dict[str, Any]):
    """Clients that keep no secret (token_endpoint_auth_method "none") register and sign in."""
    storage = MemoryStorage()
    async with signed_in(deployment["a"].url, "bob", storage=storage, auth_method="none") as c:
        assert await _sandboxes(c) == ["dev", "prod"]
    assert storage.client_info is not None
    assert storage.client_info.token_endpoint_auth_method == "none"
    assert storage.client_info.client_secret is None


async def test_alice_is_refused_prod_by_the_server_and_by_the_platform(
    deployment: dict[str, Any],
):
    async with signed_in(deployment["a"].url, "alice") as client:
        refused = await client.call_tool("find_segment_definitions", {"sandbox": "prod"})
        allowed = await client.call_tool("find_segment_definitions", {"sandbox": "dev"})
    assert refused.is_error and "may not use sandbox 'prod'" in _texts(refused)
    assert not allowed.is_error, _texts(allowed)
    # The platform itself refuses her token on prod (so the server's check is not the only one).
    token = await ims_user_token(deployment["sandbox"], "alice")
    SEEN_SECRETS.add(token)
    async with httpx2.AsyncClient(base_url=deployment["sandbox"]) as http:
        path = "/data/core/ups/segment/definitions"
        on_prod = await http.get(path, headers=gateway_headers(token, "prod"))
        on_dev = await http.get(path, headers=gateway_headers(token, "dev"))
    assert on_prod.status_code == 403 and on_dev.status_code == 200


async def test_eve_sees_none_of_the_orgs_objects(deployment: dict[str, Any]):
    async with signed_in(deployment["a"].url, "eve") as client:
        context = await client.call_tool("get_context", {})
        listed = await client.call_tool("find_segment_definitions", {})
        audiences = await client.call_tool("find_audiences", {})
    assert context.structured_content["sandboxes"] == []
    assert context.structured_content["orgs"] == []
    for result in (listed, audiences):
        assert result.is_error and "may use: none" in _texts(result)


async def test_unauthenticated_expired_and_foreign_tokens_get_401_and_change_nothing(
    deployment: dict[str, Any],
):
    a, b = deployment["a"], deployment["b"]
    storage = MemoryStorage()
    async with signed_in(a.url, "bob", storage=storage) as client:
        assert not (await client.call_tool("get_context", {})).is_error
        old = storage.tokens
        assert old is not None and old.refresh_token
        SEEN_SECRETS.update({old.access_token, old.refresh_token})
        save = {
            "jsonrpc": "2.0",
            "id": 7,
            "method": "tools/call",
            "params": {
                "name": "save_segment_definition",
                "arguments": {"name": "never-saved-xq", "pql": 'homeAddress.countryCode = "US"'},
            },
        }
        headers = {
            "Accept": "application/json, text/event-stream",
            "Mcp-Protocol-Version": "2025-11-25",
        }
        async with httpx2.AsyncClient() as http:
            none = await http.post(a.url, json=save, headers=headers)
            garbage = await http.post(
                a.url, json=save, headers={**headers, "Authorization": "Bearer sm1at.AAAA"}
            )
            # Minted by A (same secret as B) for A's URL: B is another resource.
            foreign = await http.post(
                b.url, json=save, headers={**headers, "Authorization": f"Bearer {old.access_token}"}
            )
            await anyio.sleep(2.3)  # the access token expires
            expired = await http.post(
                a.url, json=save, headers={**headers, "Authorization": f"Bearer {old.access_token}"}
            )
        for response in (none, garbage, foreign, expired):
            assert response.status_code == 401, response.text
            assert 'resource_metadata="' in response.headers["www-authenticate"]
        assert "another resource" in foreign.headers["www-authenticate"]
        # A long session: the client refreshes and goes on.
        found = await client.call_tool("find_segment_definitions", {"limit": 50})
        assert not found.is_error, _texts(found)
        assert storage.tokens is not None and storage.tokens.access_token != old.access_token
        SEEN_SECRETS.update(t.access_token for t in storage.token_history)
        SEEN_SECRETS.update(t.refresh_token or "" for t in storage.token_history)
    assert "never-saved-xq" not in json.dumps(found.structured_content)


async def test_after_logout_old_tokens_are_refused(deployment: dict[str, Any]):
    a, b = deployment["a"], deployment["b"]
    storage = MemoryStorage()
    async with signed_in(a.url, "bob", storage=storage) as client:
        assert not (await client.call_tool("get_context", {})).is_error
    tokens, info = storage.tokens, storage.client_info
    assert tokens is not None and info is not None and tokens.refresh_token
    SEEN_SECRETS.update({tokens.access_token, tokens.refresh_token, info.client_secret or ""})
    call = {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}
    headers = {
        "Authorization": f"Bearer {tokens.access_token}",
        "Accept": "application/json, text/event-stream",
        "Mcp-Protocol-Version": "2025-11-25",
    }
    # Replica B behind the same public address (the Host header names A's).
    via_b = {**headers, "Host": f"127.0.0.1:{a.port}"}
    async with httpx2.AsyncClient() as http:
        assert (await http.post(b.url, json=call, headers=via_b)).status_code == 200
        revoked = await http.post(
            a.url.replace("/mcp", "/revoke"),
            data={
                "token": tokens.refresh_token,
                "client_id": info.client_id,
                "client_secret": info.client_secret or "",
            },
        )
        assert revoked.status_code == 200
        assert (await http.post(a.url, json=call, headers=headers)).status_code == 401
        await anyio.sleep(1.1)  # the other replica's session cache
        assert (await http.post(b.url, json=call, headers=via_b)).status_code == 401
        refreshed = await http.post(
            a.url.replace("/mcp", "/token"),
            data={
                "grant_type": "refresh_token",
                "refresh_token": tokens.refresh_token,
                "client_id": info.client_id,
                "client_secret": info.client_secret or "",
            },
        )
    assert refreshed.status_code == 400 and refreshed.json()["error"] == "invalid_grant"


async def test_two_replicas_serve_one_client_through_a_workflow(deployment: dict[str, Any]):
    a, b = deployment["a"], deployment["b"]
    balancer = Alternating([a.port, b.port])
    pql = 'homeAddress.countryCode = "US"'
    async with signed_in(a.url, "bob", transport=balancer) as client:
        checked = await client.call_tool("check_pql", {"pql": pql})
        saved = await client.call_tool(
            "save_segment_definition", {"name": "replicas-workflow", "pql": pql, "sandbox": "dev"}
        )
        estimate = await client.call_tool("preview_audience", {"pql": pql, "wait_seconds": 0})
        handles = [j["handle"] for j in estimate.structured_content["jobs"]]
        status = await client.call_tool("get_job", {"handles": handles, "wait_seconds": 5})
    for result in (checked, saved, estimate, status):
        assert not result.is_error, _texts(result)
    assert saved.structured_content["saved"] and saved.structured_content["definition"]["id"]
    assert status.structured_content["jobs"][0]["status"]
    assert {a.port, b.port} <= set(balancer.sent)
    # Each replica wrote its own audit line for the save, attributed to bob.
    lines = [
        json.loads(line)
        for server in (a, b)
        if (path := server.log_path.parent / "audit.jsonl").exists()
        for line in path.read_text().splitlines()
    ]
    saves = [x for x in lines if x.get("tool") == "save_segment_definition"]
    assert saves and all(x["who"]["email"] == "bob@example.com" for x in saves)


async def test_foreign_host_and_origin_are_refused(deployment: dict[str, Any]):
    a = deployment["a"]
    async with httpx2.AsyncClient() as http:
        for path in ("/mcp", "/.well-known/oauth-protected-resource/mcp", "/register"):
            url = a.url.replace("/mcp", path)
            host = await http.get(url, headers={"Host": "evil.example"})
            origin = await http.get(url, headers={"Origin": "http://evil.example"})
            assert host.status_code == 421, path
            assert origin.status_code == 403, path


def test_no_secret_in_logs(deployment: dict[str, Any]):
    texts = {}
    for name in ("a", "b"):
        server: Served = deployment[name]
        texts[f"{name} log"] = server.log()
        audit = server.log_path.parent / "audit.jsonl"
        texts[f"{name} audit"] = audit.read_text() if audit.exists() else ""
    assert "POST /token" in texts["a log"]
    # The person's IMS tokens the servers held, read out of the sealed MCP tokens.
    from seg_mcp.server.auth.sealing import Sealer

    sealer = Sealer([AUTH_SECRET])
    held = set()
    for token in SEEN_SECRETS:
        for kind in ("at", "rt"):
            if token.startswith(f"sm1{kind}."):
                inside = sealer.open(kind, token, now=0)
                held.update(v for k in ("ia", "ir") if (v := inside.get(k)))
    assert held
    SEEN_SECRETS.update(held)
    for where, text in texts.items():
        for secret in SEEN_SECRETS:
            if secret:
                assert secret not in text, f"a secret leaked into the {where}"
        assert "code=" not in text and "eyJ" not in text, where


def test_key_file_is_private_when_no_secret_is_set(tmp_path: Path):
    from seg_mcp.server.auth.sealing import KEY_FILE_NAME, Sealer, load_secrets

    first = load_secrets(None, tmp_path)
    assert (tmp_path / KEY_FILE_NAME).stat().st_mode & 0o777 == 0o600
    assert load_secrets(None, tmp_path) == first  # a second replica reads the same key
    sealed = Sealer(first).seal("at", {"sub": "x"}, ttl=60)
    assert Sealer(load_secrets(None, tmp_path)).open("at", sealed)["sub"] == "x"


async def test_a_remote_client_needs_the_persons_consent(deployment: dict[str, Any]):
    a = deployment["a"]
    base = a.url.removesuffix("/mcp")
    async with httpx2.AsyncClient(base_url=base) as http:
        registered = await http.post(
            "/register",
            json={
                "client_name": "Remote Assistant",
                "redirect_uris": ["https://assistant.example/callback"],
                "token_endpoint_auth_method": "none",
            },
        )
        assert registered.status_code == 201, registered.text
        client_id = registered.json()["client_id"]
        params = {
            "response_type": "code",
            "client_id": client_id,
            "redirect_uri": "https://assistant.example/callback",
            "state": "st",
            "code_challenge": "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
            "code_challenge_method": "S256",
        }
        step = await http.get("/authorize", params=params)
        assert step.status_code == 302 and "/oauth/consent?" in step.headers["location"]
        page = await http.get(step.headers["location"])
        assert "Remote Assistant" in page.text and "assistant.example" in page.text
        assert "<script" not in page.text
        form = dict(
            (name, value)
            for name, value in (
                (part.split('name="')[1].split('"')[0], part.split('value="')[1].split('"')[0])
                for part in page.text.split("<input")[1:]
            )
        )
        async with httpx2.AsyncClient(base_url=base) as elsewhere:  # another site's form post
            forged = await elsewhere.post("/oauth/consent", data={**form, "action": "allow"})
        allowed = await http.post("/oauth/consent", data={**form, "action": "allow"})
    assert forged.status_code == 403  # no cookie: not the page the person saw
    assert allowed.status_code == 302
    assert allowed.headers["location"].startswith(f"{deployment['sandbox']}/ims/authorize/v2?")
