"""The audience view (an MCP App) in a real browser: Debian's chromium, headless, driven by
playwright, opens a minimal host page that speaks the Apps postMessage protocol (SEP-1865:
`ui/initialize`, `ui/notifications/initialized`, `tool-input`, `tool-result`,
`host-context-changed`, `size-changed`, and `tools/call` forwarded to a real `mcp.Client` on the
server over the local sandbox). The view runs in a sandboxed iframe under the spec's default
content-security policy. The test reads what the page shows: the size, the meaning, each bar's
label and value, the overlap counts; and presses save and evaluate.

Skipped only when /usr/bin/chromium is absent (CI installs it: `apt-get install chromium`)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from browser import chromium_options, needs_chromium
from mcp import Client
from mcp.client import advertise
from mcp.server import MCPServer
from mcp.server.apps import APP_MIME_TYPE, EXTENSION_ID

from seg_mcp.server import apps

pytestmark = needs_chromium

US = 'homeAddress.countryCode = "US"'
GOLD = 'loyalty.tier = "gold"'
APPS = advertise(EXTENSION_ID, {"mimeTypes": [APP_MIME_TYPE]})
#: The spec's restrictive default, which a host applies to a resource without `_meta.ui.csp`.
DEFAULT_CSP = (
    "default-src 'none'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; media-src 'self' data:; connect-src 'none'"
)

HOST = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>test host</title>
<style>body{margin:0;background:#888} iframe{border:0;width:760px;display:block}</style>
</head><body>
<iframe id="view" title="Audience view" sandbox="allow-scripts"></iframe>
<script>
const view = document.getElementById("view");
const host = window.host = {initialized: false, calls: [], sizes: []};
const post = (m) => view.contentWindow.postMessage(Object.assign({jsonrpc: "2.0"}, m), "*");
host.deliver = (args, result) => {
  post({method: "ui/notifications/tool-input", params: {arguments: args}});
  post({method: "ui/notifications/tool-result", params: result});
};
host.theme = (theme) => post({method: "ui/notifications/host-context-changed", params: {theme}});
window.addEventListener("message", async (event) => {
  if (event.source !== view.contentWindow) return;
  const m = event.data;
  if (m.method === "ui/initialize") {
    post({id: m.id, result: {protocolVersion: "2026-01-26",
      hostInfo: {name: "test-host", version: "1"}, hostCapabilities: {serverTools: {}},
      hostContext: {theme: "light", locale: "en-US", displayMode: "inline", platform: "web"}}});
  } else if (m.method === "ui/notifications/initialized") {
    host.initialized = true;
  } else if (m.method === "ui/notifications/size-changed") {
    host.sizes.push(m.params);
    view.style.height = m.params.height + "px";
  } else if (m.method === "tools/call") {
    host.calls.push(m.params.name);
    try {
      post({id: m.id, result: JSON.parse(await window.callServerTool(JSON.stringify(m.params)))});
    } catch (err) {
      post({id: m.id, error: {code: -32000, message: String(err)}});
    }
  } else if (m.id !== undefined) {
    post({id: m.id, error: {code: -32601, message: "Method not found"}});
  }
});
view.srcdoc = VIEW_HTML;
</script></body></html>"""


def host_page(view_html: str, server_tools: bool = True) -> str:
    """The host page around the view, its default CSP injected as the spec's sandbox does;
    `server_tools=False`: a host that does not let views call tools."""
    meta = f'<meta http-equiv="Content-Security-Policy" content="{DEFAULT_CSP}">'
    secured = view_html.replace("<head>", "<head>" + meta, 1)
    page = HOST.replace("VIEW_HTML", json.dumps(secured).replace("</", "<\\/"))
    return page if server_tools else page.replace("{serverTools: {}}", "{}")


def wire(result: Any) -> dict[str, Any]:
    return result.model_dump(mode="json", by_alias=True, exclude_none=True)  # type: ignore[no-any-return]


async def ok(client: Client, name: str, args: dict[str, Any]) -> dict[str, Any]:
    result = await client.call_tool(name, args)
    assert not result.is_error, result.content[0].text
    assert result.structured_content is not None
    return result.structured_content


def approx(counted: dict[str, Any]) -> str:
    """How the view marks an estimate."""
    return "≈ " if counted.get("exact") is False else ""


def bars(out: dict[str, Any]) -> tuple[list[str], list[int]]:
    """The bars a field_values result should show: top values, then "other" and "no value"."""
    rows = [(str(v["value"]), v["count"]) for v in out["values"]]
    rows += [("other", out["other"]["count"])] if out["other"]["count"] else []
    rows += [("no value", out["missing"]["count"])] if out["missing"]["count"] else []
    return [label for label, _ in rows], [count for _, count in rows]


