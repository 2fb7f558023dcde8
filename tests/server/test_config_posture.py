"""The posture settings the server reads from seg_mcp.config: audit log path and production
writes of the environment profile."""

from __future__ import annotations

from pathlib import Path

import pytest

from seg_mcp.config import default_audit_log, load_config


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    for key in list(os.environ):
        if key.startswith(("AEP_", "SEG_MCP_")):
            monkeypatch.delenv(key)


def test_audit_log_defaults_under_the_state_dir(monkeypatch, tmp_path: Path):
    monkeypatch.setattr("sys.platform", "linux")
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    assert default_audit_log() == tmp_path / "seg-mcp" / "audit.jsonl"
    assert load_config().audit_log is None


def test_audit_log_from_the_environment_and_the_file(monkeypatch, tmp_path: Path):
    monkeypatch.setenv("SEG_MCP_AUDIT_LOG", str(tmp_path / "env.jsonl"))
    assert load_config().audit_log == tmp_path / "env.jsonl"
    config = tmp_path / "seg-mcp.toml"
    config.write_text(
        'audit_log = "/var/log/seg-mcp.jsonl"\n'
        "[profiles.dev]\n"
        'org_id = "O@AdobeOrg"\nclient_id = "id"\nclient_secret_env = "DEV_SECRET"\n'
        'sandboxes = ["dev"]\n'
    )
    monkeypatch.setenv("SEG_MCP_CONFIG", str(config))
    monkeypatch.setenv("DEV_SECRET", "s3cret")
    assert load_config().audit_log == tmp_path / "env.jsonl"  # the environment wins
    monkeypatch.delenv("SEG_MCP_AUDIT_LOG")
    assert load_config().audit_log == Path("/var/log/seg-mcp.jsonl")


def test_environment_profile_production_writes(monkeypatch):
    for key, value in {
        "AEP_CLIENT_ID": "id",
        "AEP_CLIENT_SECRET": "secret",
        "AEP_ORG_ID": "O@AdobeOrg",
        "AEP_SANDBOXES": "prod",
    }.items():
        monkeypatch.setenv(key, value)
    assert load_config().profiles[0].allow_production_writes is False
    monkeypatch.setenv("AEP_ALLOW_PRODUCTION_WRITES", "true")
    assert load_config().profiles[0].allow_production_writes is True
