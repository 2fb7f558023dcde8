"""Write safety, scoped to sandboxes: the sandbox guard and the audit log.

* `SandboxGuard`: a write is allowed in a sandbox whose type, read from the Sandbox Management
  API (cached), is `development`; a `production` sandbox, or one whose type cannot be read
  (fail closed), only when its profile sets `allow_production_writes`.
* `AuditLog`: one JSON line per write attempt (time, sandbox, tool, operation, target, request
  id, outcome). Never a body, never a secret.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import anyio

from seg_mcp.aep import AEPClient, AEPError
from seg_mcp.config import BackendConfig
from seg_mcp.server.toolkit import Refusal

__all__ = ["AuditLog", "SandboxGuard", "SandboxPosture"]

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


class AuditLog:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = anyio.Lock()

    async def write(
        self,
        *,
        sandbox: str,
        tool: str,
        operation: str,
        target: str,
        request_id: str | None,
        outcome: str,
        detail: str | None = None,
    ) -> None:
        entry = {
            "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "sandbox": sandbox,
            "tool": tool,
            "operation": operation,
            "target": target,
            "request_id": request_id,
            "outcome": outcome,
        }
        if detail:
            entry["detail"] = detail
        line = json.dumps(entry, ensure_ascii=False) + "\n"

        def append() -> None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as fh:
                fh.write(line)

        async with self._lock:
            await anyio.to_thread.run_sync(append)
