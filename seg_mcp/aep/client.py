"""`AEPClient`: every typed method of every endpoint family on one class."""

from __future__ import annotations

from seg_mcp.aep.endpoints.audiences import AudiencesAPI
from seg_mcp.aep.endpoints.export_jobs import ExportJobsAPI
from seg_mcp.aep.endpoints.local import LocalSandboxAPI
from seg_mcp.aep.endpoints.platform import PlatformAPI
from seg_mcp.aep.endpoints.previews import PreviewsAPI
from seg_mcp.aep.endpoints.schedules import SchedulesAPI
from seg_mcp.aep.endpoints.search import SearchAPI
from seg_mcp.aep.endpoints.segment_definitions import SegmentDefinitionsAPI
from seg_mcp.aep.endpoints.segment_jobs import SegmentJobsAPI

__all__ = ["AEPClient"]


class AEPClient(
    AudiencesAPI,
    SegmentDefinitionsAPI,
    SegmentJobsAPI,
    PreviewsAPI,
    ExportJobsAPI,
    SchedulesAPI,
    SearchAPI,
    PlatformAPI,
    LocalSandboxAPI,
):
    """Async client for the Segmentation Service (every operation), Sandbox Management's sandbox
    list and the Schema Registry's union schemas.

    ```python
    async with AEPClient([credential], transport=httpx2.ASGITransport(app)) as client:
        definitions = await client.list_segment_definitions(sandbox="dev")
        async for job in client.iter_segment_jobs(status="SUCCEEDED"):
            ...
    ```

    Methods are named after Adobe's operationIds in snake_case and take `sandbox=` (None: the
    default sandbox). `seg_mcp.aep.registry` maps each operationId to its method.
    """
