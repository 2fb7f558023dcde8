"""`seg-mcp api` end to end against the loopback stand-in for Adobe (AEP_PLATFORM_URL, AEP_IMS_URL):
output, exit codes, refusals before any request, and no secret in any output or log."""

from __future__ import annotations

import json
import logging

import pytest

from seg_mcp.cli import main

from .fake_adobe import (
    DEFINITIONS,
    EXPORT_JOB,
    FAKE_CLIENT_ID,
    FAKE_ORG,
    FAKE_SECRET,
    FAKE_TOKEN,
    FakeAdobe,
)


@pytest.fixture(autouse=True)
def debug_logs(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)


def test_prints_the_json_response_and_sends_the_gateway_headers(
    fake_adobe: FakeAdobe, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["api", "listSegmentDefinitions", "--sandbox", "qa"]) == 0
    assert json.loads(capsys.readouterr().out)["segments"] == DEFINITIONS["segments"]
    [request] = fake_adobe.requests
    headers = request["headers"]
    assert (request["method"], request["path"]) == ("GET", "/data/core/ups/segment/definitions")
    assert headers["authorization"] == f"Bearer {FAKE_TOKEN}"
    assert headers["x-api-key"] == FAKE_CLIENT_ID
    assert headers["x-gw-ims-org-id"] == FAKE_ORG
    assert headers["x-sandbox-name"] == "qa"
    assert headers["x-request-id"]
    [token_request] = fake_adobe.token_requests
    assert token_request["grant_type"] == "client_credentials"


def test_paginate_follows_the_pages(
    fake_adobe: FakeAdobe, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["api", "listAudiences", "--paginate"]) == 0
    assert [a["id"] for a in json.loads(capsys.readouterr().out)] == ["a1", "a2", "a3"]
    assert [r["query"].get("start") for r in fake_adobe.requests] == [None, "2"]


def test_an_api_error_exits_1_with_status_code_message_and_request_id(
    fake_adobe: FakeAdobe, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["api", "getAudience", "--path", "AUDIENCE_ID=nope"]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert "The audience entity nope is not found." in err
    assert "  status: 404" in err
    assert "  request id: YrgXiqvCobA9neOmrzCP7kQLi4yIizoP" in err


def test_a_sandbox_outside_the_profiles_is_refused_before_any_request(
    fake_adobe: FakeAdobe, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["api", "listSegmentDefinitions", "--sandbox", "prod"]) == 2
    err = capsys.readouterr().err
    assert "sandbox 'prod' is not allowed by any credential profile" in err
    assert "allowed sandboxes: dev, qa" in err
    assert fake_adobe.requests == [] and fake_adobe.token_requests == []


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["listSegmentDefinitons"], "listSegmentDefinitions"),
        (["getAudience", "--path", "AUDIENCE_ID"], "--path expects NAME=VALUE"),
        (["createSegmentDefinition", "--body", "{oops"], "the body from --body is not JSON"),
        (["getAudience"], "getAudience needs path parameter(s) AUDIENCE_ID"),
    ],
)
def test_usage_errors_exit_2_before_any_request(
    fake_adobe: FakeAdobe, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    assert main(["api", *argv]) == 2
    assert message in capsys.readouterr().err
    assert fake_adobe.requests == []


def _leaks(secret: str, out: str, err: str, caplog: pytest.LogCaptureFixture) -> list[str]:
    """Where `secret` shows: stdout, stderr or a log record (debug logging is on)."""
    logged = "\n".join(r.getMessage() for r in caplog.records)
    return [name for name, text in (("out", out), ("err", err), ("log", logged)) if secret in text]


def test_no_secret_in_output_or_logs_of_a_successful_call(
    fake_adobe: FakeAdobe,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    assert main(["api", "listSegmentDefinitions"]) == 0
    assert caplog.records  # debug logging was on
    out, err = capsys.readouterr()
    assert _leaks(FAKE_SECRET, out, err, caplog) == _leaks(FAKE_TOKEN, out, err, caplog) == []


def test_a_secret_echoed_by_ims_is_redacted(
    fake_adobe: FakeAdobe,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    wrong = "wrong-SECRET-7d3a"
    monkeypatch.setenv("AEP_CLIENT_SECRET", wrong)
    fake_adobe.echo_secret_on_ims_error = True
    assert main(["api", "listSegmentDefinitions"]) == 1
    out, err = capsys.readouterr()
    assert "invalid client secret [redacted]" in err  # the server did echo it
    assert _leaks(wrong, out, err, caplog) == []


def test_a_rejected_static_token_is_not_printed(
    fake_adobe: FakeAdobe,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    token = "stale-TOKEN-5e8c"
    monkeypatch.delenv("AEP_CLIENT_SECRET")
    monkeypatch.setenv("AEP_ACCESS_TOKEN", token)
    assert main(["api", "listSegmentDefinitions"]) == 1
    out, err = capsys.readouterr()
    assert "  status: 401" in err and "get a new token" in err
    assert _leaks(token, out, err, caplog) == []


def test_reprs_hold_no_secret(fake_adobe: FakeAdobe) -> None:
    from seg_mcp.config import load_config

    config = load_config()
    texts = [repr(config), str(config), config.describe(), repr(config.profiles[0])]
    texts += [repr(c) + repr(c.token_provider) for c in config.credentials()]
    assert [t for t in texts if FAKE_SECRET in t] == []


@pytest.mark.parametrize(
    ("job_id", "printed", "unread"),
    [
        ("1", EXPORT_JOB, "ExportJob at creationTime: Input should be a valid integer"),
        ("2", "<html>maintenance</html>", "ExportJob: (body): Invalid JSON"),
    ],
)
def test_an_answer_the_model_cannot_read_is_printed_as_sent_with_a_warning(
    fake_adobe: FakeAdobe,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    job_id: str,
    printed: object,
    unread: str,
) -> None:
    assert main(["api", "retrieveExportJob", "--path", f"EXPORT_JOB_ID={job_id}"]) == 0
    assert json.loads(capsys.readouterr().out) == printed
    (warning,) = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warning.startswith(f"retrieveExportJob: kept as sent, did not parse: {unread}")
