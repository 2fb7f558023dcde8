import subprocess
import sys

from seg_mcp.cli import main


def test_help_lists_every_command(capsys):
    assert main([]) == 0
    out = capsys.readouterr().out
    for command in ("serve", "demo", "api", "pql", "sandbox", "tools"):
        assert command in out


def test_console_script_runs_as_module():
    result = subprocess.run(
        [sys.executable, "-m", "seg_mcp", "--version"], capture_output=True, text=True, check=True
    )
    assert result.stdout.startswith("seg-mcp ")
