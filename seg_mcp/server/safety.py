"""Write safety, scoped to sandboxes: the sandbox guard and the audit log.

* `SandboxGuard`: a write is allowed in a sandbox whose type, read from the Sandbox Management
  API (cached), is `development`; a `production` sandbox, or one whose type cannot be read
  (fail closed), only when its profile sets `allow_production_writes`.
* `AuditLog`: one JSON line per write attempt: time, who (`who`: the IMS user id and email, the
  static token's name, or the technical account's client id; `local` without an auth layer),
  sandbox, tool, operation, target, the platform's and the MCP request ids, the outcome
  (`succeeded`, `failed`, `unknown` — sent, no answer —, `refused`, `declined`, `cancelled`),
  the platform's HTTP status when one came, `reconciled: true` when a write of unknown outcome
  was found on the platform, a `detail` saying why for anything but success, and how a
  destructive call was confirmed. Never a body, never a secret: every string is scrubbed of the
  configured secrets and of anything shaped like a bearer token or JWT before it is written.
  `SEG_MCP_AUDIT_LOG=-` (or `stdout`) writes the lines to stdout for containers; that is refused
  on the stdio transport, whose stdout is the protocol.
"""

from __future__ import annotations

import json
import re
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import anyio

from seg_mcp.aep import AEPClient, AEPError
from seg_mcp.config import BackendConfig, ConfigError
from seg_mcp.server.identity import Principal
from seg_mcp.server.toolkit import Refusal

__all__ = [
    "STDOUT_NAMES",
    "AuditLog",
    "SandboxGuard",
    "SandboxPosture",
    "check_audit_destination",
    "is_stdout",
]

#: `SEG_MCP_AUDIT_LOG` (or the file's `audit_log`) values that mean "write to stdout".
STDOUT_NAMES = frozenset({"-", "stdout"})

TYPE_TTL_SECONDS = 300.0


@dataclass(frozen=True)
class SandboxPosture:
    name: str
    type: str  # development | production | unknown
    writes_allowed: bool
    reason: str


class SandboxGuard:
    def __init__(self, client: AEPClient | None, config: BackendConfig, read_only: bool) -> None:
        self.client = client
        self.config = config
        self.read_only = read_only
        self._types: dict[str, str] = {}
        self._errors: dict[str, str] = {}
        self._fetched = -1e9
        self._lock = anyio.Lock()

    async def _refresh(self) -> None:
        async with self._lock:
            if time.monotonic() - self._fetched < TYPE_TTL_SECONDS:
                return
            types: dict[str, str] = {}
            errors: dict[str, str] = {}
            for profile in self.config.profiles:
                try:
                    assert self.client is not None
                    listed = await self.client.list_sandboxes(sandbox=profile.sandboxes[0])
                except AEPError as exc:
                    for name in profile.sandboxes:
                        errors[name] = f"the Sandbox Management API failed: {exc}"
                    continue
                by_name = {s.name: (s.type or "unknown") for s in listed}
                for name in profile.sandboxes:
                    types[name] = by_name.get(name, "unknown")
            self._types, self._errors = types, errors
            self._fetched = time.monotonic()

    async def posture(self, sandbox: str) -> SandboxPosture:
        await self._refresh()
        kind = self._types.get(sandbox, "unknown")
        profile = self.config.profile_for(sandbox)
        if self.read_only:
            return SandboxPosture(sandbox, kind, False, "the server runs read-only (--read-only)")
        if kind == "development":
            return SandboxPosture(sandbox, kind, True, "development sandbox")
        if profile.allow_production_writes:
            return SandboxPosture(
                sandbox, kind, True, f"profile {profile.name} sets allow_production_writes"
            )
        why = self._errors.get(sandbox) or (
            "a production sandbox"
            if kind == "production"
            else "its type is unknown to the Sandbox Management API, so it counts as production"
        )
        return SandboxPosture(sandbox, kind, False, why)

    def check_caller(self, principal: Principal, sandbox: str, writes: bool) -> None:
        """Refuse a caller limited to other sandboxes, or a read-only caller's write."""
        if principal.sandboxes is not None and sandbox not in principal.sandboxes:
            allowed = ", ".join(principal.sandboxes) or "none"
            raise Refusal(
                f"{principal.label()} may not use sandbox {sandbox!r}; nothing was sent.",
                hint=f"Sandboxes this caller may use: {allowed}.",
            )
        if writes and principal.read_only:
            raise Refusal(
                f"{principal.label()} is read-only; nothing was sent.",
                hint="Ask the server's operator for a credential that may write.",
            )

    async def check_write(self, sandbox: str) -> None:
        posture = await self.posture(sandbox)
        if not posture.writes_allowed:
            dev = [
                p.name
                for p in [await self.posture(s) for s in self.config.sandboxes]
                if p.writes_allowed
            ]
            where = f"use a development sandbox ({', '.join(dev)})" if dev else "use a dev sandbox"
            raise Refusal(
                f"writes are blocked in sandbox {sandbox!r}: {posture.reason}; nothing was sent.",
                hint=f"Work in a development sandbox instead: {where}, or set "
                "allow_production_writes = true in that sandbox's profile.",
            )


