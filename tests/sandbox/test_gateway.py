"""The gateway's header checks, IMS tokens, Sandbox Management and the Schema Registry unions."""

from __future__ import annotations

from typing import Any

import anyio.to_thread
import httpx2
import pytest
from pydantic import SecretStr
from starlette.applications import Starlette

from seg_mcp.aep import AEPClient
from seg_mcp.aep.errors import AuthenticationError
from seg_mcp.config import LOCAL_BASE_URL
from seg_mcp.sandbox import SandboxSettings, create_app

from .conftest import CLIENT_SECRET, asgi, fetch_token, gateway_headers
from .test_definitions import definition

UPS = LOCAL_BASE_URL + "/data/core/ups"


async def call(
    app: Starlette, headers: dict[str, str], method: str = "GET", **kw: Any
) -> httpx2.Response:
    async with httpx2.AsyncClient(transport=asgi(app), base_url=UPS) as http:
        return await http.request(method, "/segment/definitions", headers=headers, **kw)


@pytest.mark.parametrize(
    ("drop", "change", "status", "body"),
    [
        (
            "Authorization",
            None,
            403,
            {"error_code": "403010", "message": "Oauth token is missing."},
        ),
        ("x-api-key", None, 403, {"error_code": "403000", "message": "Api Key is required"}),
        (
            None,
            ("Authorization", "Bearer forged.token.value"),
            401,
            {"error_code": "401013", "message": "Oauth token is not valid"},
        ),
        (
            None,
            ("x-api-key", "someone-else"),
            403,
            {"error_code": "403003", "message": "Api Key is invalid"},
        ),
        ("x-gw-ims-org-id", None, 400, {"error_code": "400003", "message": "Missing header"}),
        (
            None,
            ("x-gw-ims-org-id", "other@AdobeOrg"),
            403,
            {"error_code": "403025", "message": "Profile is not valid"},
        ),
    ],
)
async def test_gateway_errors(
    sandbox_app: Starlette,
    drop: str | None,
    change: tuple[str, str] | None,
    status: int,
    body: dict[str, str],
) -> None:
    headers = await gateway_headers(sandbox_app)
    if drop:
        del headers[drop]
    if change:
        headers[change[0]] = change[1]
    response = await call(sandbox_app, headers)
    assert response.status_code == status
    assert response.json() == body


async def test_sandbox_header(sandbox_app: Starlette) -> None:
    headers = await gateway_headers(sandbox_app)
    del headers["x-sandbox-name"]
    response = await call(sandbox_app, headers)
    assert response.status_code == 400 and "x-sandbox-name" in response.json()["message"]
    headers["x-sandbox-name"] = "Dev"
    response = await call(sandbox_app, headers)
    assert response.status_code == 403
    assert "all lowercase" in response.json()["title"]
    assert "Available sandboxes" in response.json()["title"]


async def test_content_type_required_on_writes(sandbox_app: Starlette) -> None:
    headers = await gateway_headers(sandbox_app)
    response = await call(
        sandbox_app, {**headers, "content-type": "text/plain"}, "POST", content=b"{}"
    )
    assert response.status_code == 400
    assert response.json() == {
        "type": "/placeholder/type/uri",
        "status": 400,
        "title": "BadRequestError",
        "detail": "A valid content-type must be specified",
    }


async def test_ims_token_endpoint(sandbox_app: Starlette) -> None:
    async with httpx2.AsyncClient(transport=asgi(sandbox_app), base_url=LOCAL_BASE_URL) as http:
        token = await fetch_token(http)
        assert token.count(".") == 2
        form = {"grant_type": "client_credentials", "client_id": "seg-mcp-local"}
        wrong = await http.post("/ims/token/v3", data={**form, "client_secret": "nope"})
        assert wrong.status_code == 401
        assert wrong.json()["error"] == "invalid_client"
        assert "nope" not in wrong.text
        unknown = await http.post(
            "/ims/token/v3", data={**form, "client_id": "x", "client_secret": CLIENT_SECRET}
        )
        assert unknown.status_code == 400 and unknown.json()["error"] == "invalid_client"
        grant = await http.post(
            "/ims/token/v3", data={**form, "grant_type": "password", "client_secret": CLIENT_SECRET}
        )
        assert grant.json()["error"] == "unsupported_grant_type"


