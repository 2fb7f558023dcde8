"""The package as a user installs it: `python -m build` makes an sdist and a wheel (the wheel
built from the sdist, so the sdist is complete too); the wheel goes into a fresh virtualenv (not
editable, nothing of this checkout on its path), and from there `seg-mcp demo` runs the whole
workflow and `seg-mcp serve` answers `tools/list` to a real MCP client.

The virtualenv's dependencies come from the package index (pip's cache makes that quick after
the README's install command). Slowest test of the suite: about a minute."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import httpx2
import pytest
from loopback import free_port
from mcp import Client, StdioServerParameters
from server.authflow import local_sandbox, serve_env, signed_in, wait_port

import seg_mcp
from seg_mcp.server import ALL_TOOLS

ROOT = Path(__file__).resolve().parents[2]
#: What `demo`, `serve`, the prompts and the resources read at run time, besides code.
DATA_FILES = (
    "seg_mcp/py.typed",
    "seg_mcp/pql/pql.lark",
    "seg_mcp/server/pql-guide.md",
    "seg_mcp/server/apps/audience.html",
    *(f"seg_mcp/prompts/{p.name}" for p in sorted((ROOT / "seg_mcp" / "prompts").glob("*.md"))),
)


def _run(args: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(args, capture_output=True, text=True, **kwargs)  # type: ignore[call-overload]
    assert done.returncode == 0, f"{args}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done  # type: ignore[no-any-return]


def _clean_env(tmp: Path) -> dict[str, str]:
    """The environment of a new user: no project variables, nothing of this checkout."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("AEP_", "SEG_", "PYTHON", "VIRTUAL_ENV"))
    }
    env.update(
        SEG_MCP_DATA_DIR=str(tmp / "data"),
        SEG_MCP_AUDIT_LOG=str(tmp / "audit.jsonl"),
        SEG_SANDBOX_DEFAULT_PROFILES="50",
        SEG_SANDBOX_JOB_STEP_SECONDS="0",
    )
    return env


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The `bin` folder of a fresh virtualenv holding the built wheel."""
    tmp = tmp_path_factory.mktemp("dist")
    _run([sys.executable, "-m", "build", "--outdir", str(tmp / "dist"), str(ROOT)], timeout=600)
    version = seg_mcp.__version__
    wheel = tmp / "dist" / f"seg_mcp-{version}-py3-none-any.whl"
    sdist = tmp / "dist" / f"seg_mcp-{version}.tar.gz"
    assert wheel.is_file() and sdist.is_file(), sorted(p.name for p in (tmp / "dist").iterdir())

    with zipfile.ZipFile(wheel) as zf:
        in_wheel = set(zf.namelist())
    with tarfile.open(sdist) as tf:
        in_sdist = {name.split("/", 1)[1] for name in tf.getnames() if "/" in name}
    for name in DATA_FILES:
        assert name in in_wheel, f"the wheel lacks {name}"
        assert name in in_sdist, f"the sdist lacks {name}"
    for name in ("README.md", "LICENSE", "pyproject.toml"):
        assert name in in_sdist, f"the sdist lacks {name}"
    assert f"seg_mcp-{version}.dist-info/licenses/LICENSE" in in_wheel
    assert not any(n.startswith("tests/") for n in in_wheel), "tests leaked into the wheel"
    print(f"wheel {wheel.stat().st_size:,} bytes, sdist {sdist.stat().st_size:,} bytes")

    venv = tmp / "venv"
    _run([sys.executable, "-m", "venv", str(venv)], timeout=120)
    _run(
        [str(venv / "bin" / "pip"), "install", "-q", "--disable-pip-version-check", str(wheel)],
        timeout=900,
        env=_clean_env(tmp),
    )
    return venv / "bin"


def test_the_installed_package_is_the_wheel_not_this_checkout(installed: Path, tmp_path: Path):
    done = _run(
        [str(installed / "python"), "-c", "import seg_mcp; print(seg_mcp.__file__)"],
        cwd=tmp_path,
        env=_clean_env(tmp_path),
        timeout=60,
    )
    location = Path(done.stdout.strip())
    assert installed.parent in location.parents, location
    assert ROOT not in location.parents


def test_demo_runs_from_the_wheel(installed: Path, tmp_path: Path):
    done = _run(
        [str(installed / "seg-mcp"), "demo", "--profiles", "200", "--data-dir", str(tmp_path)],
        cwd=tmp_path,
        env=_clean_env(tmp_path),
        timeout=600,
    )
    assert "Save the segment definition" in done.stdout
    assert "Traceback" not in done.stdout + done.stderr


async def test_serve_lists_every_tool_from_the_wheel(installed: Path, tmp_path: Path):
    params = StdioServerParameters(
        command=str(installed / "seg-mcp"),
        args=["serve"],
        env=_clean_env(tmp_path),
        cwd=str(tmp_path),
    )
    async with Client(params) as client:
        tools = (await client.list_tools()).tools
        prompts = (await client.list_prompts()).prompts
        resources = (await client.list_resources()).resources
    assert [t.name for t in tools] == [s.name for s in ALL_TOOLS]
    assert {p.name for p in prompts} >= {"build-audience", "explain-audience"}
    assert resources, "no resources listed"


def _dockerfile() -> tuple[list[str], list[str], dict[str, str]]:
    """The image's CMD, HEALTHCHECK command and ENV, read from the Dockerfile."""
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8").replace("\\\n", " ")
    cmd = json.loads(re.search(r"^CMD (\[.*\])$", text, re.M)[1])  # type: ignore[index]
    check = json.loads(re.search(r"^HEALTHCHECK .*? CMD (\[.*\])$", text, re.M)[1])  # type: ignore[index]
    env_line = re.search(r"^ENV (.*)$", text, re.M)[1]  # type: ignore[index]
    env = dict(pair.split("=", 1) for pair in env_line.split())
    return cmd, check, env


