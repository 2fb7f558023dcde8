"""`seg-mcp pql check` and `seg-mcp pql convert`, run in-process (one subprocess run of the
console script)."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from seg_mcp.cli import main


def test_check_valid(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["pql", "check", 'homeAddress.countryCode = "US"']) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "valid"


def test_check_invalid_draws_the_mistake(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["pql", "check", 'homeAddress.countryCode == "US" and age() > 3']) == 1
    out = capsys.readouterr().out
    assert out == (
        "error[syntax]: `==` is not a PQL operator\n"
        " --> line 1, column 25\n"
        "  |\n"
        '1 | homeAddress.countryCode == "US" and age() > 3\n'
        "  |                         ^~\n"
        "  = hint: PQL compares with a single `=`\n"
        "\n"
        "error[unknown-function]: PQL has no function `age`\n"
        " --> line 1, column 37\n"
        "  |\n"
        '1 | homeAddress.countryCode == "US" and age() > 3\n'
        "  |                                     ^~~\n"
        "  = hint: PQL has no age() function; compare the birth date or year instead: "
        "person.birthDate occurs >= 30 years before today (30 or older), or "
        "person.birthYear <= currentYear() - 30\n"
        "\n"
        "invalid: 2 errors\n"
    )


def test_check_shows_what_was_expected(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["pql", "check", "a = 1 b"]) == 1
    out = capsys.readouterr().out
    assert "  = expected an operator (`and`, `or`, `+`, `-`, `*`, `/`, `%`), `.`, `[` or " in out


def test_check_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["pql", "check", "--json", "a == 1"]) == 1
    out = json.loads(capsys.readouterr().out)
    assert out["ok"] is False
    assert [(d["line"], d["column"], d["code"]) for d in out["diagnostics"]] == [(1, 3, "syntax")]
    assert main(["pql", "check", "--json", 'inSegment("s1")']) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["ok"] is True and out["analysis"]["segment_ids"] == ["s1"]


def test_check_reads_standard_input(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO('person.name = "x"\n'))
    assert main(["pql", "check", "-"]) == 0


def test_check_against_a_fields_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    fields = tmp_path / "fields.json"
    fields.write_text(
        json.dumps(
            {
                "profile": [
                    {"path": "homeAddress", "xdm_type": "object"},
                    {"path": "homeAddress.countryCode", "xdm_type": "string"},
                ]
            }
        )
    )
    assert main(["pql", "check", 'homeAddress.countryCode = "US"', "--fields", str(fields)]) == 0
    capsys.readouterr()
    assert main(["pql", "check", 'homeAddress.countyCode = "US"', "--fields", str(fields)]) == 1
    assert "error[unknown-field]" in capsys.readouterr().out


def test_a_bad_fields_file_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"profile": [{"path": 3}]}')
    assert main(["pql", "check", "a", "--fields", str(bad)]) == 2
    assert capsys.readouterr().err == (
        f"error: {bad} is not a field catalog:\n"
        "  at profile.0.path: Input should be a valid string\n"
        "  at profile.0.xdm_type: Field required\n"
    )
    missing = tmp_path / "missing.json"
    assert main(["pql", "check", "a", "--fields", str(missing)]) == 2
    assert capsys.readouterr().err == (
        f"error: cannot read the field catalog {missing}: No such file or directory\n"
    )


def test_convert_both_ways(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["pql", "convert", "person.birthYear >= 2000"]) == 0
    tree = json.loads(capsys.readouterr().out)
    assert tree["fnName"] == ">=" and tree["params"][1]["value"] == 2000
    path = tmp_path / "tree.json"
    path.write_text(json.dumps(tree))
    assert main(["pql", "convert", "--from-json", str(path)]) == 0
    assert capsys.readouterr().out == "person.birthYear >= 2000\n"


def test_convert_invalid_text(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["pql", "convert", "a == 1"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("error[syntax]: `==` is not a PQL operator\n")


def test_convert_bad_json_says_where(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "tree.json"
    path.write_text('{"nodeType": "fnApply", "fnName": "=", "params": [{"nodeType": "nope"}]}')
    assert main(["pql", "convert", "--from-json", str(path)]) == 1
    assert capsys.readouterr().err == (
        f"error: {path} is not a valid pql/json tree: unknown nodeType 'nope' at $.params[0]\n"
    )
    path.write_text('{"nodeType": ')
    assert main(["pql", "convert", "--from-json", str(path)]) == 1
    assert "is not a valid pql/json tree: not JSON (" in capsys.readouterr().err


def test_convert_needs_one_source(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["pql", "convert"]) == 2
    assert "give either EXPR" in capsys.readouterr().err


def test_console_script() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "seg_mcp", "pql", "check", "x.timestamp occurs in last 7 days"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert "`in last 7 days` is not a PQL time window" in result.stdout
    assert "hint: write `occurs <= 7 days before now`" in result.stdout