async def test_client_with_wrong_secret_fails_to_authenticate(sandbox_app: Starlette) -> None:
    from seg_mcp.config import local_config

    config = local_config()
    profile = config.profiles[0].model_copy(update={"client_secret": SecretStr("wrong")})
    bad = config.model_copy(update={"profiles": (profile,)})
    async with bad.create_client(transport=asgi(sandbox_app)) as client:
        with pytest.raises(AuthenticationError) as info:
            await client.list_segment_definitions()
    assert "invalid_client" in str(info.value), str(info.value)
    assert "wrong" not in str(info.value)


async def test_tokens_survive_a_restart(sandbox_settings: SandboxSettings) -> None:
    first = create_app(sandbox_settings)
    headers = await gateway_headers(first)
    created = await call(
        first, {**headers, "content-type": "application/json"}, "POST", json=definition("persisted")
    )
    assert created.status_code == 200
    await anyio.to_thread.run_sync(first.state.service.close)

    second = create_app(sandbox_settings)
    try:
        response = await call(second, headers)
        assert [d["name"] for d in response.json()["segments"]] == ["persisted"]
    finally:
        await anyio.to_thread.run_sync(second.state.service.close)


async def test_sandboxes_with_types(aep: AEPClient) -> None:
    sandboxes = {s.name: s for s in await aep.list_sandboxes()}
    assert set(sandboxes) == {"dev", "prod"}
    assert sandboxes["dev"].type == "development" and sandboxes["prod"].type == "production"
    assert sandboxes["prod"].is_production and sandboxes["prod"].is_default


async def test_union_schemas(aep: AEPClient, raw: httpx2.AsyncClient) -> None:
    profile = await aep.get_union_schema("https://ns.adobe.com/xdm/context/profile")
    assert profile["$id"] == "https://ns.adobe.com/xdm/context/profile__union"
    person = profile["properties"]["person"]["properties"]
    assert person["name"]["properties"]["firstName"]["type"] == "string"
    event = await aep.get_union_schema("_xdm.context.experienceevent")
    assert "timestamp" in event["properties"] and "productListItems" in event["properties"]
    base = LOCAL_BASE_URL + "/data/foundation/schemaregistry/tenant/schemas/"
    unknown = await raw.get(
        base + "https%3A%2F%2Fns.adobe.com%2Fxdm%2Fcontext%2Fnope__union",
        headers={"accept": "application/vnd.adobe.xed-full+json;version=1"},
    )
    assert unknown.status_code == 404 and "not available" in unknown.text


async def test_unknown_route_and_method(raw: httpx2.AsyncClient) -> None:
    missing = await raw.get("/segment/nothing-here")
    assert missing.status_code == 404 and missing.json()["status"] == 404
    wrong = await raw.put("/segment/definitions", json={})
    assert wrong.status_code == 405 and "allowed" in wrong.json()["title"]


async def test_organizations_are_isolated(sandbox_template: Any, tmp_path: Any) -> None:
    import shutil

    from seg_mcp.sandbox.settings import DATABASE_FILE, LocalCredential

    from .conftest import make_settings

    shutil.copy(sandbox_template / DATABASE_FILE, tmp_path / DATABASE_FILE)
    other = LocalCredential(
        client_id="other-client", client_secret=SecretStr("other-secret"), org_id="other@AdobeOrg"
    )
    app = create_app(make_settings(tmp_path, extra_credentials=[other]))
    try:
        mine = await gateway_headers(app)
        async with httpx2.AsyncClient(transport=asgi(app), base_url=LOCAL_BASE_URL) as http:
            token = (
                await http.post(
                    "/ims/token/v3",
                    data={
                        "grant_type": "client_credentials",
                        "client_id": "other-client",
                        "client_secret": "other-secret",
                    },
                )
            ).json()["access_token"]
        theirs = {
            "Authorization": f"Bearer {token}",
            "x-api-key": "other-client",
            "x-gw-ims-org-id": "other@AdobeOrg",
            "x-sandbox-name": "dev",
        }
        created = await call(
            app, {**mine, "content-type": "application/json"}, "POST", json=definition("mine")
        )
        assert created.status_code == 200
        listed = await call(app, theirs)
        assert listed.status_code == 200 and listed.json()["segments"] == []
        spoofed = await call(app, {**theirs, "x-gw-ims-org-id": mine["x-gw-ims-org-id"]})
        assert spoofed.status_code == 403 and spoofed.json()["error_code"] == "403025"
    finally:
        await anyio.to_thread.run_sync(app.state.service.close)


