"""`seg-mcp sandbox generate|load|serve`, and `seg-mcp api` against a sandbox served on loopback."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import httpx2
import pytest

from seg_mcp.cli import main
from seg_mcp.sandbox.settings import DEFAULT_ORG_ID, SandboxSettings
from seg_mcp.sandbox.store import open_store

_OWN = ("AEP_", "SEG_MCP_", "SEG_SANDBOX_")
NOW = "2026-11-01T00:00:00Z"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith(_OWN):
            monkeypatch.delenv(name)
    monkeypatch.setenv("SEG_SANDBOX_NOW", NOW)


def checksums(data_dir: Path, sandbox: str = "dev") -> tuple[str, str, int]:
    store = open_store(SandboxSettings(data_dir=data_dir, default_profiles=0))
    try:
        info = store.sandbox(DEFAULT_ORG_ID, sandbox)
        assert info is not None

        def digest(cur: Any) -> tuple[str, str, int]:
            sums = [
                cur.execute(
                    f"SELECT md5(string_agg(t::VARCHAR, '|' ORDER BY t._id)) FROM {info.table(t)} t"
                ).fetchone()[0]
                for t in ("profiles", "experience_events")
            ]
            (n,) = cur.execute(f"SELECT count(*) FROM {info.table('profiles')}").fetchone()
            return sums[0], sums[1], n

        return store.db.read(digest)
    finally:
        store.db.close()


def test_generate_is_deterministic_for_a_seed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    runs = {}
    for name, seed in (("a", "9"), ("b", "9"), ("c", "10")):
        where = str(tmp_path / name)
        code = main(
            ["sandbox", "generate", "--profiles", "400", "--seed", seed, "--data-dir", where]
        )
        assert code == 0
        runs[name] = checksums(tmp_path / name)
    out = capsys.readouterr().out
    assert "generated 400 profiles and " in out and "in sandbox dev" in out
    assert "seed 9, events up to 2026-11-01 00:00:00 UTC" in out
    assert runs["a"] == runs["b"]
    assert runs["a"][2] == 400
    assert runs["c"][:2] != runs["a"][:2]


def test_generate_replaces_the_sandbox_data(tmp_path: Path) -> None:
    data = str(tmp_path / "d")
    assert main(["sandbox", "generate", "--profiles", "300", "--data-dir", data]) == 0
    assert main(["sandbox", "generate", "--profiles", "50", "--data-dir", data]) == 0
    assert checksums(tmp_path / "d")[2] == 50


def test_load_reports_what_it_loaded(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    profiles = tmp_path / "p.jsonl"
    profiles.write_text('{"_id": "a", "loyalty": {"nickname": "Al"}}\n{"_id": "b"}\n')
    events = tmp_path / "e.jsonl"
    events.write_text('{"_id": "e1", "profileId": "a", "timestamp": "2026-10-01T00:00:00Z"}\n')
    data = str(tmp_path / "d")
    args = ["sandbox", "load", "--profiles", str(profiles), "--events", str(events)]
    assert main([*args, "--data-dir", data, "--sandbox", "prod"]) == 0
    out = capsys.readouterr().out
    assert "loaded into sandbox prod: 2 profiles and 1 events in " in out
    assert "new fields: profile loyalty.nickname" in out


def test_a_bad_line_exits_2_naming_file_and_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    profiles = tmp_path / "p.jsonl"
    profiles.write_text('{"_id": "a"}\n\n{"_id": "b", "person": {"birthDate": 1980}}\n')
    code = main(["sandbox", "load", "--profiles", str(profiles), "--data-dir", str(tmp_path)])
    assert code == 2
    err = capsys.readouterr().err
    assert "nothing was loaded: 1 problem(s)" in err
    assert (
        f"{profiles}:3: person.birthDate: found an integer, but the field is a date (YYYY-MM-DD)"
    ) in err
    assert checksums(tmp_path)[2] == 0


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["generate", "--profiles", "5", "--sandbox", "qa"],
            "no sandbox named 'qa'; the sandboxes are: prod, dev",
        ),
        (["generate", "--profiles", "-1"], "--profiles must be 0 or more"),
        (["load", "--profiles", "missing.jsonl"], "--profiles missing.jsonl: no such file"),
        (["load"], "give --profiles FILE, --events FILE or both"),
    ],
)
def test_bad_input_exits_2_with_a_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    assert main(["sandbox", *argv, "--data-dir", str(tmp_path)]) == 2
    assert message in capsys.readouterr().err


def test_a_data_dir_that_is_a_file_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    not_a_dir = tmp_path / "file"
    not_a_dir.write_text("x")
    assert main(["sandbox", "generate", "--profiles", "1", "--data-dir", str(not_a_dir)]) == 2
    assert f"data directory {not_a_dir} is not a directory" in capsys.readouterr().err


def test_a_port_in_use_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        argv = ["sandbox", "serve", "--port", str(port), "--data-dir", str(tmp_path)]
        assert main(argv) == 2
    assert f"cannot listen on 127.0.0.1:{port}" in capsys.readouterr().err


# -- serve, and `seg-mcp api` against it over loopback -------------------------------------------


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(_OWN)}
    return {**env, "SEG_SANDBOX_NOW": NOW, **extra}


def _api(env: dict[str, str], *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "seg_mcp", "api", *argv],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _banner(proc: subprocess.Popen[str], timeout: float = 120) -> tuple[list[str], dict[str, str]]:
    """The lines the server prints once it listens, and the `export NAME=VALUE` among them."""
    lines: queue.Queue[str | None] = queue.Queue()

    def pump() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.put(line.rstrip("\n"))
        lines.put(None)

    threading.Thread(target=pump, daemon=True).start()
    seen: list[str] = []
    exports: dict[str, str] = {}
    while True:
        line = lines.get(timeout=timeout)
        assert line is not None, "the server exited: " + "\n".join(seen)
        seen.append(line)
        if line.strip().startswith("export "):
            name, _, value = line.strip().removeprefix("export ").partition("=")
            exports[name] = value
        if "AEP_SANDBOXES" in exports:
            return seen, exports


def test_seg_mcp_api_works_against_a_served_sandbox(tmp_path: Path) -> None:
    env = _env(SEG_SANDBOX_DEFAULT_PROFILES="200", SEG_SANDBOX_JOB_STEP_SECONDS="0")
    data = tmp_path / "data"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "seg_mcp",
            "sandbox",
            "serve",
            "--port",
            "0",
            "--data-dir",
            f"{data}",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        banner, exports = _banner(proc)
        url = exports["AEP_PLATFORM_URL"]
        assert url.startswith("http://127.0.0.1:")
        assert exports == {
            "AEP_PLATFORM_URL": url,
            "AEP_IMS_URL": url,
            "AEP_CLIENT_ID": "seg-mcp-local",
            "AEP_CLIENT_SECRET": "seg-mcp-local-secret",
            "AEP_ORG_ID": "seg-mcp-local@AdobeOrg",
            "AEP_SANDBOXES": "dev,prod",
        }
        assert banner[0] == f"seg-mcp local sandbox serving on {url}"
        assert "  native app client id (public, no secret): seg-mcp-local-native" in banner
        users = [line.split() for line in banner if " password " in line]
        assert users == [
            ["alice", "password", "alice-local", "org", DEFAULT_ORG_ID, "sandboxes:", "dev"],
            ["bob", "password", "bob-local", "org", DEFAULT_ORG_ID, "sandboxes:", "dev,", "prod"],
            ["eve", "password", "eve-local", "org", "seg-mcp-other@AdobeOrg", "sandboxes:", "none"],
        ]
        discovery = httpx2.get(f"{url}/ims/.well-known/openid-configuration").json()
        assert discovery["issuer"] == url
        assert discovery["authorization_endpoint"] == f"{url}/ims/authorize/v2"
        api_env = {**env, **exports}

        listed = _api(api_env, "listSegmentDefinitions", "--sandbox", "dev")
        assert listed.returncode == 0, listed.stderr
        assert json.loads(listed.stdout)["segments"] == []

        body = {
            "name": "Gold members",
            "expression": {"type": "PQL", "format": "pql/text", "value": 'loyalty.tier = "gold"'},
            "schema": {"name": "_xdm.context.profile"},
        }
        created = _api(
            api_env, "createSegmentDefinition", "--sandbox", "dev", "--body", json.dumps(body)
        )
        assert created.returncode == 0, created.stderr
        segment_id = json.loads(created.stdout)["id"]

        listed = _api(api_env, "listSegmentDefinitions", "--sandbox", "dev")
        [segment] = json.loads(listed.stdout)["segments"]
        assert (segment["id"], segment["name"]) == (segment_id, "Gold members")
        assert segment["expression"]["value"] == 'loyalty.tier = "gold"'
        other = _api(api_env, "listSegmentDefinitions", "--sandbox", "prod")
        assert json.loads(other.stdout)["segments"] == []  # each sandbox its own

        wrong = _api({**api_env, "AEP_CLIENT_SECRET": "not-the-SECRET-x1"}, "listAudiences")
        assert wrong.returncode == 1
        assert "status: 401" in wrong.stderr
        assert "not-the-SECRET-x1" not in wrong.stderr + wrong.stdout
        # IMS also takes its parameters in the query string, which the access log prints.
        refused = httpx2.post(
            f"{url}/ims/token/v3?grant_type=client_credentials&client_id=seg-mcp-local"
            "&client_secret=query-SECRET-x2"
        )
        assert refused.status_code == 401
        stale = httpx2.post(
            f"{url}/ims/token/v3?grant_type=refresh_token&client_id=seg-mcp-local-native"
            "&refresh_token=query-REFRESH-x3"
        )
        assert stale.status_code == 400 and stale.json()["error"] == "invalid_grant"
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            _, err = proc.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise
    assert proc.returncode == 0, err
    assert "seg-mcp local sandbox stopped (SIGTERM)" in err
    assert "POST /ims/token/v3?grant_type=client_credentials" in err  # the access log, on stderr
    assert "query-SECRET-x2" not in err and "client_secret=[redacted]" in err
    assert "query-REFRESH-x3" not in err and "refresh_token=[redacted]" in err
    # Shut down cleanly: the database is free again and kept what was written.
    store = open_store(SandboxSettings(data_dir=data, default_profiles=0))
    try:
        info = store.sandbox(DEFAULT_ORG_ID, "dev")
        assert info is not None
        kept = store.db.read(
            lambda cur: cur.execute(
                f"SELECT count(*) FROM {info.table('objects')} WHERE id = ?", [segment_id]
            ).fetchone()
        )
        assert kept == (1,)
    finally:
        store.db.close()