def launch(pw: Any, profile: Path) -> Any:
    return pw.chromium.launch_persistent_context(
        **chromium_options(profile, viewport={"width": 800, "height": 1000})
    )


async def test_the_audience_view_in_chromium(
    make_server: Callable[..., MCPServer], tmp_path: Path
) -> None:
    from playwright.async_api import async_playwright, expect

    async with Client(make_server(), extensions=[APPS]) as client:
        tools = {t.name: t for t in (await client.list_tools()).tools}
        uri = tools["preview_audience"].meta["ui"]["resourceUri"]  # type: ignore[index]
        (content,) = (await client.read_resource(uri)).contents
        assert content.mime_type == APP_MIME_TYPE
        html = content.text  # type: ignore[union-attr]
        assert len(html.encode()) <= 150_000

        preview = await client.call_tool("preview_audience", {"pql": US, "sample": 0})
        (job,) = preview.structured_content["jobs"]  # type: ignore[index]
        assert job["size_known"]
        meaning = (await ok(client, "check_pql", {"pql": US}))["explanation"]
        expected_values = {
            field: await ok(client, "field_values", {"field": field, "within": US, "top": 8})
            for field in ("homeAddress.countryCode", "loyalty.tier")
        }

        async def call_server_tool(params: str) -> str:
            asked = json.loads(params)
            return json.dumps(wire(await client.call_tool(asked["name"], asked["arguments"])))

        requests: list[str] = []
        console_errors: list[str] = []
        async with async_playwright() as pw:
            context = await launch(pw, tmp_path / "chromium-profile")
            try:
                page = context.pages[0] if context.pages else await context.new_page()
                page.on("request", lambda r: requests.append(r.url))
                page.on(
                    "console",
                    lambda m: console_errors.append(m.text) if m.type == "error" else None,
                )
                await page.expose_function("callServerTool", call_server_tool)
                await page.set_content(host_page(html))
                await page.wait_for_function("window.host.initialized")
                await page.evaluate(
                    "([a, r]) => window.host.deliver(a, r)", [{"pql": US}, wire(preview)]
                )
                view = page.frame_locator("#view")

                # The size, with its interval or exactness, and when it was evaluated.
                await expect(view.locator("#size")).to_have_text(
                    f"{approx(job)}{job['size']:,} profiles"
                )
                if job.get("interval"):
                    low, high = job["interval"]["low"], job["interval"]["high"]
                    detail = f"Estimate: between {low:,} and {high:,}."
                    await expect(view.locator("#size-detail")).to_have_text(detail)
                elif job.get("exact"):
                    await expect(view.locator("#size-detail")).to_have_text("Exact count.")
                if job.get("evaluatedAt"):
                    stamp = view.locator("#evaluated time")
                    await expect(stamp).to_have_attribute("datetime", job["evaluatedAt"])
                await expect(view.locator("#pql")).to_have_text(US)
                await expect(view.locator("#meaning")).to_have_text(f"Meaning: {meaning}")

                # Breakdowns by two fields, asked for from the keyboard (Enter submits).
                await view.locator("#field-1").fill("homeAddress.countryCode")
                await view.locator("#field-2").fill("loyalty.tier")
                await view.locator("#field-2").press("Enter")
                for field, out in expected_values.items():
                    rows = view.locator(f'figure[data-field="{field}"] tbody tr')
                    labels, counts = bars(out)
                    await expect(rows.locator("th")).to_have_text(labels)
                    shares = [re.compile(rf"^{c:,} \(\d+(\.\d)?%\)$") for c in counts]
                    await expect(rows.locator("td.value")).to_have_text(shares)

                # The overlap with another audience, counted through the server.
                await view.locator("#other-1").fill(GOLD)
                await view.locator("#overlap-button").click()
                compared = await ok(client, "compare_audiences", {"audiences": [US, GOLD]})
                names = {("A",): "A only", ("B",): "B only", ("A", "B"): "A and B"}
                region_rows = view.locator("#overlap tbody tr")
                await expect(region_rows.locator("th")).to_have_text(
                    [names[tuple(r["members"])] for r in compared["regions"]]
                )
                await expect(region_rows.locator("td.value")).to_have_text(
                    [approx(r) + f"{r['size']:,}" for r in compared["regions"]]
                )
                legend = view.locator("#overlap .legend li")
                audiences = compared["audiences"]
                await expect(legend).to_have_text(
                    [
                        f"{a['label']}: {a['pql']} — {approx(compared)}{a['size']:,} profiles"
                        for a in audiences
                    ]
                )

                # Save, typed and submitted from the keyboard; then evaluate now.
                await view.locator("#save-name").fill("US audience from the view")
                await view.locator("#save-name").press("Tab")
                focused = await page.frame_locator("#view").locator(":focus").get_attribute("id")
                assert focused == "save-button"
                await page.keyboard.press("Enter")
                await expect(view.locator("#status")).to_contain_text("Saved as")
                await expect(view.locator("#evaluate-button")).to_be_enabled()
                await view.locator("#evaluate-button").click()
                await expect(view.locator("#status")).to_contain_text("SUCCEEDED")

                await page.screenshot(path=tmp_path / "audience-view-light.png", full_page=True)
                body = view.locator("body")
                light = await body.evaluate("b => getComputedStyle(b).backgroundColor")
                await page.evaluate("window.host.theme('dark')")
                await expect(body).not_to_have_css("background-color", light)
                await page.screenshot(path=tmp_path / "audience-view-dark.png", full_page=True)
                host_calls = await page.evaluate("window.host.calls")
                sizes = await page.evaluate("window.host.sizes")
            finally:
                await context.close()

        found = await ok(client, "find_segment_definitions", {})
    saved = [d for d in found["items"] if d["name"] == "US audience from the view"]
    assert [d["pql"] for d in saved] == [US]
    assert {"check_pql", "field_values", "compare_audiences"} <= set(host_calls)
    assert host_calls[-2:] == ["save_segment_definition", "run_segment_job"]
    assert sizes and sizes[-1]["height"] > 0
    assert requests == [] and console_errors == []  # nothing fetched, nothing the CSP refused
    assert (tmp_path / "audience-view-light.png").stat().st_size > 0


