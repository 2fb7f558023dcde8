"""The descriptions others read: the MCP Registry's `server.json` and the Claude Desktop bundle's
`mcpb/manifest.json` are valid, carry the package's version, mark secrets, and name only
settings the code reads."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path
from typing import Any

import jsonschema
import pytest

import seg_mcp
from seg_mcp.cli import settings as settings_cli

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).parent / "fixtures"
SECRET_NAMES = re.compile(r"SECRET|TOKEN|PASSWORD")


def _json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def _env_settings() -> dict[str, settings_cli.Setting]:
    return {
        s.name: s
        for _, model, env in settings_cli.sections()
        if env
        for s in settings_cli.settings_of(model, env)
    }


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft7Validator:
    schema = _json(FIXTURES / "registry-server.schema.json")
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(schema, format_checker=jsonschema.FormatChecker())


def test_server_json_is_valid_for_the_registry(validator: jsonschema.Draft7Validator):
    server = _json(ROOT / "server.json")
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(server)]
    assert errors == []
    assert server["$schema"].endswith("/2025-12-11/server.schema.json")


@pytest.mark.parametrize(
    "change",
    [
        {"description": "x" * 101},
        {"name": "no-slash"},
        {
            "packages": [
                {
                    "registryType": "pypi",
                    "identifier": "seg-mcp",
                    "version": "latest",
                    "transport": {"type": "stdio"},
                }
            ]
        },
    ],
)
def test_the_schema_rejects_what_the_registry_rejects(validator, change: dict[str, Any]):
    server = _json(ROOT / "server.json") | change
    assert list(validator.iter_errors(server)), change


def test_server_json_describes_this_package():
    server = _json(ROOT / "server.json")
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert server["version"] == seg_mcp.__version__
    (package,) = server["packages"]
    assert (package["registryType"], package["identifier"]) == ("pypi", project["name"])
    assert package["version"] == seg_mcp.__version__
    assert package["transport"] == {"type": "stdio"}
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"mcp-name: {server['name']}" in readme, "the PyPI ownership marker"


def test_server_json_names_real_settings_and_marks_secrets():
    known = _env_settings()
    (package,) = _json(ROOT / "server.json")["packages"]
    for var in package["environmentVariables"]:
        assert var["name"] in known, f"{var['name']} is not a setting seg-mcp reads"
        assert var["isSecret"] is known[var["name"]].secret, var["name"]
        assert var["isSecret"] is bool(SECRET_NAMES.search(var["name"])), var["name"]


def test_bundle_manifest_matches_the_package():
    manifest = _json(ROOT / "mcpb" / "manifest.json")
    assert manifest["manifest_version"] == "0.4"
    assert manifest["version"] == seg_mcp.__version__
    assert manifest["server"]["type"] == "uv"
    assert (ROOT / manifest["server"]["entry_point"]).is_file()
    assert manifest["server"]["mcp_config"]["args"][-2:] == ["seg-mcp", "serve"]


def test_bundle_settings_are_real_and_secrets_sensitive():
    manifest = _json(ROOT / "mcpb" / "manifest.json")
    known = _env_settings()
    options = manifest["user_config"]
    used = set()
    for name, value in manifest["server"]["mcp_config"]["env"].items():
        assert name in known, f"{name} is not a setting seg-mcp reads"
        (option,) = re.fullmatch(r"\$\{user_config\.(\w+)\}", value).groups()  # type: ignore[union-attr]
        assert option in options, option
        used.add(option)
        assert bool(options[option].get("sensitive")) is known[name].secret, name
        # Left empty, every option means "the local sandbox" (zero configuration).
        assert options[option]["required"] is False
    assert used == set(options), "user_config options that no variable uses"
