"""The sandboxes a deployment offers when `--auth oauth` runs without `AEP_SANDBOXES`.

Sandbox Management is asked once, at start, with the server's own credential (client
credentials): every active sandbox it lists is offered, and each person still sees only the ones
Sandbox Management lists for them. Real Adobe Web App credentials usually cannot use client
credentials; there, set `AEP_SANDBOXES`.
"""

from __future__ import annotations

from collections.abc import Mapping

import anyio

from seg_mcp.aep import DEFAULT_PLATFORM_URL, AEPClient, Credential, IMSTokenProvider, RetryPolicy
from seg_mcp.config import DEFAULT_IMS_URL

__all__ = ["discover_sandboxes"]

#: Sandbox Management ignores the sandbox header; every org has a `prod` sandbox.
_ANY_SANDBOX = "prod"


def discover_sandboxes(env: Mapping[str, str]) -> list[str]:
    async def fetch() -> list[str]:
        provider = IMSTokenProvider(
            client_id=env["AEP_CLIENT_ID"],
            client_secret=env.get("AEP_CLIENT_SECRET", ""),
            ims_url=env.get("AEP_IMS_URL") or DEFAULT_IMS_URL,
            retry=RetryPolicy(max_retries=1),
        )
        credential = Credential(
            name="discovery",
            org_id=env.get("AEP_ORG_ID", ""),
            api_key=env["AEP_CLIENT_ID"],
            token_provider=provider,
            sandboxes=(_ANY_SANDBOX,),
            platform_url=env.get("AEP_PLATFORM_URL") or DEFAULT_PLATFORM_URL,
        )
        async with AEPClient([credential], retry=RetryPolicy(max_retries=1)) as client:
            listed = await client.list_sandboxes(sandbox=_ANY_SANDBOX)
        active = [s for s in listed if (s.state or "active") == "active"]
        default = [s.name for s in active if s.type == "development"]
        return default + [s.name for s in active if s.name not in default]

    return anyio.run(fetch)