async def test_the_container_command_line_serves_from_the_wheel(installed: Path, tmp_path: Path):
    """No container engine runs on the CI machine, so the image's own command line (CMD, ENV,
    HEALTHCHECK from the Dockerfile) runs from the wheel's virtualenv instead, against a local
    sandbox standing in for Adobe. Only the port changes (a free one)."""
    cmd, check, image_env = _dockerfile()
    port = free_port()
    cmd = [str(installed / cmd[0]), *(str(port) if a == "8000" else a for a in cmd[1:])]
    check = [str(installed / check[0]), *(a.replace(":8000/", f":{port}/") for a in check[1:])]
    assert "--auth" in cmd and "0.0.0.0" in cmd
    with local_sandbox(tmp_path / "sandbox") as sandbox_url:
        env = serve_env(sandbox_url, tmp_path / "server")
        env |= {k: v for k, v in image_env.items() if k != "SEG_MCP_DATA_DIR"}
        env |= {"SEG_MCP_PUBLIC_URL": f"http://127.0.0.1:{port}", "SEG_MCP_AUTH_SECRET": "x" * 32}
        log = (tmp_path / "serve.log").open("wb")
        proc = subprocess.Popen(cmd, env=env, cwd=tmp_path, stdout=log, stderr=log)
        try:
            wait_port(port, proc)
            assert subprocess.run(check, env=env, timeout=30).returncode == 0, "health check"
            async with httpx2.AsyncClient() as http:
                anonymous = await http.post(f"http://127.0.0.1:{port}/mcp", json={})
            assert anonymous.status_code == 401
            assert "resource_metadata=" in anonymous.headers["www-authenticate"]
            async with signed_in(f"http://127.0.0.1:{port}/mcp", "alice") as client:
                context = await client.call_tool("get_context", {})
            assert context.structured_content is not None
            assert "dev" in json.dumps(context.structured_content)
        finally:
            proc.terminate()
            proc.wait(timeout=20)
            log.close()
    audit = (tmp_path / "serve.log").read_text(errors="replace")
    assert "Traceback" not in audit, audit[-3000:]