async def test_a_values_result_in_a_host_that_keeps_tools_to_itself(
    make_server: Callable[..., MCPServer], tmp_path: Path
) -> None:
    """The view opened by field_values: the audience is `within`, its size the population; a
    host without `serverTools` gets the view with its buttons off, and no call is attempted."""
    from playwright.async_api import async_playwright, expect

    args = {"field": "homeAddress.countryCode", "within": GOLD}
    async with Client(make_server(), extensions=[APPS]) as client:
        result = await client.call_tool("field_values", args)
    out = result.structured_content
    assert out is not None and len(out["values"]) > 1
    async with async_playwright() as pw:
        context = await launch(pw, tmp_path / "chromium-profile")
        try:
            page = context.pages[0] if context.pages else await context.new_page()
            await page.set_content(host_page(apps.html(), server_tools=False))
            await page.wait_for_function("window.host.initialized")
            await page.evaluate("([a, r]) => window.host.deliver(a, r)", [args, wire(result)])
            view = page.frame_locator("#view")
            await expect(view.locator("#size")).to_have_text(
                f"{approx(out)}{out['population']:,} profiles"
            )
            await expect(view.locator("#pql")).to_have_text(GOLD)
            rows = view.locator(f'figure[data-field="{args["field"]}"] tbody tr')
            labels, counts = bars(out)
            await expect(rows.locator("th")).to_have_text(labels)
            await expect(rows.locator("td.value")).to_have_text(
                [re.compile(rf"^{c:,} \(") for c in counts]
            )
            for button in ("#breakdown-button", "#overlap-button", "#save-button"):
                await expect(view.locator(button)).to_be_disabled()
            await expect(view.locator("#status")).to_have_text(
                "This host shows the view without letting it call tools."
            )
            assert await page.evaluate("window.host.calls") == []
        finally:
            await context.close()


def facts(out: Any) -> Any:
    """A comparison's structured content without its preview handles (new ones each call)."""
    return {**out, "regions": [{**r, "handle": None} for r in out["regions"]]}


async def test_a_client_without_apps_gets_the_facts_as_text(
    make_server: Callable[..., MCPServer],
) -> None:
    async with Client(make_server()) as plain:
        listed = {t.name: t for t in (await plain.list_tools()).tools}
        without = await plain.call_tool("compare_audiences", {"audiences": [US, GOLD]})
    async with Client(make_server(), extensions=[APPS]) as rendering:
        with_view = await rendering.call_tool("compare_audiences", {"audiences": [US, GOLD]})
    # The link is on the tool for every client; only an Apps client renders it.
    assert listed["compare_audiences"].meta == {"ui": {"resourceUri": apps.VIEW_URI}}
    assert facts(without.structured_content) == facts(with_view.structured_content)
    texts = [c.text for c in without.content]  # type: ignore[union-attr]
    (text,) = texts
    regions = without.structured_content["regions"]  # type: ignore[index]
    for region, name in zip(regions, ("A only", "B only", "A and B"), strict=True):
        assert f"- {name}: {region['size']}" in text
    assert apps.SHOWN not in text
    rendered = [c.text for c in with_view.content]  # type: ignore[union-attr]
    assert len(rendered) == 2 and rendered[1] == apps.SHOWN
    assert rendered[0].split("Text between")[0] == text.split("Text between")[0]
