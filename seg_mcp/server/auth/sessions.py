"""Who a signed-in person is, checked with IMS and cached briefly.

`caller_ims_token` holds, for the request being served, the IMS access token of the person behind
it: the auth gate sets it, and the `AEPClient` of `--auth oauth` reads it through a
`DelegatedTokenProvider`, so every platform call carries that person's own token.

`SessionChecker.principal(ims_token)` asks IMS (`/ims/userinfo/v2`) whether the session behind the
token is alive and who it is, then asks Sandbox Management, with the person's token, which
sandboxes they may use; the principal's sandboxes are the deployment's intersected with those.
The answer (or "dead") is cached per token for `ttl` seconds, so a revoked IMS session is refused
at most `ttl` seconds later on a replica that had it cached (at once on the replica that revoked).
"""

from __future__ import annotations

import hashlib
import logging
import time
from contextvars import ContextVar

from pydantic import SecretStr

from seg_mcp.aep import AEPClient, AEPError, APIError
from seg_mcp.server.auth.ims import IMSSignIn
from seg_mcp.server.identity import Principal

__all__ = ["SessionChecker", "caller_ims_token"]

logger = logging.getLogger("seg_mcp.server.auth")

#: The IMS access token of the person the current request acts for (oauth mode only).
caller_ims_token: ContextVar[SecretStr | None] = ContextVar(
    "seg_mcp_caller_ims_token", default=None
)

_MAX_ENTRIES = 2048
_FAILURE_TTL = 5.0


def _key(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class SessionChecker:
    def __init__(
        self,
        ims: IMSSignIn,
        client: AEPClient,
        deployment_sandboxes: tuple[str, ...],
        *,
        ttl: float,
    ) -> None:
        self.ims = ims
        self.client = client
        self.deployment_sandboxes = deployment_sandboxes
        self.ttl = ttl
        self._cache: dict[str, tuple[float, Principal | None]] = {}
        #: IMS userinfo calls made (diagnostics and tests).
        self.checks = 0

    def forget(self, token: str) -> None:
        self._cache.pop(_key(token), None)

    def _remember(self, key: str, principal: Principal | None, ttl: float) -> None:
        if ttl <= 0:
            return
        if len(self._cache) >= _MAX_ENTRIES:
            now = time.monotonic()
            for k in [k for k, (exp, _) in self._cache.items() if exp <= now]:
                del self._cache[k]
            while len(self._cache) >= _MAX_ENTRIES:
                del self._cache[next(iter(self._cache))]
        self._cache[key] = (time.monotonic() + ttl, principal)

    async def principal(self, ims_token: str) -> Principal | None:
        """The person behind `ims_token`, or None if IMS no longer honours it."""
        key = _key(ims_token)
        cached = self._cache.get(key)
        if cached is not None and cached[0] > time.monotonic():
            return cached[1]
        self.checks += 1
        info = await self.ims.userinfo(ims_token)
        if info is None:
            self._remember(key, None, self.ttl)
            return None
        sandboxes, complete = await self._sandboxes(ims_token)
        principal = Principal(
            kind="user",
            user_id=str(info.get("sub")),
            email=_str(info.get("email")),
            name=_str(info.get("name")),
            sandboxes=tuple(s for s in self.deployment_sandboxes if s in sandboxes),
            org_id=_str(info.get("org")),
        )
        self._remember(key, principal, self.ttl if complete else _FAILURE_TTL)
        return principal

    async def _sandboxes(self, ims_token: str) -> tuple[set[str], bool]:
        """The sandboxes Sandbox Management lists for the person (their token), and whether the
        answer is a real one (False: it failed, so none, briefly)."""
        reset = caller_ims_token.set(SecretStr(ims_token))
        try:
            listed = await self.client.list_sandboxes()
        except APIError as exc:
            if exc.status in (401, 403):
                # Not a member of this org, or no permission: no sandbox.
                return set(), True
            logger.warning("Sandbox Management failed for a signed-in person: %s", exc)
            return set(), False
        except AEPError as exc:
            logger.warning("Sandbox Management failed for a signed-in person: %s", exc)
            return set(), False
        finally:
            caller_ims_token.reset(reset)
        return {s.name for s in listed if (s.state or "active") == "active"}, True


def _str(value: object) -> str | None:
    return str(value) if value else None