def is_stdout(path: Path) -> bool:
    return str(path).strip().lower() in STDOUT_NAMES


def check_audit_destination(path: Path, transport: str) -> None:
    """Raise `ConfigError` when the audit log would write to stdout on the stdio transport."""
    if transport == "stdio" and is_stdout(path):
        raise ConfigError(
            f"the audit log is set to {str(path)!r} (stdout), but on --transport stdio stdout "
            "carries the MCP protocol: set SEG_MCP_AUDIT_LOG (or audit_log in the config "
            "file) to a file path, or serve with --transport http"
        )


#: A bearer credential or a JWT anywhere in a string (three base64url parts, header first).
_TOKENISH = re.compile(
    r"(?i)\bbearer\s+[A-Za-z0-9._~+/=-]+|\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*"
)
_REDACTED = "[redacted]"


def who(principal: Principal) -> dict[str, str]:
    """The audit line's `who`: the caller's identity, never a credential."""
    entry: dict[str, str] = {"kind": principal.kind}
    id_key = "client_id" if principal.kind == "technical" else "user_id"
    for key, value in (
        (id_key, principal.user_id),
        ("email", principal.email),
        ("name", principal.name),
        ("token_name", principal.token_name),
        ("org_id", principal.org_id),
    ):
        if value:
            entry[key] = value
    return entry


class AuditLog:
    """JSON lines, appended to a file or written to stdout (`path` "-" or "stdout")."""

    def __init__(self, path: Path, secrets: Iterable[str] = ()) -> None:
        self.path = path
        self.to_stdout = is_stdout(path)
        self._secrets = sorted({s for s in secrets if s and len(s) >= 4}, key=len, reverse=True)
        self._lock = anyio.Lock()

    def scrub(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, _REDACTED)
        return _TOKENISH.sub(_REDACTED, text)

    def _scrubbed(self, value: object) -> object:
        if isinstance(value, str):
            return self.scrub(value)
        if isinstance(value, dict):
            return {k: self._scrubbed(v) for k, v in value.items()}
        return value

    async def write(
        self,
        *,
        principal: Principal,
        sandbox: str,
        tool: str,
        operation: str,
        target: str,
        request_id: str | None,
        outcome: str,
        detail: str | None = None,
        mcp_request_id: str | None = None,
        confirmed_by: str | None = None,
        status: int | None = None,
        reconciled: bool = False,
    ) -> None:
        entry: dict[str, object] = {
            "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "who": who(principal),
            "sandbox": sandbox,
            "tool": tool,
            "operation": operation,
            "target": target,
            "request_id": request_id,
            "mcp_request_id": mcp_request_id,
            "outcome": outcome,
        }
        if status is not None:
            entry["status"] = status
        if reconciled:
            entry["reconciled"] = True
        if confirmed_by:
            entry["confirmed_by"] = confirmed_by
        if detail:
            entry["detail"] = detail
        line = json.dumps(self._scrubbed(entry), ensure_ascii=False) + "\n"

        def append() -> None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as fh:
                fh.write(line)

        async with self._lock:
            if self.to_stdout:
                sys.stdout.write(line)
                sys.stdout.flush()
            else:
                await anyio.to_thread.run_sync(append)
