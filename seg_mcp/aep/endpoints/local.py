"""seg-mcp's own endpoints on the local sandbox (`Service.LOCAL_SANDBOX`, `/seg-mcp/local`): not
Adobe's API, so never called on Adobe (the server picks them by the configured backend)."""

from __future__ import annotations

from seg_mcp.aep.base import BaseAEPClient
from seg_mcp.aep.models.local import FieldValues, FieldValuesRequest, LocalClock
from seg_mcp.aep.operation import SandboxName, Service, operation

__all__ = ["LocalSandboxAPI"]


class LocalSandboxAPI(BaseAEPClient):
    @operation(
        "localFieldValues",
        "POST",
        "/field-values",
        summary="A field's values, counted exactly (local sandbox only, not an Adobe API)",
        body=FieldValuesRequest,
        idempotent=True,
        service=Service.LOCAL_SANDBOX,
        in_spec=False,
    )
    async def local_field_values(
        self, body: FieldValuesRequest, *, sandbox: SandboxName = None
    ) -> FieldValues:
        raise NotImplementedError  # @operation sends the request

    @operation(
        "localClock",
        "GET",
        "/clock",
        summary="The instant the sandbox evaluates against (local sandbox only, not an Adobe API)",
        service=Service.LOCAL_SANDBOX,
        in_spec=False,
    )
    async def local_clock(self, *, sandbox: SandboxName = None) -> LocalClock:
        raise NotImplementedError  # @operation sends the request
