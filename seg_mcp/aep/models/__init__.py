"""Pydantic models of the platform's request and response bodies, one module per endpoint family."""

from seg_mcp.aep.models.audiences import *  # noqa: F403
from seg_mcp.aep.models.common import *  # noqa: F403
from seg_mcp.aep.models.export_jobs import *  # noqa: F403
from seg_mcp.aep.models.platform import *  # noqa: F403
from seg_mcp.aep.models.previews import *  # noqa: F403
from seg_mcp.aep.models.schedules import *  # noqa: F403
from seg_mcp.aep.models.search import *  # noqa: F403
from seg_mcp.aep.models.segment_definitions import *  # noqa: F403
from seg_mcp.aep.models.segment_jobs import *  # noqa: F403