async def test_lifespan_lets_errors_through_unwrapped(sandbox_settings: SandboxSettings) -> None:
    app = create_app(sandbox_settings)
    with pytest.raises(LookupError, match="from the caller"):
        async with app.router.lifespan_context(app):
            headers = await gateway_headers(app)
            assert (await call(app, headers)).status_code == 200
            raise LookupError("from the caller")
    assert app.state.service._store is None  # closed on the way out


async def test_union_schema_includes_loaded_fields(
    sandbox_settings: SandboxSettings, aep: AEPClient, sandbox_app: Starlette
) -> None:
    from seg_mcp.sandbox import xdm

    await aep.list_sandboxes()  # the service is open
    store = sandbox_app.state.service.store
    info = store.sandbox("seg-mcp-local@AdobeOrg", "dev")
    extra = xdm.XdmField(
        "profile",
        "object",
        fields=(xdm.XdmField("loyalty", "object", fields=(xdm.XdmField("nickname", "string"),)),),
    )
    profile, event = store.fields(info)
    await store.db.awrite(store.set_fields, info, xdm.merge(profile, extra), event)

    loyalty = (await aep.get_union_schema())["properties"]["loyalty"]["properties"]
    assert loyalty["nickname"]["type"] == "string" and "tier" in loyalty
    prod = (await aep.get_union_schema(sandbox="prod"))["properties"]["loyalty"]["properties"]
    assert "nickname" not in prod  # per sandbox

    await anyio.to_thread.run_sync(sandbox_app.state.service.close)
    again = create_app(sandbox_settings)
    try:
        headers = await gateway_headers(again)
        async with httpx2.AsyncClient(transport=asgi(again), base_url=LOCAL_BASE_URL) as http:
            response = await http.get(
                "/data/foundation/schemaregistry/tenant/schemas/"
                "https%3A%2F%2Fns.adobe.com%2Fxdm%2Fcontext%2Fprofile__union",
                headers={**headers, "accept": "application/vnd.adobe.xed-full+json;version=1"},
            )
        assert "nickname" in response.json()["properties"]["loyalty"]["properties"]
    finally:
        await anyio.to_thread.run_sync(again.state.service.close)


async def test_unexpected_failure_is_a_ups_500_and_rolls_back(
    raw: httpx2.AsyncClient, sandbox_app: Starlette, monkeypatch: pytest.MonkeyPatch
) -> None:
    await raw.get("/segment/definitions")  # open the service
    real_put = sandbox_app.state.service.store.put

    def put_then_fail(*args: Any) -> None:
        real_put(*args)  # the row is written inside the transaction...
        raise RuntimeError("disk on fire /secret/path")  # ...then the unit of work fails

    monkeypatch.setattr(sandbox_app.state.service.store, "put", put_then_fail)
    response = await raw.post("/segment/definitions", json=definition("doomed"))
    assert response.status_code == 500
    body = response.json()
    assert body["type"].endswith("UPAPI-113500-500") and body["status"] == 500
    assert "Traceback" not in response.text and "secret" not in response.text
    monkeypatch.undo()
    assert (await raw.get("/segment/definitions")).json()["segments"] == []


def test_tokens_expire_and_are_bound_to_the_signing_key(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import time

    from seg_mcp.sandbox.ims import Ims
    from seg_mcp.sandbox.store import open_store

    def opened(where: str, **kw: Any) -> Any:
        settings = SandboxSettings(data_dir=tmp_path / where, default_profiles=0, **kw)
        return open_store(settings), settings

    store, settings = opened("a", token_ttl_seconds=60)
    other_store, other_settings = opened("b", token_ttl_seconds=60)
    try:
        ims = Ims(settings, store.db)
        client = ims.authenticate("seg-mcp-local", CLIENT_SECRET)
        token = str(ims.client_credentials(client)["access_token"])
        claims = ims.verify(token)
        assert claims is not None and claims.org_id == "seg-mcp-local@AdobeOrg"
        assert Ims(other_settings, other_store.db).verify(token) is None  # another key
        renamed = settings.model_copy(update={"client_id": "someone-else"})
        assert Ims(renamed, store.db).verify(token) is None  # client removed
        now = time.time()
        monkeypatch.setattr(time, "time", lambda: now + 61)
        assert ims.verify(token) is None
    finally:
        store.db.close()
        other_store.db.close()
