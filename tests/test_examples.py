"""examples/: the client configs start `seg-mcp serve` the way the CLI parses it, their Adobe
variant sets exactly the variables `seg_mcp.config` reads, and the sample TOML loads with fake
credentials into a dev and a prod sandbox under separate profiles."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from seg_mcp.cli import build_parser
from seg_mcp.config import ConfigError, load_config

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
CLIENT_CONFIGS = {
    "claude_desktop_config.json": "mcpServers",
    "cursor-mcp.json": "mcpServers",
    "vscode-mcp.json": "servers",
}
FAKE = {
    "AEP_CLIENT_ID": "fake-client-id",
    "AEP_CLIENT_SECRET": "fake-secret",
    "AEP_ORG_ID": "FAKE0RG@AdobeOrg",
}


def _servers(file_name: str) -> dict[str, dict[str, object]]:
    document = json.loads((EXAMPLES / file_name).read_text(encoding="utf-8"))
    servers: dict[str, dict[str, object]] = document[CLIENT_CONFIGS[file_name]]
    return servers


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in list(os.environ):
        if name.startswith(("AEP_", "SEG_MCP_", "ACME_")):
            monkeypatch.delenv(name)
    return monkeypatch


@pytest.mark.parametrize("file_name", sorted(CLIENT_CONFIGS))
def test_each_client_config_starts_seg_mcp_serve(file_name: str) -> None:
    servers = _servers(file_name)
    assert sorted(servers) == ["seg-mcp", "seg-mcp-local"]
    for entry in servers.values():
        assert entry["command"] == "seg-mcp"
        args = build_parser().parse_args(entry["args"])  # type: ignore[arg-type]
        assert args.command == "serve"


@pytest.mark.parametrize("file_name", sorted(CLIENT_CONFIGS))
def test_the_adobe_variant_configures_the_adobe_backend(
    file_name: str, clean_env: pytest.MonkeyPatch
) -> None:
    env = _servers(file_name)["seg-mcp"]["env"]
    assert isinstance(env, dict)
    for name, value in env.items():
        # placeholders only: never a value that looks like a real secret
        assert value.startswith(("<", "${input:")) or name == "AEP_SANDBOXES", name
        clean_env.setenv(name, FAKE.get(name, value))
    config = load_config()
    assert (config.kind, config.sandboxes) == ("adobe", ("dev",))
    assert config.profiles[0].client_id == "fake-client-id"


@pytest.mark.parametrize("file_name", sorted(CLIENT_CONFIGS))
def test_the_local_variant_configures_the_local_sandbox(
    file_name: str, clean_env: pytest.MonkeyPatch
) -> None:
    for name, value in _servers(file_name)["seg-mcp-local"]["env"].items():  # type: ignore[union-attr]
        clean_env.setenv(name, value)
    assert load_config().kind == "local"


def test_the_sample_toml_has_dev_and_prod_under_separate_credentials(
    clean_env: pytest.MonkeyPatch,
) -> None:
    clean_env.setenv("SEG_MCP_CONFIG", str(EXAMPLES / "seg-mcp.toml"))
    for name, value in {
        "ACME_DEV_CLIENT_ID": "dev-id",
        "ACME_DEV_CLIENT_SECRET": "dev-secret",
        "ACME_PROD_CLIENT_ID": "prod-id",
        "ACME_PROD_CLIENT_SECRET": "prod-secret",
    }.items():
        clean_env.setenv(name, value)
    config = load_config()
    assert config.kind == "adobe"
    assert config.default_sandbox == "dev"
    dev, prod = config.profile_for("dev"), config.profile_for("prod")
    assert (dev.name, dev.client_id, dev.sandboxes) == ("acme-dev", "dev-id", ("dev",))
    assert (prod.name, prod.client_id, prod.sandboxes) == ("acme-prod", "prod-id", ("prod",))
    assert dev.client_secret is not None and prod.client_secret is not None
    assert dev.client_secret.get_secret_value() == "dev-secret"
    assert prod.client_secret.get_secret_value() == "prod-secret"
    assert prod.allow_production_writes is False


def test_the_sample_toml_names_the_missing_variable(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("SEG_MCP_CONFIG", str(EXAMPLES / "seg-mcp.toml"))
    clean_env.setenv("ACME_DEV_CLIENT_ID", "dev-id")
    with pytest.raises(ConfigError) as caught:
        load_config()
    assert str(caught.value) == (
        "profile 'acme-dev': environment variable ACME_DEV_CLIENT_SECRET (its client secret) is "
        "not set"
    )


def test_the_agent_script_picks_saves_evaluates_and_deletes_the_largest_audience() -> None:
    done = subprocess.run(
        [sys.executable, str(EXAMPLES / "agent.py")], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    sizes = {name: int(n) for name, n in re.findall(r"^- (.+): (\d+) profiles$", out, re.M)}
    assert sorted(sizes) == ["Buyers of the last 30 days", "Gold and platinum members"]
    assert "- Recent buyers (draft with a mistake): invalid (`==` is not a PQL operator" in out
    best = max(sizes, key=lambda n: sizes[n])
    (segment_id,) = re.findall(rf"^saved '{re.escape(best)}' as ([0-9a-f-]+)$", out, re.M)
    assert f"segment job SUCCEEDED: {{'{segment_id}': {sizes[best]}}}" in out
    assert f"the server asks: Delete segment definition {segment_id} ('{best}')" in out
    assert f"deleted {segment_id}\nchosen audience: {best}\n" in out
