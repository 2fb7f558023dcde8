"""The sign-in page in a real browser: Debian's chromium (headless, driven by playwright) opens the
local IMS served by uvicorn on 127.0.0.1, fills the form, clicks the button, and lands on the
loopback redirect URI with a code that the token endpoint exchanges (PKCE S256).

Skipped only when /usr/bin/chromium is absent (CI installs it: `apt-get install chromium`)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx2
import pytest
from browser import chromium_options, needs_chromium
from loopback import serve

from seg_mcp.sandbox import SandboxService, SandboxSettings, create_app

from .imsflow import NATIVE, authorize_params, gateway, pkce

pytestmark = needs_chromium


@pytest.fixture
def served(sandbox_settings: SandboxSettings) -> Iterator[str]:
    """The sandbox app under uvicorn on 127.0.0.1 (any free port); yields its origin."""
    service = SandboxService(sandbox_settings)
    try:
        with serve(create_app(service=service)) as origin:
            yield origin
    finally:
        service.close()


def test_sign_in_through_chromium(served: str, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    verifier, challenge = pkce()
    # The redirect URI is a loopback URI on the sandbox's own port: the browser really follows
    # the redirect (and gets the sandbox's 404 there), so its final URL carries the code.
    redirect_uri = f"{served}/callback"
    query = urlencode(authorize_params(challenge, redirect_uri=redirect_uri, state="s-browser"))
    with sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            **chromium_options(tmp_path / "chromium-profile")
        )
        try:
            page = context.new_page()
            page.goto(f"{served}/ims/authorize/v2?{query}")
            assert "Sign in" in page.title()
            page.fill("input[name=username]", "bob")
            page.fill("input[name=password]", "bob-local")
            with page.expect_navigation(url=f"{redirect_uri}?**"):
                page.click("button[type=submit]")
            landed = page.url
        finally:
            context.close()

    assert landed.startswith(redirect_uri + "?")
    params = {k: v[0] for k, v in parse_qs(urlsplit(landed).query).items()}
    assert params["state"] == "s-browser" and params["code"]
    with httpx2.Client(base_url=served) as http:
        answer = http.post(
            "/ims/token/v3",
            data={
                "grant_type": "authorization_code",
                "code": params["code"],
                "client_id": NATIVE,
                "redirect_uri": redirect_uri,
                "code_verifier": verifier,
            },
        )
        assert answer.status_code == 200, answer.text
        token = answer.json()["access_token"]
        info = http.get("/ims/userinfo/v2", headers={"Authorization": f"Bearer {token}"})
        assert info.json()["email"] == "bob@example.com"
        listed = http.get("/data/core/ups/segment/definitions", headers=gateway(token, "prod"))
        assert listed.status_code == 200
