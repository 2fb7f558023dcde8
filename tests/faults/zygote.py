"""`seg-mcp api` processes without an interpreter start each: a zygote that imports the CLI once
and forks one child per command.

Starting Python and importing seg-mcp costs about a second a process; the fault suite runs 45
`seg-mcp api` commands. The zygote (`python tests/faults/zygote.py`, a process of its own, with no
thread and no event loop) reads one JSON request a line — `{"argv": [...], "env": {...}}` — forks,
and the child runs `seg_mcp.cli.main(argv)` with exactly that environment and its stdout/stderr in
files, as `python -m seg_mcp api …` would; the zygote answers `{"rc", "stdout", "stderr"}`.
Set `SEG_FAULTS_FRESH_CLI=1` to run real `python -m seg_mcp` subprocesses instead.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

CHILD_SECONDS = 60


def _serve() -> None:
    import seg_mcp.aep.registry
    import seg_mcp.cli
    import seg_mcp.cli._backend
    import seg_mcp.cli.api
    import seg_mcp.config

    for line in sys.stdin:
        request = json.loads(line)
        with tempfile.TemporaryDirectory() as tmp:
            out, err = Path(tmp, "out"), Path(tmp, "err")
            pid = os.fork()
            if pid == 0:  # the child: one `seg-mcp api` command
                signal.alarm(CHILD_SECONDS)  # a hung command dies instead of hanging the suite
                os.environ.clear()
                os.environ.update(request["env"])
                null = os.open(os.devnull, os.O_RDONLY)
                os.dup2(null, 0)
                for stream, path in ((1, out), (2, err)):
                    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
                    os.dup2(fd, stream)
                    os.close(fd)
                code = 1
                try:
                    code = seg_mcp.cli.main(request["argv"])
                except SystemExit as exc:
                    code = exc.code if isinstance(exc.code, int) else 1
                except BaseException:
                    import traceback

                    traceback.print_exc()
                finally:
                    sys.stdout.flush()
                    sys.stderr.flush()
                    os._exit(code)
            _, status = os.waitpid(pid, 0)
            answer = {
                "rc": os.waitstatus_to_exitcode(status),
                "stdout": out.read_text(errors="replace"),
                "stderr": err.read_text(errors="replace"),
            }
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()


class CLI:
    """Runs `seg-mcp api` commands through one zygote (or fresh subprocesses)."""

    def __init__(self) -> None:
        self.fresh = os.environ.get("SEG_FAULTS_FRESH_CLI") == "1"
        self.proc: subprocess.Popen[str] | None = None
        if not self.fresh:
            self.proc = subprocess.Popen(
                [sys.executable, str(Path(__file__).resolve())],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
            )

    def run(self, argv: list[str], env: dict[str, str]) -> tuple[int, str, str]:
        if self.proc is None:
            done = subprocess.run(
                [sys.executable, "-m", "seg_mcp", *argv],
                env=env,
                capture_output=True,
                text=True,
                timeout=60,
            )
            return done.returncode, done.stdout, done.stderr
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(json.dumps({"argv": argv, "env": env}) + "\n")
        self.proc.stdin.flush()
        answer: dict[str, Any] = json.loads(self.proc.stdout.readline())
        return answer["rc"], answer["stdout"], answer["stderr"]

    def close(self) -> None:
        if self.proc is not None:
            assert self.proc.stdin is not None
            self.proc.stdin.close()
            self.proc.wait(20)


if __name__ == "__main__":
    _serve()
